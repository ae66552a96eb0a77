using System.Text;
using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>
/// Draws a trace as text: a header, one line per span as a tree with a time bar, and the verdict.
/// <code>
/// ▶ Deployment.Update  kubectl-client-side-apply  trace 4bf92f35…  9.1s
/// Deployment.Update                kubectl-client-side-apply    +0s  9.1s  [██████████████████████████████]
/// └─ Deployment.ScalingReplicaSet  deployment-controller        +0s    0s  [│                             ]
/// </code>
/// Pure: the same spans and options give the same lines.
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
    private const int MinServiceWidth = 10;
    private const int MinInlineMessage = 20;

    public static IReadOnlyList<string> Render(TraceSpans trace, WaterfallOptions options)
    {
        var spans = TraceShape.SpansOf(trace);
        if (spans.Count == 0) return [];
        var root = TraceShape.FindRoot(spans);
        return root is null ? RenderLate(trace, spans, options) : RenderTree(trace, spans, root, options);
    }

    private sealed record Row(string Prefix, string ChildIndent, bool Orphan, SpanRecord Span);

    private static List<string> RenderTree(TraceSpans trace, IReadOnlyList<SpanRecord> spans, SpanRecord root, WaterfallOptions options)
    {
        var rows = TreeRows(spans, root);
        var lines = new List<string>(rows.Count + 2);
        var header = $"▶ {root.Name}  {root.Resource.ServiceName}  trace {TraceShape.ShortHex(trace.TraceId)}  {DurationText.Format(TraceShape.Duration(root))}";
        lines.Add(Paint(header, Bold, options));
        AddRows(lines, rows, root.StartNs, root.EndNs, options);
        // The verdict may name an error message already drawn above: cut it to the line width.
        lines.Add(Paint(TextCell.Truncate(Verdict.Describe(trace), Math.Max(MinNameWidth, options.Width)), Bold, options));
        return lines;
    }

    private static List<string> RenderLate(TraceSpans trace, IReadOnlyList<SpanRecord> spans, WaterfallOptions options)
    {
        var sorted = spans.ToList();
        sorted.Sort(TraceShape.ByStart);
        var start = sorted[0].StartNs;
        var end = sorted.Max(static s => s.EndNs);
        var lines = new List<string>(sorted.Count + 1) { Paint($"late spans for trace {trace.TraceId.ToHex()}", Bold, options) };
        AddRows(lines, [.. sorted.Select(static s => new Row("  ", "    ", false, s))], start, Math.Max(start, end), options);
        return lines;
    }

    /// <summary>
    /// The root, then every span under its parent (children by start, name, span id). Spans whose parent is not
    /// in the group, and spans caught in a parent cycle, hang under the root with <see cref="OrphanMarker"/>.
    /// </summary>
    private static List<Row> TreeRows(IReadOnlyList<SpanRecord> spans, SpanRecord root)
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
        foreach (var list in children.Values) list.Sort(TraceShape.ByStart);

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
        var barWidth = Math.Max(1, options.BarWidth);
        var cells = rows.Select(r => (
            Row: r,
            Name: r.Prefix + (r.Orphan ? OrphanMarker : "") + r.Span.Name,
            Service: TextCell.OneLine(r.Span.Resource.ServiceName),
            Offset: DurationText.Offset(r.Span.StartNs - startNs),
            Duration: DurationText.Format(TraceShape.Duration(r.Span)))).ToList();

        var offsetWidth = cells.Max(static c => TextCell.Width(c.Offset));
        var durationWidth = cells.Max(static c => TextCell.Width(c.Duration));
        var serviceWanted = Math.Min(MaxServiceWidth, cells.Max(static c => TextCell.Width(c.Service)));
        var nameWanted = cells.Max(static c => TextCell.Width(c.Name));

        // name␣␣service␣␣offset␣duration␣␣[bar]␣✗ (the error mark only when a row has an error)
        var markWidth = rows.Any(static r => TraceShape.IsError(r.Span)) ? 2 : 0;
        var room = options.Width - (2 + 2 + offsetWidth + 1 + durationWidth + 2 + barWidth + 2 + markWidth);
        var serviceWidth = serviceWanted;
        var nameWidth = nameWanted;
        if (nameWidth + serviceWidth > room)
        {
            // Names (with the tree) come first; the service keeps at least MinServiceWidth columns.
            nameWidth = Math.Max(MinNameWidth, Math.Min(nameWanted, room - MinServiceWidth));
            serviceWidth = Math.Max(MinServiceWidth, Math.Min(serviceWanted, room - nameWidth));
        }
        var lineWidth = nameWidth + 2 + serviceWidth + 2 + offsetWidth + 1 + durationWidth + 2 + barWidth + 2;

        foreach (var c in cells)
        {
            var span = c.Row.Span;
            var error = TraceShape.IsError(span);
            var name = TextCell.PadRight(FitName(c.Row, c.Name, nameWidth), nameWidth);
            var service = TextCell.PadRight(TextCell.Truncate(c.Service, serviceWidth), serviceWidth);
            var times = TextCell.PadLeft(c.Offset, offsetWidth) + " " + TextCell.PadLeft(c.Duration, durationWidth);
            var bar = Bar(span.StartNs, span.EndNs, startNs, endNs, barWidth);

            var line = new StringBuilder();
            line.Append(error ? Paint(name, Red, options) : name).Append("  ")
                .Append(Paint(service, Dim, options)).Append("  ")
                .Append(Paint(times, Dim, options)).Append("  ")
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
            var inline = options.Width - (lineWidth + 3);
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
