using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TweetStream.Gcp.Rest;

namespace TweetStream.Gcp.PubSub;

/// <summary>Publishes posts to a Pub/Sub topic over REST.</summary>
/// <remarks>
/// A publish request is all-or-nothing, so its outcome applies to every post it carried: the codes the official
/// client treats as transient mark them retryable, others mark them failed with the API's message. The sink never
/// retries; the transport retries only UNAVAILABLE once (publish is not idempotent) and the pipeline owns the rest.
/// Duplicates after retries carry the same <c>post_id</c> attribute.
/// </remarks>
internal sealed class PubSubSink : ISink
{
    private readonly PubSubApi _api;
    private readonly PubSubSinkOptions _options;
    private readonly ILogger _logger;
    private readonly string _topicPath;
    private readonly ConcurrentBag<PublishRequestEncoder> _encoders = [];
    private readonly Lock _provisionLock = new();
    private Task? _provisioning;
    private volatile bool _ready;

    public PubSubSink(PubSubApi api, PubSubSinkOptions options, ILogger logger)
    {
        _api = api;
        _options = options;
        _logger = logger;
        _topicPath = PubSubApi.TopicPath(options.ProjectId, options.TopicId);
        _ready = !options.CreateIfMissing;
    }

    public string Name => "pubsub";

    public async ValueTask WriteAsync(SinkBatch batch, CancellationToken cancellationToken)
    {
        if (!_ready)
        {
            await EnsureTopicAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!_encoders.TryTake(out var encoder))
        {
            encoder = new PublishRequestEncoder(_options.MaxMessagesPerRequest, _options.MaxRequestBytes, _options.OrderingKey);
        }

        var oversized = new List<(int Index, int Bytes)>();
        List<PublishRequestSlice> requests;
        try
        {
            // The pipeline's sink write span is current here: subscribers continue it.
            var current = Activity.Current;
            encoder.TraceContext = PubSubTraceContext.TraceParent(current) is { } parent ? (parent, current!.TraceStateString) : null;
            requests = encoder.Encode(batch, oversized);
        }
        finally
        {
            _encoders.Add(encoder);
        }

        foreach (var (index, bytes) in oversized)
        {
            batch.MarkFailed(index, $"message of {bytes} bytes exceeds Pub/Sub's 10 MB publish request limit");
        }

        // Outcomes are collected first and marked afterwards: SinkBatch is not thread-safe.
        var outcomes = new (bool Retryable, string Reason)?[requests.Count];
        if (!string.IsNullOrEmpty(_options.OrderingKey))
        {
            // One key, in order: after a failure the later requests wait for the pipeline's retry so order holds.
            for (var r = 0; r < requests.Count; r++)
            {
                outcomes[r] = await PublishAsync(requests[r], cancellationToken).ConfigureAwait(false);
                if (outcomes[r] is not null)
                {
                    for (var k = r + 1; k < requests.Count; k++)
                    {
                        outcomes[k] = (true, "not sent: an earlier request with the same ordering key failed");
                    }

                    break;
                }
            }
        }
        else if (requests.Count == 1)
        {
            outcomes[0] = await PublishAsync(requests[0], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, requests.Count),
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentRequests, CancellationToken = cancellationToken },
                async (r, ct) => outcomes[r] = await PublishAsync(requests[r], ct).ConfigureAwait(false)).ConfigureAwait(false);
        }

        for (var r = 0; r < requests.Count; r++)
        {
            if (outcomes[r] is not { } failure)
            {
                continue;
            }

            foreach (var index in requests[r].Indexes)
            {
                if (failure.Retryable)
                {
                    batch.MarkRetryable(index, failure.Reason);
                }
                else
                {
                    batch.MarkFailed(index, failure.Reason);
                }
            }
        }
    }

    private async Task<(bool Retryable, string Reason)?> PublishAsync(PublishRequestSlice request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _api.PublishAsync(_topicPath, request.Body, cancellationToken).ConfigureAwait(false);
            if (response.MessageIds?.Count != request.Indexes.Length)
            {
                return (true, "publish response did not list one message id per message");
            }

            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var retryable = ex is not GoogleApiException || _api.Client.Policy.IsTransient(PubSubRetryPolicy.Publish, ex);
            PubSubLog.PublishFailed(_logger, request.Indexes.Length, _topicPath, ex.Message);
            return (retryable, ex.Message);
        }
    }

    private async Task EnsureTopicAsync(CancellationToken cancellationToken)
    {
        Task provisioning;
        lock (_provisionLock)
        {
            provisioning = _provisioning is { IsFaulted: false, IsCanceled: false } running ? running : _provisioning = ProvisionAsync(cancellationToken);
        }

        await provisioning.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        await _api.EnsureTopicAsync(_topicPath, cancellationToken).ConfigureAwait(false);
        PubSubLog.Provisioned(_logger, "topic", _topicPath);
        _ready = true;
    }
}
