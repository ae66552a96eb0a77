using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// One per (cluster, object uid), a sharded entity: a thin actor over <see cref="ObjectState"/>, which takes every
/// decision. The actor carries the decisions out (sends, timers, logs) and changes behaviour with the object's role:
/// <see cref="Undecided"/> (its owner not known yet), <see cref="Relaying"/> (a child: facts go on up) and
/// <see cref="TopLevel"/> (it holds the family and exports its traces). When its shard moves, it hands its state on as one
/// <see cref="ObjectHandOff"/>.
/// </summary>
internal sealed class ObjectActor : TrackedActor, IObjectEffects
{
    private readonly PipelineServices _pipeline;
    private readonly IActorRegistry _registry;
    private readonly ObjectState _state;
    private ObjectRole _role;
    private ILoggingAdapter? _logger; // created on first use: most actors never log

    private IActorRef _objects = ActorRefs.Nobody;
    private IActorRef _names = ActorRefs.Nobody;
    private IActorRef _emitter = ActorRefs.Nobody;
    private IActorRef? _ledger;

    public ObjectActor(PipelineServices ctx, IActorRegistry registry)
        : base(ctx.Tracker)
    {
        _pipeline = ctx;
        _registry = registry;
        // Sharding names an entity's actor after its entity id, escaped as a URI data string: the id comes from the
        // name, so one Props serves every entity (see Props).
        var (cluster, uid) = EntityIds.Split(Uri.UnescapeDataString(Self.Path.Name));
        _state = new ObjectState(Ingest.StringInterner.Shared.Intern(cluster), uid, ctx, this);
    }

    /// <summary>
    /// One Props for every entity of the region, through <see cref="EntityProducer{TActor}"/> (no expression tree, no
    /// reflection per entity): a Props, its Deploy and a closure per entity were a quarter of a kilobyte of long-lived
    /// heap for each live actor.
    /// </summary>
    public static Props Props(PipelineServices ctx, IActorRegistry registry) =>
        Akka.Actor.Props.CreateBy(new EntityProducer<ObjectActor>(() => new ObjectActor(ctx, registry))).WithMailbox(EntityMailbox.Id);

    private static long Now => System.Diagnostics.Stopwatch.GetTimestamp();

    private ILoggingAdapter Log => _logger ??= Context.GetLogger();

    protected override void PreStart()
    {
        _objects = _registry.Get<ObjectRegion>();
        _names = _registry.Get<NameRegion>();
        _emitter = _registry.Get<SpanEmitterActor>();
        if (_pipeline.Settings.ReplicatesEmitted) _ledger = _registry.Get<EmittedLedgerActor>();
        _state.Start(Now);
        Follow();
    }

    protected override void OnReceive(object message) => Undecided(message);

    /// <summary>Its owner is not known yet: facts wait while the name index is asked; the settle tick decides an orphan.</summary>
    private void Undecided(object message)
    {
        switch (message)
        {
            case OwnerClaimed c:
                _state.Touch(Now);
                _state.OnOwnerClaimed(c.OwnerUid, c.Owner);
                break;
            case FinalizeObject:
                _state.Touch(Now);
                _state.Finalize(Now);
                break;
            default:
                Common(message);
                break;
        }
        Follow();
    }

    /// <summary>
    /// A child with a known owner: every fact goes on up (the state forwards it); questions about owners, the end of
    /// input and exports are not its business (<see cref="Common"/> passes over them).
    /// </summary>
    private void Relaying(object message)
    {
        Common(message);
        Follow();
    }

    /// <summary>Top-level: holds its family's facts and exports their traces once they settle (or on EmitObject).</summary>
    private void TopLevel(object message)
    {
        if (message is EmitObject)
        {
            _state.Touch(Now);
            _state.Emit();
        }
        else Common(message);
        Follow();
    }

