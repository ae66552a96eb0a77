using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>Sends a fact to the actor it is about (through the shard regions), counting it. Thread-safe.</summary>
public sealed class FactRouter(PipelineContext ctx, IActorRef objects, IActorRef names)
{
    public void Route(IFact fact)
    {
        var tracker = ctx.Tracker;
        switch (fact)
        {
            case EventObserved e:
                ctx.Metrics.EventReceived(e.Cluster, e.Kind);
                tracker.Sent();
                if (e.ObjectUid is { Length: > 0 } uid) objects.Tell(new Observe(e.Cluster, uid, e));
                else names.Tell(new ObserveByName(e.Cluster, new ObjectRef(e.Kind, e.Namespace, e.Name), e));
                break;
            case ObjectObserved o:
                ctx.Metrics.ObjectReceived(o.Cluster, o.Kind);
                tracker.Sent();
                objects.Tell(new Observe(o.Cluster, o.Uid, o));
                break;
            case ObjectDeleted d:
                tracker.Sent();
                objects.Tell(new Observe(d.Cluster, d.Uid, d));
                break;
        }
    }
}
