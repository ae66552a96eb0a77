using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using KSpanActors.Export;
using KSpanActors.Serialization;

namespace KSpanActors.Pipeline;

/// <summary>Registers the pipeline's actors on an Akka.Hosting builder: remoting, cluster, both shard regions, the SpanEmitter.</summary>
internal static class PipelineHosting
{
    public const string SystemName = "kspan";

    /// <summary>Shard region names: a region lives at /system/sharding/&lt;name&gt; on every node.</summary>
    public const string ObjectRegionName = "kspan-objects";

    public const string NameRegionName = "kspan-names";

    public const string WatcherRegionName = "kspan-watchers";

    /// <summary>Where a shard region lives on a node: Akka.Cluster.Sharding keeps its regions under /system/sharding.</summary>
    public static ActorPath RegionPath(Address node, string region) => new RootActorPath(node) / "system" / "sharding" / region;

    /// <summary>What a flush with a deadline may take beyond it (the answer, a last export completing).</summary>
    internal static readonly TimeSpan FlushMargin = TimeSpan.FromSeconds(3);

    public static AkkaConfigurationBuilder AddKSpanPipeline(this AkkaConfigurationBuilder builder, PipelineServices ctx, IReadOnlyList<ISpanExporter> exporters)
    {
        var settings = ctx.Settings;
        // Entities passivate themselves when idle (ReceiveTimeout), and hand their state on when their shard moves
        // (Relocate), so a replica leaving or a rebalance loses nothing.
        var shardOptions = new ShardOptions
        {
            RememberEntities = false,
            StateStoreMode = StateStoreMode.DData,
            ShouldPassivateIdleEntities = false,
            HandOffStopMessage = Relocate.Instance,
        };
        var extractor = new KSpanMessageExtractor(settings.Shards, settings.Placement == ShardPlacement.Source ? settings.ShardsPerCluster : 0);

        builder
            // PLATFORM_NOTES: the LightningDB durable store fails with the versions served; keep sharding state in memory.
            .AddHocon("akka.cluster.sharding.distributed-data.durable.keys = []", HoconAddMode.Prepend)
            .WithKSpanSerializer()
            .WithRemoting(settings.Hostname, settings.Port, settings.PublicHostname)
            .WithClustering(new ClusterOptions
            {
                SeedNodes = [.. settings.SeedNodes],
                // Split brain: the side with the majority of members stays; when membership keeps changing for longer
                // than stable-after + down-all-when-unstable, everyone downs itself rather than risk two clusters
                // watching the same Kubernetes clusters (see README, "Scale-out").
                SplitBrainResolver = new Akka.Cluster.Hosting.SBR.KeepMajorityOption(),
            })
            .AddHocon(
                $"akka.cluster.split-brain-resolver.stable-after = {(int)settings.SbrStableAfter.TotalMilliseconds}ms\n" +
                // Failover in seconds (README, "Scale-out"): heartbeats every 0.5 s, a replica silent for the configured
                // pause is unreachable, the leader acts every 0.5 s, and a downed replica's shards and watchers start
                // elsewhere 1 s after its removal (the default waits stable-after again; 1 s is enough for a downed
                // minority to stop its own watchers, as it downs itself at the same stable-after).
                "akka.cluster.failure-detector.heartbeat-interval = 500ms\n" +
                $"akka.cluster.failure-detector.acceptable-heartbeat-pause = {(int)settings.FailureDetectorPause.TotalMilliseconds}ms\n" +
                "akka.cluster.leader-actions-interval = 500ms\n" +
                "akka.cluster.down-removal-margin = 1s\n" +
                // Regions look for a coordinator that moved (its replica crashed) every 0.5 s instead of every 2 s.
                "akka.cluster.sharding.retry-interval = 500ms\n" +
                // Shards are rebalanced every 2 s instead of 10 s: after replicas join (a fleet starting, a scale-up) the
                // watchers spread and a cluster's object shards follow its watcher (SourcePlacement) within seconds,
                // instead of its facts crossing between replicas for a minute (README, "Scale-out").
                $"akka.cluster.sharding.rebalance-interval = {(int)RebalanceInterval.TotalMilliseconds}ms\n" +
                // Room beyond Akka's 128 KB for the large messages: an entity's hand-off with the facts it holds, and a
                // ledger's 8,192 ids (EmittedLedger).
                "akka.remote.dot-netty.tcp.maximum-frame-size = 4 MiB\n" +
                "akka.remote.dot-netty.tcp.send-buffer-size = 8 MiB\n" +
                "akka.remote.dot-netty.tcp.receive-buffer-size = 8 MiB\n" +
                "akka.cluster.split-brain-resolver.down-all-when-unstable = on\n" +
                "akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 120s\n" +
                // Signals are the host's: Akka 1.5.74 otherwise registers its own SIGTERM and SIGINT handlers that run
                // coordinated shutdown at once, stopping the shard regions under a drain still in progress.
                "akka.coordinated-shutdown.run-by-clr-shutdown-hook = off\n" +
                // Leaving (SIGTERM with replicas) must fit in a pod's 30 s grace period: hand-off at most 10 s, then the
                // flush of buffered spans (FlushTimeout, counted as dropped past it).
                "akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 10s\n" +
                $"akka.coordinated-shutdown.phases.before-actor-system-terminate.timeout = {(int)(settings.FlushTimeout + FlushMargin).TotalMilliseconds}ms\n" +
                // Sharding's own state (coordinator, remembered watchers) is written to and read from a plain majority,
                // so the survivors of a crash can allocate shards and restart watchers before the dead replica is
                // removed (the defaults, majority + 3 / + 5 and a min-cap of 5, need every member of a small cluster).
                "akka.cluster.sharding.coordinator-state.write-majority-plus = 0\n" +
                "akka.cluster.sharding.coordinator-state.read-majority-plus = 0\n" +
                "akka.cluster.sharding.distributed-data.majority-min-cap = 2\n",
                HoconAddMode.Prepend)
            // Entities get a mailbox that costs nothing while empty (EntityMailbox).
            .AddHocon(EntityMailbox.Hocon, HoconAddMode.Prepend)
            // Flow control first: every tracked message names this node's flow actor (or an actor of this node) as sender.
            .WithActors((system, registry) =>
            {
                var flow = system.ActorOf(FlowCreditActor.Props(ctx.Tracker, ctx.Fleet), FlowCreditActor.Name);
                ctx.Tracker.Origin = flow;
                registry.Register<FlowCreditActorKey>(flow);
            })
            .WithObjectRegions(ctx, extractor, shardOptions)
            .WithActors((system, registry) =>
            {
                var emitter = system.ActorOf(SpanEmitter.Props(ctx, exporters), "span-emitter");
                registry.Register<SpanEmitterActor>(emitter);
                if (settings.ReplicatesEmitted) registry.Register<EmittedLedgerActor>(system.ActorOf(EmittedLedger.Props(ctx, emitter), EmittedLedger.Name));
                // Leaving (SIGTERM, scale-down): after the shards handed off, export every span still buffered.
                Akka.Actor.CoordinatedShutdown.Get(system).AddTask(Akka.Actor.CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "kspan-flush-spans",
                    async () =>
                    {
                        try
                        {
                            // At most FlushTimeout: past it, what is still held is dropped and counted (not lost silently
                            // when the phase times out and the system terminates).
                            var flush = new Flush(settings.FlushTimeout, DateTime.UtcNow + settings.FlushTimeout);
                            await emitter.Ask<FlushDone>(flush, settings.FlushTimeout + FlushMargin - TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                        {
                            system.Log.Warning("Spans still buffered at shutdown could not all be exported: {0}", e.Message);
                        }
                        return Akka.Done.Instance;
                    });
            });

        if (ctx.Watch is not null) builder.WithWatcherRegion(ctx, extractor);

        if (settings.SeedNodes.Count == 0)
        {
            // Alone: a one-node cluster, the same code path as many replicas.
            builder.AddStartup((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        }
        return builder;
    }

    /// <summary>How often the coordinators ask the allocation strategies what to move.</summary>
    internal static readonly TimeSpan RebalanceInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// One ClusterWatcher per cluster, as a remembered entity (every configured cluster is always watched by exactly one
    /// replica: a lost replica's watchers restart elsewhere). Balanced by Akka's least-shard allocation in the form that
    /// moves every watcher above an even share in one rebalance round: the first replica up starts every watcher, and
    /// the default form moved them to replicas that joined one per round.
    /// </summary>
    private static AkkaConfigurationBuilder WithWatcherRegion(this AkkaConfigurationBuilder builder, PipelineServices ctx, KSpanMessageExtractor extractor) =>
        builder.WithActors((system, registry) =>
        {
            var settings = ShardingSettings(system, "remember-entities = on\nremember-entities-store = ddata\nstate-store-mode = ddata\npassivate-idle-entity-after = off");
            var strategy = ShardAllocationStrategy.LeastShardAllocationStrategy(absoluteLimit: WatcherMovesPerRound, relativeLimit: 1.0);
            registry.Register<Watch.WatcherRegion>(ClusterSharding.Get(system).Start(WatcherRegionName, cluster => Watch.ClusterWatcher.Props(cluster, ctx, registry),
                settings, extractor, strategy, PoisonPill.Instance));
        });

    /// <summary>Watchers moved per rebalance round at most (each relists its cluster on the replica it moves to).</summary>
    internal const int WatcherMovesPerRound = 64;

    private static ClusterShardingSettings ShardingSettings(ActorSystem system, string overrides)
    {
        var config = system.Settings.Config;
        return ClusterShardingSettings.Create(
            Akka.Configuration.ConfigurationFactory.ParseString(overrides).WithFallback(config.GetConfig("akka.cluster.sharding")),
            config.GetConfig("akka.cluster.singleton"));
    }

    /// <summary>
    /// The object and name regions. Spread: Akka.Hosting's regions (least-shard allocation over hashed shards).
    /// Source: started here with <see cref="SourcePlacement"/>, which Akka.Hosting's options cannot name, and the same
    /// settings the options give (no remembered entities, state in DData, no passivation by sharding).
    /// </summary>
    private static AkkaConfigurationBuilder WithObjectRegions(this AkkaConfigurationBuilder builder, PipelineServices ctx, KSpanMessageExtractor extractor, ShardOptions options)
    {
        if (ctx.Settings.Placement == ShardPlacement.Spread)
        {
            return builder
                .WithShardRegion<ObjectRegion>(ObjectRegionName, (_, registry, _) =>
                {
                    var props = ObjectActor.Props(ctx, registry); // one for all: each actor reads its id from its name
                    return _ => props;
                }, extractor, options)
                .WithShardRegion<NameRegion>(NameRegionName, (_, registry, _) => id => NameIndexActor.Props(id, ctx, registry), extractor, options);
        }
        return builder.WithActors((system, registry) =>
        {
            var sharding = ClusterSharding.Get(system);
            var settings = ShardingSettings(system, "remember-entities = off\nstate-store-mode = ddata\npassivate-idle-entity-after = off");
            var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
            // Watchers run only under `watch`; a replay or demo places a cluster's shards where its facts come from.
            var homes = ctx.Watch is null ? null : SourcePlacement.HomesFrom(() => registry.TryGet<Watch.WatcherRegion>(out var r) ? r : null);
            SourcePlacement Strategy() => new(self, cluster => extractor.ShardId(cluster), homes);
            var objectProps = ObjectActor.Props(ctx, registry); // one for all: each actor reads its id from its name
            registry.Register<ObjectRegion>(sharding.Start(ObjectRegionName, _ => objectProps, settings, extractor, Strategy(), Relocate.Instance));
            registry.Register<NameRegion>(sharding.Start(NameRegionName, id => NameIndexActor.Props(id, ctx, registry), settings, extractor, Strategy(), Relocate.Instance));
        });
    }
}
