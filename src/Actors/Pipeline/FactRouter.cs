using System.Collections.Immutable;
using Akka.Actor;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>Sends a fact to the actor it is about (through the shard regions), tracked as sent by this node. Thread-safe.</summary>
internal sealed class FactRouter(PipelineServices ctx, IActorRef objects, IActorRef names)
{
    /// <summary>Sends a fact on at once.</summary>
    public void Route(IFact fact) => Route(fact, null);

    /// <summary>Routes a fact; what goes to an object actor is held by <paramref name="batch"/> when there is one.</summary>
    internal void Route(IFact fact, FactBatcher? batch)
    {
        switch (fact)
        {
            case EventObserved e:
                ctx.Metrics.EventReceived(e.Cluster, e.Kind);
                if (e.ObjectUid is { Length: > 0 } uid)
                {
                    // An ordinary event of an object whose top-level object is known goes straight there. Controller
                    // actions (creates, deletes, scalings) still go to their object, which records what it acted on.
                    // Otherwise, when the snapshots seen here name its owners, up that chain (the relays' path, skipped).
                    if (EventMessages.IsControllerAction(e.Reason)) ToObject(e.Cluster, uid, null, e, [], batch);
                    else if (ctx.Objects.Routes.TryGet(e.Cluster, uid, out var top)) ToObject(e.Cluster, top.TopUid, top.Top, e, [uid], batch);
                    else if (ctx.Objects.TryResolveTop(e.Cluster, uid, ctx.Settings.MaxOwnerDepth, out var targetUid, out var target, out var path))
                    {
                        ToObject(e.Cluster, targetUid, target, e, path, batch);
                    }
                    else ToObject(e.Cluster, uid, null, e, [], batch);
                }
                else ctx.Tracker.Route(names, new ObserveByName(e.Cluster, new ObjectRef(e.Kind, e.Namespace, e.Name), e));
                break;
            case ObjectObserved o:
                ctx.Metrics.ObjectReceived(o.Cluster, o.Kind);
                // The first snapshot goes to the object's own actor, which may hold facts that came before it, waiting
                // for their owner; a later one, when its owners' snapshots were seen here, straight to the top.
                if (ctx.Objects.Remember(o) && ctx.Objects.TryResolveTop(o.Cluster, o.Uid, ctx.Settings.MaxOwnerDepth, out var topUid, out var topRef, out var skipped))
                {
                    ToObject(o.Cluster, topUid, topRef, o, skipped, batch);
                }
                else ToObject(o.Cluster, o.Uid, null, o, [], batch);
                break;
            case ObjectDeleted:
                // Not routed: no tree depends on a deletion (a Killing event finds its delete by name), and sending it
                // would only wake the object's actor (which did nothing with it).
                break;
        }
    }

    /// <summary>A fact for object (cluster, uid): about the object itself (path empty), or handed up along the path.</summary>
    private void ToObject(string cluster, string uid, ObjectRef? target, IFact fact, ImmutableArray<string> path, FactBatcher? batch)
    {
        if (batch is not null) batch.Hold(cluster, uid, target, fact, path);
        else ctx.Tracker.Route(objects, Message(cluster, uid, target, fact, path));
    }

    /// <summary>The message of one fact for object (cluster, uid): an Observe when it is about the object, else a Propagate.</summary>
    internal static IObjectMessage Message(string cluster, string uid, ObjectRef? target, IFact fact, ImmutableArray<string> path) =>
        path.IsDefaultOrEmpty ? new Observe(cluster, uid, fact) : new Propagate(cluster, uid, target!.Value, fact, path);

    /// <summary>A batcher for one source (thread or loop) of this router's facts.</summary>
    public FactBatcher Batcher() => new(this, ctx.Tracker, objects);
}
