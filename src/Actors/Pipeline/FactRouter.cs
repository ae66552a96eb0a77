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
                    // An ordinary event of an object whose top-level object is known goes straight there; otherwise,
                    // when the snapshots seen here name its owners, up that chain (the relays' path, skipped). A
                    // controller action (a create, delete or scaling) whose message says what it acted on goes up the
                    // same way, and this source tells the name index what the object's actor would have told it; one
                    // that says nothing readable goes to its object, which counts and logs it.
                    if (EventMessages.IsControllerAction(e.Reason))
                    {
                        if (EventMessages.TryParse(e.Kind, e.Reason, e.Message, out var action) && TryToTop(e.Cluster, uid, e, batch))
                        {
                            ctx.Tracker.Route(names, ObjectState.ClaimOf(e, action));
                        }
                        else ToOwnActor(e.Cluster, uid, e, batch);
                    }
                    else if (!TryToTop(e.Cluster, uid, e, batch, useRoutes: true))
                    {
                        // Marked before looking again: a source that routes the object's first snapshot at the same time
                        // either sees the mark (and sends the snapshot to this actor too) or remembered the snapshot
                        // before this second look (and the event goes up after all).
                        ctx.Objects.MarkAddressed(e.Cluster, uid);
                        if (!TryToTop(e.Cluster, uid, e, batch, useRoutes: true)) ToObject(e.Cluster, uid, null, e, [], batch);
                    }
                }
                else ctx.Tracker.Route(names, new ObserveByName(e.Cluster, new ObjectRef(e.Kind, e.Namespace, e.Name), e));
                break;
            case ObjectObserved o:
                ctx.Metrics.ObjectReceived(o.Cluster, o.Kind);
                // A snapshot goes straight to the top when its owners' snapshots were seen here, unless it is the first
                // one and facts went to the object's own actor before it (they wait there for it). So an owned object
                // whose snapshot comes before its events (most pods) never starts an actor of its own.
                var seenBefore = ctx.Objects.Remember(o);
                if (!TryToTop(o.Cluster, o.Uid, o, batch, unlessAddressed: !seenBefore)) ToObject(o.Cluster, o.Uid, null, o, [], batch);
                break;
            case ObjectDeleted:
                // Not routed: no tree depends on a deletion (a Killing event finds its delete by name), and sending it
                // would only wake the object's actor (which did nothing with it).
                break;
        }
    }

    /// <summary>
    /// Sends a fact of object <paramref name="uid"/> up its chain of owners as far as the snapshots seen here tell
    /// (<see cref="ObjectMemory.TryResolveTop(string,string,int,out string,out ObjectRef,out ImmutableArray{string},out bool)"/>);
    /// false when they do not, or when <paramref name="unlessAddressed"/> and the object's own actor was sent facts.
    /// </summary>
    /// <remarks>
    /// With <paramref name="useRoutes"/>, the routes the top-level actors told (<see cref="ObjectMemory.Routes"/>) are
    /// looked at when the snapshots do not lead to a top-level object: the snapshots first, as they mostly do (two table
    /// probes fewer per Event than the other way round).
    /// </remarks>
    private bool TryToTop(string cluster, string uid, IFact fact, FactBatcher? batch, bool unlessAddressed = false, bool useRoutes = false)
    {
        if (!ctx.Objects.TryResolveTop(cluster, uid, ctx.Settings.MaxOwnerDepth, out var targetUid, out var target, out var path, out var targetIsTop))
        {
            if (!useRoutes || !ctx.Objects.Routes.TryGet(cluster, uid, out var told)) return false;
            ToObject(cluster, told.TopUid, told.Top, fact, [uid], batch);
            return true;
        }
        if (!targetIsTop && useRoutes && ctx.Objects.Routes.TryGet(cluster, uid, out var known))
        {
            ToObject(cluster, known.TopUid, known.Top, fact, [uid], batch);
            return true;
        }
        if (unlessAddressed && ctx.Objects.WasAddressed(cluster, uid)) return false;
        // An owner whose snapshot was not seen yet relays the fact on once it knows its own owner: it holds the fact
        // until then, so its first snapshot must reach it.
        if (!targetIsTop) ctx.Objects.MarkAddressed(cluster, targetUid);
        ToObject(cluster, targetUid, target, fact, path, batch);
        return true;
    }

    /// <summary>
    /// A fact for the object's own actor, noted so the object's later first snapshot goes there too. When the snapshot
    /// was seen already (and went straight to the top), it goes along the first time: the actor may live on another
    /// replica, which has not seen it, and needs it to know its owner.
    /// </summary>
    private void ToOwnActor(string cluster, string uid, IFact fact, FactBatcher? batch)
    {
        if (ctx.Objects.MarkAddressed(cluster, uid) && ctx.Objects.Snapshots.TryGet((cluster, uid), out var known))
        {
            ToObject(cluster, uid, null, known, [], batch);
        }
        ToObject(cluster, uid, null, fact, [], batch);
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
