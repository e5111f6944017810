using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace TweetStream.Sources.X;

/// <summary>A failure worth retrying with the backoff of its class.</summary>
internal sealed class XTransientException(XFailureClass failureClass, string message, bool tooManyConnections = false, Exception? inner = null)
    : Exception(message, inner)
{
    public XFailureClass FailureClass { get; } = failureClass;

    /// <summary>True for HTTP 429 with <c>connection_issue: TooManyConnections</c>.</summary>
    public bool TooManyConnections { get; } = tooManyConnections;
}

/// <summary>
/// The HTTP calls of the filtered-stream product: rules lookup and update, the stream connection and the
/// Connections API. Adds the bearer token and a versioned User-Agent to every request.
/// </summary>
/// <remarks>Fatal answers (401, 403, other 4xx) throw <see cref="InvalidOperationException"/> with X's text;
/// retryable ones throw <see cref="XTransientException"/>. The token never appears in a message.</remarks>
internal sealed class XApiClient
{
    private const string RulesPath = "2/tweets/search/stream/rules";
    private const string StreamPath = "2/tweets/search/stream";
    private const string ConnectionsPath = "2/connections/all";

    private static readonly ProductInfoHeaderValue UserAgent = new("TweetStream", GetVersion());

    private readonly HttpClient _http;
    private readonly XFilteredStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly AuthenticationHeaderValue _auth;
    private readonly Uri _base;

    public XApiClient(HttpClient http, XFilteredStreamOptions options, TimeProvider time)
    {
        _http = http;
        _options = options;
        _time = time;
        _auth = new AuthenticationHeaderValue("Bearer", options.BearerToken);
        var b = options.BaseAddress.ToString();
        _base = new Uri(b.EndsWith('/') ? b : b + "/");
    }

    public static string UserAgentValue => UserAgent.ToString();

    /// <summary>Every rule on the app, following <c>next_token</c> pages.</summary>
    public async Task<List<XRule>> GetRulesAsync(CancellationToken cancellationToken)
    {
        var rules = new List<XRule>();
        string? next = null;
        do
        {
            var path = next is null ? RulesPath + "?max_results=1000" : RulesPath + "?max_results=1000&pagination_token=" + Uri.EscapeDataString(next);
            using var request = Create(HttpMethod.Get, path);
            var response = await SendJsonAsync(request, "reading the stream rules", cancellationToken).ConfigureAwait(false);
            if (response.Errors is { Count: > 0 } && response.Data is null)
            {
                throw new InvalidOperationException("X rejected reading the stream rules: " + Describe(response.Errors));
            }

            rules.AddRange(response.Data ?? []);
            next = response.Meta?.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return rules;
    }

    /// <summary>Adds (or, with <paramref name="dryRun"/>, only validates) rules; throws with X's text for any rejected rule.</summary>
    public async Task AddRulesAsync(IReadOnlyList<XNewRule> rules, bool dryRun, CancellationToken cancellationToken)
    {
        using var request = Create(HttpMethod.Post, dryRun ? RulesPath + "?dry_run=true" : RulesPath);
        request.Content = JsonContent.Create(new XAddRulesRequest { Add = rules }, XApiJsonContext.Default.XAddRulesRequest);
        var response = await SendJsonAsync(request, dryRun ? "validating the stream rules" : "adding the stream rules", cancellationToken, rulesRequest: true).ConfigureAwait(false);
        if (response.Errors is { Count: > 0 } || response.Meta?.Summary is { Invalid: > 0 } or { NotCreated: > 0 })
        {
            throw new InvalidOperationException(
                (dryRun ? "X rejected the configured filtered-stream rules (dry run): " : "X did not create the configured filtered-stream rules: ") +
                Describe(response.Errors) + ". Fix TweetStream:X:Rules and restart.");
        }
    }

    /// <summary>Deletes rules by id.</summary>
    public async Task DeleteRulesAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        using var request = Create(HttpMethod.Post, RulesPath);
        request.Content = JsonContent.Create(new XDeleteRulesRequest { Delete = new XDeleteIds { Ids = ids } }, XApiJsonContext.Default.XDeleteRulesRequest);
        var response = await SendJsonAsync(request, "deleting stale stream rules", cancellationToken, rulesRequest: true).ConfigureAwait(false);
        if (response.Errors is { Count: > 0 } || response.Meta?.Summary is { NotDeleted: > 0 })
        {
            throw new InvalidOperationException("X did not delete stale filtered-stream rules: " + Describe(response.Errors));
        }
    }

