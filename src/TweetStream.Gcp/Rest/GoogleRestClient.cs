using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;
using TweetStream.Gcp.Auth;

namespace TweetStream.Gcp.Rest;

/// <summary>Per-API settings of the shared transport.</summary>
/// <param name="BaseAddress">Where the API lives, ending in <c>/</c>.</param>
/// <param name="QuotaProjectId">Sent as <c>x-goog-user-project</c> when set.</param>
/// <param name="GzipRequestBodies">Gzip request bodies of at least <paramref name="GzipThresholdBytes"/>.</param>
/// <param name="GzipThresholdBytes">Smallest body worth compressing.</param>
internal sealed record GoogleRestSettings(Uri BaseAddress, string? QuotaProjectId, bool GzipRequestBodies, int GzipThresholdBytes);

/// <summary>
/// The small REST transport every Google API component uses: JSON bodies, optional gzip, bearer tokens,
/// quota project, error bodies parsed into <see cref="GoogleApiException"/>, and the API's retry policy
/// (Polly, exponential backoff with jitter, a total deadline) on the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>Thread-safe; one instance per API and configuration.</remarks>
internal sealed class GoogleRestClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    // Google front ends gzip responses only when the User-Agent mentions gzip and Accept-Encoding allows it.
    private static readonly ProductInfoHeaderValue[] UserAgent = [new("tweetstream", "0.1"), new("(gzip)")];

    private readonly HttpClient _http;
    private readonly GoogleRestSettings _settings;
    private readonly IGoogleAccessTokenSource _tokens;
    private readonly GoogleRetryPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new();

    public GoogleRestClient(HttpClient http, GoogleRestSettings settings, IGoogleAccessTokenSource tokens, GoogleRetryPolicy policy, TimeProvider time)
    {
        _http = http;
        _settings = settings;
        _tokens = tokens;
        _policy = policy;
        _time = time;
    }

    public GoogleRetryPolicy Policy => _policy;

    public Uri BaseAddress => _settings.BaseAddress;

    /// <summary>Serializes <paramref name="body"/> with source-generated metadata and sends it.</summary>
    public Task<TResponse> SendJsonAsync<TRequest, TResponse>(
        string operation,
        HttpMethod method,
        string relativePath,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken) =>
        SendAsync(operation, method, relativePath, JsonSerializer.SerializeToUtf8Bytes(body, requestType), responseType, cancellationToken);

    /// <summary>Sends an already encoded JSON body (or none) and decodes the response.</summary>
    /// <exception cref="GoogleApiException">The API answered with an error after the policy's retries.</exception>
    public Task<TResponse> SendAsync<TResponse>(
        string operation,
        HttpMethod method,
        string relativePath,
        ReadOnlyMemory<byte>? jsonBody,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        var (payload, gzipped) = jsonBody is { } raw && _settings.GzipRequestBodies && raw.Length >= _settings.GzipThresholdBytes
            ? (Gzip(raw.Span), true)
            : (jsonBody, false);
        return SendContentAsync(
            operation,
            method,
            relativePath,
            payload is { } bytes
                ? () =>
                {
                    var content = new ReadOnlyMemoryContent(bytes);
                    content.Headers.ContentType = JsonMediaType;
                    if (gzipped)
                    {
                        content.Headers.ContentEncoding.Add("gzip");
                    }

                    return content;
                }
                : null,
            responseType,
            cancellationToken);
    }

    /// <summary>
    /// Sends a body built by <paramref name="contentFactory"/> (called once per attempt; a multipart upload) and
    /// decodes the JSON response. A <paramref name="relativePath"/> starting with <c>/</c> is resolved against the
    /// host, which is how upload endpoints (<c>/upload/…</c>) are reached from the API's base address.
    /// </summary>
    /// <exception cref="GoogleApiException">The API answered with an error after the policy's retries.</exception>
    public async Task<TResponse> SendContentAsync<TResponse>(
        string operation,
        HttpMethod method,
        string relativePath,
        Func<HttpContent>? contentFactory,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        var uri = new Uri(_settings.BaseAddress, relativePath);
        var pipeline = _pipelines.GetOrAdd(operation, CreatePipeline);
        return await pipeline.ExecuteAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(method, uri);
                request.Content = contentFactory?.Invoke();

                foreach (var product in UserAgent)
                {
                    request.Headers.UserAgent.Add(product);
                }

                request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
                var token = await _tokens.GetAccessTokenAsync(ct).ConfigureAwait(false);
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                if (!string.IsNullOrEmpty(_settings.QuotaProjectId))
                {
                    request.Headers.TryAddWithoutValidation("x-goog-user-project", _settings.QuotaProjectId);
                }

                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                var responseBody = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw GoogleErrors.Parse(response.StatusCode, responseBody, operation);
                }

                return JsonSerializer.Deserialize(responseBody.Length == 0 ? "{}"u8 : responseBody, responseType)!;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private ResiliencePipeline CreatePipeline(string operation)
    {
        var settings = _policy.GetSettings(operation);
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time }.AddTimeout(settings.TotalTimeout);
        if (settings.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex
                    && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)
                    && _policy.ShouldRetry(operation, ex)),
                MaxRetryAttempts = settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.InitialDelay,
                MaxDelay = settings.MaxDelay,
            });
        }

        return builder.Build();
    }

    private static byte[] Gzip(ReadOnlySpan<byte> body)
    {
        using var output = new MemoryStream(body.Length / 4 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return output.ToArray();
    }
}
