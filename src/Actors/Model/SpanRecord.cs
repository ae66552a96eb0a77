using System.Collections.Immutable;
using System.Globalization;

namespace KSpanActors.Model;

/// <summary>A finished span, ready for every exporter. Built only by <c>SpanFactory</c>.</summary>
internal sealed record SpanRecord(
    TraceId TraceId,
    SpanId SpanId,
    SpanId ParentSpanId,
    string Name,
    long StartNs,
    long EndNs,
    SpanStatus Status,
    string? StatusMessage,
    SpanResource Resource,
    SpanAttributes Attributes)
{
    public bool IsRoot => ParentSpanId.IsNone;

    public string? Attribute(string key)
    {
        foreach (var a in Attributes)
        {
            if (a.Key == key) return a.StringValue ?? a.IntValue.ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }
}
