using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>Registry keys of the pipeline's actors.</summary>
public sealed class ObjectRegion;

public sealed class NameRegion;

public sealed class SpanEmitterActor;

/// <summary>
/// One per (cluster, object uid), a sharded entity. It learns its object and its owner; a child hands every fact
/// up to its owner (through the shard region, wherever the owner lives), so the top-level object's actor ends up
/// holding its whole family and decides the traces with <see cref="TraceAssembler"/>. An object whose owner is
/// unknown (deleted pods, ReplicaSets of a past rollout) asks the name index who created it; if nobody did, it
/// becomes a top-level object of its own: an event is never dropped.
/// </summary>
internal sealed class ObjectActor : UntypedActor
{
    private const int MaxRetainedActions = 2048;
    private const int MaxRememberedSpans = 512;
    private const int BusyExportPeriods = 3;
    private TimeSpan _idleAfter;
    private long _lastMessage = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _dirtySince;
    private long _pendingSince;
    private bool _settleArmed;

    private readonly PipelineContext _ctx;
    private readonly IActorRegistry _registry;
    private readonly string _cluster;
    private readonly string _uid;
    private ILoggingAdapter? _logger; // created on first use: most actors never log
    private ILoggingAdapter _log => _logger ??= Context.GetLogger();

    private IActorRef _objects = ActorRefs.Nobody;
    private IActorRef _names = ActorRefs.Nobody;
    private IActorRef _emitter = ActorRefs.Nobody;
    private IActorRef? _ledger;

    private ObjectRef? _identity;
    private ObjectObserved? _object;
    private (string Uid, ObjectRef Ref)? _owner;
    private (string Uid, ObjectRef Ref)? _top; // learned from the top-level actor: facts then skip the owners between
    private HashSet<string>? _toldTop;
    private long _lastActivity;
    private bool _isTop;
    private bool _askedOwner;
    private long _fleetRemovals;
    private List<(IFact Fact, ImmutableArray<string> Path)>? _pending;

    private TraceFamily? _family;
    private bool _dirty;
    private HashSet<ulong>? _emitted;

    public ObjectActor(PipelineContext ctx, IActorRegistry registry)
    {
        _ctx = ctx;
        _registry = registry;
        // Sharding names an entity's actor after its entity id, escaped as a URI data string: the id comes from the
        // name, so one Props serves every entity (see Props).
        var (cluster, uid) = EntityIds.Split(Uri.UnescapeDataString(Self.Path.Name));
        (_cluster, _uid) = (Ingest.StringInterner.Shared.Intern(cluster), uid);
        _fleetRemovals = ctx.Fleet.Removals;
    }

    /// <summary>
    /// One Props for every entity of the region, through <see cref="EntityProducer{TActor}"/> (no expression tree, no
    /// reflection per entity): a Props, its Deploy and a closure per entity were a quarter of a kilobyte of long-lived
    /// heap for each live actor.
    /// </summary>
    public static Props Props(PipelineContext ctx, IActorRegistry registry) =>
        Akka.Actor.Props.CreateBy(new EntityProducer<ObjectActor>(() => new ObjectActor(ctx, registry))).WithMailbox(EntityMailbox.Id);

    protected override void PreStart()
    {
        _objects = _registry.Get<ObjectRegion>();
        _names = _registry.Get<NameRegion>();
        _emitter = _registry.Get<SpanEmitterActor>();
        if (_ctx.Settings.ReplicatesEmitted) _ledger = _registry.Get<EmittedLedgerActor>();
        if (_ctx.Settings.PassivateAfter is { } idle)
        {
            _idleAfter = idle;
            Tick(IdleTick.Instance, idle);
        }
        // Recreated after passivation (by a late event, a child's fact): start from the object as this process last saw
        // it, so a top-level object knows at once that it is one (its trace goes on under the same root) and a child
        // knows its owner, instead of waiting for an owner nobody will name.
        if (_ctx.RecentObjects.TryGet((_cluster, _uid), out var known)) OnOwnObject(known);
    }

