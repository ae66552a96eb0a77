using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace KSpanActors.Tests.Export.Html;

/// <summary>
/// Headless Chromium from Debian's <c>chromium</c> package, driven through <c>chromium-driver</c> (Selenium): the system
/// binaries, never a browser downloaded at run time. Missing, every browser test fails saying how to install them.
/// <c>KSPAN_CHROMIUM</c> and <c>KSPAN_CHROMEDRIVER</c> point elsewhere (another distribution's paths).
/// </summary>
public sealed class Chromium : IDisposable
{
    public const string InstallHint =
        "the HTML report's browser tests need Debian's chromium and chromium-driver packages: " +
        "apt-get install -y chromium chromium-driver (.ci/run installs them)";

    public static string BrowserPath => Environment.GetEnvironmentVariable("KSPAN_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public static string DriverPath => Environment.GetEnvironmentVariable("KSPAN_CHROMEDRIVER") is { Length: > 0 } p ? p : "/usr/bin/chromedriver";

    public Chromium()
    {
        if (!File.Exists(BrowserPath)) throw new InvalidOperationException($"Chromium not found at {BrowserPath}: {InstallHint}");
        if (!File.Exists(DriverPath)) throw new InvalidOperationException($"chromedriver not found at {DriverPath}: {InstallHint}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        // No network is needed: the report is a file and must load nothing from anywhere.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900",
            "--disable-extensions", "--no-first-run");
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
    }

    public ChromeDriver Driver { get; }

    /// <summary>Opens a report file (file://) and waits until its script has drawn the index.</summary>
    public void Open(string path, string hash = "")
    {
        Driver.Navigate().GoToUrl(new Uri(Path.GetFullPath(path)).AbsoluteUri + hash);
        Until(d => (string?)((IJavaScriptExecutor)d).ExecuteScript("return document.documentElement.dataset.ready || null") == "1",
            "the report's script never finished drawing (a script error, or blocked by its Content-Security-Policy)");
    }

    /// <summary>Waits (polling the browser, 10 s at most) until <paramref name="condition"/> holds.</summary>
    public void Until(Func<IWebDriver, bool> condition, string what)
    {
        var wait = new WebDriverWait(Driver, TimeSpan.FromSeconds(10)) { Message = what };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        wait.Until(condition);
    }

    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}
