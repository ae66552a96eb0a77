using Akka.Actor;
using Akka.Hosting;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// One per (cluster, kind, namespace, name), a sharded entity: what is known under a name when the uid is not.
/// It answers "who created/deleted/scaled this object?" for objects that are gone, and resolves Events whose
/// involved object has no uid to the newest object of that name created at or before the event.
/// </summary>
internal sealed class NameIndexActor : UntypedActor, IWithTimers
{
    private const string SettleTimer = "settle";
    private const long NsPerSecond = 1_000_000_000L;

    private readonly PipelineContext _ctx;
    private readonly IActorRegistry _registry;
    private readonly string _cluster;
    private IActorRef _objects = ActorRefs.Nobody;

    private readonly List<(string Uid, long CreatedNs)> _objectsByName = [];
    private readonly SortedDictionary<string, ObjectRef> _claims = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waiters = [];
    private readonly List<EventObserved> _pending = [];

    public NameIndexActor(string entityId, PipelineContext ctx, IActorRegistry registry)
    {
        _ctx = ctx;
        _registry = registry;
        _cluster = EntityIds.Split(entityId).Cluster;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string entityId, PipelineContext ctx, IActorRegistry registry) =>
        Akka.Actor.Props.Create(() => new NameIndexActor(entityId, ctx, registry));

    protected override void PreStart() => _objects = _registry.Get<ObjectRegion>();

    protected override void OnReceive(object message)
    {
        try
        {
            switch (message)
            {
                case NameObserved n:
                    if (!_objectsByName.Contains((n.Uid, n.CreatedNs))) _objectsByName.Add((n.Uid, n.CreatedNs));
                    break;
                case ClaimName c:
                    if (c.OwnerUid.Length > 0 && _claims.TryAdd(c.OwnerUid, c.Owner))
                    {
                        foreach (var asker in _waiters) Answer(asker);
                        _waiters.Clear();
                    }
                    break;
                case WhoOwns w:
                    if (_claims.Count > 0) Answer(w.AskerUid);
                    else _waiters.Add(w.AskerUid);
                    break;
                case ObserveByName o:
                    _pending.Add(o.Event);
                    if (_ctx.Settings.SettleAfter is { } settle) Timers.StartSingleTimer(SettleTimer, Resolve.Instance, settle);
                    break;
                case FinalizeName:
                case Resolve:
                    ResolvePending();
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
        finally
        {
            if (message is ITracked) _ctx.Tracker.Done();
        }
    }

    private void Answer(string askerUid)
    {
        using var first = _claims.GetEnumerator();
        first.MoveNext();
        Send(new OwnerClaimed(_cluster, askerUid, first.Current.Key, first.Current.Value));
    }

    private void ResolvePending()
    {
        foreach (var e in _pending)
        {
            var name = new ObjectRef(e.Kind, e.Namespace, e.Name);
            var uid = NewestCreatedAtOrBefore(e.TimeNs);
            if (uid is not null) Send(new Observe(_cluster, uid, e with { ObjectUid = uid }));
            else Send(new Observe(_cluster, EntityIds.Synthetic(name), e));
        }
        _pending.Clear();
    }

    private string? NewestCreatedAtOrBefore(long timeNs)
    {
        string? best = null;
        long bestCreated = long.MinValue;
        foreach (var (uid, created) in _objectsByName)
        {
            if (created / NsPerSecond > timeNs / NsPerSecond) continue;
            if (best is null || created > bestCreated || (created == bestCreated && string.CompareOrdinal(uid, best) > 0))
            {
                best = uid;
                bestCreated = created;
            }
        }
        if (best is null && _objectsByName.Count > 0)
        {
            // Only objects created after the event: the event still belongs to this name; take the oldest.
            foreach (var (uid, created) in _objectsByName)
            {
                if (best is null || created < bestCreated) (best, bestCreated) = (uid, created);
            }
        }
        return best;
    }

    private void Send(IObjectMessage message)
    {
        _ctx.Tracker.Sent();
        _objects.Tell(message, Self);
    }

    private sealed class Resolve
    {
        public static readonly Resolve Instance = new();
    }
}