    protected override void OnReceive(object message)
    {
        if (message is not IdleTick) _lastMessage = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            switch (message)
            {
                case Observe o:
                    Accept(o.Fact, ImmutableArray<string>.Empty, null);
                    break;
                case Propagate p:
                    Accept(p.Fact, p.Path, p.Target);
                    break;
                case OwnerClaimed c:
                    OnOwnerClaimed(c);
                    break;
                case TopIs t:
                    if (!_isTop && t.TopUid != _uid)
                    {
                        _top = (t.TopUid, t.Top);
                        _ctx.Routes.Learn(_cluster, _uid, t.TopUid, t.Top);
                    }
                    break;
                case FinalizeObject:
                    DecideTopIfUndecided("no owner found by the end of input");
                    break;
                case EmitObject:
                    Emit();
                    break;
                case Restored r:
                    if (!r.Emitted.IsDefaultOrEmpty) (_emitted ??= []).UnionWith(r.Emitted);
                    if (_identity is null && r.Identity is { } id) _identity = id;
                    if (r.WasTop && !_isTop) BecomeTop();
                    break;
                case Relocate:
                    Relocation.Hand(this);
                    break;
                case IdleTick:
                    // One timer per idle period (not Akka's ReceiveTimeout, which re-arms a timer after every message).
                    var idleFor = System.Diagnostics.Stopwatch.GetElapsedTime(_lastMessage);
                    if (idleFor < _idleAfter)
                    {
                        Tick(IdleTick.Instance, _idleAfter - idleFor);
                        break;
                    }
                    // Idle: ask the shard to stop this entity (messages that arrive meanwhile are buffered by the shard).
                    if (_pending is null || _pending.Count == 0)
                    {
                        if (_dirty) Emit();
                        Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(StopIdle.Instance));
                    }
                    else Tick(IdleTick.Instance, _idleAfter); // still waiting for its owner: look again one idle period later
                    break;
                case StopIdle:
                    Context.Stop(Self);
                    break;
                case SettleTick:
                    _settleArmed = false;
                    if (!_isTop && _owner is not null) break; // a child that found its owner has nothing to settle
                    var askedAgain = CatchUpWithFleet();
                    if (_ctx.Fleet.HoldsExports && !_isTop && _owner is null && _object is null && _pending is { Count: > 0 } && _identity is { } asked)
                    {
                        // While a replica is unreachable or was just removed, a question or its answer may have gone to
                        // it: ask again every settle period (once), and wait the full orphan period after the last question.
                        if (!askedAgain) AskOwner(asked);
                        _pendingSince = System.Diagnostics.Stopwatch.GetTimestamp();
                    }
                    var quiet = System.Diagnostics.Stopwatch.GetElapsedTime(_lastActivity);
                    // Deciding that an object has no owner cannot be undone: wait a few settle periods for it.
                    var wait = _ctx.Settings.SettleAfter is { } settle ? (_isTop ? settle : settle * 4) : TimeSpan.Zero;
                    // An object that is never quiet (a crash loop) still exports, at least every three settle periods:
                    // what it holds meanwhile (every fact since its last export) is bounded by its event rate times
                    // that. Spans exported early stay under the same root (roots and span ids are remembered).
                    var overdue = _isTop && _dirty && System.Diagnostics.Stopwatch.GetElapsedTime(_dirtySince) >= wait * BusyExportPeriods;
                    // Likewise an object whose owner is still unknown decides once its oldest waiting fact has waited
                    // the orphan period, quiet or not: a busy orphan (a pod recreated by its events after its owner's
                    // name was forgotten) would otherwise hold every fact it is sent.
                    overdue |= !_isTop && _owner is null && _pending is { Count: > 0 } && System.Diagnostics.Stopwatch.GetElapsedTime(_pendingSince) >= wait;
                    if (quiet < wait && !overdue)
                    {
                        ArmSettle(wait - quiet);
                        break;
                    }
                    if (_ctx.Fleet.HoldsExports && wait > TimeSpan.Zero)
                    {
                        // A replica is unreachable or was just removed: facts of its clusters are late; decide later.
                        ArmSettle(_ctx.Settings.SettleAfter!.Value);
                        break;
                    }
                    DecideTopIfUndecided("no owner found within the settle period");
                    Emit();
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
        finally
        {
            if (message is ITracked) _ctx.Tracker.Done(Sender);
        }
    }

