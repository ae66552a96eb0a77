using System.Globalization;
using KSpanActors.Otlp.Proto.Collector;

namespace KSpanActors.Tests.Support;

/// <summary>Spans as an OTLP receiver got them, in the same shape as <see cref="OtlpJsonSpans"/> reads files.</summary>
internal static class ReceivedSpans
{
    public static List<JsonSpan> From(IEnumerable<ExportTraceServiceRequest> requests)
    {
        var spans = new List<JsonSpan>();
        foreach (var req in requests)
        {
            foreach (var rs in req.ResourceSpans)
            {
                var service = rs.Resource.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue;
                var cluster = rs.Resource.Attributes.FirstOrDefault(a => a.Key == "k8s.cluster.name")?.Value.StringValue;
                foreach (var ss in rs.ScopeSpans)
                {
                    foreach (var s in ss.Spans)
                    {
                        string? Attr(string key)
                        {
                            var v = s.Attributes.FirstOrDefault(a => a.Key == key)?.Value;
                            return v is null ? null : v.HasStringValue ? v.StringValue : v.IntValue.ToString(CultureInfo.InvariantCulture);
                        }
                        spans.Add(new JsonSpan(Convert.ToHexStringLower(s.TraceId.Span), Convert.ToHexStringLower(s.SpanId.Span),
                            s.ParentSpanId.IsEmpty ? "" : Convert.ToHexStringLower(s.ParentSpanId.Span), s.Name, service,
                            (long)s.StartTimeUnixNano, (long)s.EndTimeUnixNano, Attr("k8s.event.uid"), (int)(s.Status?.Code ?? 0), Attr("k8s.event.count"))
                        {
                            Cluster = cluster,
                        });
                    }
                }
            }
        }
        return spans;
    }
}
