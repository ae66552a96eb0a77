using Microsoft.Extensions.Logging;

namespace KSpanActors.Watch;

/// <summary>
/// What every replica knows about the clusters to watch (the same configuration everywhere), so whichever replica
/// hosts a cluster's ClusterWatcher can start it.
/// </summary>
internal sealed class WatchCatalog(IReadOnlyList<ClusterSource> clusters, WatchSettings settings, ILoggerFactory loggers)
{
    public IReadOnlyList<ClusterSource> Clusters { get; } = clusters;

    public WatchSettings Settings { get; } = settings;

    public ILoggerFactory Loggers { get; } = loggers;

    public WatchStatus Status { get; } = new();

    /// <summary>Occurrences already passed on, per cluster; outlives watcher restarts on this replica.</summary>
    public OccurrenceFilter Occurrences(string cluster) =>
        _filters.GetOrAdd(cluster, _ => new OccurrenceFilter(EventRetention));

    /// <summary>How long an Event occurrence is remembered (KSpan__Watch__EventRetention); beyond the API server's Event TTL.</summary>
    public TimeSpan EventRetention { get; init; } = TimeSpan.FromHours(3);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OccurrenceFilter> _filters = new(StringComparer.Ordinal);

    /// <summary>Forgets what was passed on for a cluster, so the next list passes everything again.</summary>
    public void ResetOccurrences(string cluster) => _filters[cluster] = new OccurrenceFilter(EventRetention);

    public ClusterSource? Find(string name) => Clusters.FirstOrDefault(c => c.Name == name);
}
