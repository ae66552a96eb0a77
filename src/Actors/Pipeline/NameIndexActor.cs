using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Hosting;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// A bucket of names of one cluster (a sharded entity; names hash into <see cref="EntityIds.NameBuckets"/> buckets):
/// what is known under a name when the uid is not. It answers "who created/deleted/scaled this object?" for objects
/// that are gone, and resolves Events whose involved object has no uid to the newest object of that name created at
/// or before the event. Names untouched for longer than the retention are forgotten (streaming mode).
/// </summary>
internal sealed class NameIndexActor : TrackedActor, IWithTimers
{
    private const string SettleTimer = "settle";
    private const string PruneTimer = "prune";
    private const long NsPerSecond = 1_000_000_000L;

    private readonly PipelineServices _pipeline;
    private readonly IActorRegistry _registry;
    private readonly string _cluster;
    private readonly Dictionary<ObjectRef, Entry> _names = [];
    private readonly HashSet<ObjectRef> _withPending = [];
    private IActorRef _objects = ActorRefs.Nobody;

    public NameIndexActor(string entityId, PipelineServices ctx, IActorRegistry registry)
        : base(ctx.Tracker)
    {
        _pipeline = ctx;
        _registry = registry;
        _cluster = EntityIds.Split(entityId).Cluster;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props through <see cref="EntityProducer{TActor}"/>: no expression tree, no reflection per entity.</summary>
    public static Props Props(string entityId, PipelineServices ctx, IActorRegistry registry) =>
        Akka.Actor.Props.CreateBy(new EntityProducer<NameIndexActor>(() => new NameIndexActor(entityId, ctx, registry))).WithMailbox(EntityMailbox.Id);

    /// <summary>Names untouched this long are forgotten (well beyond a settle period and Kubernetes' Event TTL).</summary>
    private TimeSpan Retention => _pipeline.Settings.NameRetention;

    protected override void PreStart()
    {
        _objects = _registry.Get<ObjectRegion>();
        if (_pipeline.Settings.SettleAfter is not null) Timers.StartPeriodicTimer(PruneTimer, Prune.Instance, Retention / 4);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case NameObserved n:
                Touch(n.Name).AddObject(n.Uid, n.CreatedNs);
                break;
            case ClaimName c:
                ref var entry = ref Touch(c.Name);
                if (c.OwnerUid.Length > 0 && entry.Claim(c.OwnerUid, c.Owner) && entry.Waiters is { } waiters)
                {
                    foreach (var asker in waiters) Answer(in entry, asker);
                    entry.Waiters = null;
                }
                break;
            case WhoOwns w:
                ref var asked = ref Touch(w.Name);
                if (asked.ClaimUid is not null) Answer(in asked, w.AskerUid);
                else (asked.Waiters ??= []).Add(w.AskerUid);
                break;
            case ObserveByName o:
                ref var waiting = ref Touch(o.Name);
                if (waiting.Pending is null) _withPending.Add(o.Name);
                (waiting.Pending ??= []).Add(o.Event);
                if (_pipeline.Settings.SettleAfter is { } settle && !Timers.IsTimerActive(SettleTimer)) Timers.StartSingleTimer(SettleTimer, Resolve.Instance, settle);
                break;
            case FinalizeName:
            case Resolve:
                ResolvePending();
                break;
            case Prune:
                Forget();
                break;
            case Relocate:
                HandOn();
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The name's entry, in place in the table (added when new), marked as used now.</summary>
    private ref Entry Touch(ObjectRef name)
    {
        ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(_names, name, out _);
        e.Touched = System.Diagnostics.Stopwatch.GetTimestamp();
        return ref e;
    }

    private void Answer(in Entry entry, string askerUid) => Send(new OwnerClaimed(_cluster, askerUid, entry.ClaimUid!, entry.ClaimRef));

    private void ResolvePending()
    {
        // Only the names with events waiting (a bucket keeps every name seen within the retention, hours in a service).
        foreach (var name in _withPending)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_names, name);
            if (Unsafe.IsNullRef(ref entry) || entry.Pending is null) continue;
            foreach (var e in entry.Pending)
            {
                var uid = NewestCreatedAtOrBefore(in entry, e.TimeNs);
                if (uid is not null) Send(new Observe(_cluster, uid, e with { ObjectUid = uid }));
                else Send(new Observe(_cluster, EntityIds.Synthetic(name), e));
            }
            entry.Pending = null;
        }
        _withPending.Clear();
    }

