using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>Sends a fact to the actor it is about (through the shard regions), tracked as sent by this node. Thread-safe.</summary>
internal sealed class FactRouter(PipelineServices ctx, IActorRef objects, IActorRef names)
{
    public void Route(IFact fact)
    {
        var flow = ctx.Tracker;
        switch (fact)
        {
            case EventObserved e:
                ctx.Metrics.EventReceived(e.Cluster, e.Kind);
                if (e.ObjectUid is { Length: > 0 } uid)
                {
                    // An ordinary event of an object whose top-level object is known goes straight there. Controller
                    // actions (creates, deletes, scalings) still go to their object, which records what it acted on.
                    // Otherwise, when the snapshots seen here name its owners, up that chain (the relays' path, skipped).
                    if (EventMessages.IsControllerAction(e.Reason)) flow.Route(objects, new Observe(e.Cluster, uid, e));
                    else if (ctx.Objects.Routes.TryGet(e.Cluster, uid, out var top))
                    {
                        flow.Route(objects, new Propagate(e.Cluster, top.TopUid, top.Top, e, [uid]));
                    }
                    else if (ctx.Objects.TryResolveTop(e.Cluster, uid, ctx.Settings.MaxOwnerDepth, out var targetUid, out var target, out var path))
                    {
                        flow.Route(objects, new Propagate(e.Cluster, targetUid, target, e, path));
                    }
                    else flow.Route(objects, new Observe(e.Cluster, uid, e));
                }
                else flow.Route(names, new ObserveByName(e.Cluster, new ObjectRef(e.Kind, e.Namespace, e.Name), e));
                break;
            case ObjectObserved o:
                ctx.Metrics.ObjectReceived(o.Cluster, o.Kind);
                // The first snapshot goes to the object's own actor, which may hold facts that came before it, waiting
                // for their owner; a later one, when its owners' snapshots were seen here, straight to the top.
                if (ctx.Objects.Remember(o) && ctx.Objects.TryResolveTop(o.Cluster, o.Uid, ctx.Settings.MaxOwnerDepth, out var topUid, out var topRef, out var skipped))
                {
                    flow.Route(objects, new Propagate(o.Cluster, topUid, topRef, o, skipped));
                }
                else flow.Route(objects, new Observe(o.Cluster, o.Uid, o));
                break;
            case ObjectDeleted:
                // Not routed: no tree depends on a deletion (a Killing event finds its delete by name), and sending it
                // would only wake the object's actor (which did nothing with it).
                break;
        }
    }
}