    /// <summary>
    /// A replica was removed, and with it the name-index buckets it held: what this object asked there is gone (what it
    /// registered and claimed is said again with every fact that says it, which a relist brings back). An object still
    /// waiting for its owner asks again, once the regions route around the removed replica. True when it asked.
    /// </summary>
    private bool CatchUpWithFleet()
    {
        if (_ctx.Fleet.Removals == _fleetRemovals) return false;
        _fleetRemovals = _ctx.Fleet.Removals;
        if (!_askedOwner) return false;
        _askedOwner = false;
        if (_isTop || _owner is not null || _object is not null || _identity is not { } id) return false;
        AskOwner(id);
        return true;
    }

    /// <summary>Asks the name index who created, deleted or scaled this object (answered with <see cref="OwnerClaimed"/>).</summary>
    private void AskOwner(ObjectRef identity)
    {
        _askedOwner = true;
        Send(_names, new WhoOwns(_cluster, identity, _uid));
    }

    private string Describe() => _identity is { } id
        ? $"cluster={_cluster} {id.Kind} {(id.Namespace.Length > 0 ? id.Namespace + "/" : "")}{id.Name} uid={_uid}"
        : $"cluster={_cluster} uid={_uid}";

    private void Accept(IFact fact, ImmutableArray<string> path, ObjectRef? target)
    {
        if (_identity is null && target is { } t) _identity = t;
        CatchUpWithFleet();

        switch (fact)
        {
            case ObjectObserved o when o.Uid == _uid:
                OnOwnObject(o);
                break;
            case EventObserved e when path.IsEmpty:
                _identity ??= new ObjectRef(e.Kind, e.Namespace, e.Name);
                ClaimWhatThisEventActedOn(e);
                break;
            case ObjectDeleted when path.IsEmpty:
                return; // the tree does not depend on deletions (Killing finds the delete event by name)
        }

        if (!path.IsEmpty && path.IndexOf(_uid) is var seen and >= 0)
        {
            OnOwnerCycle(fact, path, seen);
            return;
        }

        if (!path.IsEmpty && path.Length >= _ctx.Settings.MaxOwnerDepth)
        {
            // An absurdly deep chain: stop climbing here, this object becomes the top.
            _ctx.Metrics.OwnerCycle();
            _log.Warning("Owner chain deeper than {0} at {1}: path {2}; treating this object as top-level",
                _ctx.Settings.MaxOwnerDepth, Describe(), string.Join(" -> ", path));
            if (!_isTop) BecomeTop();
            Absorb(fact);
            return;
        }

        if (_isTop)
        {
            Absorb(fact);
            if (!path.IsEmpty) TellOriginItsTop(path[0]);
        }
        else if (_top is { } top && path.IsEmpty) Forward(top, fact, path);
        else if (_owner is { } owner) Forward(owner, fact, path);
        else
        {
            if (_pending is null)
            {
                _pending = [];
                _pendingSince = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            _pending.Add((fact, path));
            if (_object is null && !_askedOwner && _identity is { } id) AskOwner(id);
            ScheduleSettle();
        }
    }

    /// <summary>
    /// A fact came back to this object around an owner cycle. Whatever the arrival order, the member of the cycle with
    /// the ordinally smallest uid becomes the cycle's top-level object and holds every fact of it: the others send their
    /// facts there, so one cycle gives one trace and is counted once.
    /// </summary>
    private void OnOwnerCycle(IFact fact, ImmutableArray<string> path, int seen)
    {
        var top = _uid;
        for (var i = seen; i < path.Length; i++)
        {
            if (string.CompareOrdinal(path[i], top) < 0) top = path[i];
        }
        if (top != _uid)
        {
            Send(_objects, new Propagate(_cluster, top, new ObjectRef("Unknown", "", top), fact, path.Add(_uid)));
            return;
        }
        if (!_isTop)
        {
            _ctx.Metrics.OwnerCycle();
            _log.Warning("Owner cycle at {0}: path {1}; treating this object as the top-level object of the cycle",
                Describe(), string.Join(" -> ", path.Skip(seen).Append(_uid)));
            BecomeTop();
        }
        Absorb(fact);
    }

    private void OnOwnObject(ObjectObserved o)
    {
        if (_object is null || o.Generation > _object.Generation || o.ResourceVersion >= _object.ResourceVersion)
        {
            _object = o;
            _ctx.RecentObjects.Set((_cluster, _uid), o);
        }
        _identity = new ObjectRef(o.Kind, o.Namespace, o.Name);
        if (o.Owners.IsDefaultOrEmpty)
        {
            // Events without a uid (Flux) name top-level objects; owned objects are found through their uid. Said with
            // every snapshot, not once: the bucket that heard it may have been on a replica that crashed since, and a
            // relist brings the snapshot again (the index keeps one entry per name and uid).
            Send(_names, new NameObserved(_cluster, _identity.Value, _uid, o.CreatedNs));
        }
        if (_isTop) return;
        if (o.Owner is { } ownerRef)
        {
            if (ownerRef.Uid == _uid)
            {
                _ctx.Metrics.OwnerCycle();
                _log.Warning("Object owns itself at {0}; treating it as top-level", Describe());
                BecomeTop();
                return;
            }
            var owner = (ownerRef.Uid, new ObjectRef(ownerRef.Kind, o.Namespace, ownerRef.Name));
            if (_owner is null) SetOwner(owner);
        }
        else
        {
            BecomeTop();
        }
    }

    private void ClaimWhatThisEventActedOn(EventObserved e)
    {
        if (e.ObjectUid != _uid) return;
        if (e.Reason is not ("ScalingReplicaSet" or "SuccessfulCreate" or "SuccessfulDelete")) return;
        if (!EventMessages.TryParse(e.Kind, e.Reason, e.Message, out var action)) return;
        // Every time, not once per target: the bucket that heard it may have been on a replica that crashed since, and a
        // relist brings the event again (the index keeps one claim per name).
        Send(_names, new ClaimName(_cluster, new ObjectRef(action.TargetKind, e.Namespace, action.TargetName), _uid, new ObjectRef(e.Kind, e.Namespace, e.Name)));
    }

    private void OnOwnerClaimed(OwnerClaimed c)
    {
        if (_isTop || _owner is not null || _object is not null) return;
        if (c.OwnerUid == _uid) return;
        SetOwner((c.OwnerUid, c.Owner));
    }

    private void SetOwner((string Uid, ObjectRef Ref) owner)
    {
        _owner = owner;
        if (_pending is not null)
        {
            foreach (var (fact, path) in _pending) Forward(owner, fact, path);
            _pending = null;
        }
        // A child only relays to its owner and holds little: it can go idle sooner than a top-level object, which
        // keeps its family (late events) for the full passivation period.
        if (_ctx.Settings.PassivateAfter is { } idle && _ctx.Settings.SettleAfter is { } settle)
        {
            var sooner = settle * 2 < idle ? settle * 2 : idle;
            _idleAfter = sooner;
        }
    }

    /// <summary>A fact climbed through intermediate owners: tell its origin to send straight here from now on (fewer hops).</summary>
    private void TellOriginItsTop(string originUid)
    {
        _toldTop ??= new HashSet<string>(StringComparer.Ordinal);
        if (!_toldTop.Add(originUid) || _identity is not { } me) return;
        Send(_objects, new TopIs(_cluster, originUid, _uid, me));
    }

    private void Forward((string Uid, ObjectRef Ref) owner, IFact fact, ImmutableArray<string> path) =>
        Send(_objects, new Propagate(_cluster, owner.Uid, owner.Ref, fact, path.IsEmpty ? SelfPath : path.Add(_uid)));

    /// <summary>The path of a fact this object hands on first (most of them): one array per actor, not one per fact.</summary>
    private ImmutableArray<string> SelfPath => _selfPath.IsDefault ? _selfPath = [_uid] : _selfPath;

    private ImmutableArray<string> _selfPath;

    private void DecideTopIfUndecided(string why)
    {
        if (_isTop || _owner is not null) return;
        if (_object is null)
        {
            _ctx.Metrics.Orphan();
            _log.Debug("{0}: {1}; its events form a trace of their own", Describe(), why);
        }
        BecomeTop();
    }

    private void BecomeTop()
    {
        _isTop = true;
        _owner = null;
        _family ??= new TraceFamily(_cluster, _uid, _identity ?? new ObjectRef("Unknown", "", _uid));
        if (_object is not null) _family.Add(_object);
        if (_pending is not null)
        {
            foreach (var (fact, _) in _pending) Absorb(fact);
            _pending = null;
        }
        ScheduleSettle();
    }

    private void Absorb(IFact fact)
    {
        _family ??= new TraceFamily(_cluster, _uid, _identity ?? new ObjectRef("Unknown", "", _uid));
        if (_family.Add(fact))
        {
            if (!_dirty) _dirtySince = System.Diagnostics.Stopwatch.GetTimestamp();
            _dirty = true;
        }
        ScheduleSettle();
    }

    /// <summary>Notes activity; one timer per quiet period (re-armed for the remainder when it fires early), not one per fact.</summary>
    private void ScheduleSettle()
    {
        _lastActivity = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_ctx.Settings.SettleAfter is { } settle && !_settleArmed) ArmSettle(settle);
    }

