using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json.Nodes;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Bench;

/// <summary>
/// Issue 12's steady-load latency: with Events arriving at half the measured capacity, how long after the last Event of
/// a rollout is its trace's root exported (goal: p99 ≤ settle + 1 s).
/// <list type="number">
/// <item>Capacity: the demo scenario fed as the pipeline mode feeds it (input file → decoder threads → PipelineRuntime,
/// as fast as back-pressure allows) for <see cref="BenchOptions.CalibrationEvents"/> events on a pipeline of its own;
/// events/s over feed and drain, as the pipeline mode counts them. It is the JIT warm-up of the paced pass too.</item>
/// <item>The paced pass, on a fresh pipeline with the same settings: the same input from its start, Events released by
/// an <see cref="EventPacer"/> shared by the decoder threads at half that capacity (or at <see cref="BenchOptions.Rate"/>);
/// object snapshots go along unpaced, as they come between the Events in the file. It stops after
/// <see cref="BenchOptions.LatencySeconds"/> or at the end of the input.</item>
/// <item>Each Event is noted when the pacer releases it (before any back-pressure wait: waiting for room is part of the
/// lag); <see cref="RootLagExporter"/> attributes it to the trace the pipeline exports it in and measures root export −
/// last Event fed per trace. After the input, the traces settle by themselves; only then is the recorder closed and the
/// pipeline drained (the drain forces out what is left before its settle: those roots are not measured, only counted).</item>
/// </list>
/// </summary>
internal static class LatencyBench
{
    private const double GoalMarginMs = 1_000;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var culture = CultureInfo.InvariantCulture;
        using var sampler = new ProcessSampler();
        var input = BenchInput.Prepare(options);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

