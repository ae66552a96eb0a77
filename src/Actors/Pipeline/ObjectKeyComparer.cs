using System.Numerics;

namespace KSpanActors.Pipeline;

/// <summary>
/// Equality of (cluster, uid) keys, hashed fast: the tables of <see cref="ObjectMemory"/> are looked up several times
/// per Event on the route, and the default hash of a value tuple of strings runs the randomized string hash over both
/// (about a fifth of the route's cost, measured). Uids are assigned by the API servers, not chosen by their users, so
/// <see cref="OrdinalHash"/> is enough; equality stays ordinal.
/// </summary>
internal sealed class ObjectKeyComparer : IEqualityComparer<(string Cluster, string Uid)>
{
    public static readonly ObjectKeyComparer Instance = new();

    public bool Equals((string Cluster, string Uid) x, (string Cluster, string Uid) y) =>
        string.Equals(x.Uid, y.Uid, StringComparison.Ordinal) && string.Equals(x.Cluster, y.Cluster, StringComparison.Ordinal);

    public int GetHashCode((string Cluster, string Uid) key) =>
        OrdinalHash.Fold(OrdinalHash.Of(key.Uid) ^ BitOperations.RotateLeft(ClusterHash(key.Cluster), 29));

    /// <summary>A fleet has a few cluster names, each one instance per source: the last one hashed on this thread is kept.</summary>
    private static ulong ClusterHash(string cluster)
    {
        if (ReferenceEquals(cluster, _lastCluster)) return _lastClusterHash;
        var h = OrdinalHash.Of(cluster);
        (_lastCluster, _lastClusterHash) = (cluster, h);
        return h;
    }

    [ThreadStatic] private static string? _lastCluster;
    [ThreadStatic] private static ulong _lastClusterHash;
}
