using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using KSpanActors.Bench;
using KSpanActors.Ingest;
using KSpanActors.Ingest.Demo;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

// --mode watch (WatchBench.cs) and --mode replicas (ReplicasBench.cs) measure the watch path and scale-out; the default,
// --mode pipeline, is what follows.
//
// End-to-end benchmark: demo documents (JSON bytes) -> KubeDecoder -> PipelineRuntime (sharded actors, trace assembly)
// -> SpanEmitter -> OTLP/JSON encoding. The last line printed is one JSON object with the results.
//
// Input, and why it is a file: the scenario's ~1.3 M documents (~1.1 GB of JSON) cannot be held in memory within the
// 500 MB working-set budget, and generating them lazily on a producer thread does not work either: the generator
// (KubernetesClient models serialized by KubernetesJson) runs at only ~30k events/s on one core, so it would cap the
// pipeline below the 50k events/s target and take half of the 2 cores. So the generator writes every document's
// JSON bytes once into a file (temp dir, reused while the generator's first documents hash the same), and a
// producer thread reads them back sequentially into a bounded channel, each JSON in a fresh array, as a replay of a
// capture would: nothing is pre-decoded. The file sits in the page cache, not in this process's working set. The
// generator's own speed is reported separately (generator_events_per_s); nothing is subtracted. The decode-only pass
// keeps a compact sample (one byte buffer + slices; its size is printed).

