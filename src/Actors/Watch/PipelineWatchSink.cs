using KSpanActors.Ingest;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Watch;

/// <summary>
/// Decodes what a watch loop reads, drops occurrences already passed on and excluded namespaces, and routes the rest;
/// <paramref name="flush"/> sends what <paramref name="route"/> held (a <see cref="FactBatcher"/> of this loop's own).
/// </summary>
internal sealed class PipelineWatchSink(
    Action<IFact> route,
    PipelineTracker tracker,
    long maxInFlight,
    PipelineMetrics metrics,
    OccurrenceFilter occurrences,
    WatchSettings settings,
    WatchStatus status,
    ILogger log,
    Action? flush = null) : IWatchSink
{
    private readonly HashSet<string> _excluded = [.. settings.ExcludeNamespaces];
    private readonly HashSet<string> _included = [.. settings.Namespaces];

    public void OnDocument(string cluster, WatchedResource resource, SourceDocument document, bool fromList)
    {
        if (!KubeDecoder.TryDecode(cluster, document, out var fact, out var error))
        {
            metrics.DecodeError(cluster, resource.Kind);
            log.LogWarning("Skipped {Origin} (cluster {Cluster}, kind {Kind}): {Error}", document.Describe(), cluster, resource.Kind, error);
            return;
        }
        var ns = fact switch
        {
            EventObserved e => e.Namespace,
            ObjectObserved o => o.Namespace,
            ObjectDeleted d => d.Namespace,
            _ => "",
        };
        if (ns.Length > 0 && (_excluded.Contains(ns) || (_included.Count > 0 && !_included.Contains(ns)))) return;
        if (fact is EventObserved ev && !occurrences.TryPass(ev)) return;
        route(fact);
    }

    public void OnListed(string cluster, WatchedResource resource, string? ns, int items, bool relist)
    {
        status.Listed(cluster, resource.ToString() + (ns is null ? "" : " " + ns));
        log.Log(relist ? LogLevel.Information : LogLevel.Debug, "Cluster {Cluster}: {Relist} {Resource}{Ns}: {Items} items",
            cluster, relist ? "relisted" : "listed", resource, ns is null ? "" : " in " + ns, items);
    }

    public void Flush() => flush?.Invoke();

    public ValueTask WaitForRoomAsync(CancellationToken ct)
    {
        if (tracker.InFlight <= maxInFlight) return ValueTask.CompletedTask;
        Flush(); // nothing held waits with the loop
        return tracker.WaitForRoomAsync(maxInFlight, ct);
    }

    public void OnProblem(string cluster, WatchedResource resource, string kind) => metrics.WatchProblem(cluster, resource.Plural, kind);
}
