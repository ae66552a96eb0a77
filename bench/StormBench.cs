using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Bench;

/// <summary>
/// The resilience issue's event storm: a ReplicaSet creates 10,000 pods in one burst (each with its scheduler and
/// kubelet events), a crash-looping pod emits BackOff updates continuously, and meanwhile small independent rollouts
/// keep arriving; it reports peak working set, how far behind the pipeline fell (messages in flight) and the lag of
/// the small rollouts' traces (last event fed → root exported), plus what was shed (dropped spans).
/// </summary>
internal static class StormBench
{
    private const string Cluster = "storm";

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var culture = CultureInfo.InvariantCulture;
        using var sampler = new ProcessSampler();
        var exporter = new RootLagExporter();
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var settings = options.PipelineSettings();
        await using var runtime = await PipelineRuntime.StartAsync(settings, [exporter], loggers);
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        long peakInFlight = 0;
        var clock = Stopwatch.StartNew();
        void Feed(IFact f)
        {
            runtime.Services.Tracker.WaitForRoom(runtime.MaxInFlight);
            runtime.Feed(f);
            var inFlight = runtime.Services.Tracker.InFlight;
            if (inFlight > Interlocked.Read(ref peakInFlight)) Interlocked.Exchange(ref peakInFlight, inFlight);
        }

        using var stop = new CancellationTokenSource();
        // 1. The crash loop: one pod, BackOff count growing, as fast as it is accepted (a pathological controller).
        var crashLoop = Task.Run(() =>
        {
            Feed(Pod("crash", "crash-0", null, t0));
            long count = 0;
            while (!stop.IsCancellationRequested)
            {
                count++;
                Feed(Ev("crash-backoff", count, t0 + count * 1_000_000L, "Pod", "crash-0", "crash", "BackOff", "Back-off restarting failed container", "kubelet", warning: true));
                if (count % 100 == 0) Thread.Sleep(1);
            }
            return count;
        });