// GC for 2 cores and a 500 MB budget: runtimeconfig.template.json asks for server GC with one heap per core (collections
// run on both cores instead of stopping everything while one thread collects: +15% events/s, measured) and without
// dynamic adaptation, and caps the heap (336 MiB: the runtime, JIT code and loaded assemblies take ~110 MB more). A 32 MB gen0 budget per heap (far fewer collections at this
// allocation rate) can only be set through the environment, so the benchmark relaunches itself once with it. Idle
// thread-pool workers do not spin before sleeping (UnfairSemaphoreSpinLimit 0): on 2 cores a spinning worker takes
// the core an actor or a decoder needs.
// Arguments are checked (and --help answered) before the relaunch.
var (parsed, parseExit) = BenchCli.Parse(args);
if (parsed is null) return parseExit;
var options = parsed;
if (Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is null && Environment.ProcessPath is { } self)
{
    var start = new ProcessStartInfo(self) { UseShellExecute = false };
    if (!self.EndsWith("KSpanActors.Bench", StringComparison.Ordinal) && !self.EndsWith("KSpanActors.Bench.exe", StringComparison.Ordinal))
    {
        start.ArgumentList.Add(typeof(BenchOptions).Assembly.Location); // run through `dotnet KSpanActors.Bench.dll`
    }
    foreach (var a in args) start.ArgumentList.Add(a);
    start.Environment["DOTNET_GCgen0size"] = "0x2000000";
    // Methods reach their final JIT tier as soon as they are called often enough: by default the runtime waits until no
    // new method was compiled for 100 ms, which a busy pipeline with a steady trickle of first calls keeps postponing, so
    // a run of ten-odd seconds measured code still at tier 0 or instrumented (about a fifth more CPU per Event, measured).
    // A long-running kspan-actors reaches that tier within its first minute anyway.
    if (Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") is null) start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
    // The watch mode hosts the fake API server in the same process (its queues, Kestrel's buffers and HTTP): 512 MB.
    // The soak keeps 100,000 objects busy at once (about 0.5 GB live while it streams): 1 GB. The replicas mode hosts
    // three nodes at once, and their remoting buffers what one node sends faster than another reads: warmed up, 336 MiB
    // ran out (an OutOfMemoryException in DotNetty's frame decoder, the association lost): 1 GB.
    if (Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimit") is null && options.Mode is "watch" or "soak" or "replicas")
    {
        start.Environment["DOTNET_GCHeapHardLimit"] = options.Mode == "watch" ? "0x20000000" : "0x40000000";
    }
    using var child = Process.Start(start)!;
    await child.WaitForExitAsync();
    return child.ExitCode;
}

if (options.Mode == "watch") return await WatchBench.RunAsync(options);
if (options.Mode == "replicas") return await ReplicasBench.RunAsync(options);
if (options.Mode == "storm") return await StormBench.RunAsync(options);
if (options.Mode == "soak") return await SoakBench.RunAsync(options);
if (options.Mode == "encode") return EncodeBench.Run(options);
if (options.Mode == "latency") return await LatencyBench.RunAsync(options);
var culture = CultureInfo.InvariantCulture;
using var sampler = new ProcessSampler();

var scenario = DemoScenario.ForScale(options.Events, options.Objects);
Console.WriteLine(string.Create(culture,
    $"scenario: {scenario.DeploymentsPerCluster} deployments x {scenario.Replicas} replicas, {scenario.Rollouts} rollouts, {scenario.ProbeFailuresPerPod} probe failures/pod; ~{scenario.EstimatedEvents:N0} events, ~{scenario.EstimatedObjects:N0} objects"));
Console.WriteLine(string.Create(culture,
    $"gc: server={GCSettings.IsServerGC} latency={GCSettings.LatencyMode} cores={Environment.ProcessorCount}"));

// ---- 1. Input file (generator alone measured here) and the decode sample (every k-th event document) ----
var inputPath = InputFile.PathFor(scenario);
var fingerprint = InputFile.Fingerprint(scenario);
GeneratorStats gen;
if (!options.Regenerate && InputFile.IsCurrent(inputPath, fingerprint))
{
    gen = MeasureGenerator(scenario, options.GeneratorSample);
    Console.WriteLine(string.Create(culture,
        $"input: reusing {inputPath} ({new FileInfo(inputPath).Length / 1e6:N0} MB); generator alone on the first {gen.Events:N0} events: {gen.DocumentsPerSecond:N0} docs/s, {gen.EventsPerSecond:N0} events/s"));
}
else
{
    gen = InputFile.Write(scenario, inputPath, fingerprint);
    Console.WriteLine(string.Create(culture,
        $"input: wrote {inputPath}: {gen.Documents:N0} documents ({gen.Events:N0} events), {gen.Bytes / 1e6:N0} MB JSON (avg {gen.Bytes / (double)gen.Documents:N0} B); generator alone {gen.Seconds:N1} s = {gen.DocumentsPerSecond:N0} docs/s, {gen.EventsPerSecond:N0} events/s"));
}
var generatorEventsPerS = gen.EventsPerSecond;
var sample = new EventSample();
{
    var stride = Math.Max(1, scenario.EstimatedEvents / Math.Max(1, options.DecodeDistinct));
    long docs = 0, events = 0, bytes = 0;
    var sw = Stopwatch.StartNew();
    foreach (var doc in InputFile.Read(inputPath))
    {
        docs++;
        bytes += doc.Document.Json.Length;
        if (!doc.IsEvent) continue;
        if (events++ % stride == 0 && sample.Count < options.DecodeDistinct) sample.Add(doc.Cluster, doc.Document);
    }
    Console.WriteLine(string.Create(culture,
        $"input: read back {docs:N0} documents ({events:N0} events, {docs - events:N0} objects, {bytes / 1e6:N0} MB JSON) in {sw.Elapsed.TotalSeconds:N2} s"));
}

// ---- 2. Decode only, on one thread over the sample: KubernetesJson's own decode (the reference of the ratio), and ours ----
// The reference is KubernetesClient's model decoded with KubernetesJson's serializer options exactly as the library sets
// them up (its API takes strings and streams, so the bytes go to System.Text.Json with those options). KubeDecoder, what
// the pipeline runs, decodes the same model with one converter more (strings from a cache: slower alone, but far less
// garbage in a pipeline that keeps facts for a settle period) and builds the fact; it is measured too, for information.
// Each is the median of three rounds.
double decodeEventsPerS, kubeDecoderEventsPerS;
{
    var (documents, clusters) = sample.Freeze();
    Console.WriteLine(string.Create(culture,
        $"decode sample: {documents.Length:N0} distinct event documents, {sample.Bytes / 1e6:N1} MB in one buffer; working set now {sampler.Current() / 1e6:N0} MB"));
    var stock = KubeDecoder.KubernetesOptions();
    var coreEvent = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<k8s.Models.Corev1Event>)stock.GetTypeInfo(typeof(k8s.Models.Corev1Event));
    var eventsV1 = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<k8s.Models.Eventsv1Event>)stock.GetTypeInfo(typeof(k8s.Models.Eventsv1Event));
    var failures = 0;
    bool Stock(SourceDocument d)
    {
        object? model = d.ApiVersion is { } api && api.StartsWith("events.k8s.io/", StringComparison.Ordinal)
            ? JsonSerializer.Deserialize(d.Json.Span, eventsV1)
            : JsonSerializer.Deserialize(d.Json.Span, coreEvent);
        return model is not null;
    }
    (double PerSecond, double BytesPerEvent) Measure(Func<int, bool> decode)
    {
        for (var i = 0; i < Math.Min(documents.Length, 20_000); i++) // warm-up (JIT tiers), not timed
        {
            if (!decode(i)) failures++;
        }
        var rounds = new List<(double, double)>();
        for (var round = 0; round < 3; round++)
        {
            var threadAlloc0 = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < options.DecodeSample; i++)
            {
                if (!decode(i % documents.Length)) failures++;
            }
            sw.Stop();
            rounds.Add((options.DecodeSample / sw.Elapsed.TotalSeconds, (GC.GetAllocatedBytesForCurrentThread() - threadAlloc0) / (double)options.DecodeSample));
        }
        return rounds.OrderBy(r => r.Item1).ElementAt(1);
    }
    var (stockRate, stockBytes) = Measure(i => Stock(documents[i]));
    var (oursRate, oursBytes) = Measure(i => KubeDecoder.TryDecode(clusters[i], documents[i], out _, out _));
    decodeEventsPerS = stockRate;
    kubeDecoderEventsPerS = oursRate;
    Console.WriteLine(string.Create(culture,
        $"decode only (KubernetesJson, the reference): {options.DecodeSample:N0} events x 3, median {stockRate:N0} events/s on one thread, {stockBytes:N0} B allocated per event; KubeDecoder (model with cached strings + fact): {oursRate:N0} events/s, {oursBytes:N0} B per event; {failures} failures"));
}
sample = null;

