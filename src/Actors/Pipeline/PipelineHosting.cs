using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using KSpanActors.Export;

namespace KSpanActors.Pipeline;

/// <summary>Registers the pipeline's actors on an Akka.Hosting builder: remoting, cluster, both shard regions, the SpanEmitter.</summary>
public static class PipelineHosting
{
    public const string SystemName = "kspan";

    public static AkkaConfigurationBuilder AddKSpanPipeline(this AkkaConfigurationBuilder builder, PipelineContext ctx, IReadOnlyList<ISpanExporter> exporters)
    {
        var settings = ctx.Settings;
        var shardOptions = new ShardOptions
        {
            RememberEntities = false,
            StateStoreMode = StateStoreMode.DData,
            PassivateIdleEntityAfter = settings.PassivateAfter,
            ShouldPassivateIdleEntities = settings.PassivateAfter is not null,
        };
        var extractor = new KSpanMessageExtractor(settings.Shards);

        builder
            // PLATFORM_NOTES: the LightningDB durable store fails with the versions served; keep sharding state in memory.
            .AddHocon("akka.cluster.sharding.distributed-data.durable.keys = []", HoconAddMode.Prepend)
            .WithRemoting(settings.Hostname, settings.Port, settings.PublicHostname)
            .WithClustering(new ClusterOptions { SeedNodes = [.. settings.SeedNodes] })
            .WithShardRegion<ObjectRegion>("kspan-objects", (_, registry, _) => id => ObjectActor.Props(id, ctx, registry), extractor, shardOptions)
            .WithShardRegion<NameRegion>("kspan-names", (_, registry, _) => id => NameIndexActor.Props(id, ctx, registry), extractor, shardOptions)
            .WithActors((system, registry) => registry.Register<SpanEmitterActor>(system.ActorOf(SpanEmitter.Props(ctx, exporters), "span-emitter")));

        if (ctx.Watch is not null)
        {
            // One ClusterWatcher per cluster, wherever sharding places it.
            builder.WithShardRegion<Watch.WatcherRegion>("kspan-watchers", (_, registry, _) => cluster => Watch.ClusterWatcher.Props(cluster, ctx, registry),
                new Watch.WatcherMessageExtractor(settings.Shards), shardOptions);
        }

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
}