    /// <summary>Ends every stream connection of the app (<c>DELETE /2/connections/all</c>).</summary>
    public async Task DeleteAllConnectionsAsync(CancellationToken cancellationToken)
    {
        using var request = Create(HttpMethod.Delete, ConnectionsPath);
        _ = await SendJsonAsync(request, "clearing stale stream connections", cancellationToken, parse: false).ConfigureAwait(false);
    }

    /// <summary>Opens the stream; returns the response once X answered 200 with headers, the body still unread.</summary>
    public async Task<HttpResponseMessage> ConnectAsync(int backfillMinutes, CancellationToken cancellationToken)
    {
        var query = new StringBuilder(StreamPath)
            .Append("?expansions=").Append(Uri.EscapeDataString(_options.Expansions))
            .Append("&tweet.fields=").Append(Uri.EscapeDataString(_options.TweetFields))
            .Append("&user.fields=").Append(Uri.EscapeDataString(_options.UserFields));
        if (backfillMinutes > 0)
        {
            query.Append("&backfill_minutes=").Append(backfillMinutes);
        }

        using var request = Create(HttpMethod.Get, query.ToString());

        // Waiting for the response headers counts against the stall timeout too: a silent server is a stall.
        using var stall = new CancellationTokenSource(_options.StallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new XTransientException(XFailureClass.Network, "connecting to the stream failed: " + ex.Message, inner: ex);
        }
        catch (OperationCanceledException ex) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new XTransientException(XFailureClass.Network, "the stream did not answer within the stall timeout", inner: ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                body = string.Empty;
            }
            catch (HttpRequestException)
            {
                body = string.Empty;
            }
            catch (IOException)
            {
                body = string.Empty;
            }

            throw Classify(response.StatusCode, ParseProblem(body), "connecting to the stream");
        }
    }

    private HttpRequestMessage Create(HttpMethod method, string relative)
    {
        var request = new HttpRequestMessage(method, new Uri(_base, relative));
        request.Headers.Authorization = _auth;
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private async Task<XRulesResponse> SendJsonAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken, bool rulesRequest = false, bool parse = true)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string body;
        HttpStatusCode status;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new XTransientException(XFailureClass.Network, what + " failed: " + ex.Message, inner: ex);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new XTransientException(XFailureClass.Network, what + " timed out", inner: ex);
        }

        if ((int)status is >= 200 and < 300)
        {
            if (!parse)
            {
                return new XRulesResponse();
            }

            try
            {
                return JsonSerializer.Deserialize(body, XApiJsonContext.Default.XRulesResponse) ?? new XRulesResponse();
            }
            catch (JsonException ex)
            {
                throw new XTransientException(XFailureClass.Http, what + ": X answered with a body that is not the documented JSON", inner: ex);
            }
        }

        // Rules requests answer invalid rules with a 4xx and the same errors[] shape.
        var problem = ParseProblem(body);
        if (rulesRequest && status == HttpStatusCode.BadRequest && problem is not null)
        {
            throw new InvalidOperationException("X rejected " + what + " (HTTP 400): " + problem.Describe() + ". Fix TweetStream:X:Rules and restart.");
        }

        throw Classify(status, problem, what);
    }

    private static Exception Classify(HttpStatusCode status, XProblem? problem, string what)
    {
        var text = problem?.Describe() ?? "no details";
        var code = (int)status;
        switch (code)
        {
            case 401:
                return new InvalidOperationException(
                    $"X rejected the bearer token while {what} (HTTP 401 Unauthorized: {text}). Set a valid app-only Bearer Token in TweetStream:X:BearerToken; not retrying.");
            case 403:
                return new InvalidOperationException(
                    $"X refused access while {what} (HTTP 403 Forbidden: {text}). The app's access level or project may not include the filtered stream; not retrying.");
            case 429:
                var tooMany = problem?.ConnectionIssue == "TooManyConnections" ||
                    problem?.Errors?.Exists(e => e.ConnectionIssue == "TooManyConnections") == true;
                return new XTransientException(XFailureClass.RateLimit, $"{what}: HTTP 429 ({text})", tooMany);
            case >= 400 and < 500 and not 408 and not 409 and not 420:
                return new InvalidOperationException($"X rejected {what} (HTTP {code}: {text}); check TweetStream:X settings. Not retrying.");
            default:
                // 420 Enhance Your Calm is X's legacy rate-limit status.
                return new XTransientException(code == 420 ? XFailureClass.RateLimit : XFailureClass.Http, $"{what}: HTTP {code} ({text})");
        }
    }

    private static XProblem? ParseProblem(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, XApiJsonContext.Default.XProblem);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(List<XProblem>? errors) =>
        errors is { Count: > 0 } ? string.Join(" | ", errors.Select(e => e.Describe())) : "no details";

    private static string GetVersion()
    {
        var version = typeof(XApiClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? version[..plus] : version;
    }
}
