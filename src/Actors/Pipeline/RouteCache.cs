namespace KSpanActors.Pipeline;

/// <summary>
/// (cluster, object uid) → its top-level object, learned from TopIs. Thread-safe; holds the routes used within the last
/// name-retention period (at most 2 x 250,000), so it follows activity, not history.
/// </summary>
internal sealed class RouteCache(TimeSpan retention)
{
    private readonly RecentCache<(string Cluster, string Uid), (string TopUid, Tracing.ObjectRef Top)> _routes = new(250_000, retention / 2, ObjectKeyComparer.Instance);

    public RouteCache()
        : this(TimeSpan.FromHours(2))
    {
    }

    public int Count => _routes.Count;

    public void Learn(string cluster, string uid, string topUid, Tracing.ObjectRef top) => _routes.Set((cluster, uid), (topUid, top));

    public bool TryGet(string cluster, string uid, out (string TopUid, Tracing.ObjectRef Top) top) => _routes.TryGet((cluster, uid), out top);
}
