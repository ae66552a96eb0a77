using System.Text;
using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>
/// Draws a trace as text: a header with the full trace id (and a link, see <see cref="WaterfallOptions.TraceUrl"/>),
/// one line per span as a tree with the object it is about and a time bar, and the verdict.
/// <code>
/// ▶ Deployment.Update  kubectl-client-side-apply  trace 4bf92f3577b34da6a3ce929d0e0e4736  9.1s
/// Deployment.Update                px              kubectl-client-side-apply    +0s  9.1s  [██████████████████████████████]
/// └─ Deployment.ScalingReplicaSet  px              deployment-controller        +0s    0s  [│                             ]
///    └─ Pod.Scheduled              px-7d4b9c-x2x7q default-scheduler          +100ms 100ms  [▏                             ]
/// </code>
/// Within <see cref="WaterfallOptions.Width"/> the bar shrinks first (down to <see cref="MinBarWidth"/>), then the
/// service column (it goes when it would be too narrow to read), then object names and span names are cut; the
/// header's trace id, the link and the verdict are never cut. With <see cref="WaterfallOptions.Unlimited"/> nothing is.
/// Siblings are drawn in <see cref="KubernetesOrder"/>. Pure: the same spans and options give the same lines.
/// </summary>
internal static class WaterfallRenderer
{
    /// <summary>Put before a span whose parent is not in the group; it hangs under the root.</summary>
    public const string OrphanMarker = "⋯ ";

    public const string ErrorMarker = "✗";

    private const string Red = "\u001b[31m";
    private const string Dim = "\u001b[2m";
    private const string Bold = "\u001b[1m";
    private const string Cyan = "\u001b[36m";
    private const string Reset = "\u001b[0m";

    private const int MaxServiceWidth = 25;
    private const int MinNameWidth = 12;
    private const int MinObjectWidth = 12;
    private const int MinServiceWidth = 8;
    private const int MinInlineMessage = 20;

    /// <summary>The bar never gets narrower than this to make room for names.</summary>
    public const int MinBarWidth = 8;

    /// <summary>Put before the trace link under a header.</summary>
    public const string LinkMarker = "  ↗ ";

    public static IReadOnlyList<string> Render(TraceSpans trace, WaterfallOptions options)
    {
        var spans = TraceShape.SpansOf(trace);
        if (spans.Count == 0) return [];
        var root = TraceShape.FindRoot(spans);
        return root is null ? RenderLate(trace, spans, options) : RenderTree(trace, spans, root, options);
    }

    /// <summary>A drawn row: the tree prefix (<c>│  ├─ </c>), the indent of its children, whether it hangs under the root for want of its parent.</summary>
    internal sealed record Row(string Prefix, string ChildIndent, bool Orphan, SpanRecord Span);

    private static List<string> RenderTree(TraceSpans trace, IReadOnlyList<SpanRecord> spans, SpanRecord root, WaterfallOptions options)
    {
        var rows = TreeRows(spans, root);
        var lines = new List<string>(rows.Count + 3);
        lines.Add(Paint(Header(trace, root, options), Bold, options));
        AddLink(lines, trace, options);
        AddRows(lines, rows, root.StartNs, root.EndNs, options);
        // The verdict is never cut (a terminal wraps it): it is the line people read.
        lines.Add(Paint(Verdict.Describe(trace), Bold, options));
        return lines;
    }

    /// <summary><c>▶ Deployment.Update  kubectl-client-side-apply  trace 4bf92f35…(32 hex)  9.1s</c>: only the service is cut to fit.</summary>
    private static string Header(TraceSpans trace, SpanRecord root, WaterfallOptions options)
    {
        var service = TextLine.Of(root.Resource.ServiceName);
        var tail = $"  trace {trace.TraceId.ToHex()}  {DurationText.Format(TraceShape.Duration(root))}";
        var head = $"▶ {root.Name}  ";
        var room = options.Width - TextCell.Width(head) - TextCell.Width(tail);
        if (TextCell.Width(service) > room) service = TextCell.Truncate(service, Math.Max(MinServiceWidth, room));
        return head + service + tail;
    }

    private static void AddLink(List<string> lines, TraceSpans trace, WaterfallOptions options)
    {
        if (options.TraceUrl is { } url) lines.Add(LinkMarker + url.Replace(WaterfallOptions.TraceIdPlaceholder, trace.TraceId.ToHex(), StringComparison.Ordinal));
    }

