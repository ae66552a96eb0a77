using KSpanActors.Export.Html;
using KSpanActors.Host;
using KSpanActors.Model;
using KSpanActors.Tests.Pipeline;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace KSpanActors.Tests.Export.Html;

/// <summary>
/// The HTML report in a real browser (headless Chromium, <see cref="Chromium"/>), opened from <c>file://</c> as a person
/// would open a report someone sent them. The rollout is the project's own hand-written 2-pod recording
/// (Fixtures/replay/rollout.capture.yaml), replayed by the command line.
/// </summary>
[Collection("akka-cluster")]
public sealed class HtmlReportBrowserTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>, IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay");

    /// <summary>Screenshots stay in the test output folder for a person to look at.</summary>
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "html-report");

    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-html-browser-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IWebDriver Driver => chromium.Driver;

    [Fact]
    public async Task The_rollout_report_shows_its_rows_verdict_span_details_and_finds_by_search()
    {
        var report = Path.Combine(_dir, "rollout.html");
        var exit = await Cli.Build().Parse(["replay", Path.Combine(Fixtures, "rollout.capture.yaml"), "--html", report, "--quiet"]).InvokeAsync();
        Assert.Equal(0, exit);
        var verdict = ReportFile.Data(await File.ReadAllTextAsync(report)).GetProperty("traces")[0].GetProperty("verdict").GetString();

        chromium.Open(report);

        // The index: one trace, what it is about.
        var row = Assert.Single(Driver.FindElements(By.CssSelector("#traces .irow")));
        Assert.Equal(["Deployment", "replay", "shop", "checkout", "19"], new[] { "kind", "cluster", "ns", "name", "spans" }.Select(c => row.FindElement(By.CssSelector("." + c)).Text));
        Assert.Equal("1", row.FindElement(By.CssSelector(".errs")).Text);

        // Open it: the waterfall's rows, in the terminal's order, with the objects they are about.
        row.Click();
        chromium.Until(d => d.FindElements(By.CssSelector("#waterfall .wrow:not(.axis)")).Count > 0, "the trace did not open");
        var rows = Driver.FindElements(By.CssSelector("#waterfall .wrow:not(.axis)"));
        Assert.Equal(19, rows.Count);
        var names = rows.Select(r => r.FindElement(By.CssSelector(".sname")).Text).ToList();
        Assert.Equal(["Deployment.Update", "Deployment.ScalingReplicaSet", "ReplicaSet.SuccessfulCreate", "Pod.Scheduled", "Pod.Pulling", "Pod.Pulled", "Pod.Created", "Pod.Started"], names.Take(8));
        Assert.Equal("checkout-8c9-aaaaa", rows[3].FindElement(By.CssSelector(".obj")).Text);
        Assert.Equal("default-scheduler", rows[3].FindElement(By.CssSelector(".svc")).Text);
        Assert.Contains("├─", rows[3].FindElement(By.CssSelector(".tree")).Text, StringComparison.Ordinal);
        var unhealthy = Assert.Single(rows, r => r.FindElement(By.CssSelector(".sname")).Text == "Pod.Unhealthy");
        Assert.Contains("err", unhealthy.GetAttribute("class"), StringComparison.Ordinal);
        Assert.Contains("✗", unhealthy.Text, StringComparison.Ordinal);
        Assert.Equal("checkout-8c9-bbbbb", unhealthy.FindElement(By.CssSelector(".obj")).Text);
        // Bars share the trace's time axis: the root fills it; the pull (12:00:01 → 12:00:07 of 12:00:00 → 12:00:12) half of it.
        var axis = Driver.FindElement(By.CssSelector("#waterfall .axis .tl")).Size.Width;
        var rootBar = rows[0].FindElement(By.CssSelector(".bar"));
        Assert.InRange(rootBar.Size.Width, axis - 2, axis + 1);
        Assert.InRange(rows[4].FindElement(By.CssSelector(".bar")).Size.Width, axis * 4 / 10, axis * 6 / 10);

        // The verdict on top, as the terminal says it.
        Assert.Equal(verdict, Driver.FindElement(By.Id("verdict")).Text);
        Assert.StartsWith("rollout shop/checkout ", verdict, StringComparison.Ordinal);

        // A click shows the span's details: message, count, attributes.
        rows[3].Click();
        var detail = Driver.FindElement(By.CssSelector("#waterfall .detail"));
        Assert.Equal("Successfully assigned shop/checkout-8c9-aaaaa to worker-1", detail.FindElement(By.CssSelector(".msg")).Text);
        var attributes = detail.FindElements(By.CssSelector("tr")).ToDictionary(r => r.FindElements(By.TagName("td"))[0].Text, r => r.FindElements(By.TagName("td"))[1].Text);
        Assert.Equal("checkout-8c9-aaaaa", attributes["k8s.pod.name"]);
        Assert.Equal("1", attributes["count"]);
        Assert.Equal("Scheduled", attributes["k8s.event.reason"]);
        Assert.StartsWith("ReplicaSet.SuccessfulCreate ", attributes["parent"], StringComparison.Ordinal);
        // And hovering names the span and its message.
        Assert.Contains("Readiness probe failed", unhealthy.GetAttribute("title"), StringComparison.Ordinal);
        Screenshot("rollout-trace.png");

        // Back to the index; the search finds a trace by what is inside it (a node name), and says when nothing matches.
        Driver.FindElement(By.CssSelector("#trace a.back")).Click();
        chromium.Until(d => d.FindElements(By.CssSelector("#traces .irow")).Count == 1, "the index did not come back");
        Search("worker-2 readiness");
        chromium.Until(d => d.FindElement(By.Id("count")).Text == "1 of 1 trace", "the search did not find the trace by its node and message");
        Assert.Single(Driver.FindElements(By.CssSelector("#traces .irow")));
        Search("worker-3");
        chromium.Until(d => d.FindElement(By.Id("count")).Text == "0 of 1 trace", "the search found what is not there");
        Assert.Empty(Driver.FindElements(By.CssSelector("#traces .irow")));
        Assert.Equal("No trace matches “worker-3”.", Driver.FindElement(By.CssSelector("#traces .empty")).Text);
    }

    [Fact]
    public void The_index_of_many_traces_draws_only_the_rows_in_view_and_sorts_and_filters_by_each_column()
    {
        var traces = Enumerable.Range(1, 400)
            .Select(i => ReportFile.Rollout((ulong)i, $"team-{i % 10}", $"app-{i:000}", 10 + (i * 37 % 400), backOff: i % 7 == 0, shift: i * 60))
            .ToList();
        var report = Path.Combine(_dir, "many.html");
        using (var file = File.Create(report)) HtmlReport.Write(file, traces, new HtmlReportInfo("test", DateTimeOffset.UnixEpoch));

        chromium.Open(report);

        Assert.Equal("400 traces", Driver.FindElement(By.Id("count")).Text);
        var drawn = Driver.FindElements(By.CssSelector("#traces .irow")).Count;
        Assert.InRange(drawn, 10, 80); // virtualised: a screenful and a margin, not 400
        Assert.Equal("app-001", FirstRow("name"));

        SortBy("dur");
        var longest = traces.OrderByDescending(t => t.Spans.Single(s => s.IsRoot).EndNs - t.Spans.Single(s => s.IsRoot).StartNs).First();
        Assert.Equal(longest.TraceId.ToHex(), Driver.FindElement(By.CssSelector("#traces .irow")).GetAttribute("data-trace"));
        SortBy("dur");
        Assert.Equal("10.0s", FirstRow("dur"));

        SortBy("errors");
        Assert.Equal("1", FirstRow("errs"));
        SortBy("ns");
        Assert.Equal("team-0", FirstRow("ns"));
        SortBy("cluster");
        Assert.Equal("cluster-a", FirstRow("cluster"));
        SortBy("cluster");
        Assert.Equal("cluster-b", FirstRow("cluster"));
        SortBy("kind");
        Assert.Equal("Deployment", FirstRow("kind"));

        // Scrolling draws the rows that come into view.
        SortBy("name");
        chromium.Script("document.getElementById('traces').scrollTop = 1e9;");
        chromium.Until(d => d.FindElements(By.CssSelector("#traces .irow")).Any(r => r.FindElement(By.CssSelector(".name")).Text == "app-400"), "the last rows were not drawn after scrolling");

        Search("team-3 backoff");
        var expected = traces.Count(t => t.Spans.Any(s => s.Attribute("k8s.namespace.name") == "team-3") && t.Spans.Any(s => s.Name == "Pod.BackOff"));
        chromium.Until(d => d.FindElement(By.Id("count")).Text == $"{expected} of 400 traces", "the search by namespace and reason");
        Assert.All(Driver.FindElements(By.CssSelector("#traces .irow .ns")), c => Assert.Equal("team-3", c.Text));
        Screenshot("index.png");
    }

    [Fact]
    public void A_hostile_message_is_shown_as_text_and_runs_nothing()
    {
        const string Hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>";
        var report = Path.Combine(_dir, "hostile.html");
        var trace = ReportFile.Hostile(Hostile);
        using (var file = File.Create(report)) HtmlReport.Write(file, [trace], new HtmlReportInfo(Hostile, DateTimeOffset.UnixEpoch));

        // A link to a span opens its trace with that span's details shown.
        chromium.Open(report, "#trace=" + trace.TraceId.ToHex() + "&span=0000000000000077");

        Assert.Throws<NoAlertPresentException>(() => Driver.SwitchTo().Alert());
        Assert.Equal(2L, chromium.Script("return document.scripts.length;"));
        Assert.Equal(0L, chromium.Script("return document.images.length;"));
        var failed = Driver.FindElements(By.CssSelector("#waterfall .wrow")).Single(r => r.Text.Contains("Pod.Failed", StringComparison.Ordinal));
        Assert.Equal(Hostile, failed.FindElement(By.CssSelector(".obj")).Text);
        var detail = Driver.FindElement(By.CssSelector("#waterfall .detail"));
        Assert.Equal("0000000000000077", detail.GetAttribute("data-span"));
        Assert.Equal(Hostile, detail.FindElement(By.CssSelector(".msg")).Text);
        Assert.Contains(Hostile, Driver.FindElement(By.Id("verdict")).Text, StringComparison.Ordinal);
        Assert.Throws<NoAlertPresentException>(() => Driver.SwitchTo().Alert());
    }

    private void Search(string text)
    {
        var box = Driver.FindElement(By.Id("search"));
        box.Clear();
        box.SendKeys(text);
    }

    private void SortBy(string column)
    {
        var before = (string?)chromium.Script("var b = document.querySelector('.ihead button[aria-sort]'); return b ? b.dataset.sort + b.getAttribute('aria-sort') : '';");
        Driver.FindElement(By.CssSelector($".ihead button[data-sort='{column}']")).Click();
        chromium.Until(_ => (string?)chromium.Script("var b = document.querySelector('.ihead button[aria-sort]'); return b.dataset.sort + b.getAttribute('aria-sort');") != before,
            $"sorting by {column} did not happen");
    }

    private string FirstRow(string cell) => Driver.FindElement(By.CssSelector($"#traces .irow .{cell}")).Text;

    private void Screenshot(string name)
    {
        Directory.CreateDirectory(Screenshots);
        var path = Path.Combine(Screenshots, name);
        ((ITakesScreenshot)Driver).GetScreenshot().SaveAsFile(path);
        Assert.True(new FileInfo(path).Length > 1000);
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"HTML report screenshot: {path}");
    }
}
