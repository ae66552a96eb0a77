using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// With several replicas: which span ids were exported anywhere in the fleet, so an ObjectActor recreated after a
/// replica crashed, which gets its family's facts again from a relist, exports only the spans the dead replica had not
/// exported yet. One per node, at <see cref="Name"/>.
/// <list type="bullet">
/// <item>A node records a span id once its SpanEmitter exported the span (<see cref="SpansExported"/>), not when it was
/// checked: checked but not yet exported when the node died means exported by a survivor.</item>
/// <item>It tells every other replica's ledger at once, in messages of at most <see cref="ChunkIds"/> ids
/// (<see cref="LedgerIds"/>, 8 bytes an id on the wire). Not waiting for gossip matters: a replica killed within a gossip
/// interval after an export left its spans unknown to the others, which exported them again.</item>
/// <item>A replica that comes up, or comes back after being unreachable, asks each peer for everything it holds
/// (<see cref="LedgerSnapshotRequest"/>), so a restarted replica knows what the fleet exported before it joined.</item>
/// <item>Ids are kept per cluster and hour of export, for <see cref="Retention"/>.</item>
/// </list>
/// </summary>
/// <remarks>
/// The first version kept the ids in Akka.DistributedData grow-only sets (32 per cluster and hour), written to a
/// majority per export batch. Those sets are compared, serialized and digested whole: measured with three replica
/// processes, distributed data took 23 % of their CPU (GSet.ToProto, GSet.Equals, merges), about a third of what three
/// processes cost over one. Sending each id once to each peer does the same job for a few percent.
/// </remarks>
internal sealed class EmittedLedger : TrackedActor, IWithTimers
{
    /// <summary>The ledger's actor name under /user on every node (peers address each other by it).</summary>
    public const string Name = "emitted-ledger";

    /// <summary>Ids per <see cref="LedgerIds"/> message (64 KB of ids).</summary>
    internal const int ChunkIds = 8_192;

    private const string TickTimer = "tick";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(3);

    private readonly IActorRef _emitter;
    private readonly Akka.Cluster.Cluster _cluster;

    /// <summary>Exported span ids: cluster → hour of export → ids.</summary>
    private readonly Dictionary<string, Dictionary<long, HashSet<long>>> _known = new(StringComparer.Ordinal);

    /// <summary>Span ids this node passed on and has not yet seen exported (with the hour they were checked).</summary>
    private readonly Dictionary<long, long> _unreplicated = [];

    /// <summary>The other replicas' ledgers.</summary>
    private readonly Dictionary<Address, ActorSelection> _peers = [];

    public EmittedLedger(PipelineServices ctx, IActorRef emitter)
        : base(ctx.Tracker)
    {
        _emitter = emitter;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineServices ctx, IActorRef emitter) => Akka.Actor.Props.Create(() => new EmittedLedger(ctx, emitter));

    private static long Hour(DateTime utc) => utc.Ticks / TimeSpan.TicksPerHour;

