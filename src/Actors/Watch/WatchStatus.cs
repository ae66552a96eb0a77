using System.Collections.Concurrent;

namespace KSpanActors.Watch;

/// <summary>What /readyz reports: each configured cluster is ready once every resource it watches has listed once.</summary>
internal sealed class WatchStatus
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _clusters = new(StringComparer.Ordinal);

    public void Expect(string cluster) => _clusters.TryAdd(cluster, new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));

    public void Watching(string cluster, string resource) => _clusters.GetOrAdd(cluster, _ => new()).TryAdd(resource, false);

    public void Listed(string cluster, string resource) => _clusters.GetOrAdd(cluster, _ => new())[resource] = true;

    /// <summary>Clusters not ready yet (no resource started, or one not listed).</summary>
    public IReadOnlyList<string> NotReady() =>
        [.. _clusters.Where(c => c.Value.IsEmpty || c.Value.Values.Any(listed => !listed)).Select(c => c.Key).Order(StringComparer.Ordinal)];

    /// <summary>Every cluster this replica watches has listed everything once (none watched here: nothing to wait for).</summary>
    public bool AllListed => NotReady().Count == 0;

    /// <summary>Clusters whose watcher started on this replica.</summary>
    public IReadOnlyCollection<string> Started => [.. _clusters.Keys];

    public bool IsReady => !_clusters.IsEmpty && AllListed;
}
