using System.Globalization;
using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>
/// One line that answers "where did the time go" for a trace:
/// <c>rollout default/px 9.1s — critical path: image pull 5.9s (65%)</c>. The time goes to phases that the events
/// say something took (<see cref="TracePhases"/>), never to how long a span is drawn.
/// </summary>
internal static class Verdict
{
    private const int MessageWidth = 60;

    private static readonly string[] NameAttributes =
    [
        "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name", "k8s.job.name", "k8s.cronjob.name",
        "k8s.pod.name", "k8s.replicaset.name", "k8s.node.name", "k8s.object.name",
    ];

    public static string Describe(TraceSpans trace)
    {
        var spans = TraceShape.SpansOf(trace);
        var errors = ErrorSuffix(spans);
        if (spans.Count == 0) return $"trace {TraceShape.ShortHex(trace.TraceId)} — no spans";

        var root = TraceShape.FindRoot(spans);
        if (root is null)
        {
            var late = spans.Count == 1 ? "1 late span" : $"{spans.Count.ToString(CultureInfo.InvariantCulture)} late spans";
            return $"{late} for trace {TraceShape.ShortHex(trace.TraceId)}{errors}";
        }

        var total = TraceShape.Duration(root);
        var subject = $"{What(root.Name)} {Subject(root)} {DurationText.Format(total)}";
        if (total == 0) return $"{subject} — no time measured{errors}";

        var phases = TracePhases.Of(spans, root);
        if (phases.Count == 0) return $"{subject} — no phase: {Events(spans)}{errors}";

        var path = CriticalPath(spans, root, phases);
        var (label, length) = Dominating(path);
        if (length == 0) return $"{subject} — no phase took time: {Events(spans)}{errors}";

        // Time the events do not explain (a pod that just ran, a wait nothing reported) is said, not given to a phase.
        var outside = total - path.Values.Sum();
        var unexplained = outside > length ? $"; {DurationText.Format(outside)} ({Percent(outside, total)}) outside any phase" : "";
        return $"{subject} — critical path: {label} {DurationText.Format(length)} ({Percent(length, total)}){unexplained}{errors}";
    }

    /// <summary>The kind of change, from the root's name prefix (<c>Deployment.Update</c> → <c>rollout</c>).</summary>
    public static string What(string rootName)
    {
        var dot = rootName.IndexOf('.', StringComparison.Ordinal);
        var kind = dot < 0 ? rootName : rootName[..dot];
        return kind switch
        {
            "Deployment" or "StatefulSet" or "DaemonSet" => "rollout",
            "Job" or "CronJob" => "job",
            "Pod" => "pod",
            "ReplicaSet" => "replicaset",
            _ => kind.ToLowerInvariant(),
        };
    }

    /// <summary><c>namespace/name</c> of the root's object (namespace left out when empty), else the root's name.</summary>
    public static string Subject(SpanRecord root)
    {
        string? name = null;
        foreach (var key in NameAttributes)
        {
            var value = root.Attribute(key);
            if (!string.IsNullOrEmpty(value))
            {
                name = value;
                break;
            }
        }
        if (name is null) return root.Name;
        var ns = root.Attribute("k8s.namespace.name");
        return string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";
    }