    /// <summary>The oldest hour kept: ids exported before it are forgotten.</summary>
    private static long Horizon() => Hour(DateTime.UtcNow) - (long)Retention.TotalHours;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(SpansExported));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.ReachableMember));
        Timers.StartPeriodicTimer(TickTimer, Tick.Instance, TimeSpan.FromMinutes(1));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case LedgerCheck check:
                Check(check);
                break;
            case SpansExported exported:
                Replicate(exported.Traces);
                break;
            case LedgerIds ids:
                Record(ids.Cluster, ids.Hour, ids.Ids);
                break;
            case LedgerSnapshotRequest:
                // The asker hears of every export from here on (it may not be a member here yet), and of all before it;
                // a peer new here is asked in turn (once: the asker knows this node already).
                AddPeer(Sender.Path.Address);
                SendSnapshot(Sender);
                break;
            case ClusterEvent.MemberJoined or ClusterEvent.MemberWeaklyUp or ClusterEvent.MemberUp:
                // From the moment it joins: a replica still joining may already get shards.
                var member = ((ClusterEvent.MemberStatusChange)message).Member;
                if (member.Address != _cluster.SelfAddress) AddPeer(member.Address);
                break;
            case ClusterEvent.ReachableMember back when back.Member.Address != _cluster.SelfAddress && _peers.TryGetValue(back.Member.Address, out var peer):
                // What it exported while unreachable may not have reached this node.
                peer.Tell(new LedgerSnapshotRequest(), Self);
                break;
            case ClusterEvent.MemberRemoved removed:
                _peers.Remove(removed.Member.Address);
                break;
            case ClusterEvent.IMemberEvent or ClusterEvent.IReachabilityEvent:
                break;
            case LedgerKnownQuery query:
                Sender.Tell(Known(query.Cluster).ToHashSet());
                break;
            case Tick:
                ForgetOld();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A peer's ledger, told what this node exports from now on; a new one is asked for everything it knows.</summary>
    private void AddPeer(Address address)
    {
        if (_peers.ContainsKey(address)) return;
        var peer = Context.ActorSelection(new RootActorPath(address) / "user" / Name);
        _peers[address] = peer;
        peer.Tell(new LedgerSnapshotRequest(), Self);
    }

    private void Check(LedgerCheck check)
    {
        var now = Hour(DateTime.UtcNow);
        _known.TryGetValue(check.Cluster, out var hours);
        foreach (var trace in check.Traces)
        {
            var kept = ImmutableArray.CreateBuilder<SpanRecord>(trace.Spans.Length);
            foreach (var span in trace.Spans)
            {
                var s = span;
                if (Seen(hours, s.SpanId))
                {
                    // A root made from a topLevelSpan event, where another replica already exported the change's default
                    // root (before it knew that event): the event still becomes a span, under that root.
                    if (TraceAssembler.OccurrenceIdOfRoot(s) is not { } occurrence || Seen(hours, occurrence)) continue;
                    s = s with { SpanId = occurrence, ParentSpanId = s.SpanId };
                }
                kept.Add(s);
                _unreplicated[unchecked((long)s.SpanId.Value)] = now; // known here at once; told to the others once exported (Replicate)
                if (TraceAssembler.OccurrenceIdOfRoot(s) is { } alias) _unreplicated[unchecked((long)alias.Value)] = now;
            }
            Tracker.SpansTaken(trace.Spans.Length);
            if (kept.Count > 0)
            {
                Tracker.SpansSent(kept.Count);
                Tracker.Send(_emitter, new EmitSpans(new TraceSpans(trace.TraceId, kept.DrainToImmutable())), Self);
            }
        }
    }

    /// <summary>
    /// Spans this node exported, now told to the other replicas. Only after the export: if this replica dies between
    /// the check and the export, the others never hear of those spans and export them from their rebuild (a span is
    /// lost only if it was never exported; at worst, a crash in the moment after an export repeats it).
    /// </summary>
    private void Replicate(IReadOnlyList<TraceSpans> traces)
    {
        var now = Hour(DateTime.UtcNow);
        var fresh = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var trace in traces)
        {
            foreach (var s in trace.Spans)
            {
                Add(s.Resource.ClusterName, s.SpanId);
                // A root made from a topLevelSpan event exports that occurrence too.
                if (TraceAssembler.OccurrenceIdOfRoot(s) is { } occurrence) Add(s.Resource.ClusterName, occurrence);
            }
        }
        void Add(string cluster, SpanId spanId)
        {
            if (!fresh.TryGetValue(cluster, out var ids)) fresh[cluster] = ids = [];
            var id = unchecked((long)spanId.Value);
            ids.Add(id);
            _unreplicated.Remove(id);
        }
        foreach (var (cluster, ids) in fresh)
        {
            Record(cluster, now, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids));
            if (_peers.Count == 0) continue;
            foreach (var chunk in ids.Chunk(ChunkIds))
            {
                var message = new LedgerIds(cluster, now, chunk);
                foreach (var peer in _peers.Values) peer.Tell(message, Self);
            }
        }
    }

    /// <summary>Ids exported in an hour, by this node or a peer (nothing older than the retention).</summary>
    private void Record(string cluster, long hour, ReadOnlySpan<long> ids)
    {
        if (hour < Horizon()) return;
        var set = SetOf(cluster, hour);
        foreach (var id in ids) set.Add(id);
    }

    /// <summary>Everything this node knows, to a replica that (re)joined.</summary>
    private void SendSnapshot(IActorRef asker)
    {
        foreach (var (cluster, hours) in _known)
        {
            foreach (var (hour, set) in hours)
            {
                foreach (var chunk in set.Chunk(ChunkIds)) asker.Tell(new LedgerIds(cluster, hour, chunk), Self);
            }
        }
    }

    private HashSet<long> SetOf(string cluster, long hour)
    {
        if (!_known.TryGetValue(cluster, out var hours)) _known[cluster] = hours = [];
        if (!hours.TryGetValue(hour, out var set)) hours[hour] = set = [];
        return set;
    }

    private bool Seen(Dictionary<long, HashSet<long>>? hours, SpanId spanId)
    {
        var id = unchecked((long)spanId.Value);
        if (_unreplicated.ContainsKey(id)) return true;
        if (hours is null) return false;
        foreach (var set in hours.Values)
        {
            if (set.Contains(id)) return true;
        }
        return false;
    }

    private IEnumerable<long> Known(string cluster) =>
        _known.TryGetValue(cluster, out var hours) ? hours.Values.SelectMany(s => s) : [];

    private void ForgetOld()
    {
        var horizon = Horizon();
        foreach (var hours in _known.Values)
        {
            foreach (var hour in hours.Keys)
            {
                if (hour < horizon) hours.Remove(hour);
            }
        }
        // Passed on but never exported (dropped by an exporter that stayed down): forgotten with the rest.
        foreach (var (id, hour) in _unreplicated)
        {
            if (hour < horizon) _unreplicated.Remove(id);
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