// ---- 2b. Warm-up, not timed: separate pipelines (each its own actor system and state) take the first documents through
// the same decoder threads and batchers as the timed run, so the timed run measures code at its final JIT tier, as the
// decode-only rounds do after their warm-up. Two rounds (BenchOptions.WarmUpRounds): after one, the timed run still
// compiled 1,800-2,400 methods (2.5-3.8 s of JIT time).
if (options.WarmUpRounds.Length > 0)
{
    var sw = Stopwatch.StartNew();
    long docs = 0;
    var quiet = "";
    foreach (var roundDocs in options.WarmUpRounds)
    {
        await using (var warm = await PipelineRuntime.StartAsync(options.PipelineSettings(), [new CountingOtlpJsonExporter()]))
        {
            var warmBatchers = Enumerable.Range(0, options.Decoders).Select(_ => warm.Batcher()).ToArray();
            var warmStats = await InputPump.DecodeAsync(
                InputPump.Start(inputPath, options.ChannelCapacity, CancellationToken.None, roundDocs),
                options.Decoders,
                (fact, worker) => warmBatchers[worker].Add(fact),
                () => warm.Services.Tracker.WaitForRoom(warm.MaxInFlight),
                endOfBatch: worker => warmBatchers[worker].Flush());
            docs += warmStats.Sum(st => st.Fed + st.Errors);
            await warm.DrainAsync();
        }
        // Stopped first: its passivations and timers kept compiling methods of their own.
        quiet = await JitQuiet.WaitAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15));
    }
    Console.WriteLine(string.Create(culture,
        $"warm-up: {docs:N0} documents in two rounds through separate pipelines, the timed run's decoder threads and batchers, in {sw.Elapsed.TotalSeconds:N1} s (not timed); after the second, {quiet}"));
}
// One full, compacting collection (the large object heap too) before the timed run: the decode sample and the warm-up are gone.
GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

