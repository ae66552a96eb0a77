using System.Collections.Immutable;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>Binds every message of ours that can cross nodes (the scale-out issue gives it a serializer).</summary>
internal interface IKSpanMessage;

/// <summary>Counted by <see cref="PipelineTracker"/> from send to processed, so a replay knows when all is quiet.</summary>
internal interface ITracked;

/// <summary>Routed to the ObjectActor of (cluster, uid); entity id "cluster/uid".</summary>
internal interface IObjectMessage : IKSpanMessage, ITracked
{
    string EntityId { get; }
}

/// <summary>Routed to the NameIndex bucket of (cluster, kind, namespace, name); entity id "cluster/#bucket".</summary>
internal interface INameMessage : IKSpanMessage, ITracked
{
    string EntityId { get; }
}

internal static class EntityIds
{
    /// <summary>
    /// Ids of the objects messaged within the last seconds (at most 2 x 8,192): an object's facts come in bursts, and a
    /// shard keeps its own copy of a live entity's id, so a longer memory would only add long-lived heap (an id string
    /// and a table node per object) to spare a short-lived string per message.
    /// </summary>
    private static readonly RecentCache<(string Cluster, string Uid), string> ObjectIds = new(8_192, TimeSpan.FromSeconds(10));
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> NameIds = new(StringComparer.Ordinal);

    /// <summary>"cluster/uid", shared: every message to an object would otherwise allocate its id again.</summary>
    public static string Object(string cluster, string uid)
    {
        if (ObjectIds.TryGet((cluster, uid), out var id)) return id;
        id = string.Concat(cluster, "/", uid);
        ObjectIds.Set((cluster, uid), id);
        return id;
    }

    /// <summary>Names are kept in a fixed number of buckets per cluster (one actor each), not one actor per name.</summary>
    public const int NameBuckets = 256;

    public static string Name(string cluster, ObjectRef o)
    {
        var h = (int)((uint)StableHash.Name(o.Kind, o.Namespace, o.Name) % NameBuckets);
        var ids = NameIds.GetOrAdd(cluster, c =>
        {
            var all = new string[NameBuckets];
            for (var i = 0; i < NameBuckets; i++) all[i] = string.Concat(c, "/#", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return all;
        });
        return ids[h];
    }

    /// <summary>Uid of an object known only by name (no uid in the event, no object seen).</summary>
    public static string Synthetic(ObjectRef o) => string.Concat("~", o.Kind, "/", o.Namespace, "/", o.Name);

    /// <summary>Cluster names never contain '/', so the first '/' splits an entity id.</summary>
    public static (string Cluster, string Id) Split(string entityId)
    {
        var i = entityId.IndexOf('/', StringComparison.Ordinal);
        return i < 0 ? (entityId, "") : (entityId[..i], entityId[(i + 1)..]);
    }
}

// ---- into ObjectActors ----

/// <summary>A source saw a fact about object <paramref name="Uid"/> (the object itself, or an Event about it).</summary>
internal sealed record Observe(string Cluster, string Uid, IFact Fact) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, Uid);
}

/// <summary>
/// A child hands a fact up to its owner <paramref name="TargetUid"/>, which it knows as <paramref name="Target"/>.
/// <paramref name="Path"/> lists the uids the fact already passed through (owner cycles are cut with it).
/// </summary>
internal sealed record Propagate(string Cluster, string TargetUid, ObjectRef Target, IFact Fact, ImmutableArray<string> Path) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, TargetUid);
}

/// <summary>The name index answers who created/deleted/scaled an object that is otherwise unknown.</summary>
internal sealed record OwnerClaimed(string Cluster, string TargetUid, string OwnerUid, ObjectRef Owner) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, TargetUid);
}

/// <summary>The top-level actor of a fact's family tells the object the fact came from, so it sends there directly.</summary>
internal sealed record TopIs(string Cluster, string TargetUid, string TopUid, ObjectRef Top) : IObjectMessage
{
    public string EntityId { get; } = EntityIds.Object(Cluster, TargetUid);
}

/// <summary>
/// A relocating actor's state, for its successor (the same entity id, hosted by another replica now): the span ids it
/// already exported, whether it had become top-level, its object, its owner when only the name index had said it, and
/// every fact it held (waiting for an owner, or its family's) with the path each came along. One message: the successor
/// merges it at once (<see cref="ObjectState.Restore"/>), and a region that drops it at hand-off drops all or nothing.
/// </summary>
internal sealed record ObjectHandOff(
    string EntityId,
    bool WasTop,
    ObjectRef? Identity,
    ImmutableArray<ulong> Emitted,
    ObjectObserved? Observed,
    string? OwnerUid,
    ObjectRef? Owner,
    ImmutableArray<CarriedFact> Facts) : IObjectMessage;

/// <summary>Sent by sharding to an entity whose shard moves (rebalance, a replica leaving): hand the state on, then stop.</summary>
internal sealed class Relocate
{
    public static readonly Relocate Instance = new();
}

/// <summary>Stops an idle entity (after it asked its shard to passivate it).</summary>
internal sealed class StopIdle
{
    public static readonly StopIdle Instance = new();
}

/// <summary>No more facts will come (end of replay): an object whose owner is still unknown becomes a top-level object.</summary>
internal sealed record FinalizeObject(string EntityId) : IObjectMessage;

/// <summary>Export what the object holds now (end of replay).</summary>
internal sealed record EmitObject(string EntityId) : IObjectMessage;

// ---- into NameIndexes ----

/// <summary>An object exists under this name (for Events that name it without a uid).</summary>
internal sealed record NameObserved(string Cluster, ObjectRef Name, string Uid, long CreatedNs) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}

/// <summary>An event of <paramref name="OwnerUid"/> says it created, deleted or scaled the named object.</summary>
internal sealed record ClaimName(string Cluster, ObjectRef Name, string OwnerUid, ObjectRef Owner) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}

/// <summary>An object of unknown owner asks who acted on it; answered with <see cref="OwnerClaimed"/> now or when known.</summary>
internal sealed record WhoOwns(string Cluster, ObjectRef Name, string AskerUid) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}

/// <summary>An Event whose involved object has no uid (Flux): resolved to an object by kind, namespace and name.</summary>
internal sealed record ObserveByName(string Cluster, ObjectRef Name, EventObserved Event) : INameMessage
{
    public string EntityId { get; } = EntityIds.Name(Cluster, Name);
}

/// <summary>No more facts will come: resolve the events still waiting for an object.</summary>
internal sealed record FinalizeName(string EntityId) : INameMessage;
