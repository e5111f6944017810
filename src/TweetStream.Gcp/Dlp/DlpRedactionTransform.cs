using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TweetStream.Gcp.Auth;
using TweetStream.Gcp.Rest;
using TweetStream.Pipeline;
using TweetStream.Transforms.Hashing;
using TweetStream.Transforms.Pii;

namespace TweetStream.Gcp.Dlp;

/// <summary>
/// Redacts post text with Cloud DLP <c>content:deidentify</c>: one table request per batch (split only at the request
/// limits), paced under the per-minute quota, with the local redactor as the fallback. Raw text is never passed on:
/// every post leaves either redacted by DLP, redacted locally, or held (the batch throws <see cref="TransientException"/>).
/// </summary>
/// <remarks>Thread-safe; one instance per pipeline, shared with the start-up check.</remarks>
internal sealed class DlpRedactionTransform : ITransform, IDisposable
{
    /// <summary>DLP's cap on findings per request (CONTRACT.md §4.4); a request that reaches it may have stopped finding.</summary>
    public const int MaxFindingsPerRequest = 3000;

    private const string ProbeText = "TweetStream DLP configuration check";

    private readonly GoogleRestClient _client;
    private readonly DlpRedactionOptions _options;
    private readonly DlpRequestEncoder _encoder;
    private readonly DlpRateLimiter _limiter;
    private readonly PiiRedactor? _mentions;
    private readonly PiiRedactor _fallback;
    private readonly ILogger _logger;
    private readonly string _path;
    private readonly Counter<long>? _redacted;
    private readonly KeyValuePair<string, object?> _pipelineTag;
    private readonly SemaphoreSlim _probeGate = new(1, 1);
    private volatile bool _validated;
    private volatile string? _configurationError;
    private long _requests;
    private long _fallbacks;

    public DlpRedactionTransform(
        GoogleRestClient client,
        DlpRedactionOptions options,
        HashingKey? mentionKey,
        TimeProvider time,
        ILogger logger,
        PipelineMetrics? metrics = null,
        string pipeline = "default")
    {
        _redacted = metrics?.Redacted;
        _pipelineTag = new("pipeline", pipeline);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _encoder = new DlpRequestEncoder(options);
        _limiter = new DlpRateLimiter(options.RequestsPerMinute, time);
        _logger = logger;
        _path = $"v2/projects/{options.ProjectId}/locations/{options.Location}/content:deidentify";
        if (options.HashMentions)
        {
            _mentions = new PiiRedactor(
                new RedactPiiOptions { Entities = [PiiEntities.Mention], RedactUrlCredentials = false, RedactUrlTrackingTokens = false },
                mentionKey ?? throw new ArgumentException("Hashing mentions needs the handle-hashing key.", nameof(mentionKey)));
        }

        // The fallback redacts what the local recognisers know, mentions hashed alike, in the same [TYPE] form.
        _fallback = new PiiRedactor(new RedactPiiOptions { HashMentions = options.HashMentions }, mentionKey);
        _validated = !options.ValidateAtStartup;
    }

    public string Name => "dlp-redact";

    public void Dispose() => _probeGate.Dispose();

    /// <summary>Deidentify requests sent (including retries the pipeline made, excluding transport retries).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Posts redacted locally because DLP failed.</summary>
    public long FallbackPosts => Interlocked.Read(ref _fallbacks);

    internal DlpRequestEncoder Encoder => _encoder;

    public async ValueTask ApplyAsync(TransformBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rows = new List<Row>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var post = batch[i];
            if (!batch.IsActive(i) || post.IsTombstone || post.Text.Length == 0)
            {
                continue;
            }

            var sent = post.Text;
            var mentions = 0;
            if (_mentions is not null)
            {
                var hashed = _mentions.Redact(sent);
                sent = hashed.Text;
                mentions = hashed.Spans.Count;
            }

            rows.Add(new Row(i, post.Text, sent, DlpRequestEncoder.EncodeText(sent), mentions));
        }

        if (rows.Count == 0)
        {
            return;
        }

        try
        {
            await EnsureValidatedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DlpConfigurationException ex)
        {
            // Never pass the text on and never dead-letter posts over our own configuration: hold them.
            throw new TransientException(ex.Message, ex);
        }

