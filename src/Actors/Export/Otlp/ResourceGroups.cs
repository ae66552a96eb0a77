using KSpanActors.Model;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// The spans of a batch grouped by resource (each its own <c>service.name</c>, cluster...), in the order resources first
/// appear: the one grouping every OTLP encoding writes (<see cref="OtlpRequestBuilder"/>, <see cref="OtlpJson"/>), so
/// protobuf and JSON carry the same resourceSpans in the same order.
/// </summary>
internal static class ResourceGroups
{
    /// <summary>
    /// Spans share resource instances, so each span is looked up by reference first; equal resources in distinct
    /// instances still form one group (looked up by value once per instance).
    /// </summary>
    public static List<(SpanResource Resource, List<SpanRecord> Spans)> Of(IReadOnlyList<TraceSpans> batch)
    {
        var groups = new List<(SpanResource, List<SpanRecord>)>();
        var byValue = new Dictionary<SpanResource, List<SpanRecord>>();
        var byInstance = new Dictionary<SpanResource, List<SpanRecord>>(ReferenceEqualityComparer.Instance);
        foreach (var trace in batch)
        {
            foreach (var span in trace.Spans)
            {
                if (!byInstance.TryGetValue(span.Resource, out var list))
                {
                    if (!byValue.TryGetValue(span.Resource, out list))
                    {
                        list = [];
                        byValue.Add(span.Resource, list);
                        groups.Add((span.Resource, list));
                    }
                    byInstance.Add(span.Resource, list);
                }
                list.Add(span);
            }
        }
        return groups;
    }
}
