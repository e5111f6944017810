using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TweetStream.Tests.Support;

/// <summary>
/// A strict local double of the X API v2 filtered-stream product on 127.0.0.1: rules lookup/update, the stream
/// and the Connections API. It checks the bearer token, the User-Agent, every query parameter against the
/// OpenAPI enums and ranges, and the rule request bodies against AddOrDeleteRulesRequest (unknown members → 400).
/// </summary>
/// <remarks>
/// Stream connections follow a script: <see cref="EnqueueStatus"/> answers one connection with an HTTP error;
/// otherwise the connection opens and the test drives it through the <see cref="StreamConnection"/> it receives
/// from <see cref="NextStreamAsync"/>.
/// </remarks>
public sealed partial class XApiDouble : IAsyncDisposable
{
    public const string Token = "test-bearer-token-AAAA";

    private static readonly HashSet<string> TweetFields = [.. "article,attachments,author_id,card_uri,community_id,context_annotations,conversation_id,created_at,display_text_range,edit_controls,edit_history_tweet_ids,entities,geo,id,in_reply_to_user_id,lang,matched_media_notes,media_metadata,non_public_metrics,note_request_suggestions,note_tweet,organic_metrics,paid_partnership,possibly_sensitive,promoted_metrics,public_metrics,referenced_tweets,reply_settings,scopes,source,suggested_source_links,suggested_source_links_with_counts,text,withheld".Split(',')];
    private static readonly HashSet<string> Expansions = [.. "article.cover_media,article.media_entities,attachments.media_keys,attachments.media_source_tweet,attachments.poll_ids,author_id,edit_history_tweet_ids,entities.mentions.username,geo.place_id,in_reply_to_user_id,entities.note.mentions.username,referenced_tweets.id,referenced_tweets.id.attachments.media_keys,referenced_tweets.id.author_id".Split(',')];
    private static readonly HashSet<string> UserFields = [.. "affiliation,confirmed_email,connection_status,created_at,description,entities,id,is_identity_verified,location,most_recent_tweet_id,name,parody,pinned_tweet_id,profile_banner_url,profile_image_url,protected,public_metrics,receives_your_dm,subscription,subscription_type,url,username,verified,verified_followers_count,verified_type,withheld".Split(',')];
    private static readonly HashSet<string> StreamParameters = ["backfill_minutes", "start_time", "end_time", "tweet.fields", "expansions", "media.fields", "poll.fields", "user.fields", "place.fields"];

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string Body)?> _streamScript = new();

    // Status 0 in the script: reset the connection before any response (a network error for the client).
    private const int ResetBeforeHeaders = 0;
    private readonly Channel<StreamConnection> _streams = Channel.CreateUnbounded<StreamConnection>();
    private readonly List<StreamConnection> _open = [];
    private readonly Lock _gate = new();
    private long _nextRuleId = 1_700_000_000_000_000_001;

    private XApiDouble(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The server's rules (id, value, tag).</summary>
    public List<(string Id, string Value, string? Tag)> Rules { get; } = [];

    /// <summary>Rule values X would reject, with its detail text.</summary>
    public Dictionary<string, string> InvalidRules { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request: method, path and query.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The bodies of POST rules requests, with their query.</summary>
    public ConcurrentQueue<string> RuleWrites { get; } = new();

    /// <summary>Answers for the next GET rules requests (fault injection), before the normal behaviour.</summary>
    public ConcurrentQueue<(int Status, string Body)> RulesLookupFaults { get; } = new();

    /// <summary>Rules page size for GET (to exercise pagination).</summary>
    public int RulesPageSize { get; set; } = 1000;

    public int StreamRequests => Requests.Count(r => r.StartsWith("GET /2/tweets/search/stream?", StringComparison.Ordinal));

    public int ConnectionDeletes => Requests.Count(r => r.StartsWith("DELETE /2/connections/all", StringComparison.Ordinal));

    public static async Task<XApiDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new XApiDouble(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Urls.First());
        return fake;
    }

    public void AddRule(string value, string? tag)
    {
        lock (_gate)
        {
            Rules.Add((NextId(), value, tag));
        }
    }

    /// <summary>The next stream connection is answered with this status and body.</summary>
    public void EnqueueStatus(int status, string body) => _streamScript.Enqueue((status, body));

    /// <summary>The next stream connection is reset before the response starts (a network error).</summary>
    public void EnqueueReset() => _streamScript.Enqueue((ResetBeforeHeaders, string.Empty));

    /// <summary>The next stream connection opens (the default when the script is empty).</summary>
    public void EnqueueOpen() => _streamScript.Enqueue(null);

    /// <summary>Waits for the next stream connection that opened.</summary>
    public Task<StreamConnection> NextStreamAsync(CancellationToken cancellationToken = default) =>
        _streams.Reader.ReadAsync(cancellationToken).AsTask().WithinSafetyNet("the next X stream connection");

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var s in _open)
            {
                s.Abort();
            }
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private string NextId() => (_nextRuleId++).ToString(CultureInfo.InvariantCulture);

    private async Task HandleAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
        if (request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            await Problem(ctx, 401, "Unauthorized", "about:blank", "Unauthorized");
            return;
        }

        if (!UserAgentPattern().IsMatch(request.Headers.UserAgent.ToString()))
        {
            await Problem(ctx, 400, "Invalid Request", "https://api.x.com/2/problems/invalid-request", "A versioned User-Agent is required by this double.");
            return;
        }

        switch (request.Method, request.Path.Value)
        {
            case ("GET", "/2/tweets/search/stream/rules"):
                await GetRules(ctx);
                break;
            case ("POST", "/2/tweets/search/stream/rules"):
                await PostRules(ctx);
                break;
            case ("GET", "/2/tweets/search/stream"):
                await Stream(ctx);
                break;
            case ("DELETE", "/2/connections/all"):
                int killed;
                lock (_gate)
                {
                    killed = _open.Count;
                    foreach (var s in _open)
                    {
                        s.Abort();
                    }
                }

                await Json(ctx, 200, $$$"""{"data":{"successful_kills":{{{killed}}},"failed_kills":0}}""");
                break;
            default:
                await Problem(ctx, 404, "Not Found Error", "https://api.x.com/2/problems/resource-not-found", "No such endpoint in this double.");
                break;
        }
    }

    private async Task GetRules(HttpContext ctx)
    {
        if (RulesLookupFaults.TryDequeue(out var fault))
        {
            await Json(ctx, fault.Status, fault.Body);
            return;
        }

        var q = ctx.Request.Query;
        if (Unknown(q.Keys, ["ids", "max_results", "pagination_token"]) is { } bad)
        {
            await InvalidParameter(ctx, bad);
            return;
        }

        var max = 1000;
        if (q.TryGetValue("max_results", out var m) && (!int.TryParse(m, out max) || max is < 1 or > 1000))
        {
            await InvalidParameter(ctx, "max_results");
            return;
        }

        var skip = 0;
        if (q.TryGetValue("pagination_token", out var token))
        {
            if (token.ToString().Length != 16 || !int.TryParse(token.ToString().TrimStart('0'), out skip))
            {
                if (token.ToString() != "0000000000000000")
                {
                    await InvalidParameter(ctx, "pagination_token");
                    return;
                }
            }
        }

        List<(string Id, string Value, string? Tag)> page;
        int total;
        lock (_gate)
        {
            total = Rules.Count;
            page = [.. Rules.Skip(skip).Take(Math.Min(max, RulesPageSize))];
        }

        var data = new JsonArray([.. page.Select(RuleJson)]);
        var meta = new JsonObject { ["sent"] = "2026-11-26T10:00:00.000Z", ["result_count"] = page.Count };
        if (skip + page.Count < total)
        {
            meta["next_token"] = (skip + page.Count).ToString("D16", CultureInfo.InvariantCulture);
        }

        var body = new JsonObject { ["meta"] = meta };
        if (page.Count > 0)
        {
            body["data"] = data;
        }

        await Json(ctx, 200, body.ToJsonString());
    }

    private async Task PostRules(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        if (Unknown(q.Keys, ["dry_run", "delete_all"]) is { } bad)
        {
            await InvalidParameter(ctx, bad);
            return;
        }

        if ((q.TryGetValue("dry_run", out var d) && d != "true" && d != "false") || q.ContainsKey("delete_all"))
        {
            await InvalidParameter(ctx, "dry_run");
            return;
        }

        var dryRun = d == "true";
        if (ctx.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            await InvalidRequest(ctx, "Content-Type must be application/json.");
            return;
        }

        var text = await new StreamReader(ctx.Request.Body, Encoding.UTF8).ReadToEndAsync();
        RuleWrites.Enqueue(ctx.Request.QueryString + " " + text);
        JsonObject body;
        try
        {
            body = JsonNode.Parse(text) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            await InvalidRequest(ctx, "The body is not a JSON object.");
            return;
        }

        if (body.Count != 1 || (!body.ContainsKey("add") && !body.ContainsKey("delete")))
        {
            await InvalidRequest(ctx, "Exactly one of add or delete is required; unknown members are rejected: " + string.Join(",", body.Select(p => p.Key)));
            return;
        }

        if (body["add"] is JsonNode addNode)
        {
            await AddRules(ctx, addNode, dryRun);
        }
        else
        {
            await DeleteRules(ctx, body["delete"], dryRun);
        }
    }

    private async Task AddRules(HttpContext ctx, JsonNode addNode, bool dryRun)
    {
        if (addNode is not JsonArray add || add.Count == 0)
        {
            await InvalidRequest(ctx, "add must be a non-empty array.");
            return;
        }

        var rules = new List<(string Value, string? Tag)>();
        foreach (var node in add)
        {
            if (node is not JsonObject rule || rule.Any(p => p.Key is not ("value" or "tag")) ||
                rule["value"] is not JsonValue v || v.GetValueKind() != JsonValueKind.String ||
                (rule["tag"] is { } t && t.GetValueKind() != JsonValueKind.String))
            {
                await InvalidRequest(ctx, "Each rule is {\"value\": string, \"tag\"?: string} and nothing else.");
                return;
            }

            var value = v.GetValue<string>();
            if (value.Length is 0 or > 1024)
            {
                await InvalidRequest(ctx, "Rule values are 1 to 1024 characters.");
                return;
            }

            rules.Add((value, rule["tag"]?.GetValue<string>()));
        }

        var errors = new JsonArray();
        var created = new JsonArray();
        lock (_gate)
        {
            foreach (var (value, tag) in rules)
            {
                if (InvalidRules.TryGetValue(value, out var detail))
                {
                    errors.Add(new JsonObject
                    {
                        ["value"] = value,
                        ["details"] = new JsonArray(detail),
                        ["title"] = "Invalid Rule",
                        ["type"] = "https://api.x.com/2/problems/invalid-rules",
                    });
                }
                else if (Rules.Exists(r => r.Value == value))
                {
                    errors.Add(new JsonObject
                    {
                        ["value"] = value,
                        ["id"] = Rules.First(r => r.Value == value).Id,
                        ["title"] = "DuplicateRule",
                        ["type"] = "https://api.x.com/2/problems/duplicate-rules",
                    });
                }
                else if (!dryRun)
                {
                    var id = NextId();
                    Rules.Add((id, value, tag));
                    created.Add(RuleJson((id, value, tag)));
                }
                else
                {
                    created.Add(RuleJson((NextId(), value, tag)));
                }
            }
        }

        var invalid = errors.Count;
        var response = new JsonObject
        {
            ["meta"] = new JsonObject
            {
                ["sent"] = "2026-11-26T10:00:00.000Z",
                ["summary"] = new JsonObject
                {
                    ["created"] = dryRun ? 0 : created.Count,
                    ["not_created"] = dryRun ? 0 : invalid,
                    ["valid"] = rules.Count - invalid,
                    ["invalid"] = invalid,
                },
            },
        };
        if (created.Count > 0)
        {
            response["data"] = created;
        }

        if (errors.Count > 0)
        {
            response["errors"] = errors;
        }

        // X answers rule problems with 200 and errors[]; the client must read the body, not only the status.
        await Json(ctx, 200, response.ToJsonString());
    }

    private async Task DeleteRules(HttpContext ctx, JsonNode? deleteNode, bool dryRun)
    {
        if (deleteNode is not JsonObject delete || delete.Any(p => p.Key is not ("ids" or "values")) ||
            delete["ids"] is not JsonArray ids || ids.Count == 0 ||
            ids.Any(i => i is not JsonValue iv || iv.GetValueKind() != JsonValueKind.String || !RuleIdPattern().IsMatch(iv.GetValue<string>())))
        {
            await InvalidRequest(ctx, "delete is {\"ids\": [rule id strings]} (values not used by this client).");
            return;
        }

        var deleted = 0;
        lock (_gate)
        {
            foreach (var id in ids.Select(i => i!.GetValue<string>()))
            {
                if (!dryRun && Rules.RemoveAll(r => r.Id == id) > 0)
                {
                    deleted++;
                }
            }
        }

        var summary = new JsonObject { ["deleted"] = deleted, ["not_deleted"] = ids.Count - deleted };
        await Json(ctx, 200, new JsonObject { ["meta"] = new JsonObject { ["sent"] = "2026-11-26T10:00:00.000Z", ["summary"] = summary } }.ToJsonString());
    }

    private async Task Stream(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        if (Unknown(q.Keys, StreamParameters) is { } bad)
        {
            await InvalidParameter(ctx, bad);
            return;
        }

        foreach (var (name, allowed) in new[] { ("tweet.fields", TweetFields), ("expansions", Expansions), ("user.fields", UserFields) })
        {
            if (q.TryGetValue(name, out var list))
            {
                var items = list.ToString().Split(',');
                if (list.Count != 1 || items.Any(i => !allowed.Contains(i)) || items.Distinct().Count() != items.Length)
                {
                    await InvalidParameter(ctx, name);
                    return;
                }
            }
        }

        if (q.TryGetValue("backfill_minutes", out var b) && (!int.TryParse(b, out var minutes) || minutes is < 0 or > 5))
        {
            await InvalidParameter(ctx, "backfill_minutes");
            return;
        }

        if (_streamScript.TryDequeue(out var step) && step is { Status: ResetBeforeHeaders })
        {
            ctx.Abort();
            return;
        }

        if (step is { } status)
        {
            await Json(ctx, status.Status, status.Body, status.Body.Contains("\"title\"", StringComparison.Ordinal) ? "application/problem+json" : "application/json");
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers["x-rate-limit-limit"] = "50";
        await ctx.Response.StartAsync();
        await ctx.Response.Body.FlushAsync();
        var connection = new StreamConnection(ctx, ctx.Request.QueryString.Value ?? string.Empty);
        lock (_gate)
        {
            _open.Add(connection);
        }

        await _streams.Writer.WriteAsync(connection);
        try
        {
            await connection.Finished.WaitAsync(ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(connection);
            }
        }
    }

    private static string? Unknown(IEnumerable<string> keys, ICollection<string> allowed) => keys.FirstOrDefault(k => !allowed.Contains(k));

    private static JsonObject RuleJson((string Id, string Value, string? Tag) r)
    {
        var o = new JsonObject { ["id"] = r.Id, ["value"] = r.Value };
        if (r.Tag is not null)
        {
            o["tag"] = r.Tag;
        }

        return o;
    }

    private static Task InvalidParameter(HttpContext ctx, string name) =>
        Json(ctx, 400, new JsonObject
        {
            ["errors"] = new JsonArray(new JsonObject { ["parameters"] = new JsonObject { [name] = new JsonArray() }, ["message"] = $"The query parameter [{name}] is not valid here" }),
            ["title"] = "Invalid Request",
            ["detail"] = "One or more parameters to your request was invalid.",
            ["type"] = "https://api.x.com/2/problems/invalid-request",
        }.ToJsonString(), "application/problem+json");

    private static Task InvalidRequest(HttpContext ctx, string detail) =>
        Problem(ctx, 400, "Invalid Request", "https://api.x.com/2/problems/invalid-request", detail);

    private static Task Problem(HttpContext ctx, int status, string title, string type, string detail) =>
        Json(ctx, status, new JsonObject { ["title"] = title, ["type"] = type, ["status"] = status, ["detail"] = detail }.ToJsonString(), "application/problem+json");

    private static async Task Json(HttpContext ctx, int status, string body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        await ctx.Response.WriteAsync(body);
    }

    [GeneratedRegex("^TweetStream/[0-9]+\\.[0-9]+\\.[0-9]+")]
    private static partial Regex UserAgentPattern();

    [GeneratedRegex("^[0-9]{1,19}$")]
    private static partial Regex RuleIdPattern();
}

/// <summary>One open stream connection, driven by the test.</summary>
public sealed class StreamConnection(HttpContext context, string query)
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Query { get; } = query;

    internal Task Finished => _finished.Task;

    /// <summary>Writes one message and its <c>\r\n</c>.</summary>
    public Task SendLineAsync(string json) => SendRawAsync(Encoding.UTF8.GetBytes(json + "\r\n"));

    /// <summary>Writes a keep-alive.</summary>
    public Task SendKeepAliveAsync() => SendRawAsync("\r\n"u8.ToArray());

    /// <summary>Writes bytes as they are (partial lines included) and flushes them to the socket.</summary>
    public async Task SendRawAsync(byte[] bytes)
    {
        await context.Response.Body.WriteAsync(bytes);
        await context.Response.Body.FlushAsync();
    }

    /// <summary>Ends the response cleanly (the client reads end of stream).</summary>
    public void End() => _finished.TrySetResult();

    /// <summary>Resets the connection (the client reads an I/O error).</summary>
    public void Abort()
    {
        context.Abort();
        _finished.TrySetResult();
    }
}
