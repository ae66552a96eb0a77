using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using KSpanActors.Otlp.Proto.Collector;
using KSpanActors.Otlp.Proto.Common;

namespace KSpanActors.Tools.OtlpSink;

/// <summary>One JSON line per span of an export request: trace, span, parent (hex, "" for none), name, service
/// (resource service.name), cluster (resource k8s.cluster.name), event_uid and count (k8s.event.uid, k8s.event.count,
/// null on spans without them), start and end (unix nanoseconds).</summary>
internal static class SpanLines
{
    public static IEnumerable<string> From(ExportTraceServiceRequest request)
    {
        foreach (var rs in request.ResourceSpans)
        {
            var service = Text(rs.Resource?.Attributes, "service.name");
            var cluster = Text(rs.Resource?.Attributes, "k8s.cluster.name");
            foreach (var span in rs.ScopeSpans.SelectMany(s => s.Spans))
            {
                using var buffer = new MemoryStream();
                using (var w = new Utf8JsonWriter(buffer))
                {
                    w.WriteStartObject();
                    w.WriteString("trace", Hex(span.TraceId));
                    w.WriteString("span", Hex(span.SpanId));
                    w.WriteString("parent", Hex(span.ParentSpanId));
                    w.WriteString("name", span.Name);
                    w.WriteString("service", service);
                    w.WriteString("cluster", cluster);
                    w.WriteString("event_uid", Text(span.Attributes, "k8s.event.uid"));
                    if (Number(span.Attributes, "k8s.event.count") is { } count) w.WriteNumber("count", count);
                    else w.WriteNull("count");
                    w.WriteNumber("start", span.StartTimeUnixNano);
                    w.WriteNumber("end", span.EndTimeUnixNano);
                    w.WriteEndObject();
                }

                yield return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static AnyValue? Find(IEnumerable<KeyValue>? attributes, string key) => attributes?.FirstOrDefault(a => a.Key == key)?.Value;

    private static string? Text(IEnumerable<KeyValue>? attributes, string key) => Find(attributes, key) switch
    {
        null => null,
        { ValueCase: AnyValue.ValueOneofCase.StringValue } v => v.StringValue,
        { ValueCase: AnyValue.ValueOneofCase.IntValue } v => v.IntValue.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    private static long? Number(IEnumerable<KeyValue>? attributes, string key) => Find(attributes, key) switch
    {
        { ValueCase: AnyValue.ValueOneofCase.IntValue } v => v.IntValue,
        { ValueCase: AnyValue.ValueOneofCase.StringValue } v when long.TryParse(v.StringValue, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };
}