// ---- 3. The pipeline ----
var settings = options.PipelineSettings();
var exporter = new CountingOtlpJsonExporter();
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
await using var runtime = await PipelineRuntime.StartAsync(settings, [exporter], loggerFactory);
var registry = ActorRegistry.For(runtime.System);
var objectRegion = registry.Get<ObjectRegion>();
var nameRegion = registry.Get<NameRegion>();
Console.WriteLine(string.Create(culture,
    $"pipeline: settle {options.SettleMs} ms, passivate {options.PassivateMs} ms, batch {options.BatchSize}, shards {options.Shards}, max in flight {runtime.MaxInFlight}; working set at start {sampler.Current() / 1e6:N0} MB (GC heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1e6:N0} MB, committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1e6:N0} MB)"));

long fed = 0, eventsFed = 0, objectsFed = 0, decodeErrors = 0;
long decodeTicks = 0, feedTicks = 0, starveTicks = 0;
long peakLive = 0, lastLive = 0, peakNames = 0;
using var stopPolling = new CancellationTokenSource();
var total = Stopwatch.StartNew();

// Live entities: GetShardRegionStats (counts per shard, no id lists) once a second, with a progress line.
var poller = Task.Run(async () =>
{
    var last = Stopwatch.GetTimestamp();
    long lastEvents = 0;
    while (!stopPolling.IsCancellationRequested)
    {
        try
        {
            await Task.Delay(1000, stopPolling.Token);
        }
        catch (OperationCanceledException)
        {
            break;
        }
        var live = await CountEntitiesAsync(objectRegion);
        var names = await CountEntitiesAsync(nameRegion);
        Interlocked.Exchange(ref lastLive, live);
        if (live > Interlocked.Read(ref peakLive)) Interlocked.Exchange(ref peakLive, live);
        if (names > Interlocked.Read(ref peakNames)) Interlocked.Exchange(ref peakNames, names);
        var now = Stopwatch.GetTimestamp();
        var ev = Interlocked.Read(ref eventsFed);
        var rate = (ev - lastEvents) / Stopwatch.GetElapsedTime(last, now).TotalSeconds;
        (last, lastEvents) = (now, ev);
        Console.WriteLine(string.Create(culture,
            $"  t={total.Elapsed.TotalSeconds,5:N0}s events {ev,10:N0} ({rate,8:N0}/s) in-flight {runtime.Services.Tracker.InFlight,6:N0} objects live {live,7:N0} names live {names,7:N0} spans exported {runtime.Metrics.SpansExported,10:N0} ws {sampler.Current() / 1e6,5:N0} MB"));
    }
});

using var allocations = options.AllocTypes > 0 ? new AllocationSampler() : null;
allocations?.Start();
using var gcLog = options.GcLog ? new GcLog() : null;
gcLog?.Start();
using var jitLog = options.JitLog ? new JitLog() : null;
jitLog?.Start();
sampler.Mark();
var cpu0 = sampler.CpuTime();
var jit0 = JitWork.Start();
var sent0 = runtime.Services.Tracker.Messages;
var fallbacks0 = KubeDecoder.DirectFallbacks;
var started0 = runtime.Metrics.ObjectActorsStarted;
var alloc0 = GC.GetTotalAllocatedBytes();
var gcPause0 = GC.GetTotalPauseDuration();
var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
var firstFeed = Stopwatch.GetTimestamp();
// Decoders: as in watch mode, where every resource's watch loop decodes on its own thread, several workers decode and
// feed concurrently (facts may arrive in any order: trace assembly does not depend on it).
var input = InputPump.Start(inputPath, options.ChannelCapacity, CancellationToken.None);
var tracker = runtime.Services.Tracker;
var maxInFlight = runtime.MaxInFlight;
// Each decoder batches its facts by the actor they go to, and sends them at the end of each batch of documents it read.
var batchers = Enumerable.Range(0, options.Decoders).Select(_ => runtime.Batcher()).ToArray();
var stats = await InputPump.DecodeAsync(
    input,
    options.Decoders,
    (fact, worker) => batchers[worker].Add(fact),
    () => tracker.WaitForRoom(maxInFlight),
    () => Interlocked.Increment(ref eventsFed),
    endOfBatch: worker => batchers[worker].Flush());