    private void Emit()
    {
        if (!_isTop || !_dirty || _family is null) return;
        _dirty = false;
        _ctx.ClusterUids.TryGetValue(_cluster, out var clusterUid);
        var emitted = _emitted ??= [];
        var traces = TraceAssembler.Assemble(_family, clusterUid, emitted);
        // A root this process exported before (this actor was passivated and recreated by a late event): not again, and
        // its spans go under that root (a topLevelSpan event that came late becomes a span of its own).
        var known = false;
        foreach (var t in traces)
        {
            foreach (var s in t.Spans)
            {
                if (s.IsRoot && _ctx.Roots.Contains(s.SpanId.Value) && emitted.Add(s.SpanId.Value)) known = true;
            }
        }
        if (known) traces = TraceAssembler.Assemble(_family, clusterUid, emitted);
        for (var i = traces.Count - 1; i >= 0; i--)
        {
            var trace = traces[i];
            foreach (var s in trace.Spans)
            {
                emitted.Add(s.SpanId.Value);
                if (s.IsRoot)
                {
                    _ctx.Roots.FirstTime(s.SpanId.Value);
                    if (TraceAssembler.OccurrenceIdOfRoot(s) is { } occurrence) emitted.Add(occurrence.Value);
                }
            }
            _ctx.Metrics.Emitted(trace.Spans.Length);
        }
        if (traces.Count == 0) { }
        else if (_ledger is not null) Send(_ledger, new LedgerCheck(_cluster, [.. traces])); // another replica may have exported some already
        else foreach (var trace in traces) Send(_emitter, new EmitSpans(trace));

        // Keep what later events may still hang under (controller actions, topLevelSpan roots); forget the rest.
        _family.ForgetExcept(static e => e.TopLevelSpan || e.Reason is "ScalingReplicaSet" or "SuccessfulCreate" or "SuccessfulDelete");

        // A window, not a history: an object that lives for weeks (a crash loop, a Deployment scaled all day) keeps its
        // most recent controller actions and remembers only the span ids it may still be asked about.
        if (_family.OccurrenceCount > MaxRetainedActions)
        {
            _family.Forget(_family.Occurrences.Values.OrderBy(e => e.TimeNs).Take(_family.OccurrenceCount - MaxRetainedActions / 2)
                .Select(e => new OccurrenceKey(e.EventUid, e.Count)).ToList());
        }
        if (emitted.Count > MaxRememberedSpans)
        {
            // Roots are remembered per process (Roots); the retained actions must not be exported again. Occurrences
            // forgotten above cannot come back from a watch (its OccurrenceFilter passes each one once), so a window of
            // recent ids is enough. A new set, not Clear(): a cleared HashSet keeps its grown arrays.
            var retained = new HashSet<ulong>();
            foreach (var e in _family.Occurrences.Values) retained.Add(StableHash.Event(_cluster, e.EventUid, e.Count).Value);
            _emitted = retained;
        }
    }

