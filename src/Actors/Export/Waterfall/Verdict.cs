using System.Globalization;
using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>
/// One line that answers "where did the time go" for a trace:
/// <c>rollout default/px 9.1s — critical path: image pull 5.9s (65%)</c>.
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

        var (step, length) = DominatingStep(CriticalPath(spans, root), root);
        if (step is null) return $"{subject} — no steps recorded{errors}";

        var percent = (long)Math.Round(100.0 * length / total, MidpointRounding.AwayFromZero);
        return $"{subject} — critical path: {StepLabel(step.Name)} {DurationText.Format(length)} ({percent.ToString(CultureInfo.InvariantCulture)}%){errors}";
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

    /// <summary>What a step means to a user (<c>Pod.Pulling</c> → <c>image pull</c>); else its span name.</summary>
    public static string StepLabel(string spanName) => spanName switch
    {
        "Pod.Pulling" => "image pull",
        "Pod.Scheduled" => "scheduling",
        "Pod.FailedScheduling" => "scheduling (failed)",
        "Pod.BackOff" => "crash back-off",
        "Pod.Killing" => "termination",
        "Pod.Created" or "Pod.Started" => "container start",
        "Deployment.ScalingReplicaSet" => "scaling",
        "Pod.Unhealthy" => "failing probe",
        _ when spanName.EndsWith(".SuccessfulCreate", StringComparison.Ordinal) => "pod creation",
        _ when spanName.EndsWith(".SuccessfulDelete", StringComparison.Ordinal) => "pod deletion",
        _ => spanName,
    };

    /// <summary>
    /// Critical-path time of every span, as tracing UIs compute it: walk back from the end of the root; the child that
    /// finished last before the cursor owns the time it ran (recursively, so its own children take their share), the
    /// gaps between children belong to the parent, and the cursor moves to that child's start. Event spans last until
    /// the next event of their object, so a controller's span often covers the work it caused; this gives that time to
    /// the work (an image pull), not to the controller that asked for it.
    /// </summary>
    public static Dictionary<SpanRecord, long> CriticalPath(IReadOnlyList<SpanRecord> spans, SpanRecord root)
    {
        var children = new Dictionary<SpanId, List<SpanRecord>>();
        foreach (var s in spans)
        {
            if (ReferenceEquals(s, root) || s.TraceId != root.TraceId) continue;
            if (!children.TryGetValue(s.ParentSpanId, out var list)) children[s.ParentSpanId] = list = [];
            list.Add(s);
        }

        // A child's events may outlast it (a create span is short, the pod it made runs on): order by subtree end.
        var subtreeEnd = new Dictionary<SpanId, long>();
        SubtreeEnd(root, 0);
        foreach (var list in children.Values)
        {
            list.Sort((a, b) =>
            {
                var c = subtreeEnd[b.SpanId].CompareTo(subtreeEnd[a.SpanId]);
                return c != 0 ? c : EndsLater(a, b) ? -1 : EndsLater(b, a) ? 1 : 0;
            });
        }

        var owned = new Dictionary<SpanRecord, long>(ReferenceEqualityComparer.Instance);
        var visited = new HashSet<SpanId>();
        Walk(root, root.EndNs, 0);
        return owned;

        long SubtreeEnd(SpanRecord span, int depth)
        {
            if (subtreeEnd.TryGetValue(span.SpanId, out var known)) return known;
            subtreeEnd[span.SpanId] = span.EndNs; // also guards against parent cycles
            var end = span.EndNs;
            if (depth < 256 && children.TryGetValue(span.SpanId, out var kids))
            {
                foreach (var c in kids) end = Math.Max(end, SubtreeEnd(c, depth + 1));
            }
            return subtreeEnd[span.SpanId] = end;
        }

        void Walk(SpanRecord span, long bound, int depth)
        {
            if (!visited.Add(span.SpanId) || depth > 256) return;
            var cursor = bound;
            if (children.TryGetValue(span.SpanId, out var kids))
            {
                foreach (var c in kids)
                {
                    if (cursor <= span.StartNs) break;
                    if (c.StartNs >= cursor) continue; // begins after the part of the path still open
                    var end = Math.Min(subtreeEnd[c.SpanId], cursor);
                    Add(span, cursor - end); // a gap between children is the parent's
                    Walk(c, end, depth + 1);
                    cursor = Math.Max(c.StartNs, span.StartNs);
                }
            }
            Add(span, cursor - span.StartNs);
        }

        void Add(SpanRecord s, long ns)
        {
            if (ns > 0) owned[s] = owned.GetValueOrDefault(s) + ns;
        }
    }

    private static bool EndsLater(SpanRecord a, SpanRecord b)
    {
        if (a.EndNs != b.EndNs) return a.EndNs > b.EndNs;
        if (a.StartNs != b.StartNs) return a.StartNs > b.StartNs;
        return a.SpanId.Value > b.SpanId.Value;
    }

    /// <summary>The step (root excluded) with the most critical-path time (ties: the earlier start).</summary>
    private static (SpanRecord? Step, long Own) DominatingStep(Dictionary<SpanRecord, long> owned, SpanRecord root)
    {
        SpanRecord? best = null;
        long bestOwn = 0;
        foreach (var (s, own) in owned)
        {
            if (ReferenceEquals(s, root)) continue;
            if (best is null || own > bestOwn || (own == bestOwn && s.StartNs < best.StartNs))
            {
                best = s;
                bestOwn = own;
            }
        }
        return (best, bestOwn);
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