foreach (var st in stats)
{
    fed += st.Fed;
    objectsFed += st.Objects;
    decodeErrors += st.Errors;
    decodeTicks += st.DecodeTicks;
    feedTicks += st.FeedTicks;
    starveTicks += st.StarveTicks;
}
var fedDone = Stopwatch.GetTimestamp();
var liveBeforeDrain = await CountEntitiesAsync(objectRegion);
await runtime.DrainAsync();
var end = Stopwatch.GetTimestamp();
allocations?.Stop();
var cpu = sampler.CpuTime() - cpu0;
var jitted = jit0.Elapsed();
var messages = runtime.Services.Tracker.Messages - sent0;
var actorsStarted = runtime.Metrics.ObjectActorsStarted - started0;
var alloc = GC.GetTotalAllocatedBytes() - alloc0;
var gcPause = GC.GetTotalPauseDuration() - gcPause0;
var gcCounts = (GC.CollectionCount(0) - gc0.Item1, GC.CollectionCount(1) - gc0.Item2, GC.CollectionCount(2) - gc0.Item3);
gcLog?.Stop(); // the collections counted so far: the live-heap measurements below force their own
await stopPolling.CancelAsync();
await poller;
var liveAfterDrain = await CountEntitiesAsync(objectRegion);

// The heap that stays: actors, their state, sharding bookkeeping (measured after the timed part).
var liveHeap = GC.GetTotalMemory(forceFullCollection: true);
var liveNames = await CountEntitiesAsync(nameRegion);
Console.WriteLine(string.Create(culture,
    $"live heap after drain and a full GC: {liveHeap / 1e6:N0} MB for {liveAfterDrain:N0} ObjectActors + {liveNames:N0} NameIndexes = {liveHeap / (double)Math.Max(1, liveAfterDrain + liveNames):N0} B per entity"));
if (options.HoldMs > 0)
{
    Console.WriteLine(string.Create(culture, $"holding {options.HoldMs} ms: pid {Environment.ProcessId}"));
    await Task.Delay(options.HoldMs);
}

var seconds = Stopwatch.GetElapsedTime(firstFeed, end).TotalSeconds;
var feedSeconds = Stopwatch.GetElapsedTime(firstFeed, fedDone).TotalSeconds;
var drainSeconds = Stopwatch.GetElapsedTime(fedDone, end).TotalSeconds;
var eventsPerS = eventsFed / seconds;
var metrics = runtime.Metrics;
var peakWs = sampler.PeakBytes;
double S(long ticks) => ticks / (double)Stopwatch.Frequency;

Console.WriteLine(string.Create(culture,
    $"pipeline: {eventsFed:N0} events + {objectsFed:N0} objects fed ({decodeErrors} decode errors, {KubeDecoder.DirectFallbacks - fallbacks0:N0} documents decoded through the model path) in {feedSeconds:N2} s, drain {drainSeconds:N2} s, total {seconds:N2} s = {eventsPerS:N0} events/s ({fed / seconds:N0} docs/s)"));
Console.WriteLine(string.Create(culture,
    $"decoders ({options.Decoders}), summed: decode {S(decodeTicks):N2} s, FeedAsync (routing + back-pressure) {S(feedTicks):N2} s, waiting for the generator {S(starveTicks):N2} s"));
Console.WriteLine(string.Create(culture,
    $"cpu: {cpu.TotalSeconds:N1} s process CPU over {seconds:N1} s wall = {cpu.TotalSeconds / seconds:N2} cores (of {Environment.ProcessorCount}); the JIT compiled {jitted.Methods:N0} methods meanwhile in {jitted.Time.TotalSeconds:N2} s"));
Console.WriteLine(string.Create(culture,
    $"messages: {messages:N0} tracked messages between actors and from the decoders, a batch counted once ({messages / (double)Math.Max(1, fed):N2} per document); {actorsStarted:N0} ObjectActors started ({actorsStarted / (double)Math.Max(1, fed):N3} per document)"));
