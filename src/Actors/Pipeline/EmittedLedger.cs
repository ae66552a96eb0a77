using System.Collections.Immutable;
using Akka.Actor;
using Akka.DistributedData;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// With several replicas: which span ids were exported anywhere in the fleet, replicated with Akka.DistributedData
/// (grow-only sets, local writes, gossip), so an ObjectActor recreated after a replica crashed, which gets its family's
/// facts again from a relist, exports only the spans the dead replica had not exported yet. A node replicates a span id
/// once its SpanEmitter exported the span (<see cref="SpansExported"/>), not when it was checked: checked but not yet
/// exported when the node died means exported by a survivor. Keys are per cluster, per hour of export and per bucket;
/// sets older than the retention are deleted. One per node, local.
/// </summary>
internal sealed class EmittedLedger : TrackedActor, IWithTimers
{
    /// <summary>
    /// Sets per cluster and hour. Distributed data gossips a key's whole set at times: with 8, a busy cluster's sets grew
    /// to ~875 KB, beyond the remoting frame, and were dropped (OversizedPayloadException) between replica processes.
    /// </summary>
    internal const int Buckets = 32;

    /// <summary>
    /// Exported ids go to a majority of replicas at once, not with the next gossip: a replica killed within the gossip
    /// interval after an export left its spans unknown to the others, which exported them again (19 duplicates in one
    /// failover run). The write is not waited for; where it times out (a replica unreachable), gossip still carries it.
    /// </summary>
    private static readonly WriteMajority ReplicateAtOnce = new(TimeSpan.FromSeconds(3));
    private const string TickTimer = "tick";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(3);

    private readonly PipelineServices _pipeline;
    private readonly IActorRef _emitter;
    private readonly IActorRef _replicator;
    private readonly Dictionary<string, IImmutableSet<long>> _known = new(StringComparer.Ordinal);
    private readonly HashSet<string> _subscribed = new(StringComparer.Ordinal);

    /// <summary>Span ids this node passed on and has not yet seen exported (with the hour they were checked).</summary>
    private readonly Dictionary<long, long> _unreplicated = [];

    public EmittedLedger(PipelineServices ctx, IActorRef emitter)
        : base(ctx.Tracker)
    {
        _pipeline = ctx;
        _emitter = emitter;
        _replicator = DistributedData.Get(Context.System).Replicator;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineServices ctx, IActorRef emitter) => Akka.Actor.Props.Create(() => new EmittedLedger(ctx, emitter));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(SpansExported));
        Subscribe();
        Timers.StartPeriodicTimer(TickTimer, Tick.Instance, TimeSpan.FromMinutes(1));
    }

    private static long Hour(DateTime utc) => utc.Ticks / TimeSpan.TicksPerHour;

    private static string Key(string cluster, long hour, int bucket) => $"kspan-emitted/{cluster}/{hour}/{bucket}";

    private IEnumerable<string> Clusters => _pipeline.Watch?.Clusters.Select(c => c.Name) ?? [];

    /// <summary>Follows the keys of the current and past hours of every configured cluster.</summary>
    private void Subscribe()
    {
        var now = Hour(DateTime.UtcNow);
        foreach (var cluster in Clusters)
        {
            for (var h = now - (long)Retention.TotalHours; h <= now; h++)
            {
                for (var b = 0; b < Buckets; b++)
                {
                    var key = Key(cluster, h, b);
                    if (_subscribed.Add(key)) _replicator.Tell(Dsl.Subscribe(new GSetKey<long>(key), Self));
                }
            }
        }
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
            case Changed changed:
                if (changed.Data is GSet<long> set) _known[changed.Key.Id] = set.Elements;
                break;
            case Tick:
                Subscribe();
                ForgetOld();
                break;
            case UpdateSuccess or UpdateTimeout or ModifyFailure or DeleteSuccess or DataDeleted or ReplicationDeleteFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Check(LedgerCheck check)
    {
        var now = Hour(DateTime.UtcNow);
        foreach (var trace in check.Traces)
        {
            var kept = ImmutableArray.CreateBuilder<SpanRecord>(trace.Spans.Length);
            foreach (var span in trace.Spans)
            {
                var s = span;
                if (Seen(check.Cluster, now, s.SpanId))
                {
                    // A root made from a topLevelSpan event, where another replica already exported the change's default
                    // root (before it knew that event): the event still becomes a span, under that root.
                    if (TraceAssembler.OccurrenceIdOfRoot(s) is not { } occurrence || Seen(check.Cluster, now, occurrence)) continue;
                    s = s with { SpanId = occurrence, ParentSpanId = s.SpanId };
                }
                kept.Add(s);
                _unreplicated[unchecked((long)s.SpanId.Value)] = now; // known here at once; told to the others once exported (Replicate)
                if (TraceAssembler.OccurrenceIdOfRoot(s) is { } alias) _unreplicated[unchecked((long)alias.Value)] = now;
            }
            if (kept.Count > 0)
            {
                Tracker.Send(_emitter, new EmitSpans(new TraceSpans(trace.TraceId, kept.DrainToImmutable())), Self);
            }
        }
    }

    /// <summary>
    /// Spans this node exported, now told to the other replicas. Only after the export: if this replica dies between
    /// the check and the export, the others never hear of those spans and export them from their rebuild (a span is
    /// lost only if it was never exported; at worst, a crash in the gossip interval after an export repeats it).
    /// </summary>
    private void Replicate(IReadOnlyList<TraceSpans> traces)
    {
        var now = Hour(DateTime.UtcNow);
        var fresh = new Dictionary<(string Cluster, int Bucket), List<long>>();
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
            var key = (cluster, (int)(spanId.Value % Buckets));
            if (!fresh.TryGetValue(key, out var ids)) fresh[key] = ids = [];
            var id = unchecked((long)spanId.Value);
            ids.Add(id);
            _unreplicated.Remove(id);
        }
        foreach (var ((cluster, bucket), ids) in fresh)
        {
            // Known here at once (the subscription's Changed brings the same set a little later), and told to the others.
            var key = Key(cluster, now, bucket);
            _known[key] = (_known.TryGetValue(key, out var known) ? known : ImmutableHashSet<long>.Empty).Union(ids);
            _replicator.Tell(Dsl.Update(new GSetKey<long>(key), GSet<long>.Empty, ReplicateAtOnce, set =>
            {
                foreach (var id in ids) set = set.Add(id);
                return set;
            }));
        }
    }

    private bool Seen(string cluster, long now, SpanId spanId)
    {
        var id = unchecked((long)spanId.Value);
        var bucket = (int)(spanId.Value % Buckets);
        if (_unreplicated.ContainsKey(id)) return true;
        for (var h = now - (long)Retention.TotalHours; h <= now; h++)
        {
            if (_known.TryGetValue(Key(cluster, h, bucket), out var set) && set.Contains(id)) return true;
        }
        return false;
    }

    private void ForgetOld()
    {
        var horizon = Hour(DateTime.UtcNow) - (long)Retention.TotalHours;
        foreach (var key in _known.Keys.ToList())
        {
            var parts = key.Split('/');
            if (parts.Length == 4 && long.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var h) && h < horizon)
            {
                _known.Remove(key);
                _subscribed.Remove(key);
                _replicator.Tell(Dsl.Unsubscribe(new GSetKey<long>(key), Self));
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
