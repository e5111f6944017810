using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using OpenQA.Selenium;
using TweetStream.Dashboard.Tests.Support;
using Xunit.Abstractions;

namespace TweetStream.Dashboard.Tests;

/// <summary>
/// The dashboard as an analyst uses it, in headless Chromium: search, filters, paging, export, the view in the URL,
/// time zones, errors, phones, the keyboard and axe-core. Screenshots land in <c>browser/</c> beside the test assembly.
/// </summary>
public sealed class AnalystBrowserTests(ITestOutputHelper output)
{
    private const int Seeded = 130;

    /// <summary>130 posts over the last 22 hours: sources x / mastodon / bluesky in turn, every fifth about tea at the Shard (#tea), every fourth with an email redacted.</summary>
    private static async Task<(DashboardHost Host, DateTimeOffset Now, List<string> NewestFirst)> SeededHostAsync(Action<DashboardOptions>? configure = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        var host = await DashboardHost.StartAsync(configure, time: new FakeTimeProvider(now));
        var posts = Enumerable.Range(0, Seeded).Select(i => FakePostStore.Make(
                "x:" + i.ToString("000", CultureInfo.InvariantCulture),
                now.AddMinutes(-(i * 10) - 5),
                i % 5 == 0 ? $"Tea at the Shard, number {i} #tea" : $"post {i} about the river #london",
                piiTypes: i % 4 == 0 ? ["EMAIL"] : []) with
        {
            Source = (i % 3) switch { 0 => "x", 1 => "mastodon", _ => "bluesky" },
            Hashtags = i % 5 == 0 ? ["tea", "london"] : ["london"],
        }).ToArray();
        host.Store.Add(posts);
        return (host, now, posts.Select(p => p.Id).ToList());
    }

    private static List<string> RowIds(Browser b) => b.FindAll("#posts-body tr").Select(r => r.GetAttribute("data-id")!).ToList();

