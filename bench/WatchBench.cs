using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using KSpanActors.Pipeline;
using KSpanActors.Watch;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Bench;

/// <summary>
/// <c>--mode watch</c>: the real watch path (ClusterWatcher → ResourceWatchLoop → KubeApi over loopback HTTP/1.1 →
/// KubeDecoder → PipelineWatchSink → FactRouter → actors → counting OTLP/JSON exporter) against the tests' fake API server
/// (<see cref="KSpanActors.Tests.FakeKube.FakeKubeApiServer"/>) streaming the input file through its feed (<see cref="InputFeed"/>). Timed from the first watch request until the pipeline has received every event of the
/// input (runtime.Metrics.Events, polled every 50 ms); the drain that follows is timed apart. The fake server runs
/// in this process, so its cost (file reading, HTTP framing) is inside the CPU measured. A warm-up pass goes first
/// (<see cref="BenchOptions.WarmUpDocuments"/>, not timed).
/// </summary>
internal static class WatchBench
{
    private const string ClusterName = "bench";

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var culture = CultureInfo.InvariantCulture;
        using var sampler = new ProcessSampler();
        var input = BenchInput.Prepare(options);
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);

        // Two rounds, as in the pipeline mode (BenchOptions.WarmUpRounds).
        foreach (var documents in options.WarmUpRounds) await WarmUpAsync(options, input.Path, timeout, documents);

        Instant? firstWatch = null;
        using var feed = new InputFeed(input.Path, options.KindChannel, options.FlushLines, () => firstWatch = Instant.Now(sampler));
        await using var server = await feed.StartServerAsync();
        var dir = Directory.CreateTempSubdirectory("kspan-bench-watch-");
        try
        {
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
            var (catalog, kubeconfig) = Catalog(server, dir, ClusterName, loggers);
            Console.WriteLine(string.Create(culture,
                $"fake API server: {server.BaseAddress} (HTTP/1.1), flush every {options.FlushLines} lines, {options.KindChannel:N0} documents queued per kind; kubeconfig {kubeconfig}"));

            var settings = options.PipelineSettings();
            var exporter = new CountingOtlpJsonExporter();
            await using var runtime = await PipelineRuntime.StartAsync(settings, [exporter], loggers, watch: catalog);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            sampler.Mark();
            Console.WriteLine(string.Create(culture,
                $"pipeline: settle {options.SettleMs} ms, passivate {options.PassivateMs} ms, batch {options.BatchSize}, shards {options.Shards}; working set at start {sampler.Current() / 1e6:N0} MB"));

            using var allocations = options.AllocTypes > 0 ? new AllocationSampler() : null;
            allocations?.Start();
            var alloc0 = GC.GetTotalAllocatedBytes();
            var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var jit0 = JitWork.Start();
            var requested = Stopwatch.GetTimestamp();
            runtime.StartWatching([ClusterName]);

            // Wait for every event of the input, printing progress each second; give up on the timeout or after 30 s
            // without progress.
            var metrics = runtime.Metrics;
            long lastEvents = -1, lastProgress = Stopwatch.GetTimestamp(), lastLine = Stopwatch.GetTimestamp(), eventsAtLine = 0;
            var complete = false;
            while (true)
            {
                var events = metrics.Events;
                var now = Stopwatch.GetTimestamp();
                if (events >= input.Events)
                {
                    complete = true;
                    break;
                }
                if (events != lastEvents) (lastEvents, lastProgress) = (events, now);
                if (Stopwatch.GetElapsedTime(requested, now) > timeout)
                {
                    Console.WriteLine(string.Create(culture, $"TIMEOUT after {timeout.TotalSeconds:N0} s: {events:N0} of {input.Events:N0} events received"));
                    break;
                }
                if (Stopwatch.GetElapsedTime(lastProgress, now) > TimeSpan.FromSeconds(30))
                {
                    Console.WriteLine(string.Create(culture, $"STALLED: {events:N0} of {input.Events:N0} events after 30 s without progress (server: {feed.Feed.LinesSent:N0} lines sent, {feed.Feed.Queued:N0} queued, reader {(feed.ReaderDone.IsCompleted ? "done" : "running")})"));
                    break;
                }
                if (Stopwatch.GetElapsedTime(lastLine, now) >= TimeSpan.FromSeconds(1))
                {
                    var rate = (events - eventsAtLine) / Stopwatch.GetElapsedTime(lastLine, now).TotalSeconds;
                    (lastLine, eventsAtLine) = (now, events);
                    Console.WriteLine(string.Create(culture,
                        $"  t={Stopwatch.GetElapsedTime(requested, now).TotalSeconds,5:N0}s events {events,10:N0} ({rate,8:N0}/s) lines sent {feed.Feed.LinesSent,10:N0} queued {feed.Feed.Queued,6:N0} in-flight {runtime.Services.Tracker.InFlight,8:N0} spans exported {metrics.SpansExported,10:N0} ws {sampler.Current() / 1e6,5:N0} MB"));
                }
                await Task.Delay(50);
            }
            var reached = Instant.Now(sampler);
            var jitted = jit0.Elapsed();
            var phasePeak = sampler.PhasePeakBytes;
            var received = metrics.Events;
            var alloc = GC.GetTotalAllocatedBytes() - alloc0;
            allocations?.Stop();
            var gcCounts = (GC.CollectionCount(0) - gc0.Item1, GC.CollectionCount(1) - gc0.Item2, GC.CollectionCount(2) - gc0.Item3);

            runtime.StopWatching([ClusterName]);
            using (var drainTimeout = new CancellationTokenSource(timeout))
            {
                await runtime.DrainAsync(drainTimeout.Token);
            }
            var drained = Instant.Now(sampler);

            var start = firstWatch ?? new Instant(requested, TimeSpan.Zero);
            var seconds = Stopwatch.GetElapsedTime(start.Timestamp, reached.Timestamp).TotalSeconds;
            var cpu = (reached.Cpu - start.Cpu).TotalSeconds;
            var drainSeconds = Stopwatch.GetElapsedTime(reached.Timestamp, drained.Timestamp).TotalSeconds;
            var eventsPerS = received / seconds;
            var cpuPerMillion = cpu / Math.Max(1, received) * 1e6;
            var peakWs = sampler.PeakBytes;

            Console.WriteLine(string.Create(culture,
                $"watch: {received:N0} of {input.Events:N0} events{(complete ? "" : " (INCOMPLETE)")} and {metrics.Objects:N0} objects received in {seconds:N2} s from the first watch request ({Stopwatch.GetElapsedTime(requested, start.Timestamp).TotalSeconds:N2} s after StartWatching) = {eventsPerS:N0} events/s; drain afterwards {drainSeconds:N2} s ({received / (seconds + drainSeconds):N0} events/s including it)"));
            Console.WriteLine(string.Create(culture,
                $"server: {feed.Feed.LinesSent:N0} watch lines sent ({string.Join(", ", feed.Feed.SentPerKind.Where(k => k.Sent > 0).Select(k => string.Create(culture, $"{k.Kind} {k.Sent:N0}")))}); {feed.Feed.Skipped:N0} documents of kinds not served"));
            Console.WriteLine(string.Create(culture,
                $"cpu: {cpu:N1} s process CPU over {seconds:N1} s wall = {cpu / seconds:N2} cores (of {Environment.ProcessorCount}), {cpuPerMillion:N1} CPU-s per million events (fake server included); drain {(drained.Cpu - reached.Cpu).TotalSeconds:N1} s CPU; the JIT compiled {jitted.Methods:N0} methods meanwhile in {jitted.Time.TotalSeconds:N2} s"));
            Console.WriteLine(string.Create(culture,
                $"gc: {alloc / 1e9:N1} GB allocated ({alloc / (double)Math.Max(1, received + metrics.Objects):N0} B per document), collections gen0/1/2 {gcCounts.Item1}/{gcCounts.Item2}/{gcCounts.Item3}"));
            Console.WriteLine(string.Create(culture,
                $"spans: emitted {metrics.SpansEmitted:N0}, exported {metrics.SpansExported:N0}, dropped {metrics.SpansDropped:N0}; OTLP/JSON {exporter.Bytes / 1e6:N0} MB in {exporter.Batches:N0} batches; decode errors {metrics.DecodeErrors:N0}, malformed lines {metrics.MalformedLines:N0}, watch restarts {metrics.WatchRestarts:N0}, relists {metrics.Relists:N0}"));
            Console.WriteLine(string.Create(culture,
                $"memory: peak working set {peakWs / 1e6:N0} MB (watch phase {phasePeak / 1e6:N0} MB)"));

            if (allocations is not null)
            {
                Console.WriteLine(string.Create(culture, $"allocations by type (the runtime's allocation ticks while watching, fake API server included; top {options.AllocTypes}):"));
                foreach (var line in allocations.Report(options.AllocTypes, received + metrics.Objects)) Console.WriteLine(line);
            }
            var result = new JsonObject
            {
                ["mode"] = "watch",
                ["events"] = received,
                ["seconds"] = Math.Round(seconds, 3),
                ["events_per_s"] = Math.Round(eventsPerS),
                ["peak_working_set_mb"] = Math.Round(peakWs / (1024.0 * 1024.0), 1),
                ["cpu_seconds_per_million_events"] = Math.Round(cpuPerMillion, 2),
                ["jit_methods"] = jitted.Methods,
                ["jit_s"] = Math.Round(jitted.Time.TotalSeconds, 2),
                ["spans_exported"] = metrics.SpansExported,
                ["spans_dropped"] = metrics.SpansDropped,
                ["drain_seconds"] = Math.Round(drainSeconds, 3),
                ["complete"] = complete,
            };
            Console.WriteLine(result.ToJsonString());
            return complete ? 0 : 1;
        }
        finally
        {
            DeleteQuietly(dir);
        }
    }

    /// <summary>
    /// Not timed: the input's first documents through the same path (its own fake API server and pipeline, another
    /// cluster name), so the timed pass measures code at its final JIT tier, as the pipeline mode's warm-up does.
    /// Without it the first seconds of the timed pass ran at half speed while the JIT compiled (a third of the CPU).
    /// </summary>
    private static async Task WarmUpAsync(BenchOptions options, string inputPath, TimeSpan timeout, long documents)
    {
        const string cluster = "warm-up";
        var sw = Stopwatch.StartNew();
        using var feed = new InputFeed(inputPath, options.KindChannel, options.FlushLines, maxDocuments: documents);
        await using var server = await feed.StartServerAsync();
        var dir = Directory.CreateTempSubdirectory("kspan-bench-warm-");
        try
        {
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
            var (catalog, _) = Catalog(server, dir, cluster, loggers);
            using var cts = new CancellationTokenSource(timeout);
            await using (var runtime = await PipelineRuntime.StartAsync(options.PipelineSettings(), [new CountingOtlpJsonExporter()], loggers, watch: catalog))
            {
                runtime.StartWatching([cluster]);
                while (!feed.ReaderDone.IsCompleted || runtime.Metrics.Events < feed.EventsWritten) await Task.Delay(50, cts.Token);
                runtime.StopWatching([cluster]);
                await runtime.DrainAsync(cts.Token);
            }
            var jit = await JitQuiet.WaitAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warm-up: {feed.EventsWritten:N0} events of the first {documents:N0} documents through a separate fake API server and pipeline in {sw.Elapsed.TotalSeconds:N1} s (not timed); {jit}"));
        }
        finally
        {
            DeleteQuietly(dir);
        }
    }

    /// <summary>One cluster to watch: the fake server's kubeconfig written into <paramref name="dir"/>, default watch settings.</summary>
    private static (WatchCatalog Catalog, string Kubeconfig) Catalog(KSpanActors.Tests.FakeKube.FakeKubeApiServer server, DirectoryInfo dir, string cluster, ILoggerFactory loggers)
    {
        var kubeconfig = server.WriteKubeconfig(dir.FullName, cluster);
        return (new WatchCatalog([new ClusterSource { Name = cluster, Kubeconfig = kubeconfig, Context = cluster }], new WatchSettings(), loggers), kubeconfig);
    }

    private static void DeleteQuietly(DirectoryInfo dir)
    {
        try
        {
            dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a temp directory left behind is harmless
        }
    }
}