    /// <summary>
    /// Hands this entity's state to its successor through the shard region of another member (this node's shards are
    /// moving away), as the original messages plus a <see cref="Restored"/>; with no other member, exports what it
    /// holds first. Then stops. Nothing held is lost when a replica leaves.
    /// </summary>
    private static class Relocation
    {
        public static void Hand(ObjectActor a)
        {
            var peer = PeerRegion(a, PipelineHosting.ObjectRegionName);
            if (peer is null)
            {
                a.DecideTopIfUndecided("this node is leaving");
                if (a._family is not null) a._dirty = true;
                a.Emit();
                Context.Stop(a.Self);
                return;
            }
            // Export what this top-level object holds before handing on: if the successor's replica is leaving too
            // (a whole fleet stopping), nothing is lost; the successor gets the exported span ids and will not repeat them.
            if (a._isTop && a._dirty) a.Emit();
            var entityId = EntityIds.Object(a._cluster, a._uid);
            void Tell(object m) => a._ctx.Tracker.Send(peer, m, a.Self);
            Tell(new Restored(entityId, a._isTop, a._identity, a._emitted is null ? [] : [.. a._emitted]));
            if (a._object is not null) Tell(new Observe(a._cluster, a._uid, a._object));
            if (a._owner is { } owner && a._object is null) Tell(new OwnerClaimed(a._cluster, a._uid, owner.Uid, owner.Ref));
            var me = a._identity ?? new ObjectRef("Unknown", "", a._uid);
            if (a._pending is not null)
            {
                foreach (var (fact, path) in a._pending) Tell(path.IsEmpty ? new Observe(a._cluster, a._uid, fact) : new Propagate(a._cluster, a._uid, me, fact, path));
            }
            if (a._family is not null)
            {
                foreach (var o in a._family.Objects.Values)
                {
                    if (o.Uid != a._uid) Tell(new Propagate(a._cluster, a._uid, me, o, [o.Uid]));
                }
                foreach (var e in a._family.Occurrences.Values)
                {
                    Tell(e.ObjectUid == a._uid ? new Observe(a._cluster, a._uid, e) : new Propagate(a._cluster, a._uid, me, e, [e.ObjectUid ?? "~"]));
                }
            }
            Context.Stop(a.Self);
        }
    }

