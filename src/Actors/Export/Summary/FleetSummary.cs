using System.Globalization;
using KSpanActors.Export.Waterfall;
using KSpanActors.Model;

namespace KSpanActors.Export.Summary;

/// <summary>
/// Where a fleet loses time: per cluster and namespace, how many changes (traces with a root), their p50/p95/max
/// duration, the share of each phase (the verdict's phases, along each trace's critical path) and the slowest changes
/// by trace id. Pure: traces in, lines out. <see cref="LiveFleetSummary"/> keeps the same numbers incrementally.
/// </summary>
internal static class FleetSummary
{
    /// <summary>The slowest changes named per cluster and namespace.</summary>
    public const int Slowest = 3;

    /// <summary>One change: where, how long, its phases' time along the critical path.</summary>
    internal sealed record Change(string Cluster, string Namespace, TraceId Trace, long Duration, Dictionary<PhaseKind, long> Phases);

    /// <summary>One of the slowest changes of a group, with its verdict.</summary>
    internal sealed record SlowChange(TraceId Trace, long Duration, string Verdict);

    /// <summary>What a cluster and namespace line says.</summary>
    internal sealed record Group(
        string Cluster, string Namespace, long Changes, long P50, long P95, long Max, long TotalDuration,
        IReadOnlyDictionary<PhaseKind, long> Phases, IReadOnlyList<SlowChange> Slowest);

    /// <summary>Orders the slowest first; equal durations by trace id, so the choice never depends on arrival order.</summary>
    public static readonly IComparer<(long Duration, TraceId Trace)> SlowestFirst = Comparer<(long Duration, TraceId Trace)>.Create(static (a, b) =>
    {
        var c = b.Duration.CompareTo(a.Duration);
        if (c != 0) return c;
        c = a.Trace.Hi.CompareTo(b.Trace.Hi); // as the hex ids compare
        return c != 0 ? c : a.Trace.Lo.CompareTo(b.Trace.Lo);
    });

    /// <summary>The change a trace (or a batch of its spans) describes; null without a root (late spans alone are not a change).</summary>
    public static Change? ChangeOf(TraceSpans trace)
    {
        var spans = TraceShape.SpansOf(trace);
        if (spans.Count == 0 || TraceShape.FindRoot(spans) is not { } root) return null;
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
        return new Change(root.Resource.ClusterName, root.Attribute("k8s.namespace.name") ?? "", trace.TraceId, duration, byKind);
    }

    public static IReadOnlyList<string> Render(IEnumerable<TraceSpans> traces)
    {
        var changes = new List<(Change Change, TraceSpans Trace)>();
        foreach (var trace in traces)
        {
            if (ChangeOf(trace) is { } change) changes.Add((change, trace));
        }
        var groups = new List<Group>();
        foreach (var group in changes.GroupBy(c => (c.Change.Cluster, c.Change.Namespace)))
        {
            var durations = group.Select(c => c.Change.Duration).Order().ToList();
            var phases = new Dictionary<PhaseKind, long>();
            foreach (var (kind, time) in group.SelectMany(c => c.Change.Phases)) phases[kind] = phases.GetValueOrDefault(kind) + time;
            var slowest = group.OrderBy(c => (c.Change.Duration, c.Change.Trace), SlowestFirst).Take(Slowest)
                .Select(c => new SlowChange(c.Change.Trace, c.Change.Duration, Waterfall.Verdict.Describe(c.Trace)))
                .ToList();
            groups.Add(new Group(group.Key.Cluster, group.Key.Namespace, durations.Count, Percentile(durations, 0.50), Percentile(durations, 0.95),
                durations[^1], durations.Sum(), phases, slowest));
        }
        return Lines(groups);
    }

    /// <summary>The summary's lines: one for the fleet, then per cluster and namespace (slowest first) its numbers and slowest changes.</summary>
    public static List<string> Lines(IReadOnlyCollection<Group> groups)
    {
        var lines = new List<string>();
        var changes = groups.Sum(g => g.Changes);
        if (changes == 0)
        {
            lines.Add("summary: no change to summarise (no trace with a root)");
            return lines;
        }
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"summary: {changes:N0} changes in {groups.Select(g => g.Cluster).Distinct().Count()} cluster(s); per cluster and namespace, slowest first"));
        foreach (var group in groups.Where(g => g.Changes > 0).OrderByDescending(g => g.Max).ThenBy(g => g.Cluster, StringComparer.Ordinal).ThenBy(g => g.Namespace, StringComparer.Ordinal))
        {
            var total = group.TotalDuration;
            var shares = Shares(group)
                .Select(p => $"{Label(p.Kind)} {Percent(p.Time, total)}")
                .ToList();
            var ns = group.Namespace.Length == 0 ? "(cluster-scoped)" : group.Namespace;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{group.Cluster}/{ns}: {group.Changes} changes, p50 {DurationText.Format(group.P50)}, p95 {DurationText.Format(group.P95)}, max {DurationText.Format(group.Max)}; " +
                $"{(shares.Count == 0 ? "no phase measured" : string.Join(", ", shares))}"));
            foreach (var slow in group.Slowest)
            {
                lines.Add($"  {slow.Trace.ToHex()}  {slow.Verdict}");
            }
        }
        return lines;
    }

    /// <summary>The phases shown for a group, largest first: those that round to at least 1% of the group's total time.</summary>
    public static IEnumerable<(PhaseKind Kind, long Time)> Shares(Group group) =>
        Enum.GetValues<PhaseKind>()
            .Select(k => (Kind: k, Time: group.Phases.GetValueOrDefault(k)))
            .Where(p => group.TotalDuration > 0 && p.Time * 200 >= group.TotalDuration)
            .OrderByDescending(p => p.Time);

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