    private static List<string> RenderLate(TraceSpans trace, IReadOnlyList<SpanRecord> spans, WaterfallOptions options)
    {
        var sorted = spans.ToList();
        sorted.Sort(KubernetesOrder);
        var start = sorted[0].StartNs;
        var end = sorted.Max(static s => s.EndNs);
        var lines = new List<string>(sorted.Count + 2) { Paint($"late spans for trace {trace.TraceId.ToHex()}", Bold, options) };
        AddLink(lines, trace, options);
        AddRows(lines, [.. sorted.Select(static s => new Row("  ", "    ", false, s))], start, Math.Max(start, end), options);
        return lines;
    }

    /// <summary>
    /// The root, then every span under its parent (children in <see cref="KubernetesOrder"/>). Spans whose parent is not
    /// in the group, and spans caught in a parent cycle, hang under the root with <see cref="OrphanMarker"/>.
    /// </summary>
    internal static List<Row> TreeRows(IReadOnlyList<SpanRecord> spans, SpanRecord root)
    {
        var ids = new HashSet<SpanId>();
        foreach (var s in spans) ids.Add(s.SpanId);

        var children = new Dictionary<SpanId, List<SpanRecord>>();
        var orphans = new HashSet<SpanRecord>(ReferenceEqualityComparer.Instance);
        foreach (var s in spans)
        {
            if (ReferenceEquals(s, root)) continue;
            var parent = s.ParentSpanId;
            if (parent.IsNone || parent == s.SpanId || !ids.Contains(parent))
            {
                orphans.Add(s);
                parent = root.SpanId;
            }
            if (!children.TryGetValue(parent, out var list)) children[parent] = list = [];
            list.Add(s);
        }

        // Spans not reachable from the root sit in a parent cycle: cut each cycle at its earliest span.
        var reached = Reach(root, children, new HashSet<SpanRecord>(ReferenceEqualityComparer.Instance));
        while (reached.Count < spans.Count)
        {
            SpanRecord? cut = null;
            foreach (var s in spans)
            {
                if (!reached.Contains(s) && (cut is null || TraceShape.ByStart.Compare(s, cut) < 0)) cut = s;
            }
            if (cut is null) break;
            orphans.Add(cut);
            if (!children.TryGetValue(root.SpanId, out var list)) children[root.SpanId] = list = [];
            list.Add(cut);
            Reach(cut, children, reached);
        }
        foreach (var list in children.Values) list.Sort(KubernetesOrder);

        var rows = new List<Row>(spans.Count) { new("", "", false, root) };
        var drawn = new HashSet<SpanRecord>(ReferenceEqualityComparer.Instance) { root };
        var stack = new Stack<(SpanRecord Span, string Indent, bool Last)>();
        PushChildren(stack, children, root.SpanId, "");
        while (stack.Count > 0)
        {
            var (span, indent, last) = stack.Pop();
            if (!drawn.Add(span)) continue;
            var childIndent = indent + (last ? "   " : "│  ");
            rows.Add(new Row(indent + (last ? "└─ " : "├─ "), childIndent, orphans.Contains(span), span));
            PushChildren(stack, children, span.SpanId, childIndent);
        }
        return rows;
    }

    private static HashSet<SpanRecord> Reach(SpanRecord from, Dictionary<SpanId, List<SpanRecord>> children, HashSet<SpanRecord> reached)
    {
        var todo = new Stack<SpanRecord>();
        todo.Push(from);
        reached.Add(from);
        while (todo.Count > 0)
        {
            var s = todo.Pop();
            if (!children.TryGetValue(s.SpanId, out var kids)) continue;
            foreach (var k in kids)
            {
                if (reached.Add(k)) todo.Push(k);
            }
        }
        return reached;
    }

    private static void PushChildren(Stack<(SpanRecord, string, bool)> stack, Dictionary<SpanId, List<SpanRecord>> children, SpanId parent, string indent)
    {
        if (!children.TryGetValue(parent, out var kids)) return;
        for (var i = kids.Count - 1; i >= 0; i--) stack.Push((kids[i], indent, i == kids.Count - 1));
    }