    /// <summary>The shard region of another Up member (chosen by entity id), or null when this node is alone.</summary>
    internal static ActorSelection? PeerRegion(ActorBase actor, string region)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var peers = cluster.State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && !m.Address.Equals(cluster.SelfAddress))
            .Select(m => m.Address)
            .OrderBy(a => a.ToString(), StringComparer.Ordinal)
            .ToList();
        if (peers.Count == 0) return null;
        var pick = (int)(StableHash.Name("", "", Context.Self.Path.Name) % (ulong)peers.Count);
        _ = actor;
        return Context.ActorSelection(new RootActorPath(peers[pick]) / "system" / "sharding" / region);
    }

    private void Send(IActorRef target, object message)
    {
        if (message is ITracked) _ctx.Tracker.Send(target, message, Self);
        else target.Tell(message, Self);
    }

    /// <summary>
    /// The settle and idle ticks are scheduled once each, not through IWithTimers: an entity per object made its own
    /// timer table and a cancellable timer per start. A tick that arrives late or after a change of plan is harmless:
    /// each handler looks at the clock again. After the actor stopped, it goes to dead letters unlogged.
    /// A tick pending when the actor stops stays scheduled until it is due (at most one idle period, one per actor).
    /// </summary>
#pragma warning disable AK1004 // single-shot ticks, at most one of each kind pending per actor (see above); measured cheaper than IWithTimers
    private void Tick(object tick, TimeSpan delay) => Context.System.Scheduler.ScheduleTellOnce(delay, Self, tick, ActorRefs.NoSender);
#pragma warning restore AK1004

    private void ArmSettle(TimeSpan delay)
    {
        _settleArmed = true;
        Tick(SettleTick.Instance, delay);
    }

    private sealed class IdleTick : Akka.Event.IDeadLetterSuppression
    {
        public static readonly IdleTick Instance = new();
    }

    private sealed class SettleTick : Akka.Event.IDeadLetterSuppression
    {
        public static readonly SettleTick Instance = new();
    }
}

/// <summary>
/// Creates sharded entities with a plain constructor call: Props.Create(() => new ...) builds an expression tree, walks
/// it and invokes the constructor by reflection on every creation, and sharding creates an entity per object.
/// </summary>
internal sealed class EntityProducer<TActor>(Func<TActor> create) : IIndirectActorProducer
    where TActor : ActorBase
{
    public Type ActorType => typeof(TActor);

    public ActorBase Produce() => create();

    public void Release(ActorBase actor)
    {
    }
}
