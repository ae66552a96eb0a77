using System.Collections.Concurrent;

namespace KSpanActors.Pipeline;

/// <summary>
/// What the actors of one pipeline share in-process (never sent over the wire): its settings, metrics and flow
/// control, what it remembers about objects (<see cref="ObjectMemory"/>), the clusters' uids and the fleet's health.
/// </summary>
internal sealed class PipelineServices(PipelineSettings settings, PipelineMetrics metrics, PipelineTracker tracker)
{
    public PipelineSettings Settings { get; } = settings;

    public PipelineMetrics Metrics { get; } = metrics;

    public PipelineTracker Tracker { get; } = tracker;

    /// <summary>k8s.cluster.uid per cluster name: from settings, and from each watcher once it read kube-system's uid.</summary>
    public ConcurrentDictionary<string, string> ClusterUids { get; } = new(settings.ClusterUids, StringComparer.Ordinal);

    /// <summary>What this process remembers about objects beyond their actors' lifetimes.</summary>
    public ObjectMemory Objects { get; } = new(settings.NameRetention);

    /// <summary>Whether a replica is unreachable or was just removed: streaming exports wait (see <see cref="FleetHealth"/>).</summary>
    public FleetHealth Fleet { get; } = new(settings.SettleAfter);

    /// <summary>Clusters and watch settings when this process watches clusters; null for replay and demo.</summary>
    public Watch.WatchCatalog? Watch { get; init; }
}
