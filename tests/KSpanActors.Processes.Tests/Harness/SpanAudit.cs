using System.Globalization;
using KSpanActors.Otlp.Proto.Collector;
using KSpanActors.Tests.FakeKube;

namespace KSpanActors.Processes.Tests.Harness;

/// <summary>One span as the OTLP receiver got it (ids in lowercase hex, parent "" for a root).</summary>
internal sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, string? Cluster, string? EventUid, long? EventCount, string? Namespace = null, int Request = 0);

/// <summary>An Event occurrence every cluster must turn into exactly one span: (cluster, event uid, count).</summary>
internal readonly record struct OccurrenceKey(string Cluster, string Uid, long Count);

/// <summary>
/// What the receiver got, against what the fake clusters served: lost = expected occurrences without a span;
/// duplicated = extra copies of one span id; trees whole = exactly one root (no parent) per trace id and every
/// span's parent in the same trace.
/// </summary>
internal sealed class SpanAudit
{
    private SpanAudit(IReadOnlyList<ReceivedSpan> spans, IReadOnlyCollection<OccurrenceKey> expected)
    {
        Spans = spans;
        Expected = expected.Count;
        var got = spans.Where(s => s.Cluster is not null && s.EventUid is not null)
            .Select(s => new OccurrenceKey(s.Cluster!, s.EventUid!, s.EventCount ?? 1)).ToHashSet();
        Lost = [.. expected.Where(e => !got.Contains(e))];
        Arrived = Expected - Lost.Count;
        Duplicated = spans.GroupBy(s => (s.TraceId, s.SpanId)).Sum(g => g.Count() - 1);
        var brokenTraces = new List<string>();
        foreach (var trace in spans.GroupBy(s => s.TraceId))
        {
            var ids = trace.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
            var roots = trace.Where(s => s.ParentSpanId.Length == 0).Select(s => s.SpanId).Distinct(StringComparer.Ordinal).Count();
            var orphans = trace.Where(s => s.ParentSpanId.Length > 0 && !ids.Contains(s.ParentSpanId)).Select(s => s.Name).Distinct().ToList();
            if (roots != 1 || orphans.Count > 0)
            {
                brokenTraces.Add($"{trace.Key}: {roots} roots, {orphans.Count} span names with a missing parent ({string.Join(", ", orphans.Take(3))})");
            }
        }

        BrokenTraces = brokenTraces;
        // Each rollout copy lives in a namespace of its own and is one change of one Deployment: one trace.
        SplitRollouts = [.. spans.Where(s => s.EventUid is not null && s.Namespace is not null).GroupBy(s => (s.Cluster, s.Namespace))
            .Where(g => g.Select(s => s.TraceId).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => $"{g.Key.Cluster}/{g.Key.Namespace}: {g.Select(s => s.TraceId).Distinct(StringComparer.Ordinal).Count()} traces; outside the main one: " +
                string.Join(", ", g.GroupBy(s => s.TraceId).OrderByDescending(t => t.Count()).Skip(1).SelectMany(t => t).Select(s => s.Name).Take(6)) +
                " (under " + string.Join(", ", g.GroupBy(s => s.TraceId).OrderByDescending(t => t.Count()).Skip(1)
                    .Select(t => spans.FirstOrDefault(r => r.TraceId == t.Key && r.ParentSpanId.Length == 0)?.Name ?? "no root")) + ")")];
        Traces = spans.Select(s => s.TraceId).Distinct(StringComparer.Ordinal).Count();
    }

    public IReadOnlyList<ReceivedSpan> Spans { get; }

    public int Expected { get; }

    public int Arrived { get; }

    public IReadOnlyList<OccurrenceKey> Lost { get; }

    public int Duplicated { get; }

    public int Traces { get; }

    public IReadOnlyList<string> BrokenTraces { get; }

    /// <summary>Rollout copies (cluster/namespace) whose Event spans ended up in more than one trace: a tree that depends on which replica held what.</summary>
    public IReadOnlyList<string> SplitRollouts { get; }

    public bool Complete => Lost.Count == 0;

