using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using KSpanActors.Export;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Bench;

/// <summary>
/// The resilience issue's soak: 10 million events stream through 100,000 objects (Deployments, ReplicaSets and pods
/// whose events repeat: probes failing, back-offs growing, restarts), long enough for idle actors to passivate and for
/// per-object windows to matter. Facts are built directly (this measures memory over time, not decoding). It samples the
/// working set every second and the live heap every 2 s, and reports whether they stay flat: the second quarter of the run against the last.
/// </summary>
internal static class SoakBench
{
    private const string Cluster = "soak";

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var culture = CultureInfo.InvariantCulture;
        var events = options.Events;
        var objects = options.Objects;
        using var sampler = new ProcessSampler();
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var settings = options.PipelineSettings();
        var exporter = new NullExporter();
        await using var runtime = await PipelineRuntime.StartAsync(settings, [exporter], loggers);

        // 1 Deployment : 1 ReplicaSet : 8 pods → objects / 10 families.
        var families = (int)Math.Max(1, objects / 10);
        var pods = families * 8;
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        void Feed(IFact f)
        {
            runtime.Services.Tracker.WaitForRoom(runtime.MaxInFlight);
            runtime.Feed(f);
        }

        var samples = new List<(double Seconds, long Bytes)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        // What stays: the live heap, measured by a full blocking collection every 2 s (GC.GetTotalMemory(true); it costs
        // the run a little throughput). The working set only follows the GC's budget, which lets the heap grow toward its
        // cap before a full collection is worth it; the live heap answers "does memory grow with history?".
        var liveAfterGen2 = new List<(double Seconds, long Bytes)>();
        var sampling = Task.Run(async () =>
        {
            var tick = 0;
            while (!stop.IsCancellationRequested)
            {
                samples.Add((clock.Elapsed.TotalSeconds, sampler.Current()));
                if (++tick % 2 == 0) liveAfterGen2.Add((clock.Elapsed.TotalSeconds, GC.GetTotalMemory(forceFullCollection: true)));
                try
                {
                    await Task.Delay(1000, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        long fed = 0;
        var counts = new long[pods];
        for (var f = 0; f < families && fed < events; f++)
        {
            var dep = $"d{f}";
            var rs = $"{dep}-rs";
            Feed(new ObjectObserved(Cluster, dep, "Deployment", "soak", dep, 1, t0, [], "kubectl", "Update", t0, 1));
            Feed(new ObjectObserved(Cluster, rs, "ReplicaSet", "soak", rs, 1, t0, [new OwnerRef("Deployment", dep, dep, true)], null, null, 0, 1));
            for (var p = 0; p < 8; p++)
            {
                var pod = $"{rs}-{p}";
                Feed(new ObjectObserved(Cluster, pod, "Pod", "soak", pod, 1, t0, [new OwnerRef("ReplicaSet", rs, rs, true)], null, null, 0, 1));
                Feed(Ev($"{pod}-create", 1, t0, "ReplicaSet", rs, rs, "SuccessfulCreate", $"Created pod: {pod}", "replicaset-controller"));
                fed++;
            }
        }
        // Then round after round over every pod: each pod's probe keeps failing (one Event uid, its count growing).
        var round = 0;
        while (fed < events)
        {
            round++;
            for (var i = 0; i < pods && fed < events; i++)
            {
                var f = i / 8;
                var pod = $"d{f}-rs-{i % 8}";
                var count = ++counts[i];
                Feed(Ev($"{pod}-probe", count, t0 + (round * 10L + 1) * 1_000_000_000L, "Pod", pod, pod, "Unhealthy", "Readiness probe failed: HTTP 503", "kubelet", warning: true));
                fed++;
            }
        }
        await runtime.DrainAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampling;

        // Working set: the peak of the second quarter of the run (after the ramp) against the peak of the last quarter.
        long PeakOf(IEnumerable<(double Seconds, long Bytes)> s) => s.Select(x => x.Bytes).DefaultIfEmpty(0).Max();
        var wsQuarter = seconds / 4;
        var firstHalf = PeakOf(samples.Where(x => x.Seconds >= wsQuarter && x.Seconds < 2 * wsQuarter));
        var secondHalf = PeakOf(samples.Where(x => x.Seconds >= 3 * wsQuarter));
        var growth = firstHalf == 0 ? 0 : (secondHalf - firstHalf) / (double)firstHalf;
        // Live heap after full collections: the median of the second quarter of the run against the last quarter.
        static double Median(IEnumerable<long> v)
        {
            var a = v.OrderBy(x => x).ToArray();
            return a.Length == 0 ? 0 : a[a.Length / 2];
        }
        var q = seconds / 4;
        var liveEarly = Median(liveAfterGen2.Where(x => x.Seconds >= q && x.Seconds < 2 * q).Select(x => x.Bytes));
        var liveLate = Median(liveAfterGen2.Where(x => x.Seconds >= 3 * q).Select(x => x.Bytes));
        var liveGrowth = liveEarly == 0 ? 0 : (liveLate - liveEarly) / liveEarly;
        var liveAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        var m = runtime.Metrics;
        Console.WriteLine(string.Create(culture, $"live heap (full collection every 2 s, {liveAfterGen2.Count} samples): second quarter median {liveEarly / 1e6:N0} MB, last quarter median {liveLate / 1e6:N0} MB ({liveGrowth:P0}); after the drain and a full GC {liveAtEnd / 1e6:N0} MB; samples: {string.Join(" ", liveAfterGen2.Select(x => (x.Bytes / 1e6).ToString("N0", culture)))}"));
        Console.WriteLine(string.Create(culture, $"soak: {fed:N0} events through {families * 10:N0} objects ({families:N0} Deployments, {families:N0} ReplicaSets, {pods:N0} pods; {round:N0} rounds of probe failures) in {seconds:N0} s = {fed / seconds:N0} events/s"));
        Console.WriteLine(string.Create(culture, $"working set: peak of the second quarter {firstHalf / 1e6:N0} MB, of the last quarter {secondHalf / 1e6:N0} MB ({growth:P0}), overall peak {sampler.PeakBytes / 1e6:N0} MB; samples every second:"));
        Console.WriteLine("  " + string.Join(" ", samples.Where((_, i) => i % Math.Max(1, samples.Count / 30) == 0).Select(s => (s.Bytes / 1e6).ToString("N0", culture))));
        Console.WriteLine(string.Create(culture, $"spans: {m.SpansExported:N0} exported, {m.SpansDropped:N0} dropped; orphans {m.Orphans:N0}"));
        var result = new JsonObject
        {
            ["mode"] = "soak",
            ["events"] = fed,
            ["objects"] = families * 10,
            ["seconds"] = Math.Round(seconds, 1),
            ["events_per_s"] = Math.Round(fed / seconds),
            ["peak_working_set_second_quarter_mb"] = Math.Round(firstHalf / (1024.0 * 1024.0), 1),
            ["peak_working_set_last_quarter_mb"] = Math.Round(secondHalf / (1024.0 * 1024.0), 1),
            ["peak_working_set_mb"] = Math.Round(sampler.PeakBytes / (1024.0 * 1024.0), 1),
            ["live_heap_second_quarter_mb"] = Math.Round(liveEarly / (1024.0 * 1024.0), 1),
            ["live_heap_last_quarter_mb"] = Math.Round(liveLate / (1024.0 * 1024.0), 1),
            ["live_heap_growth"] = Math.Round(liveGrowth, 3),
            ["spans_exported"] = m.SpansExported,
            ["spans_dropped"] = m.SpansDropped,
            ["orphans"] = m.Orphans,
        };
        Console.WriteLine(result.ToJsonString());
        return 0;
    }

    private static EventObserved Ev(string uid, long count, long at, string kind, string name, string objectUid, string reason, string message, string service, bool warning = false) =>
        new(Cluster, uid, count, at, reason, message, warning, kind, "soak", name, objectUid, null, service, null, false);

    private sealed class NullExporter : ISpanExporter
    {
        public string Name => "null";

        public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken) => Task.FromResult(ExportOutcome.Ok);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
