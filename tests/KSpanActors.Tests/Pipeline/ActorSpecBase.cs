using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.TestKit;
using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

/// <summary>
/// A one-node ActorSystem (cluster provider, not joined: an actor that looks for other replicas finds none) with
/// probes registered where the pipeline's actors look up the object region, the name region and the span emitter.
/// </summary>
public abstract class ActorSpecBase : Akka.TestKit.Xunit2.TestKit
{
    protected ActorSpecBase()
        : base(ConfigurationFactory.ParseString("""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.port = 0
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.loglevel = WARNING
            """).WithFallback(ConfigurationFactory.ParseString(EntityMailbox.Hocon)))
    {
        Objects = CreateTestProbe("objects");
        Names = CreateTestProbe("names");
        Emitter = CreateTestProbe("emitter");
        Registry = new ActorRegistry();
        Registry.Register<ObjectRegion>(Objects.Ref);
        Registry.Register<NameRegion>(Names.Ref);
        Registry.Register<SpanEmitterActor>(Emitter.Ref);
    }

    internal TestProbe Objects { get; }

    internal TestProbe Names { get; }

    internal TestProbe Emitter { get; }

    internal ActorRegistry Registry { get; }

    internal static PipelineServices NewContext(PipelineSettings? settings = null) =>
        new(settings ?? new PipelineSettings(), new PipelineMetrics(), new PipelineTracker());
}