    private static void AddRows(List<string> lines, IReadOnlyList<Row> rows, long startNs, long endNs, WaterfallOptions options)
    {
        var cells = rows.Select(r => (
            Row: r,
            Name: r.Prefix + (r.Orphan ? OrphanMarker : "") + r.Span.Name,
            Object: TextLine.Of(ObjectName(r.Span) ?? ""),
            Service: TextLine.Of(r.Span.Resource.ServiceName),
            Offset: DurationText.Offset(r.Span.StartNs - startNs),
            Duration: DurationText.Format(TraceShape.Duration(r.Span)))).ToList();

        var offsetWidth = cells.Max(static c => TextCell.Width(c.Offset));
        var durationWidth = cells.Max(static c => TextCell.Width(c.Duration));
        var unlimited = options.Width >= WaterfallOptions.Unlimited;
        var serviceWidth = cells.Max(static c => TextCell.Width(c.Service));
        if (!unlimited) serviceWidth = Math.Min(MaxServiceWidth, serviceWidth);
        var nameWidth = cells.Max(static c => TextCell.Width(c.Name));
        var objectWidth = cells.Max(static c => TextCell.Width(c.Object));
        var barWidth = Math.Max(1, options.BarWidth);

        // name␣␣object␣␣service␣␣offset␣duration␣␣[bar]␣✗ (the object column only when a span names one; the error
        // mark only when a row has an error)
        var markWidth = rows.Any(static r => TraceShape.IsError(r.Span)) ? 2 : 0;
        if (!unlimited)
        {
            var room = options.Width - (2 + offsetWidth + 1 + durationWidth + 2 + 2 + markWidth);
            int Wanted() => nameWidth + (objectWidth > 0 ? objectWidth + 2 : 0) + (serviceWidth > 0 ? serviceWidth + 2 : 0) + barWidth;
            // What gives way first: the bar (down to MinBarWidth), then the service (dropped when it would be too
            // narrow to read), then object names, then span names.
            if (Wanted() > room) barWidth = Math.Max(Math.Min(barWidth, MinBarWidth), barWidth - (Wanted() - room));
            if (Wanted() > room && serviceWidth > 0)
            {
                var left = serviceWidth - (Wanted() - room);
                serviceWidth = left >= MinServiceWidth ? left : 0;
            }
            if (Wanted() > room && objectWidth > MinObjectWidth) objectWidth = Math.Max(MinObjectWidth, objectWidth - (Wanted() - room));
            if (Wanted() > room) nameWidth = Math.Max(MinNameWidth, nameWidth - (Wanted() - room));
        }
        var lineWidth = nameWidth + (objectWidth > 0 ? objectWidth + 2 : 0) + (serviceWidth > 0 ? serviceWidth + 2 : 0) + 2 + offsetWidth + 1 + durationWidth + 2 + barWidth + 2;

        foreach (var c in cells)
        {
            var span = c.Row.Span;
            var error = TraceShape.IsError(span);
            var name = TextCell.PadRight(FitName(c.Row, c.Name, nameWidth), nameWidth);
            var times = TextCell.PadLeft(c.Offset, offsetWidth) + " " + TextCell.PadLeft(c.Duration, durationWidth);
            var bar = Bar(span.StartNs, span.EndNs, startNs, endNs, barWidth);

            var line = new StringBuilder();
            line.Append(error ? Paint(name, Red, options) : name).Append("  ");
            if (objectWidth > 0) line.Append(TextCell.PadRight(TextCell.Truncate(c.Object, objectWidth), objectWidth)).Append("  ");
            if (serviceWidth > 0) line.Append(Paint(TextCell.PadRight(TextCell.Truncate(c.Service, serviceWidth), serviceWidth), Dim, options)).Append("  ");
            line.Append(Paint(times, Dim, options)).Append("  ")
                .Append('[').Append(Paint(bar, error ? Red : Cyan, options)).Append(']');
            if (!error)
            {
                lines.Add(line.ToString());
                continue;
            }

            line.Append(' ').Append(Paint(ErrorMarker, Red, options));
            var message = TraceShape.Message(span);
            if (message is null)
            {
                lines.Add(line.ToString());
                continue;
            }
            var inline = unlimited ? int.MaxValue : options.Width - (lineWidth + 3);
            if (inline >= MinInlineMessage)
            {
                line.Append(' ').Append(Paint(TextCell.Truncate(message, inline), Red, options));
                lines.Add(line.ToString());
            }
            else
            {
                lines.Add(line.ToString());
                var indent = c.Row.ChildIndent + "  ";
                var text = TextCell.Truncate(message, Math.Max(MinInlineMessage, options.Width - TextCell.Width(indent) - 2));
                lines.Add(indent + Paint(ErrorMarker + " " + text, Red, options));
            }
        }
    }

    /// <summary>The attribute naming each kind's object (the semantic-convention key, else k8s.object.name).</summary>
    private static readonly Dictionary<string, string> NameKeys = new(StringComparer.Ordinal)
    {
        ["Pod"] = "k8s.pod.name",
        ["ReplicaSet"] = "k8s.replicaset.name",
        ["Deployment"] = "k8s.deployment.name",
        ["StatefulSet"] = "k8s.statefulset.name",
        ["DaemonSet"] = "k8s.daemonset.name",
        ["Job"] = "k8s.job.name",
        ["CronJob"] = "k8s.cronjob.name",
        ["Node"] = "k8s.node.name",
    };

