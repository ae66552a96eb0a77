using System.Globalization;
using KSpanActors.Export.Waterfall;
using KSpanActors.Model;

namespace KSpanActors.Export.Summary;

/// <summary>
/// Where a fleet loses time: per cluster and namespace, how many changes (traces with a root), their p50/p95/max
/// duration, the share of each phase (the verdict's phases, along each trace's critical path) and the slowest changes
/// by trace id. Pure: traces in, lines out.
/// </summary>
internal static class FleetSummary
{
    private const int Slowest = 3;

    /// <summary>One change: where, how long, its phases' time along the critical path.</summary>
    private sealed record Change(string Cluster, string Namespace, TraceId Trace, long Duration, Dictionary<PhaseKind, long> Phases, string Verdict);

    public static IReadOnlyList<string> Render(IEnumerable<TraceSpans> traces)
    {
        var changes = new List<Change>();
        foreach (var trace in traces)
        {
            var spans = TraceShape.SpansOf(trace);
            if (spans.Count == 0 || TraceShape.FindRoot(spans) is not { } root) continue;
            var duration = TraceShape.Duration(root);
            var byKind = new Dictionary<PhaseKind, long>();
            var phases = TracePhases.Of(spans, root);
            if (phases.Count > 0 && duration > 0)
            {
                foreach (var (phase, length) in Verdict.CriticalPath(spans, root, phases))
                {
                    byKind[phase.Kind] = byKind.GetValueOrDefault(phase.Kind) + length;
                }
            }
            changes.Add(new Change(root.Resource.ClusterName, root.Attribute("k8s.namespace.name") ?? "", trace.TraceId, duration, byKind,
                Waterfall.Verdict.Describe(trace)));
        }

        var lines = new List<string>();
        if (changes.Count == 0)
        {
            lines.Add("summary: no change to summarise (no trace with a root)");
            return lines;
        }
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"summary: {changes.Count:N0} changes in {changes.Select(c => c.Cluster).Distinct().Count()} cluster(s); per cluster and namespace, slowest first"));
        foreach (var group in changes.GroupBy(c => (c.Cluster, c.Namespace)).OrderByDescending(g => g.Max(c => c.Duration)).ThenBy(g => g.Key.Cluster, StringComparer.Ordinal).ThenBy(g => g.Key.Namespace, StringComparer.Ordinal))
        {
            var durations = group.Select(c => c.Duration).Order().ToList();
            var total = durations.Sum();
            var shares = Enum.GetValues<PhaseKind>()
                .Select(k => (Kind: k, Time: group.Sum(c => c.Phases.GetValueOrDefault(k))))
                .Where(p => total > 0 && p.Time * 200 >= total) // shown when it rounds to at least 1%
                .OrderByDescending(p => p.Time)
                .Select(p => $"{Label(p.Kind)} {Percent(p.Time, total)}")
                .ToList();
            var ns = group.Key.Namespace.Length == 0 ? "(cluster-scoped)" : group.Key.Namespace;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{group.Key.Cluster}/{ns}: {durations.Count} changes, p50 {DurationText.Format(Percentile(durations, 0.50))}, p95 {DurationText.Format(Percentile(durations, 0.95))}, max {DurationText.Format(durations[^1])}; " +
                $"{(shares.Count == 0 ? "no phase measured" : string.Join(", ", shares))}"));
            foreach (var slow in group.OrderByDescending(c => c.Duration).ThenBy(c => c.Trace.ToHex(), StringComparer.Ordinal).Take(Slowest))
            {
                lines.Add($"  {slow.Trace.ToHex()}  {slow.Verdict}");
            }
        }
        return lines;
    }

    /// <summary>The phase as the verdict names it.</summary>
    public static string Label(PhaseKind kind) => kind switch
    {
        PhaseKind.Scheduling => "scheduling",
        PhaseKind.ImagePull => "image pull",
        PhaseKind.ContainerStart => "container start",
        PhaseKind.CrashLooping => "crash looping",
        PhaseKind.Controller => "controller",
        PhaseKind.Termination => "termination",
        _ => kind.ToString(),
    };

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static long Percentile(IReadOnlyList<long> sorted, double p)
    {
        if (sorted.Count == 0) return 0;
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static string Percent(long part, long whole) =>
        whole <= 0 ? "0%" : string.Create(CultureInfo.InvariantCulture, $"{Math.Round(100.0 * part / whole):0}%");
}