    private static string? NewestCreatedAtOrBefore(in Entry entry, long timeNs)
    {
        string? best = null;
        var bestCreated = long.MinValue;
        foreach (var (uid, created) in entry.Objects())
        {
            if (created / NsPerSecond > timeNs / NsPerSecond) continue;
            if (best is null || created > bestCreated || (created == bestCreated && string.CompareOrdinal(uid, best) > 0)) (best, bestCreated) = (uid, created);
        }
        if (best is null)
        {
            // Only objects created after the event: the event still belongs to this name; take the oldest.
            foreach (var (uid, created) in entry.Objects())
            {
                if (best is null || created < bestCreated) (best, bestCreated) = (uid, created);
            }
        }
        return best;
    }

    /// <summary>This node's shards are moving: re-send every entry, as the original messages, to the bucket's next home.</summary>
    private void HandOn()
    {
        var peer = ObjectActor.PeerRegion(PipelineHosting.NameRegionName);
        if (peer is null)
        {
            ResolvePending(); // alone and leaving: what waits for an object goes out now
            return;
        }
        void Tell(object m) => Tracker.Send(peer, m, Self);
        foreach (var (name, e) in _names)
        {
            foreach (var (uid, created) in e.Objects()) Tell(new NameObserved(_cluster, name, uid, created));
            if (e.ClaimUid is { } owner) Tell(new ClaimName(_cluster, name, owner, e.ClaimRef));
            if (e.Waiters is not null) foreach (var w in e.Waiters) Tell(new WhoOwns(_cluster, name, w));
            if (e.Pending is not null) foreach (var ev in e.Pending) Tell(new ObserveByName(_cluster, name, ev));
        }
    }

    private void Forget()
    {
        List<ObjectRef>? old = null;
        foreach (var (name, e) in _names)
        {
            if (e.Pending is null && System.Diagnostics.Stopwatch.GetElapsedTime(e.Touched) > Retention) (old ??= []).Add(name);
        }
        if (old is null) return;
        foreach (var name in old) _names.Remove(name);
    }

    private void Send(IObjectMessage message) => Tracker.Send(_objects, message, Self);

    /// <summary>
    /// What is known under one name. Compact, as there is one per recently seen name: held in the table itself (a
    /// struct: a bucket holds hundreds of names, and an object each was 5 % of the objects a collection marked in the
    /// benchmark), the first object inline (a name rarely has more), and of the owners that claimed it only the one
    /// every answer names, the ordinally smallest uid (so the answer does not depend on the order claims arrive in).
    /// </summary>
    private struct Entry
    {
        private string? _uid;
        private long _createdNs;
        private List<(string Uid, long CreatedNs)>? _more;

        public string? ClaimUid { get; private set; }

        public ObjectRef ClaimRef { get; private set; }

        public List<string>? Waiters;
        public List<EventObserved>? Pending;
        public long Touched;

        public void AddObject(string uid, long createdNs)
        {
            if (_uid is null) (_uid, _createdNs) = (uid, createdNs);
            else if ((_uid, _createdNs) != (uid, createdNs) && !(_more ??= []).Contains((uid, createdNs))) _more.Add((uid, createdNs));
        }

        public IEnumerable<(string Uid, long CreatedNs)> Objects()
        {
            if (_uid is null) yield break;
            yield return (_uid, _createdNs);
            if (_more is null) yield break;
            foreach (var o in _more) yield return o;
        }

        /// <summary>Records a claim; true when the name had no owner before.</summary>
        public bool Claim(string ownerUid, ObjectRef owner)
        {
            var first = ClaimUid is null;
            if (first || string.CompareOrdinal(ownerUid, ClaimUid) < 0) (ClaimUid, ClaimRef) = (ownerUid, owner);
            return first;
        }
    }

    private sealed class Resolve
    {
        public static readonly Resolve Instance = new();
    }

    private sealed class Prune
    {
        public static readonly Prune Instance = new();
    }
}
