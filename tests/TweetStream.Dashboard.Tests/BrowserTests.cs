using Microsoft.Extensions.Time.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using TweetStream.Dashboard.Tests.Support;
using TweetStream.Tests.Support;

namespace TweetStream.Dashboard.Tests;

/// <summary>Drives the real page in headless Chromium (Debian's chromium + chromedriver).</summary>
public sealed class BrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string DriverDirectory = "/usr/bin";

    [SkippableFact]
    public async Task Logged_in_user_sets_a_range_and_sees_rows_while_hostile_text_stays_text()
    {
        Skip.IfNot(
            File.Exists(ChromiumPath) && File.Exists(Path.Combine(DriverDirectory, "chromedriver")),
            "Chromium or chromedriver is not installed at /usr/bin (apt-get install chromium chromium-driver); .ci/run installs them.");

        var now = TimeProvider.System.GetUtcNow();
        await using var host = await DashboardHost.StartAsync(time: new FakeTimeProvider(now));
        string[] hostile =
        [
            "<img src=x onerror=\"window.__xss=1\">",
            "<script>window.__xss=2</script>",
            "\"><svg onload=\"window.__xss=3\"></svg>",
        ];
        host.Store.Add(
            FakePostStore.Make("x:1", now.AddDays(-2), hostile[0], piiTypes: "EMAIL"),
            FakePostStore.Make("x:2", now.AddDays(-2).AddMinutes(5), hostile[1]),
            FakePostStore.Make("x:3", now.AddDays(-2).AddMinutes(10), hostile[2], piiTypes: ["EMAIL", "PHONE_NUMBER"]));

        using var driver = StartChromium();
        driver.Navigate().GoToUrl(new Uri(host.BaseAddress, "login"));
        driver.FindElement(By.Id("password")).SendKeys(DashboardHost.TestPassword);
        driver.FindElement(By.Id("login-submit")).Click();
        await WaitUntil(() => driver.FindElements(By.Id("posts-body")).Count == 1, "the dashboard after login");

        // The default range (last 24 h) holds none of the posts; widen it to three days.
        await WaitUntil(() => driver.FindElement(By.Id("page-info")).Text.Length > 0, "the first page");
        Assert.Empty(driver.FindElements(By.CssSelector("#posts-body tr")));
        ((IJavaScriptExecutor)driver).ExecuteScript(
            """
            const f = (d) => { const p = (n) => String(n).padStart(2, '0');
              return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()); };
            document.getElementById('from').value = f(new Date(Date.now() - 3 * 86400000));
            document.getElementById('to').value = f(new Date(Date.now() + 60000));
            """);
        driver.FindElement(By.Id("apply")).Click();
        await WaitUntil(() => driver.FindElements(By.CssSelector("#posts-body tr")).Count == 3, "three rows");
        await WaitUntil(() => driver.FindElements(By.CssSelector("#redactions li")).Count == 2, "redaction counts");

        var texts = driver.FindElements(By.CssSelector("#posts-body td.text")).Select(e => e.Text).ToList();
        Assert.Equal(hostile.Reverse(), texts);
        Assert.Empty(driver.FindElements(By.CssSelector("#posts-body img, #posts-body script, #posts-body svg")));
        Assert.Equal("k1:abc123", driver.FindElement(By.CssSelector("#posts-body td.author")).Text);
        Assert.Contains("EMAIL", driver.FindElement(By.Id("redactions")).Text, StringComparison.Ordinal);
        Assert.Equal("undefined", ((IJavaScriptExecutor)driver).ExecuteScript("return typeof window.__xss;"));
        Assert.Equal(string.Empty, driver.FindElement(By.Id("error")).Text);

        // The live tail shows a post stored now, as text too.
        host.Store.Add(FakePostStore.Make("x:live", now.AddSeconds(1), "<b id=\"bold\">live</b>"));
        await WaitUntil(() => driver.FindElements(By.CssSelector("#tail li")).Count > 0, "the live post in the tail", () => host.Time.Advance(TimeSpan.FromSeconds(2)));

        var live = Assert.Single(driver.FindElements(By.CssSelector("#tail li")));
        Assert.EndsWith("<b id=\"bold\">live</b>", live.Text, StringComparison.Ordinal);
        Assert.Empty(driver.FindElements(By.Id("bold")));

        // Nothing on the page tripped the Content-Security-Policy.
        var console = driver.Manage().Logs.GetLog(LogType.Browser).Select(e => e.Message).ToList();
        Assert.DoesNotContain(console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));

        var folder = Path.Combine(AppContext.BaseDirectory, "browser");
        Directory.CreateDirectory(folder);
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(Path.Combine(folder, "dashboard.png"));
    }

    private static ChromeDriver StartChromium()
    {
        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.SetLoggingPreference(LogType.Browser, OpenQA.Selenium.LogLevel.All);
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1100", "--lang=en-GB");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    // Browser work finishes on its own schedule: poll it, with the shared safety net so a broken page fails rather than hangs.
    private static Task WaitUntil(Func<bool> condition, string what, Action? eachRound = null) =>
        Patience.UntilAsync(
            () =>
            {
                try
                {
                    return condition();
                }
                catch (WebDriverException)
                {
                    return false; // the page is between states
                }
            },
            what,
            eachRound);
}
