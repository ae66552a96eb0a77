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

        var step = DominatingStep(CriticalPath(spans, root));
        if (step is null) return $"{subject} — no steps recorded{errors}";

        var length = TraceShape.Duration(step);
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
    /// The chain of spans that ends when the trace ends, from its last span back towards the root (root excluded).
    /// Start at the span that ends last (ties: later start, then larger span id). From a span, step back to the
    /// sibling (same parent) that ended latest at or before it started, as the events of one object follow each
    /// other as siblings; when there is none, step up to the parent. Event spans do not contain their children,
    /// so a parent's duration never counts a child twice.
    /// </summary>
    public static IReadOnlyList<SpanRecord> CriticalPath(IReadOnlyList<SpanRecord> spans, SpanRecord root)
    {
        var byId = new Dictionary<SpanId, SpanRecord>();
        var siblings = new Dictionary<SpanId, List<SpanRecord>>();
        SpanRecord? last = null;
        foreach (var s in spans)
        {
            if (ReferenceEquals(s, root)) continue;
            byId.TryAdd(s.SpanId, s);
            if (!siblings.TryGetValue(s.ParentSpanId, out var list)) siblings[s.ParentSpanId] = list = [];
            list.Add(s);
            if (last is null || EndsLater(s, last)) last = s;
        }
        if (last is null) return [];
        foreach (var list in siblings.Values) list.Sort(static (a, b) => EndsLater(a, b) ? 1 : EndsLater(b, a) ? -1 : 0);

        var seen = new HashSet<SpanRecord>(ReferenceEqualityComparer.Instance) { last };
        var path = new List<SpanRecord> { last };
        var current = last;
        while (true)
        {
            var next = PreviousSibling(siblings[current.ParentSpanId], current.StartNs, seen);
            if (next is null && byId.TryGetValue(current.ParentSpanId, out var parent) && !seen.Contains(parent)) next = parent;
            if (next is null) return path;
            seen.Add(next);
            path.Add(next);
            current = next;
        }
    }

    private static SpanRecord? PreviousSibling(List<SpanRecord> byEnd, long startNs, HashSet<SpanRecord> seen)
    {
        for (var i = byEnd.Count - 1; i >= 0; i--)
        {
            var s = byEnd[i];
            if (s.EndNs <= startNs && !seen.Contains(s)) return s;
        }
        return null;
    }

    private static bool EndsLater(SpanRecord a, SpanRecord b)
    {
        if (a.EndNs != b.EndNs) return a.EndNs > b.EndNs;
        if (a.StartNs != b.StartNs) return a.StartNs > b.StartNs;
        return a.SpanId.Value > b.SpanId.Value;
    }

    /// <summary>The longest step on the path (ties: the earlier start).</summary>
    private static SpanRecord? DominatingStep(IReadOnlyList<SpanRecord> path)
    {
        SpanRecord? best = null;
        foreach (var s in path)
        {
            if (best is null) best = s;
            else
            {
                var (d, bd) = (TraceShape.Duration(s), TraceShape.Duration(best));
                if (d > bd || (d == bd && s.StartNs < best.StartNs)) best = s;
            }
        }
        return best;
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
