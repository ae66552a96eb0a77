using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using KSpanActors.Export;
using KSpanActors.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Pipeline;

/// <summary>
/// A running pipeline in this process: a generic host with the Akka system (a one-node cluster unless seed nodes
/// are configured). Sources <see cref="Feed"/> facts; <see cref="DrainAsync"/> exports everything at end of input.
/// </summary>
internal sealed class PipelineRuntime : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly IActorRef _objects;
    private readonly IActorRef _names;
    private readonly IActorRef _emitter;

    private readonly FactRouter _router;

    private PipelineRuntime(IHost host, PipelineServices ctx)
    {
        _host = host;
        Services = ctx;
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        System = host.Services.GetRequiredService<ActorSystem>();
        _objects = registry.Get<ObjectRegion>();
        _names = registry.Get<NameRegion>();
        _emitter = registry.Get<SpanEmitterActor>();
        _router = new FactRouter(ctx, _objects, _names);
    }

    public PipelineServices Services { get; }

    public PipelineMetrics Metrics => Services.Metrics;

    public ActorSystem System { get; }

    /// <summary>The longest <see cref="DisposeAsync"/> waits for coordinated shutdown: hand-off, leave, flush.</summary>
    public TimeSpan StopTimeout => TimeSpan.FromSeconds(15) + Services.Settings.FlushTimeout + PipelineHosting.FlushMargin;

    /// <summary>Limit of tracked messages in flight before <see cref="FeedAsync"/> waits (back-pressure for fast sources); from <see cref="PipelineSettings.MaxInFlight"/>.</summary>
    public long MaxInFlight => Services.Settings.MaxInFlight;

    public static async Task<PipelineRuntime> StartAsync(
        PipelineSettings settings,
        IReadOnlyList<ISpanExporter> exporters,
        ILoggerFactory? loggerFactory = null,
        Akka.Event.LogLevel akkaLogLevel = Akka.Event.LogLevel.WarningLevel,
        Watch.WatchCatalog? watch = null,
        CancellationToken cancellationToken = default)
    {
        var tracker = new PipelineTracker();
        var ctx = new PipelineServices(settings, new PipelineMetrics { FactsFromOtherReplicas = () => tracker.FromOtherReplicas }, tracker) { Watch = watch };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // Signals are the caller's to handle (the command line stops on SIGINT/SIGTERM through its own path): the
        // default ConsoleLifetime would also catch them and stop the application under it.
        builder.Services.AddSingleton<IHostLifetime, NoSignalsHostLifetime>();
        if (loggerFactory is not null) builder.Services.AddSingleton(loggerFactory);
        else builder.Services.AddLogging();
        builder.Services.AddAkka(PipelineHosting.SystemName, (akka, _) =>
        {
            akka.ConfigureLoggers(l =>
            {
                l.LogLevel = akkaLogLevel;
                l.ClearLoggers();
                l.AddLoggerFactory();
            });
            akka.AddKSpanPipeline(ctx, exporters);
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return new PipelineRuntime(host, ctx);
    }

    /// <summary>Routes one fact to the actor it is about. Thread-safe.</summary>
    public void Feed(IFact fact) => _router.Route(fact);

    /// <summary>
    /// A batcher for one source thread or loop: it holds the facts it is given (<see cref="FactBatcher.Add"/>) and sends
    /// them grouped by the actor they go to when the source flushes it, before it waits for more input.
    /// </summary>
    public FactBatcher Batcher() => _router.Batcher();

    /// <summary>Asks the ClusterWatcher of each cluster to run (wherever sharding places it).</summary>
    public void StartWatching(IEnumerable<string> clusters)
    {
        var watchers = _host.Services.GetRequiredService<ActorRegistry>().Get<Watch.WatcherRegion>();
        foreach (var c in clusters) watchers.Tell(new Watch.StartWatching(c));
    }

    /// <summary>Stops the ClusterWatchers of these clusters (shutdown), so a drain sees the input end.</summary>
    public void StopWatching(IEnumerable<string> clusters)
    {
        var watchers = _host.Services.GetRequiredService<ActorRegistry>().Get<Watch.WatcherRegion>();
        foreach (var c in clusters) watchers.Tell(new Watch.StopWatching(c));
    }

    /// <summary>Feeds a fact, first waiting while too many messages are in flight.</summary>
    public async ValueTask FeedAsync(IFact fact, CancellationToken cancellationToken = default)
    {
        await Services.Tracker.WaitForRoomAsync(MaxInFlight, cancellationToken).ConfigureAwait(false);
        Feed(fact);
    }

    /// <summary>
    /// End of input: waits until every fact reached its actor, lets objects without a known owner become top-level,
    /// has every top-level object export its traces, and waits until the exporters took every span.
    /// </summary>
    public Task DrainAsync(CancellationToken cancellationToken = default) => DrainAsync([this], cancellationToken);

    /// <summary>
    /// The same for several nodes of one cluster in this process (tests, the replicas benchmark). Each node tracks what it
    /// sent itself; entity ids are collected from every node's regions.
    /// </summary>
    public static async Task DrainAsync(IReadOnlyList<PipelineRuntime> nodes, CancellationToken cancellationToken = default)
    {
        var first = nodes[0];
        var flow = first.Services.Tracker;
        await WhenQuietAsync(nodes, cancellationToken).ConfigureAwait(false);
        var objectCount = -1;
        for (var round = 0; round < 8; round++)
        {
            foreach (var id in await AllEntityIdsAsync(nodes, n => n._names, cancellationToken).ConfigureAwait(false)) flow.Route(first._names, new FinalizeName(id));
            await WhenQuietAsync(nodes, cancellationToken).ConfigureAwait(false);
            var ids = await AllEntityIdsAsync(nodes, n => n._objects, cancellationToken).ConfigureAwait(false);
            foreach (var id in ids) flow.Route(first._objects, new FinalizeObject(id));
            await WhenQuietAsync(nodes, cancellationToken).ConfigureAwait(false);
            if (ids.Count == objectCount) break;
            objectCount = ids.Count;
        }
        foreach (var id in await AllEntityIdsAsync(nodes, n => n._objects, cancellationToken).ConfigureAwait(false)) flow.Route(first._objects, new EmitObject(id));
        await WhenQuietAsync(nodes, cancellationToken).ConfigureAwait(false);
        foreach (var n in nodes) await n.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes when no tracked message is in flight on any of these nodes. One node: its own count reaches zero.
    /// Several: every node's (sent, acknowledged) counters are balanced and unchanged between two reads, 10 ms apart
    /// (a message processed between the reads sends or acknowledges something, so it changes a counter: the two reads
    /// see one quiet state, not a mix of two).
    /// </summary>
    public static async Task WhenQuietAsync(IReadOnlyList<PipelineRuntime> nodes, CancellationToken cancellationToken = default)
    {
        if (nodes.Count == 1)
        {
            await nodes[0].Services.Tracker.WhenIdleAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        (long Sent, long Acked)[]? last = null;
        while (true)
        {
            var now = nodes.Select(n => n.Services.Tracker.Counters).ToArray();
            if (last is not null && now.All(c => c.Acked >= c.Sent) && now.SequenceEqual(last)) return;
            last = now;
            await Task.Delay(FlowCreditActor.CreditInterval * 2, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<HashSet<string>> AllEntityIdsAsync(IReadOnlyList<PipelineRuntime> nodes, Func<PipelineRuntime, IActorRef> region, CancellationToken cancellationToken)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in nodes) all.UnionWith(await EntityIdsAsync(region(n), cancellationToken).ConfigureAwait(false));
        return all;
    }

    /// <summary>
    /// Waits until the SpanEmitter has handed every span it holds to the exporters. An exporter that takes nothing for
    /// <see cref="PipelineSettings.FlushTimeout"/> is given up on (what it holds is dropped and counted), so this ends.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushAsync(Services.Settings.FlushTimeout, null, cancellationToken);

    /// <summary>
    /// The same with a patience of one's own and, optionally, a deadline (UTC) at which whatever is still held is dropped
    /// and counted. <c>FlushAsync(TimeSpan.Zero)</c> drops, and counts, what is held at once.
    /// </summary>
    public async Task FlushAsync(TimeSpan patience, DateTime? deadline, CancellationToken cancellationToken = default)
    {
        // The emitter answers once it gave up at the latest; the ask's own timeout only guards against a dead emitter.
        var bound = (deadline is { } d ? d - DateTime.UtcNow : patience) + TimeSpan.FromMinutes(1);
        await _emitter.Ask<FlushDone>(new Flush(patience, deadline), bound > TimeSpan.FromMinutes(5) ? bound : TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<string>> EntityIdsAsync(IActorRef region, CancellationToken cancellationToken)
    {
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var ids = new List<string>();
        foreach (var shard in state.Shards) ids.AddRange(shard.EntityIds);
        return ids;
    }

    /// <summary>
    /// Stops the pipeline: coordinated shutdown (with replicas: shard hand-off and cluster leave), the buffered spans
    /// flushed within <see cref="PipelineSettings.FlushTimeout"/>, the actor system terminated. Waits at most
    /// <see cref="StopTimeout"/> (Akka.Hosting's stop does not observe the host's timeout itself).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await _host.StopAsync(timeout.Token).WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            System.Log.Warning("The pipeline did not stop within {0} s", (int)StopTimeout.TotalSeconds);
        }
        finally
        {
            _host.Dispose();
            Services.Metrics.Dispose();
        }
    }
}
