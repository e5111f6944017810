using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Microsoft.Extensions.Options;
using TweetStream.Dashboard.Tests.Support;

namespace TweetStream.Dashboard.Tests;

public sealed class LoginTests
{
    [Theory]
    [InlineData("api/posts")]
    [InlineData("api/stats")]
    [InlineData("api/tail")]
    public async Task Api_without_a_session_gets_401_not_a_redirect(string path)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal(0, host.Store.QueryCount);
        Assert.Empty(host.Store.StatisticsQueries);
    }

    [Theory]
    [InlineData("")]
    [InlineData("assets/dashboard.js")]
    public async Task Pages_without_a_session_redirect_to_the_login_page(string path)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("login", "text/html")]
    [InlineData("assets/dashboard.css", "text/css")]
    public async Task Login_page_and_its_style_sheet_are_public(string path, string mediaType)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Wrong_password_is_rejected_without_a_session()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await DashboardHost.PostLoginAsync(host.Client, "wrong password");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Wrong password.", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("TweetStream.Dashboard=", StringComparison.Ordinal)));
        using var api = await host.Client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Login_attempts_over_the_limit_get_429_until_the_window_passes()
    {
        await using var host = await DashboardHost.StartAsync(o => o.LoginAttemptsPerMinute = 3);
        var token = await DashboardHost.GetLoginTokenAsync(host.Client);

        for (var i = 0; i < 3; i++)
        {
            using var rejected = await DashboardHost.PostLoginAsync(host.Client, "guess " + i, token);
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        }

        // Even the right password is refused while throttled: the limit must not leak which guess was right.
        using var throttled = await DashboardHost.PostLoginAsync(host.Client, DashboardHost.TestPassword, token);
        Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        SecurityAssert.HasSecurityHeaders(throttled);
        // The browser shows the login page again with a message, not a JSON problem document.
        Assert.Equal("text/html", throttled.Content.Headers.ContentType!.MediaType);
        var page = await throttled.Content.ReadAsStringAsync();
        Assert.Contains("id=\"password\"", page, StringComparison.Ordinal);
        Assert.Contains("Too many sign-in attempts", page, StringComparison.Ordinal);

        host.Time.Advance(TimeSpan.FromMinutes(1));
        using var accepted = await DashboardHost.PostLoginAsync(host.Client, DashboardHost.TestPassword, token);
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
    }

    [Fact]
    public async Task Right_password_gives_a_strict_http_only_cookie_that_opens_the_api()
    {
        await using var host = await DashboardHost.StartAsync();
        host.Store.Add(FakePostStore.Make("x:1", DashboardHost.Now.AddHours(-1)));

        using var response = await DashboardHost.PostLoginAsync(host.Client, DashboardHost.TestPassword);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("TweetStream.Dashboard=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires=", cookie, StringComparison.OrdinalIgnoreCase);
        // Plain http on localhost: SameAsRequest leaves Secure off here and sets it behind https.
        Assert.DoesNotContain("secure;", cookie + ";", StringComparison.OrdinalIgnoreCase);

        using var api = await host.Client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Contains("\"x:1\"", await api.Content.ReadAsStringAsync());
        using var page = await host.Client.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Behind_https_the_session_and_anti_forgery_cookies_are_secure_strict_and_http_only()
    {
        // Stands in for TLS termination with forwarded headers applied: the request arrives as https.
        await using var host = await DashboardHost.StartAsync(configureApp: app => Microsoft.AspNetCore.Builder.UseExtensions.Use(app, (Microsoft.AspNetCore.Http.HttpContext context, Microsoft.AspNetCore.Http.RequestDelegate next) =>
        {
            context.Request.Scheme = "https";
            return next(context);
        }));

        using var page = await host.Client.GetAsync("login");
        var html = await page.Content.ReadAsStringAsync();
        var token = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value);
        var antiforgery = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));

        // The jar will not send Secure cookies over the test's plain connection, so the cookie goes by hand.
        using var request = new HttpRequestMessage(HttpMethod.Post, "login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["password"] = DashboardHost.TestPassword }),
        };
        request.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        using var plain = host.CreateClient();
        using var login = await plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var session = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("TweetStream.Dashboard=", StringComparison.Ordinal));
        foreach (var cookie in new[] { antiforgery, session })
        {
            var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
            Assert.Contains("secure", attributes);
            Assert.Contains("httponly", attributes);
            Assert.Contains("samesite=strict", attributes);
        }
    }

    [Fact]
    public async Task Login_without_the_anti_forgery_token_is_refused()
    {
        await using var host = await DashboardHost.StartAsync();
        _ = await DashboardHost.GetLoginTokenAsync(host.Client);

        using var response = await host.Client.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = DashboardHost.TestPassword }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var api = await host.Client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_session()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = await host.LoggedInClientAsync();
        var html = await client.GetStringAsync("");
        var token = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value);

        using var withoutToken = await client.PostAsync("logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        using var logout = await client.PostAsync("logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);

        using var api = await client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Plain_password_from_configuration_works_and_is_never_logged()
    {
        const string secret = "container-secret-3141";
        await using var host = await DashboardHost.StartAsync(o => o.Password = secret, setPassword: false);

        using var client = await host.LoggedInClientAsync(secret);
        using var wrong = await DashboardHost.PostLoginAsync(host.CreateClient(), "container-secret-2718");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.NotEmpty(host.Logs.Lines);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        Assert.Empty(host.Console.Lines);
    }

    [Fact]
    public async Task Mounted_under_a_prefix_everything_moves_with_it()
    {
        await using var host = await DashboardHost.StartAsync(prefix: "/dashboard");

        using var api = await host.Client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var page = await host.Client.GetAsync("");
        Assert.Equal("/dashboard/login", page.Headers.Location!.OriginalString);
        using var login = await DashboardHost.PostLoginAsync(host.Client, DashboardHost.TestPassword);
        Assert.Equal("/dashboard/", login.Headers.Location!.OriginalString);
        using var authorized = await host.Client.GetAsync("api/posts");
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        using var withoutSlash = await host.Client.GetAsync("/dashboard");
        Assert.Equal("/dashboard/", withoutSlash.Headers.Location!.OriginalString);
        using var index = await host.Client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
    }

    [Fact]
    public async Task A_weak_or_malformed_password_hash_stops_the_host_at_start()
    {
        var weak = "pbkdf2-sha256$1000$" + Convert.ToBase64String(new byte[16]) + "$" + Convert.ToBase64String(new byte[32]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardHost.StartAsync(o => o.PasswordHash = weak));
        Assert.Contains("PasswordHash", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardHost.StartAsync(o => o.PasswordHash = "not a hash"));
    }

    [Fact]
    public void Mapping_without_a_store_or_registration_says_what_is_missing()
    {
        var withoutStore = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        withoutStore.Services.AddTweetDashboard();
        using var app1 = withoutStore.Build();
        var error1 = Assert.Throws<InvalidOperationException>(() => app1.MapTweetDashboard());
        Assert.Contains("IPostStore", error1.Message, StringComparison.Ordinal);

        var withoutDashboard = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        withoutDashboard.Services.AddSingleton<IPostStore>(new FakePostStore());
        using var app2 = withoutDashboard.Build();
        var error2 = Assert.Throws<InvalidOperationException>(() => app2.MapTweetDashboard());
        Assert.Contains("AddTweetDashboard", error2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_options_stop_the_host_at_start()
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardHost.StartAsync(o => o.MaxPageSize = 0));
        await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardHost.StartAsync(o => o.DefaultPageSize = 500));
        await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardHost.StartAsync(o => o.OpenIdConnect.Authority = "https://accounts.example"));
    }
}