        // ---- 1. Capacity (and warm-up) ----
        var (calEvents, calSeconds) = await FullSpeedAsync(options, input.Path, options.CalibrationEvents, loggers);
        var capacity = calEvents / calSeconds;
        var rate = options.Rate > 0 ? options.Rate : capacity / 2;
        Console.WriteLine(string.Create(culture,
            $"capacity: {calEvents:N0} events fed as fast as back-pressure allows, fed and drained in {calSeconds:N2} s = {capacity:N0} events/s; pacing at {rate:N0} events/s ({(options.Rate > 0 ? "--rate" : "half the capacity")})"));
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        // ---- 2. The paced pass ----
        var lag = new RootLagExporter();
        var otlp = new CountingOtlpJsonExporter(); // first: a root counts as exported once it is encoded too
        await using var runtime = await PipelineRuntime.StartAsync(options.PipelineSettings(), [otlp, lag], loggers);
        var tracker = runtime.Services.Tracker;
        var maxInFlight = runtime.MaxInFlight;
        Console.WriteLine(string.Create(culture,
            $"paced pass: settle {options.SettleMs} ms, passivate {options.PassivateMs} ms, batch {options.BatchSize}, max in flight {maxInFlight:N0}; up to {options.LatencySeconds} s or the end of the input ({input.Events:N0} events)"));
        long events = 0, peakInFlight = 0;
        using var stop = new CancellationTokenSource();
        var first = Stopwatch.GetTimestamp();
        var pacer = new EventPacer(rate, TimeSpan.FromMilliseconds(4), first, Stopwatch.Frequency);
        stop.CancelAfter(TimeSpan.FromSeconds(options.LatencySeconds));
        using var progressStop = new CancellationTokenSource();
        var progress = Task.Run(async () =>
        {
            long lastEvents = 0;
            var last = first;
            while (!progressStop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(5_000, progressStop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                var now = Stopwatch.GetTimestamp();
                var ev = Interlocked.Read(ref events);
                Console.WriteLine(string.Create(culture,
                    $"  t={Stopwatch.GetElapsedTime(first, now).TotalSeconds,4:N0}s events {ev,9:N0} ({(ev - lastEvents) / Stopwatch.GetElapsedTime(last, now).TotalSeconds,7:N0}/s) in flight {tracker.InFlight,6:N0} awaiting export {lag.Pending,7:N0} spans exported {lag.Spans,9:N0} ws {sampler.Current() / 1e6,4:N0} MB"));
                (last, lastEvents) = (now, ev);
            }
        });
        var pump = InputPump.Start(input.Path, options.ChannelCapacity, stop.Token);
        var stats = await InputPump.DecodeAsync(
            pump,
            options.Decoders,
            (fact, _) =>
            {
                if (fact is EventObserved e)
                {
                    pacer.Take();
                    lag.Fed(e);
                    Interlocked.Increment(ref events);
                }
                tracker.WaitForRoom(maxInFlight);
                runtime.Feed(fact);
                var inFlight = tracker.InFlight;
                if (inFlight > Interlocked.Read(ref peakInFlight)) Interlocked.Exchange(ref peakInFlight, inFlight);
            },
            static () => { }, // back-pressure after the pacer, in the feed above
            cancel: stop.Token);
        var fedDone = Stopwatch.GetTimestamp();
        var feedSeconds = Stopwatch.GetElapsedTime(first, fedDone).TotalSeconds;
        var achieved = events / feedSeconds;

        // Let the last traces settle by themselves: until every Event noted was exported, or nothing was exported for a while.
        var patience = TimeSpan.FromMilliseconds(Math.Max(2_000, 4 * options.SettleMs));
        var spansSeen = lag.Spans;
        var quietSince = Stopwatch.GetTimestamp();
        while (lag.Pending > 0 && Stopwatch.GetElapsedTime(quietSince) < patience)
        {
            await Task.Delay(50);
            if (lag.Spans != spansSeen) (spansSeen, quietSince) = (lag.Spans, Stopwatch.GetTimestamp());
        }
        var unexported = lag.Pending;
        lag.Close();
        await runtime.DrainAsync();
        await progressStop.CancelAsync();
        await progress;

        var m = runtime.Metrics;
        var r = lag.Measure();
        var settle = options.SettleMs;
        var goalMs = settle + GoalMarginMs;
        var goalMet = r.Count > 0 && r.P99 <= goalMs;
        string Ms(double v) => v.ToString("N0", culture);
        static double P(IReadOnlyList<double> sorted, double p) => RootLagExporter.Percentile(sorted, p);
        Console.WriteLine(string.Create(culture,
            $"fed: {events:N0} events ({stats.Sum(s => s.Objects):N0} objects along, {stats.Sum(s => s.Errors)} decode errors) in {feedSeconds:N1} s = {achieved:N0} events/s achieved of {rate:N0} paced ({achieved / capacity:P0} of capacity); peak in flight {peakInFlight:N0}"));
        Console.WriteLine(string.Create(culture,
            $"lag (last Event of a trace fed -> its root exported): p50 {Ms(r.P50)} ms, p99 {Ms(r.P99)} ms, max {Ms(r.Max)} ms over {r.Count:N0} traces; goal p99 <= settle + 1 s = {Ms(goalMs)} ms: {(goalMet ? "met" : "NOT met")}"));
        Console.WriteLine(string.Create(culture,
            $"  newest generation of their object: p50 {Ms(P(r.Newest, 0.5))} ms, p99 {Ms(P(r.Newest, 0.99))} ms over {r.Newest.Count:N0} traces; superseded by a later generation (exported once the object is quiet): p50 {Ms(P(r.Superseded, 0.5))} ms, p99 {Ms(P(r.Superseded, 0.99))} ms over {r.Superseded.Count:N0} traces"));
        Console.WriteLine(string.Create(culture,
            $"not measured: {r.FedAfterRoot:N0} Events fed after their trace's root was exported (late spans of a busy object, exported at least every 2 settle periods), {r.RootsAfterClose:N0} roots forced out by the final drain, {r.WithoutRoot:N0} traces with Events but no root exported, {unexported:N0} Events fed but not exported before the drain; pipeline: {m.SpansExported:N0} spans exported, {m.SpansDropped:N0} dropped; peak working set {sampler.PeakBytes / 1e6:N0} MB"));
        var result = new JsonObject
        {
            ["mode"] = "latency",
            ["lag_p50_ms"] = Math.Round(r.P50),
            ["lag_p99_ms"] = Math.Round(r.P99),
            ["lag_max_ms"] = Math.Round(r.Max),
            ["rate_events_per_s"] = Math.Round(achieved),
            ["paced_events_per_s"] = Math.Round(rate),
            ["capacity_events_per_s"] = Math.Round(capacity),
            ["settle_ms"] = settle,
            ["traces"] = r.Count,
            ["goal_met"] = goalMet,
            ["events"] = events,
            ["seconds"] = Math.Round(feedSeconds, 3),
            ["lag_p99_newest_generation_ms"] = Math.Round(P(r.Newest, 0.99)),
            ["lag_p99_superseded_ms"] = Math.Round(P(r.Superseded, 0.99)),
            ["events_after_root"] = r.FedAfterRoot,
            ["roots_forced_by_drain"] = r.RootsAfterClose,
            ["spans_exported"] = m.SpansExported,
            ["spans_dropped"] = m.SpansDropped,
            ["peak_in_flight"] = peakInFlight,
            ["peak_working_set_mb"] = Math.Round(sampler.PeakBytes / (1024.0 * 1024.0), 1),
        };
        Console.WriteLine(result.ToJsonString());
        return r.Count > 0 ? 0 : 1;
    }

    /// <summary>
    /// The pipeline mode's feed on a pipeline of its own: the input from its start, decoded and fed as fast as back-pressure
    /// allows, up to <paramref name="maxEvents"/> events (or the end of the input), then drained. Returns the events fed
    /// and the seconds from the first feed to the end of the drain.
    /// </summary>
    private static async Task<(long Events, double Seconds)> FullSpeedAsync(BenchOptions options, string path, long maxEvents, ILoggerFactory loggers)
    {
        await using var runtime = await PipelineRuntime.StartAsync(options.PipelineSettings(), [new CountingOtlpJsonExporter()], loggers);
        var tracker = runtime.Services.Tracker;
        var maxInFlight = runtime.MaxInFlight;
        using var stop = new CancellationTokenSource();
        long events = 0;
        var start = Stopwatch.GetTimestamp();
        var pump = InputPump.Start(path, options.ChannelCapacity, stop.Token);
        // As the pipeline mode feeds: each decoder batches by actor and flushes after each batch of documents.
        var batchers = Enumerable.Range(0, options.Decoders).Select(_ => runtime.Batcher()).ToArray();
        await InputPump.DecodeAsync(
            pump,
            options.Decoders,
            (fact, worker) => batchers[worker].Add(fact),
            () => tracker.WaitForRoom(maxInFlight),
            () =>
            {
                if (Interlocked.Increment(ref events) == maxEvents) stop.Cancel();
            },
            endOfBatch: worker => batchers[worker].Flush(),
            cancel: stop.Token);
        await runtime.DrainAsync();
        return (Interlocked.Read(ref events), Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}
