using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

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