    [SkippableFact]
    public async Task Analyst_searches_filters_shares_the_url_exports_and_pages_without_repeats()
    {
        Browser.SkipUnlessInstalled();
        var (host, now, newestFirst) = await SeededHostAsync();
        await using var _ = host;
        using var b = Browser.Start();
        await b.LogInAsync(host);
        await Browser.WaitUntil(() => b.Find("#page-info").Text.Contains("of " + Seeded, StringComparison.Ordinal), "the whole day");
        Assert.Equal(50, b.FindAll("#posts-body tr").Count);
        Assert.NotEmpty(b.FindAll("#chart-body tr"));

        // Search: the words of the redacted text, submitted with Enter.
        b.Find("#q").SendKeys("shard" + Keys.Enter);
        await Browser.WaitUntil(() => b.Find("#page-info").Text.Contains("of 26)", StringComparison.Ordinal), "26 posts about the Shard");
        Assert.All(b.FindAll("#posts-body td.text"), td => Assert.Contains("Shard", td.Text, StringComparison.Ordinal));
        Assert.Contains("q=shard", b.Driver.Url, StringComparison.Ordinal);
        output.WriteLine("screenshot: " + b.Screenshot("search"));

        // Filters from the side cards: a hashtag, then a source.
        b.FindAll("#hashtags button.filter").First(e => e.FindElement(By.CssSelector(".type")).Text == "#tea").Click();
        await Browser.WaitUntil(() => b.Driver.Url.Contains("hashtag=tea", StringComparison.Ordinal), "the hashtag filter");
        await Browser.WaitUntil(() => b.FindAll("#sources button.filter").Any(e => e.FindElement(By.CssSelector(".type")).Text == "mastodon"), "sources of the filtered range");
        b.FindAll("#sources button.filter").First(e => e.FindElement(By.CssSelector(".type")).Text == "mastodon").Click();
        await Browser.WaitUntil(() => b.Find("#page-info").Text.Contains("of 8)", StringComparison.Ordinal), "8 posts about tea on Mastodon");
        Assert.All(b.FindAll("#posts-body td.source"), td => Assert.Equal("mastodon", td.Text));
        Assert.Equal("mastodon", b.Find("#source").GetAttribute("value"));
        var filtered = RowIds(b);
        output.WriteLine("screenshot: " + b.Screenshot("filters"));

        // The URL holds the whole view: opening it again shows the same inputs and rows.
        var shared = b.Driver.Url;
        b.Driver.Navigate().GoToUrl("about:blank");
        b.Driver.Navigate().GoToUrl(shared);
        await Browser.WaitUntil(() => b.Find("#page-info").Text.Contains("of 8)", StringComparison.Ordinal), "the shared view");
        Assert.Equal("shard", b.Find("#q").GetAttribute("value"));
        Assert.Equal("tea", b.Find("#hashtag").GetAttribute("value"));
        Assert.Equal(filtered, RowIds(b));

        // Export: the link carries the view; the CSV behind the login holds exactly the filtered posts.
        var href = b.Find("#export").GetAttribute("href")!;
        Assert.Contains("source=mastodon", href, StringComparison.Ordinal);
        Assert.Contains("q=shard", href, StringComparison.Ordinal);
        var csv = (string)((IJavaScriptExecutor)b.Driver).ExecuteAsyncScript(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0], { credentials: 'same-origin' }).then((r) => r.text()).then(done, (e) => done('failed: ' + e));",
            href)!;
        // The server ends lines with CRLF; the WebDriver round trip may turn them into LF.
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("created_at,id,source", lines[0], StringComparison.Ordinal);
        Assert.Equal(filtered, lines.Skip(1).Select(l => l.Split(',')[1].Trim('"')));
        b.Js("document.getElementById('export').focus();");
        output.WriteLine("screenshot: " + b.Screenshot("export"));

        // Paging while posts arrive: no page repeats or skips a post.
        b.Find("#clear-filters").Click();
        await Browser.WaitUntil(() => b.Find("#page-info").Text.Contains("of " + Seeded, StringComparison.Ordinal) && b.FindAll("#posts-body tr").Count == 50, "the unfiltered day");
        var seen = RowIds(b);
        for (var page = 2; page <= 3; page++)
        {
            // Newer posts inside the range's fixed upper bound, as a live stream adds them.
            host.Store.Add(FakePostStore.Make("new:" + page, now.AddSeconds(-page)), FakePostStore.Make("new:b" + page, now.AddSeconds(-page - 1)));
            var before = RowIds(b).First();
            b.Find("#next-page").Click();
            await Browser.WaitUntil(() => b.FindAll("#posts-body tr").Count > 0 && RowIds(b).First() != before, "page " + page);
            seen.AddRange(RowIds(b));
        }

        Assert.Equal(newestFirst, seen);
        Assert.Contains("Page 3", b.Find("#page-info").Text, StringComparison.Ordinal);
        output.WriteLine("screenshot: " + b.Screenshot("paging"));
        b.Find("#prev-page").Click();
        await Browser.WaitUntil(() => b.Find("#page-info").Text.StartsWith("Page 2", StringComparison.Ordinal), "back to page 2");
        Assert.Equal(newestFirst.Skip(50).Take(50), RowIds(b));
        Assert.Equal(string.Empty, b.Find("#error").Text);
        Assert.DoesNotContain(b.ConsoleMessages(), m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    [SkippableFact]
    public async Task A_range_error_clears_the_previous_results_and_an_empty_range_says_so()
    {
        Browser.SkipUnlessInstalled();
        var (host, now, _) = await SeededHostAsync();
        await using var _h = host;
        using var b = Browser.Start();
        await b.LogInAsync(host);
        await Browser.WaitUntil(() => b.FindAll("#posts-body tr").Count == 50 && b.FindAll("#chart-body tr").Count > 0, "the day");

        // From after To: caught in the page; nothing of the last range stays under the new dates.
        b.SetRange(now, now.AddHours(-1));
        b.Find("#apply").Click();
        await Browser.WaitUntil(() => b.Find("#error").Text.Contains("before", StringComparison.Ordinal), "the range error");
        Assert.Empty(b.FindAll("#posts-body tr"));
        Assert.Empty(b.FindAll("#chart-body tr"));
        Assert.Empty(b.FindAll("#redactions li"));
        Assert.Equal(string.Empty, b.Find("#page-info").Text);

        // Back to a good range, then one over 31 days: the server's error clears the results too.
        b.SetRange(now.AddDays(-1), now.AddMinutes(1));
        b.Find("#apply").Click();
        await Browser.WaitUntil(() => b.FindAll("#posts-body tr").Count == 50, "the day again");
        b.SetRange(now.AddDays(-40), now);
        b.Find("#apply").Click();
        await Browser.WaitUntil(() => b.Find("#error").Text.Contains("longer than the 31 days", StringComparison.Ordinal), "the server's range error");
        Assert.Empty(b.FindAll("#posts-body tr"));
        Assert.Empty(b.FindAll("#chart-body tr"));
        output.WriteLine("screenshot: " + b.Screenshot("range-error"));

        // An empty range says so.
        b.SetRange(now.AddDays(-10), now.AddDays(-9));
        b.Find("#apply").Click();
        await Browser.WaitUntil(() => b.Find("#empty").Displayed, "the empty-range message");
        Assert.Contains("No posts", b.Find("#empty").Text, StringComparison.Ordinal);
        Assert.Equal("No posts", b.Find("#page-info").Text);
        Assert.Equal(string.Empty, b.Find("#error").Text);
        output.WriteLine("screenshot: " + b.Screenshot("empty"));
    }

    [SkippableFact]
    public async Task In_Kolkata_a_post_at_14_10_local_sits_in_the_bar_of_14_00()
    {
        Browser.SkipUnlessInstalled();
        var now = TimeProvider.System.GetUtcNow();
        await using var host = await DashboardHost.StartAsync(time: new FakeTimeProvider(now));
        var kolkata = TimeSpan.FromMinutes(330);
        var local = now.ToOffset(kolkata).AddHours(-3);
        var at = new DateTimeOffset(local.Year, local.Month, local.Day, local.Hour, 10, 0, kolkata);
        host.Store.Add(FakePostStore.Make("x:1", at.ToUniversalTime()));
        using var b = Browser.Start(timeZone: "Asia/Kolkata");
        await b.LogInAsync(host);
        await Browser.WaitUntil(() => b.FindAll("#chart-body tr").Count > 0, "the hourly table");

        var bars = b.FindAll("#chart-body tr")
            .Select(r => (Hour: r.FindElement(By.TagName("th")).GetAttribute("textContent")!, Count: r.FindElement(By.TagName("td")).GetAttribute("textContent")!))
            .ToList();
        Assert.Equal(at.ToString("dd/MM HH:00", CultureInfo.InvariantCulture), Assert.Single(bars, x => x.Count == "1").Hour);
        Assert.All(bars, x => Assert.EndsWith(":00", x.Hour, StringComparison.Ordinal));
        // ICU may name the zone by its older alias.
        Assert.Matches("Asia/(Kolkata|Calcutta)", b.Find("#total").Text);

        // UTC on request: the same post in its UTC hour, which starts on the hour.
        b.Js("const s = document.getElementById('tz'); s.value = 'utc'; s.dispatchEvent(new Event('change'));");
        await Browser.WaitUntil(() => b.Driver.Url.Contains("tz=utc", StringComparison.Ordinal) && b.Find("#total").Text.Contains("UTC", StringComparison.Ordinal), "the UTC view");
        var utcAt = at.ToUniversalTime();
        await Browser.WaitUntil(
            () => b.FindAll("#chart-body tr").Any(r => r.FindElement(By.TagName("td")).GetAttribute("textContent") == "1"
                && r.FindElement(By.TagName("th")).GetAttribute("textContent") == utcAt.ToString("dd/MM HH:00", CultureInfo.InvariantCulture)),
            "the post in its UTC hour");
        Assert.EndsWith("UTC", b.Find("#posts-body td.time").Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task At_375_px_posts_are_cards_nothing_scrolls_sideways_and_hour_labels_thin_out()
    {
        Browser.SkipUnlessInstalled();
        var (host, _, _) = await SeededHostAsync();
        await using var _h = host;
        using var wide = Browser.Start();
        await wide.LogInAsync(host);
        await Browser.WaitUntil(() => wide.FindAll("#chart-body tr").Count > 0, "the wide chart");
        var wideLabels = int.Parse(wide.Find("#chart").GetAttribute("data-labels")!, CultureInfo.InvariantCulture);

        using var b = Browser.Start(375, 812);
        await b.LogInAsync(host);
        await Browser.WaitUntil(() => b.FindAll("#posts-body tr").Count == 50 && b.FindAll("#chart-body tr").Count > 0, "the phone view");

        Assert.Equal(375L, b.Js("return window.innerWidth;"));
        Assert.True((long)b.Js("return document.documentElement.scrollWidth;")! <= 375, "the page scrolls sideways");
        var text = b.Find("#posts-body tr td.text");
        Assert.Equal("block", text.GetCssValue("display"));
        Assert.True((double)Convert.ToDouble(b.Js("return arguments[0].getBoundingClientRect().right;", text), CultureInfo.InvariantCulture) <= 375, "the text column is off-screen");
        Assert.Contains("Text (redacted)", (string)b.Js("return getComputedStyle(arguments[0], '::before').content;", text)!, StringComparison.Ordinal);
        var phoneLabels = int.Parse(b.Find("#chart").GetAttribute("data-labels")!, CultureInfo.InvariantCulture);
        Assert.InRange(phoneLabels, 2, 4);
        Assert.True(wideLabels > phoneLabels, $"{wideLabels} labels wide, {phoneLabels} on a phone");
        output.WriteLine("screenshot: " + b.Screenshot("phone-375-top"));
        b.Js("document.getElementById('posts-heading').scrollIntoView();");
        output.WriteLine("screenshot: " + b.Screenshot("phone-375-cards"));
    }

    [SkippableFact]
    public async Task Keyboard_alone_signs_in_searches_filters_and_pages()
    {
        Browser.SkipUnlessInstalled();
        var (host, _, newestFirst) = await SeededHostAsync();
        await using var _h = host;
        using var b = Browser.Start();
        b.Driver.Navigate().GoToUrl(new Uri(host.BaseAddress, "login"));

        // The password field has the focus: type and press Enter.
        Assert.Equal("password", b.Driver.SwitchTo().ActiveElement().GetAttribute("id"));
        b.Driver.SwitchTo().ActiveElement().SendKeys(DashboardHost.TestPassword + Keys.Enter);
        await Browser.WaitUntil(() => b.FindAll("#posts-body tr").Count == 50, "the dashboard");

        // The first Tab reaches the skip link; Tab walks on to every control.
        TabTo(b, "a.skip");
        TabTo(b, "#next-page");
        b.Driver.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        await Browser.WaitUntil(() => b.Find("#page-info").Text.StartsWith("Page 2", StringComparison.Ordinal), "page 2 by keyboard");
        Assert.Equal(newestFirst.Skip(50).Take(50), RowIds(b));

        b.Js("document.body.focus(); window.scrollTo(0, 0);");
        TabTo(b, "#q");
        b.Driver.SwitchTo().ActiveElement().SendKeys("river" + Keys.Enter);
        await Browser.WaitUntil(() => b.Find("#page-info").Text.Contains("of 104)", StringComparison.Ordinal), "the search by keyboard");
        TabTo(b, "#sources button.filter");
        var source = b.Driver.SwitchTo().ActiveElement().FindElement(By.CssSelector(".type")).Text;
        b.Driver.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        await Browser.WaitUntil(() => b.Find("#source").GetAttribute("value") == source && b.FindAll("#posts-body td.source").All(td => td.Text == source), "the source filter by keyboard");
        output.WriteLine("screenshot: " + b.Screenshot("keyboard"));
    }

    [SkippableFact]
    public async Task Axe_core_finds_no_serious_or_critical_violation_on_the_login_page_or_the_dashboard()
    {
        Browser.SkipUnlessInstalled();
        Skip.IfNot(File.Exists(Browser.AxePath), "axe-core is not installed (cd tests/TweetStream.Dashboard.Tests/axe && npm ci); .ci/run installs it.");
        var (host, _, _) = await SeededHostAsync();
        await using var _h = host;

        foreach (var width in new[] { 1280, 375 })
        {
            using var b = Browser.Start(width, 900);
            b.Driver.Navigate().GoToUrl(new Uri(host.BaseAddress, "login"));
            var login = b.SeriousAccessibilityViolations();

            await b.LogInAsync(host);
            await Browser.WaitUntil(() => b.FindAll("#posts-body tr").Count == 50 && b.FindAll("#hashtags button").Count > 0, "the loaded dashboard");
            b.Js("document.querySelector('details.chart-data').open = true;");
            var dashboard = b.SeriousAccessibilityViolations();

            output.WriteLine($"{width}px login: {login.Count} serious/critical; dashboard: {dashboard.Count}");
            login.Concat(dashboard).ToList().ForEach(output.WriteLine);
            Assert.Empty(login);
            Assert.Empty(dashboard);
        }
    }

    [SkippableFact]
    public async Task Too_many_sign_in_attempts_show_the_login_page_with_a_message()
    {
        Browser.SkipUnlessInstalled();
        await using var host = await DashboardHost.StartAsync(o => o.LoginAttemptsPerMinute = 2);
        using var b = Browser.Start();

        for (var i = 0; i < 3; i++)
        {
            b.Driver.Navigate().GoToUrl(new Uri(host.BaseAddress, "login"));
            b.Find("#password").SendKeys("wrong " + i + Keys.Enter);
            await Browser.WaitUntil(() => b.FindAll("#login-error").Count == 1 && b.Find("#login-error").Text.Length > 0, "the login answer " + i);
        }

        Assert.Contains("Too many sign-in attempts", b.Find("#login-error").Text, StringComparison.Ordinal);
        Assert.Single(b.FindAll("#password"));
        Assert.DoesNotContain("\"status\"", b.Driver.PageSource, StringComparison.Ordinal);
        output.WriteLine("screenshot: " + b.Screenshot("login-429"));
    }

    // Presses Tab until the focus is on an element matching the selector; a control Tab never reaches fails the test.
    private static void TabTo(Browser b, string css)
    {
        for (var i = 0; i < 80; i++)
        {
            if ((bool)b.Js("return document.activeElement !== null && document.activeElement.matches(arguments[0]);", css)!)
            {
                return;
            }

            new OpenQA.Selenium.Interactions.Actions(b.Driver).SendKeys(Keys.Tab).Perform();
        }

        throw new Xunit.Sdk.XunitException("Tab never reached " + css);
    }
}