    /// <summary>
    /// The name of the object a span is about: the name attribute of the kind its name starts with
    /// (<c>Pod.Scheduled</c> → <c>k8s.pod.name</c>; never the node a pod was scheduled to), else <c>k8s.object.name</c>.
    /// </summary>
    internal static string? ObjectName(SpanRecord span)
    {
        var dot = span.Name.IndexOf('.', StringComparison.Ordinal);
        var kind = dot < 0 ? span.Name : span.Name[..dot];
        var value = NameKeys.TryGetValue(kind, out var key) ? span.Attribute(key) : null;
        value ??= span.Attribute("k8s.object.name");
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>
    /// The order siblings are drawn in: by start; at the same start (Events have one-second times) in the order
    /// Kubernetes emits them, not alphabetically: owners before what they own (Deployment, ReplicaSet, Pod), then
    /// the lifecycle order of the reason (ScalingReplicaSet, SuccessfulCreate, Scheduled, Pulling, Pulled, Created,
    /// Started, Unhealthy, Killing, BackOff; other reasons after these), then the shorter span, then the span id
    /// (deterministic: derived from the event's uid and count).
    /// </summary>
    public static readonly IComparer<SpanRecord> KubernetesOrder = Comparer<SpanRecord>.Create(static (a, b) =>
    {
        var c = a.StartNs.CompareTo(b.StartNs);
        if (c != 0) return c;
        c = KindRank(a.Name).CompareTo(KindRank(b.Name));
        if (c != 0) return c;
        c = ReasonRank(a.Name).CompareTo(ReasonRank(b.Name));
        if (c != 0) return c;
        c = a.EndNs.CompareTo(b.EndNs);
        return c != 0 ? c : a.SpanId.Value.CompareTo(b.SpanId.Value);
    });

    private static int KindRank(string spanName)
    {
        var dot = spanName.IndexOf('.', StringComparison.Ordinal);
        return (dot < 0 ? spanName : spanName[..dot]) switch
        {
            "Deployment" or "StatefulSet" or "DaemonSet" or "CronJob" => 0,
            "ReplicaSet" or "Job" => 1,
            "Pod" => 2,
            _ => 3,
        };
    }

    private static int ReasonRank(string spanName)
    {
        var dot = spanName.IndexOf('.', StringComparison.Ordinal);
        return (dot < 0 ? "" : spanName[(dot + 1)..]) switch
        {
            "ScalingReplicaSet" => 0,
            "SuccessfulCreate" or "FailedCreate" or "SuccessfulDelete" => 1,
            "Scheduled" or "FailedScheduling" => 2,
            "SuccessfulAttachVolume" or "FailedAttachVolume" or "FailedMount" => 3,
            "Pulling" => 4,
            "Pulled" or "Failed" or "ErrImagePull" => 5,
            "Created" => 6,
            "Started" => 7,
            "Unhealthy" or "ProbeWarning" => 8,
            "Killing" => 9,
            "BackOff" => 10,
            _ => 11,
        };
    }

    /// <summary>Cuts the span name (never the tree prefix) so the cell fits.</summary>
    private static string FitName(Row row, string cell, int width)
    {
        if (TextCell.Width(cell) <= width) return cell;
        var prefix = row.Prefix + (row.Orphan ? OrphanMarker : "");
        var left = width - TextCell.Width(prefix);
        return left >= 4 ? prefix + TextCell.Truncate(row.Span.Name, left) : TextCell.Truncate(cell, width);
    }

    /// <summary>
    /// <paramref name="width"/> columns for [<paramref name="t0"/>, <paramref name="t1"/>]; the span fills the columns
    /// it overlaps. A zero-length span is one <c>│</c>; one shorter than half a column is one <c>▏</c>.
    /// </summary>
    internal static string Bar(long start, long end, long t0, long t1, int width)
    {
        var cells = new char[width];
        Array.Fill(cells, ' ');
        var total = t1 - t0;
        double Column(long t) => total > 0 ? (double)(t - t0) * width / total : 0;
        var first = (int)Math.Clamp(Math.Floor(Column(start)), 0, width - 1);
        var length = Column(end) - Column(start);
        if (total <= 0 || end <= start)
        {
            cells[first] = '│';
        }
        else if (length < 0.5)
        {
            cells[first] = '▏';
        }
        else
        {
            var last = (int)Math.Clamp(Math.Ceiling(Column(end)), first + 1, width);
            for (var i = first; i < last; i++) cells[i] = '█';
        }
        return new string(cells);
    }

    private static string Paint(string text, string code, WaterfallOptions options) =>
        options.Color && text.Length > 0 ? code + text + Reset : text;
}
