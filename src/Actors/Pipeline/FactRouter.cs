using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>Sends a fact to the actor it is about (through the shard regions), counting it. Thread-safe.</summary>
public sealed class FactRouter(PipelineContext ctx, IActorRef objects, IActorRef names)
{
    internal static bool IsControllerAction(string reason) => reason is "ScalingReplicaSet" or "SuccessfulCreate" or "SuccessfulDelete";

    public void Route(IFact fact)
    {
        var tracker = ctx.Tracker;
        switch (fact)
        {
            case EventObserved e:
                ctx.Metrics.EventReceived(e.Cluster, e.Kind);
                tracker.Sent();
                if (e.ObjectUid is { Length: > 0 } uid)
                {
                    // An ordinary event of an object whose top-level object is known goes straight there. Controller
                    // actions (creates, deletes, scalings) still go to their object, which records what it acted on.
                    if (!IsControllerAction(e.Reason) && ctx.Routes.TryGet(e.Cluster, uid, out var top))
                    {
                        objects.Tell(new Propagate(e.Cluster, top.TopUid, top.Top, e, [uid]));
                    }
                    else objects.Tell(new Observe(e.Cluster, uid, e));
                }
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