        foreach (var chunk in Plan(rows))
        {
            await RedactAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        // Results are applied only once every request succeeded or fell back: a held batch is retried from its raw
        // text, so mentions are never hashed twice.
        foreach (var row in rows)
        {
            var post = batch[row.Index];
            batch.Replace(row.Index, post with { Text = row.Result!, PiiTypes = Merge(post.PiiTypes, row.Types!) });
        }
    }

    /// <summary>Sends a one-row request with the real configuration once, so a rejected configuration fails early and clearly.</summary>
    /// <exception cref="DlpConfigurationException">DLP rejected the configuration or the credentials.</exception>
    public async Task EnsureValidatedAsync(CancellationToken cancellationToken)
    {
        if (_validated)
        {
            return;
        }

        await _probeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_configurationError is { } known)
            {
                throw new DlpConfigurationException(known);
            }

            if (_validated)
            {
                return;
            }

            try
            {
                await SendAsync([DlpRequestEncoder.EncodeText(ProbeText)], cancellationToken).ConfigureAwait(false);
                _validated = true;
                DlpLog.ConfigurationAccepted(_logger, _encoder.InfoTypes.Count, _options.Location);
            }
            catch (GoogleApiException ex) when (IsConfigurationError(ex))
            {
                _configurationError = "Cloud DLP rejected the redaction configuration (check ProjectId, Location, InfoTypes, "
                    + "MinLikelihood, and that the credentials hold roles/dlp.user): " + ex.Message;
                DlpLog.ConfigurationRejected(_logger, ex.Message);
                throw new DlpConfigurationException(_configurationError, ex);
            }
            catch (GoogleCredentialsUnavailableException ex)
            {
                _configurationError = "Cloud DLP cannot be called: " + ex.Message;
                DlpLog.ConfigurationRejected(_logger, ex.Message);
                throw new DlpConfigurationException(_configurationError, ex);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // An outage says nothing about the configuration: the batch goes on under the failure policy.
            }
        }
        finally
        {
            _probeGate.Release();
        }
    }

    private static bool IsConfigurationError(GoogleApiException ex) => (int)ex.HttpStatus is 400 or 401 or 403 or 404;

    private bool IsTransient(Exception ex) =>
        ex is OperationCanceledException or JsonException || _client.Policy.IsTransient(DlpRetryPolicy.Deidentify, ex);

    /// <summary>Greedy chunks under the byte and value limits, in batch order.</summary>
    private IEnumerable<List<Row>> Plan(List<Row> rows)
    {
        var chunk = new List<Row>();
        var bytes = _encoder.FixedBytes;
        foreach (var row in rows)
        {
            var size = DlpRequestEncoder.RowBytes(row.Encoded);
            if (chunk.Count > 0 && (bytes + size > _options.MaxRequestBytes || chunk.Count >= _options.MaxValuesPerRequest))
            {
                yield return chunk;
                chunk = [];
                bytes = _encoder.FixedBytes;
            }

            chunk.Add(row);
            bytes += size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private async Task RedactAsync(List<Row> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 1 && _encoder.FixedBytes + DlpRequestEncoder.RowBytes(rows[0].Encoded) > _options.MaxRequestBytes)
        {
            // One post alone over the limit (a huge Mastodon post): DLP would refuse it; redact it here.
            FallBack(rows, "post larger than MaxRequestBytes");
            return;
        }

        DlpDeidentifyResponse response;
        try
        {
            response = await SendAsync([.. rows.Select(r => r.Encoded)], cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (ex.HttpStatus is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge)
        {
            if (rows.Count > 1)
            {
                DlpLog.Split(_logger, rows.Count, ex.Message);
                await SplitAsync(rows, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                FallBack(rows, ex.Message);
            }

            return;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is GoogleApiException || IsTransient(ex)))
        {
            if (_options.OnFailure == DlpFailurePolicy.Hold)
            {
                DlpLog.Held(_logger, rows.Count, ex.Message);
                throw new TransientException("Cloud DLP deidentify failed; the batch is held for retry: " + ex.Message, ex);
            }

            FallBack(rows, ex.Message);
            return;
        }

        var output = response.Item?.Table?.Rows;
        if (output is null || output.Count != rows.Count)
        {
            // Never trust a response that does not line up row for row with what was sent.
            FallBack(rows, $"DLP returned {output?.Count ?? 0} rows for {rows.Count}");
            return;
        }

        if (rows.Count > 1 && CountFindings(response) >= MaxFindingsPerRequest)
        {
            // At the findings cap DLP may have stopped transforming: redo the halves, each under the cap.
            DlpLog.Split(_logger, rows.Count, "findings reached the per-request cap");
            await SplitAsync(rows, cancellationToken).ConfigureAwait(false);
            return;
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var values = output[i].Values;
            if (values is not { Count: 1 } || values[0].StringValue is not { } text)
            {
                FallBack([rows[i]], "DLP returned a row without its text");
                continue;
            }

            rows[i].Result = text;
            rows[i].Types = TypesOf(rows[i], text);
        }
    }

    private async Task SplitAsync(List<Row> rows, CancellationToken cancellationToken)
    {
        var half = rows.Count / 2;
        await RedactAsync(rows[..half], cancellationToken).ConfigureAwait(false);
        await RedactAsync(rows[half..], cancellationToken).ConfigureAwait(false);
    }

    private async Task<DlpDeidentifyResponse> SendAsync(IReadOnlyList<JsonEncodedText> rows, CancellationToken cancellationToken)
    {
        await _limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _requests);
        return await _client.SendAsync(
            DlpRetryPolicy.Deidentify,
            HttpMethod.Post,
            _path,
            _encoder.Encode(rows),
            DlpJsonContext.Default.DlpDeidentifyResponse,
            cancellationToken).ConfigureAwait(false);
    }

    private static long CountFindings(DlpDeidentifyResponse response)
    {
        long total = 0;
        foreach (var summary in response.Overview?.TransformationSummaries ?? [])
        {
            foreach (var result in summary.Results ?? [])
            {
                total += result.Count;
            }
        }

        return total;
    }

    /// <summary>The types whose marker the row gained: DLP wrote it, the author did not (markers already in the text do not count).</summary>
    private List<string> TypesOf(Row row, string redacted)
    {
        var types = new List<string>();
        if (row.Mentioned)
        {
            types.Add(PiiEntities.Mention);
            Count(PiiEntities.Mention, row.Mentions);
        }

        foreach (var marker in _encoder.Markers)
        {
            var gained = Occurrences(redacted, marker.Text) - Occurrences(row.Sent, marker.Text);
            if (gained > 0)
            {
                Count(marker.Type, gained);
                if (!types.Contains(marker.Type))
                {
                    types.Add(marker.Type);
                }
            }
        }

        types.Sort(StringComparer.Ordinal);
        return types;
    }

    // Same instrument and tags as the local redactor, so dashboards count entities alike whichever redactor ran.
    private void Count(string type, int entities)
    {
        if (_redacted is { Enabled: true })
        {
            _redacted.Add(entities, _pipelineTag, new("type", type));
        }
    }

    private static int Occurrences(string text, string marker)
    {
        var count = 0;
        for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private void FallBack(IReadOnlyList<Row> rows, string reason)
    {
        DlpLog.FellBack(_logger, rows.Count, reason);
        Interlocked.Add(ref _fallbacks, rows.Count);
        foreach (var row in rows)
        {
            var local = _fallback.Redact(row.Original);
            row.Result = local.Text;
            row.Types = [.. local.Types];
            foreach (var span in local.Spans)
            {
                Count(span.Type, 1);
            }
        }
    }

    private static List<string> Merge(IReadOnlyList<string> existing, List<string> found)
    {
        if (existing.Count == 0)
        {
            return found;
        }

        var set = new SortedSet<string>(existing, StringComparer.Ordinal);
        set.UnionWith(found);
        return [.. set];
    }

    private sealed class Row(int index, string original, string sent, JsonEncodedText encoded, int mentions)
    {
        public int Index { get; } = index;

        public string Original { get; } = original;

        public string Sent { get; } = sent;

        public JsonEncodedText Encoded { get; } = encoded;

        public int Mentions { get; } = mentions;

        public bool Mentioned => Mentions > 0;

        public string? Result { get; set; }

        public List<string>? Types { get; set; }
    }
}

/// <summary>Cloud DLP rejected the redaction configuration or the credentials.</summary>
internal sealed class DlpConfigurationException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
