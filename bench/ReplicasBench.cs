using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Cluster;
using KSpanActors.Ingest;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Bench;

/// <summary>
/// <c>--mode replicas</c>: the pipeline measurement twice in one process, first with one PipelineRuntime, then with
/// three forming one Akka cluster on 127.0.0.1 (cross-node messages through remoting on loopback with the project's
/// protobuf serializer), each tracking what it sends, each with its own counting exporter. The input is three clusters
/// (the scenario's Deployments split over demo-1..3); with three nodes each cluster is fed through its own node, as
/// three replicas each watching one cluster would, with one node all three through it. Process
/// CPU per million events of both passes, and their ratio (three over one). Then the same comparison with separate
/// <c>kspan-actors watch</c> processes (<see cref="ReplicaProcessesBench"/>; <c>--replica-processes-only</c> runs only
/// that, <c>--skip-replica-processes</c> only the in-process passes).
/// </summary>
internal static class ReplicasBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var culture = CultureInfo.InvariantCulture;
        var result = new JsonObject { ["mode"] = "replicas" };
        var complete = true;
        if (!options.ReplicaProcessesOnly)
        {
            using var sampler = new ProcessSampler();
            var input = BenchInput.Prepare(options, clusters: InputClusters);
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

            if (options.WarmUpRounds is { Length: > 0 } rounds)
            {
                // Not timed: both shapes over the input's first documents, in the pipeline mode's warm-up rounds. Without
                // it the first pass measured the JIT compiling the pipeline, and the second the remoting paths.
                var sw = Stopwatch.StartNew();
                foreach (var docs in rounds)
                {
                    foreach (var nodes in new[] { 1, 3 }) await PassAsync(nodes, options, input, sampler, loggers, docs);
                }
                var quiet = await JitQuiet.WaitAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15));
                Console.WriteLine(string.Create(culture, $"warm-up: 1 and 3 nodes over the first {string.Join(" and ", rounds.Select(r => r.ToString("N0", culture)))} documents in {sw.Elapsed.TotalSeconds:N1} s (not timed); {quiet}"));
            }
            var one = await PassAsync(1, options, input, sampler, loggers);
            var three = await PassAsync(3, options, input, sampler, loggers);
            var ratio = three.CpuPerMillion / one.CpuPerMillion;
            Console.WriteLine(string.Create(culture,
                $"replicas in one process: 1 node {one.EventsPerSecond:N0} events/s, {one.CpuPerMillion:N1} CPU-s per million events; 3 nodes {three.EventsPerSecond:N0} events/s, {three.CpuPerMillion:N1} CPU-s per million events; cost ratio {ratio:N2} (3 nodes' CPU-s per million events over 1 node's; target <= 1.25)"));
            result["events"] = one.Events;
            result["one"] = one.ToJson();
            result["three"] = three.ToJson();
            result["cost_ratio"] = Math.Round(ratio, 3);
            complete &= one.Complete && three.Complete;
        }
        if (!options.SkipReplicaProcesses)
        {
            // Separate OS processes, as replicas really run (in-process nodes hid real bugs).
            var (processes, processesComplete) = await ReplicaProcessesBench.RunAsync(options);
            result["processes"] = processes;
            complete &= processesComplete;
        }
        Console.WriteLine(result.ToJsonString());
        return complete ? 0 : 1;
    }

    /// <summary>Clusters of the in-process passes' input (demo-1..3), one per node of the three-node pass.</summary>
    private const int InputClusters = 3;

    private static PipelineSettings Settings(BenchOptions options, IReadOnlyList<string> seeds) => options.PipelineSettings() with
    {
        NameRetention = new PipelineSettings().NameRetention, // as this mode was measured (the service's 2 h)
        MaxInFlight = 20_000, // remote hops need more in flight than one node
        Hostname = "127.0.0.1",
        Port = 0,
        SeedNodes = seeds,
        ReplicateEmitted = false, // the ledger is for crash recovery; it would add gossip to the measurement
    };

    /// <param name="warmUpDocuments">A warm-up: only the input's first documents, and no report.</param>
    private static async Task<PassResult> PassAsync(int count, BenchOptions options, InputSummary input, ProcessSampler sampler, ILoggerFactory loggers, long warmUpDocuments = 0)
    {
        var warm = warmUpDocuments > 0;
        var culture = CultureInfo.InvariantCulture;
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        sampler.Mark();
        var exporters = new List<CountingOtlpJsonExporter>();
        var nodes = new List<PipelineRuntime>();
        try
        {
            using (var startup = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
            {
                for (var i = 0; i < count; i++)
                {
                    IReadOnlyList<string> seeds = i == 0 ? [] : [Cluster.Get(nodes[0].System).SelfAddress.ToString()];
                    var exporter = new CountingOtlpJsonExporter();
                    exporters.Add(exporter);
                    nodes.Add(await PipelineRuntime.StartAsync(Settings(options, seeds), [exporter], loggers, cancellationToken: startup.Token));
                }
                while (nodes.Any(n => Cluster.Get(n.System).State.Members.Count(m => m.Status == MemberStatus.Up) < count))
                {
                    await Task.Delay(50, startup.Token);
                }
            }
            if (!warm) Console.WriteLine(string.Create(culture,
                $"{count} node(s) up ({options.Placement} placement): {string.Join(", ", nodes.Select(n => Cluster.Get(n.System).SelfAddress.ToString()))}; working set {sampler.Current() / 1e6:N0} MB"));

            var (fed, events, errors, feedSeconds, seconds, cpu) = await FeedAndDrainAsync(nodes, options, input.Path, sampler, timeout, warm ? warmUpDocuments : long.MaxValue);
            var spansExported = nodes.Sum(n => n.Metrics.SpansExported);
            var spansDropped = nodes.Sum(n => n.Metrics.SpansDropped);
            var result = new PassResult(count, events, seconds, cpu, sampler.PhasePeakBytes, spansExported, spansDropped, errors == 0 && events == input.Events);
            if (warm) return result;
            Console.WriteLine(string.Create(culture,
                $"{count} node(s): {events:N0} events + {fed - events:N0} objects fed ({errors} decode errors) in {feedSeconds:N2} s, total with drain {seconds:N2} s = {result.EventsPerSecond:N0} events/s; cpu {cpu:N1} s = {cpu / seconds:N2} cores, {result.CpuPerMillion:N1} CPU-s per million events; peak working set {result.PeakBytes / 1e6:N0} MB; spans exported {spansExported:N0} ({string.Join(" + ", nodes.Select(n => n.Metrics.SpansExported.ToString("N0", culture)))}), dropped {spansDropped:N0}"));
            return result;
        }
        finally
        {
            // Later nodes leave first, the seed (oldest, hosting the coordinators) last; each DisposeAsync is bounded
            // (host stop timeout). Leaving all at once was tried: slower and noisier (hand-offs time out).
            for (var i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }

    /// <summary>
    /// As the pipeline mode does: a producer thread reads the file into a bounded channel, decoder threads decode and
    /// feed each fact through the node watching its cluster (demo-k through node (k-1) mod nodes), back-pressured on
    /// every node's own flow count; then the nodes drain together.
    /// </summary>
    private static async Task<(long Fed, long Events, long Errors, double FeedSeconds, double Seconds, double Cpu)> FeedAndDrainAsync(
        IReadOnlyList<PipelineRuntime> nodes, BenchOptions options, string inputPath, ProcessSampler sampler, TimeSpan timeout, long maxDocuments)
    {
        using var stop = new CancellationTokenSource(timeout);
        var maxInFlight = nodes[0].MaxInFlight;
        var start = Instant.Now(sampler);
        var input = InputPump.Start(inputPath, options.ChannelCapacity, stop.Token, maxDocuments);
        // Each decoder is a source batching what it routes and flushing after each batch of documents, as the pipeline mode
        // does, one batcher per node: every watch loop of a cluster runs on the node that watches it, which remembers
        // the snapshots its sources route.
        var nodeOf = Enumerable.Range(1, InputClusters).ToDictionary(k => $"demo-{k}", k => (k - 1) % nodes.Count, StringComparer.Ordinal);
        var batchers = Enumerable.Range(0, options.Decoders).Select(_ => nodes.Select(n => n.Batcher()).ToArray()).ToArray();
        var stats = await InputPump.DecodeAsync(
            input,
            options.Decoders,
            (fact, worker) => batchers[worker][nodeOf.GetValueOrDefault(fact.Cluster)].Add(fact),
            () =>
            {
                foreach (var n in nodes) n.Services.Tracker.WaitForRoom(maxInFlight, stop.Token); // each node tracks what it sent
            },
            endOfBatch: worker =>
            {
                foreach (var b in batchers[worker]) b.Flush();
            },
            cancel: stop.Token);
        long fed = stats.Sum(s => s.Fed), events = stats.Sum(s => s.Events), errors = stats.Sum(s => s.Errors);
        var fedDone = Stopwatch.GetTimestamp();
        await PipelineRuntime.DrainAsync(nodes, stop.Token);
        var end = Instant.Now(sampler);
        return (fed, events, errors,
            Stopwatch.GetElapsedTime(start.Timestamp, fedDone).TotalSeconds,
            Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds,
            (end.Cpu - start.Cpu).TotalSeconds);
    }

    private sealed record PassResult(int Nodes, long Events, double Seconds, double Cpu, long PeakBytes, long SpansExported, long SpansDropped, bool Complete)
    {
        public double EventsPerSecond => Events / Seconds;

        public double CpuPerMillion => Cpu / Math.Max(1, Events) * 1e6;

        public JsonObject ToJson() => new()
        {
            ["nodes"] = Nodes,
            ["events_per_s"] = Math.Round(EventsPerSecond),
            ["cpu_seconds_per_million_events"] = Math.Round(CpuPerMillion, 2),
            ["peak_working_set_mb"] = Math.Round(PeakBytes / (1024.0 * 1024.0), 1),
            ["seconds"] = Math.Round(Seconds, 3),
            ["spans_exported"] = SpansExported,
            ["spans_dropped"] = SpansDropped,
        };
    }
}
