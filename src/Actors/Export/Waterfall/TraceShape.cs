using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>Small facts about a group of spans shared by the renderer and the verdict.</summary>
internal static class TraceShape
{
    public const string MessageAttribute = "k8s.event.message";

    /// <summary>Orders spans by start, then name, then span id: the order siblings are drawn in.</summary>
    public static readonly IComparer<SpanRecord> ByStart = Comparer<SpanRecord>.Create(static (a, b) =>
    {
        var c = a.StartNs.CompareTo(b.StartNs);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Name, b.Name);
        return c != 0 ? c : a.SpanId.Value.CompareTo(b.SpanId.Value);
    });

    /// <summary>The root of the group (no parent): the earliest one if several, null for a group of late spans.</summary>
    public static SpanRecord? FindRoot(IReadOnlyList<SpanRecord> spans)
    {
        SpanRecord? root = null;
        foreach (var s in spans)
        {
            if (s.IsRoot && (root is null || ByStart.Compare(s, root) < 0)) root = s;
        }
        return root;
    }

    public static IReadOnlyList<SpanRecord> SpansOf(TraceSpans trace) =>
        trace.Spans.IsDefault ? [] : trace.Spans;

    public static bool IsError(SpanRecord span) => span.Status == SpanStatus.Error;

    public static long Duration(SpanRecord span) => Math.Max(0, span.EndNs - span.StartNs);

    /// <summary>What went wrong, on one line: the status message, else the event message; null when neither.</summary>
    public static string? Message(SpanRecord span)
    {
        var text = string.IsNullOrWhiteSpace(span.StatusMessage) ? span.Attribute(MessageAttribute) : span.StatusMessage;
        return string.IsNullOrWhiteSpace(text) ? null : TextLine.Of(text);
    }

    public static string ShortHex(TraceId id) => id.ToHex()[..8] + TextCell.Ellipsis;
}
