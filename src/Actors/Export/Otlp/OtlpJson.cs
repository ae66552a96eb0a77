using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using KSpanActors.Model;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// Writes a batch as one OTLP/JSON <c>ExportTraceServiceRequest</c> on one line, the way the OpenTelemetry
/// Collector's file exporter writes it (and its <c>otlpjsonfile</c> receiver and tools/check-trace-tree read it):
/// lowerCamelCase keys, ids as lowercase hex (not base64 as protobuf's JsonFormatter would write them),
/// 64-bit integers (times, intValue) as decimal strings, enums as integers, <c>parentSpanId</c> omitted on roots
/// and <c>status</c> omitted when unset. Grouping by resource is the same as <see cref="OtlpRequestBuilder"/>.
/// </summary>
internal static class OtlpJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        // A file for tools, not HTML: keep non-ASCII text readable; quotes and control characters are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the JSON object (no newline) into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<TraceSpans> batch)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        Write(writer, batch);
    }

    /// <summary>The batch as one line of UTF-8 JSON, ending with '\n'.</summary>
    public static byte[] ToLine(IReadOnlyList<TraceSpans> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(buffer, batch);
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The batch as one JSON string (no newline).</summary>
    public static string ToJson(IReadOnlyList<TraceSpans> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(buffer, batch);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Appends the batch to <paramref name="stream"/> as one line ending with '\n'.</summary>
    public static async Task WriteLineAsync(Stream stream, IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(buffer, batch);
        buffer.Write("\n"u8);
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    private static void Write(Utf8JsonWriter w, IReadOnlyList<TraceSpans> batch)
    {
        // Group by resource, keeping the order in which resources first appear.
        var groups = new Dictionary<SpanResource, List<SpanRecord>>();
        var order = new List<SpanResource>();
        foreach (var trace in batch)
        {
            foreach (var span in trace.Spans)
            {
                if (!groups.TryGetValue(span.Resource, out var list))
                {
                    list = [];
                    groups.Add(span.Resource, list);
                    order.Add(span.Resource);
                }
                list.Add(span);
            }
        }

        w.WriteStartObject();
        w.WriteStartArray("resourceSpans");
        foreach (var resource in order)
        {
            w.WriteStartObject();
            w.WriteStartObject("resource");
            w.WriteStartArray("attributes");
            foreach (var (key, value) in OtlpRequestBuilder.ResourceAttributes(resource))
            {
                WriteAttribute(w, key, value, 0);
            }
            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteStartArray("scopeSpans");
            w.WriteStartObject();
            w.WriteStartObject("scope");
            w.WriteString("name", OtlpRequestBuilder.ScopeName);
            if (OtlpRequestBuilder.ScopeVersion.Length > 0) w.WriteString("version", OtlpRequestBuilder.ScopeVersion);
            w.WriteEndObject();
            w.WriteStartArray("spans");
            foreach (var span in groups[resource])
            {
                WriteSpan(w, span);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteSpan(Utf8JsonWriter w, SpanRecord span)
    {
        Span<char> hex = stackalloc char[32];
        w.WriteStartObject();
        WriteHex(w, "traceId", hex, span.TraceId.Hi, span.TraceId.Lo);
        WriteHex(w, "spanId", hex[..16], span.SpanId.Value);
        if (!span.ParentSpanId.IsNone) WriteHex(w, "parentSpanId", hex[..16], span.ParentSpanId.Value);
        w.WriteString("name", span.Name);
        w.WriteNumber("kind", 1); // SPAN_KIND_INTERNAL
        WriteUInt64String(w, "startTimeUnixNano", OtlpRequestBuilder.Nanos(span.StartNs));
        WriteUInt64String(w, "endTimeUnixNano", OtlpRequestBuilder.Nanos(span.EndNs));
        if (!span.Attributes.IsDefaultOrEmpty)
        {
            w.WriteStartArray("attributes");
            foreach (var a in span.Attributes)
            {
                WriteAttribute(w, a.Key, a.StringValue, a.IntValue);
            }
            w.WriteEndArray();
        }
        switch (span.Status)
        {
            case SpanStatus.Error:
                w.WriteStartObject("status");
                w.WriteNumber("code", 2); // STATUS_CODE_ERROR
                if (!string.IsNullOrEmpty(span.StatusMessage)) w.WriteString("message", span.StatusMessage);
                w.WriteEndObject();
                break;
            case SpanStatus.Ok:
                w.WriteStartObject("status");
                w.WriteNumber("code", 1); // STATUS_CODE_OK
                w.WriteEndObject();
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>A key/value attribute: a string value when <paramref name="stringValue"/> is set, else an int64 as a string.</summary>
    private static void WriteAttribute(Utf8JsonWriter w, string key, string? stringValue, long intValue)
    {
        w.WriteStartObject();
        w.WriteString("key", key);
        w.WriteStartObject("value");
        if (stringValue is not null)
        {
            w.WriteString("stringValue", stringValue);
        }
        else
        {
            Span<char> digits = stackalloc char[20];
            intValue.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
            w.WriteString("intValue", digits[..n]);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteUInt64String(Utf8JsonWriter w, string name, ulong value)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
        w.WriteString(name, digits[..n]);
    }

    private static void WriteHex(Utf8JsonWriter w, string name, Span<char> buffer, ulong first, ulong? second = null)
    {
        first.TryFormat(buffer, out _, "x16", CultureInfo.InvariantCulture);
        if (second is { } lo) lo.TryFormat(buffer[16..], out _, "x16", CultureInfo.InvariantCulture);
        w.WriteString(name, buffer);
    }
}
