using System.Collections.ObjectModel;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using TweetStream.Tests.Support;

namespace TweetStream.Dashboard.Tests.Support;

/// <summary>Headless Debian Chromium through chromedriver, with the waits and screenshots the browser tests share.</summary>
public sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverDirectory = "/usr/bin";

    private Browser(ChromeDriver driver) => Driver = driver;

    public ChromeDriver Driver { get; }

    /// <summary>Where the screenshots go (beside the test assembly, in <c>browser/</c>).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "browser");

    /// <summary>axe-core as <c>npm ci</c> installs it from <c>tests/TweetStream.Dashboard.Tests/axe/package-lock.json</c>.</summary>
    public static string AxePath { get; } = Path.Combine(TestPaths.RepositoryRoot, "tests", "TweetStream.Dashboard.Tests", "axe", "node_modules", "axe-core", "axe.min.js");

    public static void SkipUnlessInstalled() =>
        Skip.IfNot(
            File.Exists(ChromiumPath) && File.Exists(Path.Combine(DriverDirectory, "chromedriver")),
            "Chromium or chromedriver is not installed at /usr/bin (apt-get install chromium chromium-driver); .ci/run installs them.");

    public static Browser Start(int width = 1280, int height = 1100, string? timeZone = null)
    {
        SkipUnlessInstalled();
        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.SetLoggingPreference(LogType.Browser, OpenQA.Selenium.LogLevel.All);
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", $"--window-size={width},{height}", "--lang=en-GB");
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        var browser = new Browser(driver);
        if (timeZone is not null)
        {
            driver.ExecuteCdpCommand("Emulation.setTimezoneOverride", new Dictionary<string, object?> { ["timezoneId"] = timeZone });
        }

        if (width < 500)
        {
            // Headless windows have a minimum width; the device metrics make the viewport a phone's.
            driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
            {
                ["width"] = width,
                ["height"] = height,
                ["deviceScaleFactor"] = 2,
                ["mobile"] = true,
            });
        }

        return browser;
    }

    public object? Js(string script, params object[] args) => ((IJavaScriptExecutor)Driver).ExecuteScript(script, args);

    public IWebElement Find(string css) => Driver.FindElement(By.CssSelector(css));

    public ReadOnlyCollection<IWebElement> FindAll(string css) => Driver.FindElements(By.CssSelector(css));

    public async Task LogInAsync(DashboardHost host, string path = "")
    {
        Driver.Navigate().GoToUrl(new Uri(host.BaseAddress, "login"));
        Find("#password").SendKeys(DashboardHost.TestPassword);
        Find("#login-submit").Click();
        await WaitUntil(() => FindAll("#posts-body").Count == 1, "the dashboard after login");
        if (path.Length > 0)
        {
            Driver.Navigate().GoToUrl(new Uri(host.BaseAddress, path));
        }

        await WaitUntil(() => Find("#page-info").Text.Length > 0 || Find("#error").Text.Length > 0, "the first page");
    }

    /// <summary>Sets a datetime-local input to an instant, written in the page's own time zone choice.</summary>
    public void SetRange(DateTimeOffset from, DateTimeOffset to) =>
        Js(
            """
            const utc = document.getElementById('tz').value === 'utc';
            const f = (ms) => { const d = new Date(ms); const p = (n) => String(n).padStart(2, '0');
              return utc
                ? d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + 'T' + p(d.getUTCHours()) + ':' + p(d.getUTCMinutes())
                : d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()); };
            document.getElementById('from').value = f(arguments[0]);
            document.getElementById('to').value = f(arguments[1]);
            """,
            from.ToUnixTimeMilliseconds(),
            to.ToUnixTimeMilliseconds());

    public string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        ((ITakesScreenshot)Driver).GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>Runs axe-core on the page and returns its serious and critical violations, one line each.</summary>
    public List<string> SeriousAccessibilityViolations()
    {
        Js(File.ReadAllText(AxePath));
        var result = ((IJavaScriptExecutor)Driver).ExecuteAsyncScript(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then((r) => done(r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => v.impact + ' ' + v.id + ': ' + v.help + ' @ ' + v.nodes.map((n) => n.target.join(' ')).join(', '))))
              .catch((e) => done(['axe failed: ' + e]));
            """);
        return ((IEnumerable<object>)result!).Select(o => o.ToString()!).ToList();
    }

    public List<string> ConsoleMessages() => Driver.Manage().Logs.GetLog(LogType.Browser).Select(e => e.Message).ToList();

    public void Dispose() => Driver.Quit();

    // Browser work finishes on its own schedule; the loop only polls, bounded so a broken page fails rather than hangs.
    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (WebDriverException)
            {
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException("Timed out waiting for " + what);
    }
}