    /// <summary>What every behaviour handles alike: facts (the state routes them by role), ticks, the hand-off.</summary>
    private void Common(object message)
    {
        var now = Now;
        if (message is not IdleTick) _state.Touch(now);
        switch (message)
        {
            case Observe o:
                _state.Accept(o.Fact, ImmutableArray<string>.Empty, null, now);
                break;
            case Propagate p:
                _state.Accept(p.Fact, p.Path, p.Target, now);
                break;
            case FactBatch b:
                foreach (var f in b.Facts) _state.Accept(f.Fact, f.Path.IsDefault ? [] : f.Path, f.Path.IsDefaultOrEmpty ? null : b.Target, now);
                break;
            case TopIs t:
                _state.OnTopIs(t.TopUid, t.Top);
                break;
            case ObjectHandOff h:
                _state.Restore(h, now);
                break;
            case SettleTick:
                _state.OnSettleTick(now);
                break;
            case IdleTick:
                _state.OnIdleTick(now);
                break;
            case Relocate:
                var peer = PeerRegion(PipelineHosting.ObjectRegionName);
                if (_state.HandOff(successorExists: peer is not null, now) is { } handOff) Tracker.Send(peer!, handOff, Self);
                Context.Stop(Self);
                break;
            case StopIdle:
                _state.Release();
                Context.Stop(Self);
                break;
            case EmitObject or FinalizeObject or OwnerClaimed:
                break; // handled by the behaviours that care (Undecided, TopLevel); nothing to do in the others
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Takes the behaviour of the object's role, when it changed.</summary>
    private void Follow()
    {
        var role = _state.Role;
        if (role == _role) return;
        _role = role;
        Become(role switch
        {
            ObjectRole.Relaying => Relaying,
            ObjectRole.TopLevel => TopLevel,
            _ => Undecided,
        });
    }

    /// <summary>The shard region of another Up member (chosen by the calling actor's entity id), or null when this node is alone; called from within an actor.</summary>
    internal static ActorSelection? PeerRegion(string region)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var peers = cluster.State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && !m.Address.Equals(cluster.SelfAddress))
            .Select(m => m.Address)
            .OrderBy(a => a.ToString(), StringComparer.Ordinal)
            .ToList();
        if (peers.Count == 0) return null;
        var pick = (int)(StableHash.Name("", "", Context.Self.Path.Name) % (ulong)peers.Count);
        return Context.ActorSelection(PipelineHosting.RegionPath(peers[pick], region));
    }

    // ---- IObjectEffects: the state's decisions, carried out ----

    void IObjectEffects.ToObjects(IObjectMessage message) => Tracker.Send(_objects, message, Self);

    void IObjectEffects.ToNames(INameMessage message) => Tracker.Send(_names, message, Self);

    void IObjectEffects.Export(List<TraceSpans> traces)
    {
        var spans = 0;
        foreach (var t in traces) spans += t.Spans.Length;
        Tracker.SpansSent(spans);
        if (_ledger is not null) Tracker.Send(_ledger, new LedgerCheck(_state.Cluster, [.. traces]), Self); // another replica may have exported some already
        else foreach (var trace in traces) Tracker.Send(_emitter, new EmitSpans(trace), Self);
    }

    void IObjectEffects.SettleIn(TimeSpan delay) => Tick(SettleTick.Instance, delay);

    void IObjectEffects.IdleIn(TimeSpan delay) => Tick(IdleTick.Instance, delay);

    // Messages that arrive meanwhile are buffered by the shard.
    void IObjectEffects.Passivate() => Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(StopIdle.Instance));

    void IObjectEffects.Warning(string text) => Log.Warning("{0}", text);

    void IObjectEffects.Debug(string text)
    {
        if (Log.IsDebugEnabled) Log.Debug("{0}", text);
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

    private sealed class IdleTick : IDeadLetterSuppression
    {
        public static readonly IdleTick Instance = new();
    }

    private sealed class SettleTick : IDeadLetterSuppression
    {
        public static readonly SettleTick Instance = new();
    }
}
