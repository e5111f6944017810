using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TweetStream.Dashboard;

/// <summary>Tells the cookie events which dashboard mount an endpoint belongs to and whether it is an API (401, not a redirect).</summary>
internal sealed record DashboardEndpointMetadata(string Prefix, bool IsApi);

internal static class DashboardEndpoints
{
    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd",
    ];

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix)
    {
        var root = endpoints.MapGroup(prefix);
        root.AddEndpointFilter(SecurityHeaders.Filter);
        root.WithMetadata(new DashboardEndpointMetadata(prefix, IsApi: false));
        // Public: the login page, its post, its style sheet and the OpenID Connect start.
        root.MapGet("/login", LoginPage);
        root.MapPost("/login", Login);
        root.MapGet("/login/oidc", StartOpenIdConnect);
        root.MapGet("/assets/dashboard.css", (HttpContext c) => DashboardAssets.Serve(c, "dashboard.css"));

        var app = root.MapGroup(string.Empty).RequireAuthorization(DashboardAuthentication.Policy);
        app.MapGet("/", IndexPage);
        app.MapGet("/assets/dashboard.js", (HttpContext c) => DashboardAssets.Serve(c, "dashboard.js"));
        app.MapPost("/logout", Logout);

        var api = app.MapGroup("/api");
        api.WithMetadata(new DashboardEndpointMetadata(prefix, IsApi: true));
        api.AddEndpointFilter(SecurityHeaders.NoStoreFilter);
        api.MapGet("/posts", GetPosts);
        api.MapGet("/stats", GetStats);
        api.MapGet("/tail", Tail);
        api.MapGet("/export.csv", DashboardExport.Export);
        return root;
    }

    private static IResult LoginPage(HttpContext context, IAntiforgery antiforgery, IOptions<DashboardOptions> options) =>
        RenderLogin(context, antiforgery, options.Value, error: string.Empty, StatusCodes.Status200OK);

    private static IResult RenderLogin(HttpContext context, IAntiforgery antiforgery, DashboardOptions options, string error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = DashboardAssets.Render("login.html", new Dictionary<string, string>
        {
            ["csrf"] = tokens.RequestToken ?? string.Empty,
            ["error"] = error,
            ["oidc"] = options.OpenIdConnect.Enabled ? options.OpenIdConnect.DisplayName : string.Empty,
        });
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static async Task<IResult> Login(
        HttpContext context,
        IAntiforgery antiforgery,
        LoginThrottle throttle,
        DashboardCredentials credentials,
        IOptions<DashboardOptions> options,
        ILoggerFactory logs)
    {
        var logger = logs.CreateLogger(typeof(DashboardAuthentication).FullName!);
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!throttle.TryAcquire(client, out var retryAfter))
        {
            DashboardLog.LoginThrottled(logger);
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            // A browser posted this form: answer with the form again, not a JSON problem it would show raw.
            return RenderLogin(
                context,
                antiforgery,
                options.Value,
                "Too many sign-in attempts from this address. Wait a minute, then try again.",
                StatusCodes.Status429TooManyRequests);
        }

        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return RenderLogin(context, antiforgery, options.Value, "The form expired; please try again.", StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        if (!credentials.Verify(form["password"].ToString()))
        {
            DashboardLog.LoginFailed(logger);
            return RenderLogin(context, antiforgery, options.Value, "Wrong password.", StatusCodes.Status401Unauthorized);
        }

        await context.SignInAsync(
            DashboardAuthentication.CookieScheme,
            DashboardAuthentication.CreatePrincipal("dashboard", "pwd"),
            new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
        DashboardLog.LoginSucceeded(logger, "password");
        return Results.Redirect(context.Request.PathBase + Prefix(context) + "/");
    }

    private static IResult StartOpenIdConnect(HttpContext context, IOptions<DashboardOptions> options) =>
        options.Value.OpenIdConnect.Enabled
            ? Results.Challenge(
                new AuthenticationProperties { RedirectUri = context.Request.PathBase + Prefix(context) + "/" },
                [DashboardAuthentication.OpenIdConnectScheme])
            : Results.NotFound();

    private static async Task<IResult> Logout(HttpContext context, IAntiforgery antiforgery)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return Results.BadRequest();
        }

        await context.SignOutAsync(DashboardAuthentication.CookieScheme).ConfigureAwait(false);
        return Results.Redirect(context.Request.PathBase + Prefix(context) + "/login");
    }

    private static IResult IndexPage(HttpContext context, IAntiforgery antiforgery)
    {
        // Routing matches "/dashboard" and "/dashboard/" alike, but the page's relative links need the slash.
        if (context.Request.Path.Value?.EndsWith('/') != true)
        {
            return Results.Redirect(context.Request.PathBase + context.Request.Path + "/");
        }

        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = DashboardAssets.Render("index.html", new Dictionary<string, string> { ["csrf"] = tokens.RequestToken ?? string.Empty });
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8);
    }

    private static async Task<IResult> GetPosts(HttpContext context, IPostStore store, IOptions<DashboardOptions> options, TimeProvider time)
    {
        var o = options.Value;
        var query = context.Request.Query;
        if (!TryReadRange(query, o, time, out var from, out var to, out var error)
            || !TryReadFilter(query, out var filter, out error)
            || !TryReadCursor(query, out var after, out error)
            || !TryReadInt(query, "page", 1, 1, int.MaxValue, out var page, out error)
            || !TryReadInt(query, "pageSize", o.DefaultPageSize, 1, o.MaxPageSize, out var pageSize, out error))
        {
            return BadQuery(error);
        }

        if ((long)page * pageSize > int.MaxValue)
        {
            return BadQuery("page is beyond the last possible page.");
        }

        var result = await store.QueryAsync(new PostQuery(from, to, page, pageSize) { After = after, Filter = filter }, context.RequestAborted).ConfigureAwait(false);
        var items = new PostDto[result.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = PostDto.From(result.Items[i]);
        }

        // "to" is the bound this page used: the client sends it back with "after" so later pages read the same range.
        return Results.Json(
            new PostsResponse(items, result.TotalCount, page, result.PageSize, from, to, result.Next is { } next ? FormatCursor(next) : null),
            DashboardJsonContext.Default.PostsResponse);
    }

    private static async Task<IResult> GetStats(HttpContext context, IPostStore store, IOptions<DashboardOptions> options, TimeProvider time)
    {
        var query = context.Request.Query;
        if (!TryReadRange(query, options.Value, time, out var from, out var to, out var error)
            || !TryReadFilter(query, out var filter, out error)
            || !TryReadInt(query, "tzOffset", 0, -840, 840, out var offsetMinutes, out error, allowSign: true))
        {
            return BadQuery(error);
        }

        var offset = TimeSpan.FromMinutes(offsetMinutes);
        var stats = await store.GetStatisticsAsync(
            new PostStatisticsQuery(from, to) { Filter = filter, HourOffset = offset },
            context.RequestAborted).ConfigureAwait(false);
        var counts = new Dictionary<DateTimeOffset, long>();
        foreach (var (hour, count) in stats.PostsPerHour)
        {
            var key = TruncateToHour(hour, offset);
            counts[key] = counts.GetValueOrDefault(key) + count;
        }

        // Every hour of the range, zeros included, so the chart needs no gap logic. The range is at most
        // MaxRange long, and the loop stops before DateTimeOffset.MaxValue (a range ending in year 9999).
        var hours = new List<HourCount>();
        long total = 0;
        var last = DateTimeOffset.MaxValue.AddHours(-1);
        for (var hour = TruncateToHour(from, offset); hour < to; hour = hour.AddHours(1))
        {
            var count = counts.GetValueOrDefault(hour);
            total += count;
            hours.Add(new HourCount(hour, count));
            if (hour >= last)
            {
                break;
            }
        }

        var redactions = stats.RedactionsByType
            .OrderByDescending(p => p.Value)
            .ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new TypeCount(p.Key, p.Value))
            .ToArray();
        var sources = stats.PostsBySource
            .OrderByDescending(p => p.Value)
            .ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new NameCount(p.Key, p.Value))
            .ToArray();
        var hashtags = stats.TopHashtags.Select(p => new NameCount(p.Key, p.Value)).ToArray();
        return Results.Json(
            new StatsResponse(from, to, total, hours, redactions) { PostsBySource = sources, TopHashtags = hashtags },
            DashboardJsonContext.Default.StatsResponse);
    }

    private static async Task Tail(
        HttpContext context,
        IPostStore store,
        IOptions<DashboardOptions> options,
        TimeProvider time,
        ILoggerFactory logs)
    {
        var o = options.Value;
        var cancellationToken = context.RequestAborted;
        var now = time.GetUtcNow();

        // EventSource resends the last event id on reconnect: resume there, within the widest range the API serves.
        var cursor = now;
        var resume = context.Request.Headers["Last-Event-ID"].ToString();
        if (resume.Length == 0)
        {
            resume = context.Request.Query["since"].ToString();
        }

        if (resume.Length > 0 && TryParseDate(resume, out var since) && since > now - o.MaxRange && since < now)
        {
            cursor = since;
        }

        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync(": tail\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

        var seenAtCursor = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(o.TailPollInterval, time, cancellationToken).ConfigureAwait(false);

                // A little past now: a source clock slightly ahead must not hide posts until ours catches up.
                var upper = time.GetUtcNow().AddMinutes(5);
                if (upper <= cursor)
                {
                    continue;
                }

                var page = await store.QueryAsync(new PostQuery(cursor, upper, 1, o.TailBatchSize), cancellationToken).ConfigureAwait(false);
                var fresh = page.Items.Where(p => !seenAtCursor.Contains(p.Id)).OrderBy(p => p.CreatedAt).ToList();
                if (fresh.Count == 0)
                {
                    continue;
                }

                var builder = new StringBuilder();
                var skipped = page.TotalCount - page.Items.Count;
                if (skipped > 0)
                {
                    builder.Append("event: gap\ndata: ")
                        .Append(JsonSerializer.Serialize(new TailGap(skipped), DashboardJsonContext.Default.TailGap))
                        .Append("\n\n");
                }

                foreach (var post in fresh)
                {
                    if (post.CreatedAt > cursor)
                    {
                        cursor = post.CreatedAt;
                        seenAtCursor.Clear();
                    }

                    seenAtCursor.Add(post.Id);
                    builder.Append("event: post\nid: ")
                        .Append(cursor.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))
                        .Append("\ndata: ")
                        .Append(JsonSerializer.Serialize(PostDto.From(post), DashboardJsonContext.Default.PostDto))
                        .Append("\n\n");
                }

                await response.WriteAsync(builder.ToString(), cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The browser went away.
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Ending the stream makes EventSource reconnect with the last id: no post is lost to a transient error.
            DashboardLog.TailFailed(logs.CreateLogger(typeof(DashboardAuthentication).FullName!), exception);
        }
    }

    internal static IResult BadQuery(string? detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query", detail: detail);

    private static string Prefix(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<DashboardEndpointMetadata>()?.Prefix ?? string.Empty;

    /// <summary>The start (UTC) of the hour holding <paramref name="value"/> on a clock <paramref name="offset"/> from UTC.</summary>
    internal static DateTimeOffset TruncateToHour(DateTimeOffset value, TimeSpan offset)
    {
        var ticks = value.UtcTicks + offset.Ticks;
        var start = ticks - (((ticks % TimeSpan.TicksPerHour) + TimeSpan.TicksPerHour) % TimeSpan.TicksPerHour) - offset.Ticks;
        return new DateTimeOffset(Math.Clamp(start, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
    }

    internal static string FormatCursor(PostCursor cursor) =>
        cursor.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "." + cursor.Id;

    private static bool TryReadCursor(IQueryCollection query, out PostCursor? cursor, out string? error)
    {
        cursor = null;
        error = null;
        var text = query["after"].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || text.Length > 300 || dot == text.Length - 1
            || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            error = "after is not a cursor from this API's \"next\".";
            return false;
        }

        cursor = new PostCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(dot + 1)..]);
        return true;
    }

    internal static bool TryReadFilter(IQueryCollection query, out PostFilter? filter, out string? error)
    {
        filter = null;
        error = null;
        var text = query["q"].ToString().Trim();
        var source = query["source"].ToString().Trim();
        var hashtag = query["hashtag"].ToString().Trim().TrimStart('#');
        var type = query["pii"].ToString().Trim();
        if (text.Length > PostFilter.MaxTextLength)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"q is longer than {PostFilter.MaxTextLength} characters.");
            return false;
        }

        var candidate = new PostFilter(text, source, hashtag, type);
        if (candidate.Words().Count < text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"q has more than {PostFilter.MaxWords} words.");
            return false;
        }

        foreach (var (name, value) in new[] { ("source", source), ("hashtag", hashtag), ("pii", type) })
        {
            if (value.Length > 100 || value.Any(char.IsControl))
            {
                error = name + " must be at most 100 printable characters.";
                return false;
            }
        }

        filter = candidate.IsEmpty ? null : candidate;
        return true;
    }

    internal static bool TryParseDate(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(
            text,
            DateFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out value);

    internal static bool TryReadRange(IQueryCollection query, DashboardOptions options, TimeProvider time, out DateTimeOffset from, out DateTimeOffset to, out string? error)
    {
        from = to = default;
        var fromText = query["from"].ToString();
        var toText = query["to"].ToString();
        if (toText.Length == 0)
        {
            to = time.GetUtcNow();
        }
        else if (!TryParseDate(toText, out to))
        {
            error = "to is not an ISO 8601 date-time (e.g. 2026-11-26T10:00:00Z).";
            return false;
        }

        if (fromText.Length == 0)
        {
            from = to - TimeSpan.FromHours(24);
        }
        else if (!TryParseDate(fromText, out from))
        {
            error = "from is not an ISO 8601 date-time (e.g. 2026-11-25T10:00:00Z).";
            return false;
        }

        if (from >= to)
        {
            error = "from must be earlier than to.";
            return false;
        }

        if (to - from > options.MaxRange)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"The range is longer than the {options.MaxRange.TotalDays:0.##} days allowed.");
            return false;
        }

        error = null;
        return true;
    }

    internal static bool TryReadInt(IQueryCollection query, string name, int fallback, int min, int max, out int value, out string? error, bool allowSign = false)
    {
        var text = query[name].ToString();
        error = null;
        if (text.Length == 0)
        {
            value = fallback;
            return true;
        }

        if (!int.TryParse(text, allowSign ? NumberStyles.AllowLeadingSign : NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {min} to {max}.");
            return false;
        }

        return true;
    }
}