Console.WriteLine(string.Create(culture,
    $"gc: {alloc / 1e9:N1} GB allocated ({alloc / (double)Math.Max(1, fed):N0} B per document), collections gen0/1/2 {gcCounts.Item1}/{gcCounts.Item2}/{gcCounts.Item3}, pauses {gcPause.TotalSeconds:N2} s"));
Console.WriteLine(string.Create(culture,
    $"spans: emitted {metrics.SpansEmitted:N0}, exported {metrics.SpansExported:N0}, dropped {metrics.SpansDropped:N0}; OTLP/JSON {exporter.Bytes / 1e6:N0} MB in {exporter.Batches:N0} batches; orphans {metrics.Orphans:N0}, owner cycles {metrics.OwnerCycles:N0}"));
Console.WriteLine(string.Create(culture,
    $"memory: peak working set {peakWs / 1e6:N0} MB (pipeline phase {sampler.PhasePeakBytes / 1e6:N0} MB); live ObjectActors peak {peakLive:N0}, at end of input {liveBeforeDrain:N0}, after drain {liveAfterDrain:N0}; NameIndexes peak {peakNames:N0}; scenario objects ~{scenario.EstimatedObjects:N0}"));

if (gcLog is not null)
{
    Console.WriteLine("garbage collections of the timed run, by generation and type:");
    foreach (var line in gcLog.Report()) Console.WriteLine(line);
}
if (jitLog is not null)
{
    jitLog.Stop();
    Console.Write(jitLog.Report(25));
}
if (allocations is not null)
{
    Console.WriteLine(string.Create(culture, $"allocations by type (the runtime's allocation ticks over the timed run; top {options.AllocTypes}):"));
    foreach (var line in allocations.Report(options.AllocTypes, fed)) Console.WriteLine(line);
}

var result = new JsonObject
{
    ["events"] = eventsFed,
    ["seconds"] = Math.Round(seconds, 3),
    ["events_per_s"] = Math.Round(eventsPerS),
    ["decode_only_events_per_s"] = Math.Round(decodeEventsPerS),
    ["kubedecoder_events_per_s"] = Math.Round(kubeDecoderEventsPerS),
    ["ratio"] = Math.Round(eventsPerS / decodeEventsPerS, 3),
    ["cpu_us_per_event"] = Math.Round(cpu.TotalMicroseconds / Math.Max(1, eventsFed), 2),
    ["jit_methods"] = jitted.Methods,
    ["jit_s"] = Math.Round(jitted.Time.TotalSeconds, 2),
    ["alloc_bytes_per_doc"] = Math.Round(alloc / (double)Math.Max(1, fed)),
    ["messages_per_doc"] = Math.Round(messages / (double)Math.Max(1, fed), 2),
    ["gc_pause_share"] = Math.Round(gcPause.TotalSeconds / seconds, 3),
    ["peak_working_set_mb"] = Math.Round(peakWs / (1024.0 * 1024.0), 1),
    ["live_objects"] = Math.Max(peakLive, liveBeforeDrain),
    ["spans_exported"] = metrics.SpansExported,
    ["spans_dropped"] = metrics.SpansDropped,
    ["generator_events_per_s"] = Math.Round(generatorEventsPerS),
};
Console.WriteLine(result.ToJsonString());
return 0;

static GeneratorStats MeasureGenerator(DemoScenario scenario, long events)
{
    long docs = 0, ev = 0, bytes = 0;
    var sw = Stopwatch.StartNew();
    foreach (var item in DemoGenerator.Generate(scenario))
    {
        docs++;
        bytes += item.Document.Json.Length;
        if (item.IsEvent && ++ev >= events) break;
    }
    return new GeneratorStats(docs, ev, bytes, sw.Elapsed.TotalSeconds);
}

static async Task<long> CountEntitiesAsync(IActorRef region)
{
    var stats = await region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, TimeSpan.FromSeconds(30));
    long n = 0;
    foreach (var count in stats.Stats.Values) n += count;
    return n;
}