    /// <summary>
    /// The time each phase holds on the critical path, the chain that ends last, walked back from the end of the trace as
    /// tracing UIs walk spans: under a span, the child (a span with everything below it, or a phase that hangs there) that
    /// runs latest before the cursor takes the time up to the cursor, walked the same way if it is a span, and the cursor
    /// moves to its start. A phase holds the time it covers; time under no phase (a span's own, a gap) belongs to none.
    /// So a pod that pulled its image alongside another one is off the path unless it finished later.
    /// </summary>
    public static Dictionary<Phase, long> CriticalPath(IReadOnlyList<SpanRecord> spans, SpanRecord root, IReadOnlyList<Phase> phases)
    {
        var ids = new HashSet<SpanId>();
        foreach (var s in spans) ids.Add(s.SpanId);
        var children = new Dictionary<SpanId, List<Node>>();
        foreach (var s in spans)
        {
            if (ReferenceEquals(s, root) || s.TraceId != root.TraceId) continue;
            var parent = ids.Contains(s.ParentSpanId) && s.ParentSpanId != s.SpanId ? s.ParentSpanId : root.SpanId;
            AddChild(parent, new Node(s, null));
        }
        foreach (var p in phases) AddChild(ids.Contains(p.Anchor) ? p.Anchor : root.SpanId, new Node(null, p));

        // A child's events may outlast it (a create is a point, the pod it made runs on): order by subtree end.
        var subtreeEnd = new Dictionary<SpanId, long>();
        SubtreeEnd(root, 0);
        foreach (var list in children.Values)
        {
            list.Sort((a, b) =>
            {
                var c = End(b).CompareTo(End(a));
                if (c != 0) return c;
                c = a.Start.CompareTo(b.Start); // on a tie the longer one
                if (c != 0) return c;
                c = (a.Phase is null).CompareTo(b.Phase is null); // then phases before spans
                return c != 0 ? c : (a.Span?.SpanId.Value ?? 0).CompareTo(b.Span?.SpanId.Value ?? 0);
            });
        }

        var owned = new Dictionary<Phase, long>(ReferenceEqualityComparer.Instance);
        var visited = new HashSet<SpanId>();
        Walk(root, root.EndNs, 0);
        return owned;

        void AddChild(SpanId parent, Node node)
        {
            if (!children.TryGetValue(parent, out var list)) children[parent] = list = [];
            list.Add(node);
        }

        long End(Node n) => n.Phase?.EndNs ?? subtreeEnd.GetValueOrDefault(n.Span!.SpanId, n.Span.EndNs);

        long SubtreeEnd(SpanRecord span, int depth)
        {
            if (subtreeEnd.TryGetValue(span.SpanId, out var known)) return known;
            subtreeEnd[span.SpanId] = span.EndNs; // also guards against parent cycles
            var end = span.EndNs;
            if (depth < 256 && children.TryGetValue(span.SpanId, out var kids))
            {
                foreach (var c in kids) end = Math.Max(end, c.Phase?.EndNs ?? SubtreeEnd(c.Span!, depth + 1));
            }
            return subtreeEnd[span.SpanId] = end;
        }

        // Returns how far back the subtree accounted for time (bound when it held no phase on the path).
        long Walk(SpanRecord span, long bound, int depth)
        {
            if (!visited.Add(span.SpanId) || depth > 256 || !children.TryGetValue(span.SpanId, out var kids)) return bound;
            var cursor = bound;
            foreach (var c in kids)
            {
                if (c.Start >= cursor) continue; // begins after the part of the path still open
                var end = Math.Min(End(c), cursor);
                if (c.Phase is { } phase)
                {
                    owned[phase] = owned.GetValueOrDefault(phase) + (end - phase.StartNs);
                    cursor = phase.StartNs;
                    continue;
                }
                // A span that held phases moves the cursor back to when it happened (a create: the pod's time is before
                // it, not its siblings'); one that held none (an event, a point or one covering repeats) takes no time.
                var reached = Walk(c.Span!, end, depth + 1);
                if (reached < end) cursor = Math.Min(reached, c.Span!.EndNs);
            }
            return cursor;
        }
    }

    /// <summary>A child in the critical-path walk: a span (with its subtree) or a phase.</summary>
    private readonly record struct Node(SpanRecord? Span, Phase? Phase)
    {
        public long Start => Phase?.StartNs ?? Span!.StartNs;
    }

    /// <summary>
    /// The kind of phase with the most critical-path time (the phases of all pods added up; ties: the earliest phase),
    /// labelled as its largest part says it (<c>image pull failing</c>, <c>unschedulable: …</c>).
    /// </summary>
    private static (string Label, long Length) Dominating(Dictionary<Phase, long> owned)
    {
        var byKind = new Dictionary<PhaseKind, (long Total, Phase Largest, long LargestOwn, long FirstStart)>();
        foreach (var (p, own) in owned)
        {
            if (!byKind.TryGetValue(p.Kind, out var k))
            {
                byKind[p.Kind] = (own, p, own, p.StartNs);
                continue;
            }
            var larger = own > k.LargestOwn || (own == k.LargestOwn && p.StartNs < k.Largest.StartNs);
            byKind[p.Kind] = (k.Total + own, larger ? p : k.Largest, larger ? own : k.LargestOwn, Math.Min(k.FirstStart, p.StartNs));
        }
        (string Label, long Length, long FirstStart)? best = null;
        foreach (var k in byKind.Values)
        {
            if (best is null || k.Total > best.Value.Length || (k.Total == best.Value.Length && k.FirstStart < best.Value.FirstStart))
            {
                best = (k.Largest.Label, k.Total, k.FirstStart);
            }
        }
        return best is { } b ? (b.Label, b.Length) : ("", 0);
    }

    private static string Percent(long part, long total) =>
        ((long)Math.Round(100.0 * part / total, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture) + "%";

    /// <summary>"1 event", "12 events": the spans that are Kubernetes Events.</summary>
    private static string Events(IReadOnlyList<SpanRecord> spans)
    {
        var n = spans.Count(static s => s.Attribute("k8s.event.uid") is not null);
        return n == 1 ? "1 event" : $"{n.ToString(CultureInfo.InvariantCulture)} events";
    }

    private static string ErrorSuffix(IReadOnlyList<SpanRecord> spans)
    {
        SpanRecord? first = null;
        var count = 0;
        foreach (var s in spans)
        {
            if (!TraceShape.IsError(s)) continue;
            count++;
            if (first is null || TraceShape.ByStart.Compare(s, first) < 0) first = s;
        }
        if (first is null) return "";
        var what = count == 1 ? "1 error" : $"{count.ToString(CultureInfo.InvariantCulture)} errors";
        var message = TraceShape.Message(first);
        return message is null
            ? $" — {what}: {first.Name}"
            : $" — {what}: {first.Name} {TextCell.Truncate(message, MessageWidth)}";
    }
}
