using KSpanActors.Export;
using System.Text.RegularExpressions;
using KSpanActors.Export.Html;
using KSpanActors.Host;
using KSpanActors.Model;
using KSpanActors.Tests.Pipeline;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Html;

/// <summary>The HTML report as a file: self-contained, inert data, nothing lost (no browser: see <see cref="HtmlReportBrowserTests"/>).</summary>
[Collection("akka-cluster")]
public sealed partial class HtmlReportTests : IDisposable
{
    private const string HostileMessage = "</script><script>alert(1)</script><!-- \u2028 & ' \" ` +";
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay");
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-html-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Render(params TraceSpans[] traces)
    {
        using var stream = new MemoryStream();
        HtmlReport.Write(stream, traces, new HtmlReportInfo("test", DateTimeOffset.UnixEpoch));
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Replay_with_html_writes_one_self_contained_file_that_loads_nothing_from_outside()
    {
        var report = Path.Combine(_dir, "report.html");

        var exit = await Cli.Build().Parse(["replay", Path.Combine(Fixtures, "rollout.capture.yaml"), "--html", report, "--quiet"]).InvokeAsync();

        Assert.Equal(0, exit);
        Assert.Equal([report], Directory.GetFiles(_dir)); // no temporary file left beside it
        var html = await File.ReadAllTextAsync(report);
        Assert.DoesNotMatch(ExternalReference(), html);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        foreach (var fetching in new[] { "fetch(", "XMLHttpRequest", "import(", "WebSocket", "EventSource", "sendBeacon" })
        {
            Assert.DoesNotContain(fetching, html, StringComparison.Ordinal);
        }
        // And the browser is told so: nothing may be loaded, only our own script (by its hash) may run.
        Assert.Matches("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+';", html);
        Assert.Equal(2, Regex.Count(html, "<script", RegexOptions.IgnoreCase));

        var data = ReportFile.Data(html);
        var trace = Assert.Single(data.GetProperty("traces").EnumerateArray());
        Assert.Equal(19, trace.GetProperty("spans").GetArrayLength()); // the root and 18 event spans
        Assert.Equal("Deployment", trace.GetProperty("kind").GetString());
        Assert.Equal("shop", trace.GetProperty("ns").GetString());
        Assert.Equal("checkout", trace.GetProperty("name").GetString());
        Assert.StartsWith("rollout shop/checkout ", trace.GetProperty("verdict").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_hostile_message_stays_data_and_round_trips_exactly()
    {
        var html = Render(ReportFile.Hostile(HostileMessage));

        Assert.DoesNotContain("alert(1)</script>", html, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(html, "<script", RegexOptions.IgnoreCase)); // the data block and our script: no third one
        Assert.Equal(2, Regex.Count(html, "</script", RegexOptions.IgnoreCase));
        Assert.DoesNotContain("<!--", html, StringComparison.Ordinal);
        var span = ReportFile.Spans(ReportFile.Data(html)).Single(s => s.Name == "Pod.Failed");
        Assert.Equal(HostileMessage, span.Attributes["k8s.event.message"]);
        Assert.Equal(HostileMessage, span.Attributes[HostileMessage]);
        Assert.Equal(HostileMessage, span.Service);
        Assert.Equal(HostileMessage, span.Object);
    }

    [Fact]
    public void Every_span_of_every_trace_is_in_the_file_late_orphaned_and_cyclic_ones_too()
    {
        var rollout = ReportFile.Rollout(1, "team-a", "web", 9.1, backOff: true);
        var late = new TraceSpans(new TraceId(9, 9), [Span(0x90, 0x20, "ReplicaSet.SuccessfulDelete", "replicaset-controller", 20, 20) with { TraceId = new TraceId(9, 9) }]);
        var cyclic = Group(Root(), Span(0xa1, 0xa2, "Pod.Pulled", "kubelet", 1, 1), Span(0xa2, 0xa1, "Pod.Created", "kubelet", 2, 2), Span(0xa3, 0xdead, "Pod.Started", "kubelet", 3, 3));

        var data = ReportFile.Data(Render(rollout, late, cyclic));

        var traces = data.GetProperty("traces").EnumerateArray().ToList();
        var spans = ReportFile.Traces(data);
        Assert.Equal(3, traces.Count);
        Assert.Equal(rollout.Spans.Select(s => s.SpanId.ToHex()).Order(), spans[0].Select(s => s.Id).Order());
        Assert.Equal(rollout.Spans.Select(s => s.IsRoot ? null : s.ParentSpanId.ToHex()).Order(), spans[0].Select(s => s.Parent).Order());
        Assert.Equal(rollout.Spans.Sum(s => s.Attributes.Count), spans[0].Sum(s => s.Attributes.Count));
        Assert.True(traces[1].GetProperty("late").GetBoolean());
        var late1 = Assert.Single(spans[1]);
        Assert.Equal(("0000000000000090", "0000000000000020"), (late1.Id, late1.Parent));
        Assert.Equal(4, spans[2].Count);
        Assert.Contains(spans[2], s => s.Orphan && s.Parent == "000000000000dead");
        Assert.Equal(1, traces[0].GetProperty("errors").GetInt32());
    }

    [Fact]
    public void Rows_are_the_terminal_waterfall_rows_with_tree_prefixes_and_object_names()
    {
        var data = ReportFile.Data(Render(Group(Rollout())));

        var spans = ReportFile.Spans(data).ToList();
        Assert.Equal(["Deployment.Update", "Deployment.ScalingReplicaSet", "ReplicaSet.SuccessfulCreate", "Pod.Scheduled", "Pod.Pulling", "Pod.Pulled", "Pod.Created", "Pod.Started", "Pod.BackOff"],
            spans.Select(s => s.Name));
        Assert.Equal("      ├─ ", spans[3].Prefix);
        Assert.Equal("px-7d4b9c-x2x7q", spans[3].Object);
        Assert.Equal("0000000000000030", spans[3].Parent);
        Assert.True(spans[8].Error);
        Assert.Equal(7_000_000_000, spans[8].StartNs);
        Assert.Equal(2_100_000_000, spans[8].DurationNs);
        Assert.StartsWith("rollout default/px 9.1s — critical path: image pull 5.9s (65%) — 1 error: Pod.BackOff Back-off restarting",
            data.GetProperty("traces")[0].GetProperty("verdict").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_exporter_merges_batches_of_one_trace_and_writes_sorted_at_dispose()
    {
        var path = Path.Combine(_dir, "merged.html");
        var later = ReportFile.Rollout(2, "team-b", "api", 5, shift: 100);
        var earlier = ReportFile.Rollout(3, "team-a", "web", 9.1);
        var exporter = new HtmlReportExporter(path, new HtmlReportOptions { Source = "unit" });
        Assert.Empty(ReportFile.Data(await File.ReadAllTextAsync(path)).GetProperty("traces").EnumerateArray()); // written at once

        Assert.Equal(ExportOutcome.Ok, await exporter.ExportAsync([later, new TraceSpans(earlier.TraceId, earlier.Spans[..4])], CancellationToken.None));
        Assert.Equal(ExportOutcome.Ok, await exporter.ExportAsync([new TraceSpans(earlier.TraceId, earlier.Spans[4..])], CancellationToken.None));
        await exporter.DisposeAsync();

        var traces = ReportFile.Data(await File.ReadAllTextAsync(path)).GetProperty("traces").EnumerateArray().ToList();
        Assert.Equal([earlier.TraceId.ToHex(), later.TraceId.ToHex()], traces.Select(t => t.GetProperty("id").GetString()));
        Assert.Equal(earlier.Spans.Length, traces[0].GetProperty("spans").GetArrayLength());
        Assert.Equal(ExportOutcome.Permanent, await exporter.ExportAsync([later], CancellationToken.None)); // disposed: never again
    }

    [Fact]
    public async Task A_live_report_is_rewritten_on_its_tick_only_when_something_new_came_and_keeps_the_latest_traces()
    {
        var path = Path.Combine(_dir, "live.html");
        var time = new ManualTime();
        var exporter = new HtmlReportExporter(path, new HtmlReportOptions { Source = "watch", RewriteEvery = TimeSpan.FromSeconds(5), MaxTraces = 2, Time = time });
        var first = File.GetLastWriteTimeUtc(path);
        var html = await File.ReadAllTextAsync(path);
        Assert.Equal(5, ReportFile.Data(html).GetProperty("rewriteSeconds").GetInt32());

        await exporter.ExportAsync([ReportFile.Rollout(1, "a", "one", 3), ReportFile.Rollout(2, "a", "two", 3), ReportFile.Rollout(3, "a", "three", 3)], CancellationToken.None);
        Assert.Equal(html, await File.ReadAllTextAsync(path)); // not before the tick
        var tick = exporter.NextRewriteTick;
        time.Tick();
        await tick.WaitAsync(TimeSpan.FromSeconds(10));

        var data = ReportFile.Data(await File.ReadAllTextAsync(path));
        Assert.Equal(["two", "three"], data.GetProperty("traces").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(1, data.GetProperty("droppedTraces").GetInt64());
        Assert.Equal(8, data.GetProperty("droppedSpans").GetInt64());
        await exporter.DisposeAsync();
        Assert.Equal([path], Directory.GetFiles(_dir));
        Assert.True(File.GetLastWriteTimeUtc(path) >= first);
    }

    [Fact]
    public async Task A_report_that_can_no_longer_be_written_is_said_never_thrown()
    {
        var folder = Path.Combine(_dir, "gone");
        var exporter = new HtmlReportExporter(Path.Combine(folder, "report.html"), new HtmlReportOptions());
        await exporter.ExportAsync([ReportFile.Rollout(1, "a", "one", 3)], CancellationToken.None);
        Directory.Delete(folder, recursive: true);

        await exporter.DisposeAsync();

        Assert.StartsWith(Path.Combine(folder, "report.html") + ": ", exporter.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Html_naming_a_directory_is_refused_with_one_line_and_exit_2()
    {
        using var error = new StringWriter();
        var exit = await Cli.InvokeAsync(["replay", Path.Combine(Fixtures, "rollout.capture.yaml"), "--html", _dir, "--quiet"], error);

        Assert.Equal(2, exit);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Quiet_replay_with_only_html_is_accepted_and_counts_the_report_as_a_destination()
    {
        var report = Path.Combine(_dir, "only.html");

        var exit = await Cli.Build().Parse(["replay", Path.Combine(Fixtures, "statefulset-recreate.json"), "--html", report, "-q"]).InvokeAsync();

        Assert.Equal(0, exit);
        Assert.NotEmpty(ReportFile.Spans(ReportFile.Data(await File.ReadAllTextAsync(report))));
    }

    /// <summary>A src, href or CSS url to anything but this page (http:, https:, protocol-relative //, file:).</summary>
    [GeneratedRegex(@"(src|href|action|srcset)\s*=\s*[""']?\s*(https?:|//|file:)", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();

    /// <summary>A clock whose timers fire when the test says.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private readonly List<ManualTimer> _timers = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(callback, state);
            lock (_timers) _timers.Add(timer);
            return timer;
        }

        public void Tick()
        {
            List<ManualTimer> timers;
            lock (_timers) timers = [.. _timers];
            foreach (var t in timers) t.Fire();
        }

        private sealed class ManualTimer(TimerCallback callback, object? state) : ITimer
        {
            private bool _disposed;

            public void Fire()
            {
                if (!_disposed) callback(state);
            }

            public bool Change(TimeSpan dueTime, TimeSpan period) => !_disposed;

            public void Dispose() => _disposed = true;

            public ValueTask DisposeAsync()
            {
                _disposed = true;
                return ValueTask.CompletedTask;
            }
        }
    }
}