        // 2. Small independent rollouts keep arriving: one every 20 ms; their traces must keep flowing.
        var trickle = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var dep = $"small-{n}";
                var at = t0 + n * 1_000_000_000L;
                Feed(Deployment(dep, at));
                var scale = Ev($"{dep}-scale", 1, at, "Deployment", dep, dep, "ScalingReplicaSet", $"Scaled up replica set {dep}-rs to 1", "deployment-controller");
                exporter.Fed(scale); // the rollout's last event: its lag is measured on its trace (RootLagExporter)
                Feed(scale);
                n++;
                await Task.Delay(20);
            }
            return n;
        });

        // 3. The burst: 10,000 pods created at once, each with six events.
        var burstClock = Stopwatch.StartNew();
        Feed(Deployment("burst", t0));
        Feed(ReplicaSet("burst-rs", "burst", t0));
        Feed(Ev("burst-scale", 1, t0, "Deployment", "burst", "burst", "ScalingReplicaSet", "Scaled up replica set burst-rs to 10000", "deployment-controller"));
        for (var i = 0; i < options.StormPods; i++)
        {
            var pod = $"burst-rs-{i:D5}";
            var at = t0 + 1_000_000_000L;
            Feed(Pod(pod, pod, "burst-rs", at));
            Feed(Ev($"{pod}-create", 1, at, "ReplicaSet", "burst-rs", "burst-rs", "SuccessfulCreate", $"Created pod: {pod}", "replicaset-controller"));
            Feed(Ev($"{pod}-sched", 1, at + 1_000_000_000L, "Pod", pod, pod, "Scheduled", $"Successfully assigned storm/{pod} to node-{i % 50}", "default-scheduler"));
            Feed(Ev($"{pod}-pulling", 1, at + 2_000_000_000L, "Pod", pod, pod, "Pulling", "Pulling image \"app:1\"", "kubelet"));
            Feed(Ev($"{pod}-pulled", 1, at + 5_000_000_000L, "Pod", pod, pod, "Pulled", "Successfully pulled image \"app:1\"", "kubelet"));
            Feed(Ev($"{pod}-created", 1, at + 6_000_000_000L, "Pod", pod, pod, "Created", "Created container app", "kubelet"));
            Feed(Ev($"{pod}-started", 1, at + 7_000_000_000L, "Pod", pod, pod, "Started", "Started container app", "kubelet"));
        }
        var burstFed = burstClock.Elapsed.TotalSeconds;
        // Keep the crash loop and the trickle going a little while after the burst, then stop and drain.
        await Task.Delay(TimeSpan.FromSeconds(options.StormTailSeconds));
        await stop.CancelAsync();
        var backOffs = await crashLoop;
        var rollouts = await trickle;
        await runtime.DrainAsync();
        var seconds = clock.Elapsed.TotalSeconds;

        var lags = exporter.Measure();
        var m = runtime.Metrics;
        string Ms(double v) => v.ToString("N0", culture);
        Console.WriteLine(string.Create(culture, $"storm: {options.StormPods:N0} pods in one burst fed in {burstFed:N1} s; crash loop {backOffs:N0} BackOff occurrences; {rollouts:N0} small rollouts alongside"));
        Console.WriteLine(string.Create(culture, $"lag of the small rollouts (last event fed -> root exported): p50 {Ms(lags.P50)} ms, p99 {Ms(lags.P99)} ms, max {Ms(lags.Max)} ms over {lags.Count:N0} traces"));
        Console.WriteLine(string.Create(culture, $"pipeline: {m.Events:N0} events, {m.SpansExported:N0} spans exported, {m.SpansDropped:N0} dropped, peak in flight {peakInFlight:N0} (back-pressure at {runtime.MaxInFlight:N0}); peak working set {sampler.PeakBytes / 1e6:N0} MB; {seconds:N1} s"));
        var result = new JsonObject
        {
            ["mode"] = "storm",
            ["burst_pods"] = options.StormPods,
            ["crash_loop_backoffs"] = backOffs,
            ["small_rollouts"] = rollouts,
            ["events"] = m.Events,
            ["seconds"] = Math.Round(seconds, 3),
            ["lag_p50_ms"] = Math.Round(lags.P50),
            ["lag_p99_ms"] = Math.Round(lags.P99),
            ["lag_max_ms"] = Math.Round(lags.Max),
            ["small_rollouts_exported"] = lags.Count,
            ["peak_in_flight"] = peakInFlight,
            ["spans_exported"] = m.SpansExported,
            ["spans_dropped"] = m.SpansDropped,
            ["peak_working_set_mb"] = Math.Round(sampler.PeakBytes / (1024.0 * 1024.0), 1),
        };
        Console.WriteLine(result.ToJsonString());
        return lags.Count == rollouts ? 0 : 1;
    }

    private static ObjectObserved Deployment(string name, long at) =>
        new(Cluster, name, "Deployment", "storm", name, 1, at, [], "kubectl", "Update", at, 1);

    private static ObjectObserved ReplicaSet(string name, string owner, long at) =>
        new(Cluster, name, "ReplicaSet", "storm", name, 1, at, [new OwnerRef("Deployment", owner, owner, true)], null, null, 0, 1);

    private static ObjectObserved Pod(string uid, string name, string? owner, long at) =>
        new(Cluster, uid, "Pod", "storm", name, 1, at, owner is null ? ImmutableArray<OwnerRef>.Empty : [new OwnerRef("ReplicaSet", owner, owner, true)],
            owner is null ? "kubectl" : null, owner is null ? "Update" : null, owner is null ? at : 0, 1);

    private static EventObserved Ev(string uid, long count, long at, string kind, string name, string objectUid, string reason, string message, string service, bool warning = false) =>
        new(Cluster, uid, count, at, reason, message, warning, kind, "storm", name, objectUid, null, service, null, false);
}
