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
        // The structure is fixed by this class (and tested): the writer need not track it. Values are still escaped.
        SkipValidation = true,
    };

    // Property names, encoded once (no escaping check and no transcoding per span).
    private static readonly JsonEncodedText ResourceSpans = JsonEncodedText.Encode("resourceSpans");
    private static readonly JsonEncodedText Resource = JsonEncodedText.Encode("resource");
    private static readonly JsonEncodedText Attributes = JsonEncodedText.Encode("attributes");
    private static readonly JsonEncodedText ScopeSpans = JsonEncodedText.Encode("scopeSpans");
    private static readonly JsonEncodedText Scope = JsonEncodedText.Encode("scope");
    private static readonly JsonEncodedText Spans = JsonEncodedText.Encode("spans");
    private static readonly JsonEncodedText NameKey = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText TraceIdKey = JsonEncodedText.Encode("traceId");
    private static readonly JsonEncodedText SpanIdKey = JsonEncodedText.Encode("spanId");
    private static readonly JsonEncodedText ParentSpanIdKey = JsonEncodedText.Encode("parentSpanId");
    private static readonly JsonEncodedText KindKey = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText StartKey = JsonEncodedText.Encode("startTimeUnixNano");
    private static readonly JsonEncodedText EndKey = JsonEncodedText.Encode("endTimeUnixNano");
    private static readonly JsonEncodedText StatusKey = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText CodeKey = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText MessageKey = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText KeyKey = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText ValueKey = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText StringValueKey = JsonEncodedText.Encode("stringValue");
    private static readonly JsonEncodedText IntValueKey = JsonEncodedText.Encode("intValue");

    /// <summary>Attribute keys (a few dozen constants), encoded once each; bounded in case of an unexpected flood.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonEncodedText> Keys = new(StringComparer.Ordinal);

    private static JsonEncodedText EncodedKey(string key)
    {
        if (Keys.TryGetValue(key, out var encoded)) return encoded;
        encoded = JsonEncodedText.Encode(key, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        if (Keys.Count < 1024) Keys.TryAdd(key, encoded);
        return encoded;
    }

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
        w.WriteStartArray(ResourceSpans);
        foreach (var resource in order)
        {
            w.WriteStartObject();
            w.WriteStartObject(Resource);
            w.WriteStartArray(Attributes);
            foreach (var (key, value) in OtlpRequestBuilder.ResourceAttributes(resource))
            {
                WriteAttribute(w, key, value, 0);
            }
            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteStartArray(ScopeSpans);
            w.WriteStartObject();
            w.WriteStartObject(Scope);
            w.WriteString(NameKey, OtlpRequestBuilder.ScopeName);
            if (OtlpRequestBuilder.ScopeVersion.Length > 0) w.WriteString(Version, OtlpRequestBuilder.ScopeVersion);
            w.WriteEndObject();
            w.WriteStartArray(Spans);
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
        w.WriteStartObject();
        WriteHex(w, TraceIdKey, span.TraceId.Hi, span.TraceId.Lo);
        WriteHex(w, SpanIdKey, span.SpanId.Value);
        if (!span.ParentSpanId.IsNone) WriteHex(w, ParentSpanIdKey, span.ParentSpanId.Value);
        w.WriteString(NameKey, span.Name);
        w.WriteNumber(KindKey, 1); // SPAN_KIND_INTERNAL
        WriteUInt64String(w, StartKey, OtlpRequestBuilder.Nanos(span.StartNs));
        WriteUInt64String(w, EndKey, OtlpRequestBuilder.Nanos(span.EndNs));
        if (!span.Attributes.IsDefaultOrEmpty)
        {
            w.WriteStartArray(Attributes);
            foreach (var a in span.Attributes)
            {
                WriteAttribute(w, a.Key, a.StringValue, a.IntValue);
            }
            w.WriteEndArray();
        }
        switch (span.Status)
        {
            case SpanStatus.Error:
                w.WriteStartObject(StatusKey);
                w.WriteNumber(CodeKey, 2); // STATUS_CODE_ERROR
                if (!string.IsNullOrEmpty(span.StatusMessage)) w.WriteString(MessageKey, span.StatusMessage);
                w.WriteEndObject();
                break;
            case SpanStatus.Ok:
                w.WriteStartObject(StatusKey);
                w.WriteNumber(CodeKey, 1); // STATUS_CODE_OK
                w.WriteEndObject();
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>A key/value attribute: a string value when <paramref name="stringValue"/> is set, else an int64 as a string.</summary>
    private static void WriteAttribute(Utf8JsonWriter w, string key, string? stringValue, long intValue)
    {
        w.WriteStartObject();
        w.WriteString(KeyKey, EncodedKey(key));
        w.WriteStartObject(ValueKey);
        if (stringValue is not null)
        {
            w.WriteString(StringValueKey, stringValue);
        }
        else
        {
            // "123": digits need no escaping, so the quoted value is written as it is.
            Span<byte> quoted = stackalloc byte[22];
            quoted[0] = (byte)'"';
            intValue.TryFormat(quoted[1..], out var n, default, CultureInfo.InvariantCulture);
            quoted[n + 1] = (byte)'"';
            w.WritePropertyName(IntValueKey);
            w.WriteRawValue(quoted[..(n + 2)], skipInputValidation: true);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteUInt64String(Utf8JsonWriter w, JsonEncodedText name, ulong value)
    {
        Span<byte> quoted = stackalloc byte[22];
        quoted[0] = (byte)'"';
        value.TryFormat(quoted[1..], out var n, default, CultureInfo.InvariantCulture);
        quoted[n + 1] = (byte)'"';
        w.WritePropertyName(name);
        w.WriteRawValue(quoted[..(n + 2)], skipInputValidation: true);
    }

    /// <summary>An id as lowercase hex: 16 digits per 64-bit half, written raw (hex needs no escaping).</summary>
    private static void WriteHex(Utf8JsonWriter w, JsonEncodedText name, ulong first, ulong? second = null)
    {
        Span<byte> quoted = stackalloc byte[34];
        quoted[0] = (byte)'"';
        first.TryFormat(quoted.Slice(1, 16), out _, "x16", CultureInfo.InvariantCulture);
        var end = 17;
        if (second is { } lo)
        {
            lo.TryFormat(quoted.Slice(17, 16), out _, "x16", CultureInfo.InvariantCulture);
            end = 33;
        }
        quoted[end] = (byte)'"';
        w.WritePropertyName(name);
        w.WriteRawValue(quoted[..(end + 1)], skipInputValidation: true);
    }
}