    public bool TreesWhole => BrokenTraces.Count == 0 && SplitRollouts.Count == 0;

    public static SpanAudit Of(IEnumerable<ExportTraceServiceRequest> requests, IReadOnlyCollection<OccurrenceKey> expected) => new(Flatten(requests), expected);

    /// <summary>One line with the figures, to print and to quote.</summary>
    public string Summary() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Arrived:N0} of {Expected:N0} Event occurrences exported, {Lost.Count:N0} lost, {Duplicated:N0} duplicated span ids; {Spans.Count:N0} spans in {Traces:N0} traces, {BrokenTraces.Count:N0} traces not whole, {SplitRollouts.Count:N0} rollouts split over several traces");

    /// <summary>A few examples of what is wrong, for assertion messages.</summary>
    public string Examples()
    {
        var lines = new List<string>();
        lines.AddRange(Lost.GroupBy(l => l.Cluster).Select(g => $"lost in {g.Key}: {g.Count():N0}, e.g. {string.Join(", ", g.Take(3).Select(l => $"{l.Uid}#{l.Count}"))}"));
        lines.AddRange(BrokenTraces.Take(5).Select(b => "trace not whole: " + b));
        lines.AddRange(SplitRollouts.Take(5).Select(b => "rollout split: " + b));
        // Which export requests carried the copies (in the order the receiver got them, with their sizes): a whole
        // request sent again, or spans scattered over several.
        var sizes = Spans.GroupBy(s => s.Request).ToDictionary(g => g.Key, g => g.Count());
        lines.AddRange(Spans.GroupBy(s => (s.TraceId, s.SpanId)).Where(g => g.Count() > 1)
            .GroupBy(g => string.Join(" and ", g.Select(s => $"request #{s.Request} ({sizes[s.Request]} spans)")))
            .Take(5)
            .Select(g => $"duplicated: {g.Count()} span ids in {g.Key}, e.g. {string.Join(", ", g.Take(4).Select(d => $"{d.First().Name} ({d.First().Cluster}/{d.First().Namespace})"))}"));
        return string.Join('\n', lines);
    }

    public static List<ReceivedSpan> Flatten(IEnumerable<ExportTraceServiceRequest> requests)
    {
        var spans = new List<ReceivedSpan>();
        var index = 0;
        foreach (var request in requests)
        {
            index++;
            foreach (var rs in request.ResourceSpans)
            {
                var resourceCluster = rs.Resource?.Attributes.FirstOrDefault(a => a.Key == "k8s.cluster.name")?.Value.StringValue;
                foreach (var ss in rs.ScopeSpans)
                {
                    foreach (var s in ss.Spans)
                    {
                        string? Attr(string key)
                        {
                            var v = s.Attributes.FirstOrDefault(a => a.Key == key)?.Value;
                            return v is null ? null : v.HasStringValue ? v.StringValue : v.HasIntValue ? v.IntValue.ToString(CultureInfo.InvariantCulture) : null;
                        }

                        var count = Attr("k8s.event.count") is { } c && long.TryParse(c, CultureInfo.InvariantCulture, out var n) ? n : (long?)null;
                        spans.Add(new ReceivedSpan(
                            Convert.ToHexStringLower(s.TraceId.Span), Convert.ToHexStringLower(s.SpanId.Span),
                            s.ParentSpanId.IsEmpty ? "" : Convert.ToHexStringLower(s.ParentSpanId.Span), s.Name,
                            Attr("k8s.cluster.name") ?? resourceCluster, Attr("k8s.event.uid"), count, Attr("k8s.namespace.name"), index));
                    }
                }
            }
        }

        return spans;
    }

    /// <summary>The occurrences a fake cluster serving <paramref name="documents"/> must turn into spans (tools' ExpectedOccurrences).</summary>
    public static IEnumerable<OccurrenceKey> ExpectedFor(string cluster, IEnumerable<KSpanActors.Ingest.SourceDocument> documents) =>
        ExpectedOccurrences.From(documents).Select(o => new OccurrenceKey(cluster, o.Uid, o.Count));
}
