using System.Net;
using System.Text.RegularExpressions;
using TweetStream.Dashboard.Tests.Support;

namespace TweetStream.Dashboard.Tests;

public sealed partial class PageTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("assets/dashboard.js", true)]
    [InlineData("assets/dashboard.css", false)]
    [InlineData("login", false)]
    [InlineData("api/posts", true)]
    [InlineData("api/stats", true)]
    public async Task Every_dashboard_response_carries_the_security_headers(string path, bool loggedIn)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = loggedIn ? await host.LoggedInClientAsync() : host.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        SecurityAssert.HasSecurityHeaders(response);
    }

    [Theory]
    [InlineData("api/posts")]
    [InlineData("")]
    [InlineData("api/tail")]
    public async Task Refusals_carry_the_security_headers_too(string path)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Client.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Redirect);
        SecurityAssert.HasSecurityHeaders(response);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("login", false)]
    public async Task Served_html_has_no_inline_script_handlers_or_styles(string path, bool loggedIn)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = loggedIn ? await host.LoggedInClientAsync() : host.CreateClient();

        var html = await client.GetStringAsync(path);

        Assert.Contains("<html", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotMatch(EventHandlerAttribute(), html);
        Assert.DoesNotMatch(StyleAttribute(), html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(ExternalUrl(), html);
    }

    [Fact]
    public async Task The_script_never_parses_strings_as_html()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = await host.LoggedInClientAsync();

        var js = await client.GetStringAsync("assets/dashboard.js");

        Assert.Contains("textContent", js, StringComparison.Ordinal);
        foreach (var sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "DOMParser", "createContextualFragment" })
        {
            Assert.DoesNotContain(sink, js, StringComparison.Ordinal);
        }

        // Nothing fetched from elsewhere: the page works offline.
        Assert.DoesNotMatch(ExternalUrl(), js);
    }

    [Fact]
    public async Task Stable_element_ids_used_by_browser_tests_exist_in_the_page()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = await host.LoggedInClientAsync();

        var html = await client.GetStringAsync("");

        foreach (var id in new[] { "from", "to", "apply", "range-form", "error", "chart", "total", "redactions", "posts-body", "page-info", "prev-page", "next-page", "tail", "tail-status", "logout" })
        {
            Assert.Contains("id=\"" + id + "\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Assets_are_revalidated_with_an_etag()
    {
        await using var host = await DashboardHost.StartAsync();

        using var first = await host.Client.GetAsync("assets/dashboard.css");
        using var request = new HttpRequestMessage(HttpMethod.Get, "assets/dashboard.css");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc\s*=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<[^>]+\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandlerAttribute();

    [GeneratedRegex(@"<[^>]+\sstyle\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex StyleAttribute();

    [GeneratedRegex(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();
}
