using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using KSpanActors.Model;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// Writes a batch as one OTLP/JSON <c>ExportTraceServiceRequest</c> on one line, the way the OpenTelemetry
/// Collector's file exporter writes it (and its <c>otlpjsonfile</c> receiver and tools/check-trace-tree read it):
/// lowerCamelCase keys, ids as lowercase hex (not base64 as protobuf's JsonFormatter would write them),
/// 64-bit integers (times, intValue) as decimal strings, enums as integers, <c>parentSpanId</c> omitted on roots
/// and <c>status</c> omitted when unset. Grouped by resource as <see cref="OtlpRequestBuilder"/> groups (<see cref="ResourceGroups"/>).
/// </summary>
/// <remarks>
/// This is on the hot path (every span is encoded once per file exporter), so the fixed structure is written as
/// pre-encoded UTF-8 fragments straight into the buffer, not through <see cref="Utf8JsonWriter"/>: only string
/// values need encoding, and a value of printable ASCII without quote or backslash (nearly all of them) is copied
/// as it is. Any other value is escaped by the same encoder as before (<see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>:
/// non-ASCII text stays readable; quotes and control characters are escaped), so the output is unchanged.
/// </remarks>
internal static class OtlpJson
{
    /// <summary>Printable ASCII that JSON strings carry unescaped.</summary>
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>Attribute keys (a few dozen constants) as their <c>{"key":"...","value":{</c> prefix, built once each.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> KeyPrefixes = new(StringComparer.Ordinal);

    /// <summary>The same prefixes by key instance: the keys are constants, so this finds them without hashing their text.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> KeyPrefixesByInstance = new(ReferenceEqualityComparer.Instance);
    private static int _instances;

    /// <summary>Writes the JSON object (no newline) into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<TraceSpans> batch)
    {
        var groups = ResourceGroups.Of(batch);

        var w = new Writer(output);
        w.Raw("{\"resourceSpans\":["u8);
        for (var r = 0; r < groups.Count; r++)
        {
            var (resource, spans) = groups[r];
            if (r > 0) w.Raw(","u8);
            w.Raw("{\"resource\":{\"attributes\":["u8);
            var firstAttribute = true;
            foreach (var (key, value) in OtlpRequestBuilder.ResourceAttributes(resource))
            {
                if (!firstAttribute) w.Raw(","u8);
                firstAttribute = false;
                WriteAttribute(ref w, key, value, 0);
            }
            w.Raw("]},\"scopeSpans\":[{\"scope\":{\"name\":"u8);
            w.String(OtlpRequestBuilder.ScopeName);
            if (OtlpRequestBuilder.ScopeVersion.Length > 0)
            {
                w.Raw(",\"version\":"u8);
                w.String(OtlpRequestBuilder.ScopeVersion);
            }
            w.Raw("},\"spans\":["u8);
            for (var i = 0; i < spans.Count; i++)
            {
                if (i > 0) w.Raw(","u8);
                WriteSpan(ref w, spans[i]);
            }
            w.Raw("]}]}"u8);
        }
        w.Raw("]}"u8);
        w.Flush();
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
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Appends the batch to <paramref name="stream"/> as one line ending with '\n'.</summary>
    public static async Task WriteLineAsync(Stream stream, IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(buffer, batch);
        buffer.Write("\n"u8);
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    private static void WriteSpan(ref Writer w, SpanRecord span)
    {
        w.Raw("{\"traceId\":"u8);
        w.Hex(span.TraceId.Hi, span.TraceId.Lo);
        w.Raw(",\"spanId\":"u8);
        w.Hex(span.SpanId.Value);
        if (!span.ParentSpanId.IsNone)
        {
            w.Raw(",\"parentSpanId\":"u8);
            w.Hex(span.ParentSpanId.Value);
        }
        w.Raw(",\"name\":"u8);
        w.String(span.Name);
        w.Raw(",\"kind\":1,\"startTimeUnixNano\":"u8); // SPAN_KIND_INTERNAL
        w.QuotedNumber(OtlpRequestBuilder.Nanos(span.StartNs));
        w.Raw(",\"endTimeUnixNano\":"u8);
        w.QuotedNumber(OtlpRequestBuilder.Nanos(span.EndNs));
        if (!span.Attributes.IsDefaultOrEmpty)
        {
            w.Raw(",\"attributes\":["u8);
            var first = true;
            foreach (var a in span.Attributes)
            {
                if (!first) w.Raw(","u8);
                first = false;
                if (a.TryGetUid(out var uid)) WriteAttribute(ref w, a.Key, uid);
                else WriteAttribute(ref w, a.Key, a.StringValue, a.IntValue);
            }
            w.Raw("]"u8);
        }
        switch (span.Status)
        {
            case SpanStatus.Error:
                w.Raw(",\"status\":{\"code\":2"u8); // STATUS_CODE_ERROR
                if (!string.IsNullOrEmpty(span.StatusMessage))
                {
                    w.Raw(",\"message\":"u8);
                    w.String(span.StatusMessage);
                }
                w.Raw("}"u8);
                break;
            case SpanStatus.Ok:
                w.Raw(",\"status\":{\"code\":1}"u8); // STATUS_CODE_OK
                break;
        }
        w.Raw("}"u8);
    }

    /// <summary>A key/value attribute: a string value when <paramref name="stringValue"/> is set, else an int64 as a string.</summary>
    private static void WriteAttribute(ref Writer w, string key, string? stringValue, long intValue)
    {
        w.Raw(KeyPrefix(key));
        if (stringValue is not null)
        {
            w.Raw("\"stringValue\":"u8);
            w.String(stringValue);
        }
        else
        {
            w.Raw("\"intValue\":"u8);
            w.QuotedNumber(intValue);
        }
        w.Raw("}}"u8);
    }

    /// <summary>A packed uid's 36 characters, written from its bytes (hex digits and hyphens: nothing to escape).</summary>
    private static void WriteAttribute(ref Writer w, string key, CompactUid uid)
    {
        w.Raw(KeyPrefix(key));
        w.Raw("\"stringValue\":"u8);
        Span<char> chars = stackalloc char[CompactUid.CanonicalLength];
        w.Ascii(uid.Chars(chars));
        w.Raw("}}"u8);
    }

    private static byte[] KeyPrefix(string key)
    {
        if (KeyPrefixesByInstance.TryGetValue(key, out var prefix)) return prefix;
        if (KeyPrefixes.TryGetValue(key, out prefix))
        {
            // Bounded (counted here: ConcurrentDictionary.Count takes every lock) in case keys are built per span.
            if (Volatile.Read(ref _instances) < 1024 && KeyPrefixesByInstance.TryAdd(key, prefix)) Interlocked.Increment(ref _instances);
            return prefix;
        }
        var buffer = new ArrayBufferWriter<byte>(64);
        var w = new Writer(buffer);
        w.Raw("{\"key\":"u8);
        w.String(key);
        w.Raw(",\"value\":{"u8);
        w.Flush();
        prefix = buffer.WrittenSpan.ToArray();
        if (KeyPrefixes.Count < 1024) KeyPrefixes.TryAdd(key, prefix); // bounded in case of an unexpected flood of keys
        return prefix;
    }

    private static JsonEncodedText Encode(string value)
    {
        try
        {
            return JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        }
        catch (ArgumentException)
        {
            // Invalid UTF-16 (a lone surrogate, which a JSON "\ud800" escape in an Event decodes to): written as U+FFFD
            // rather than failing the whole batch.
            return JsonEncodedText.Encode(WithoutLoneSurrogates(value), JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        }
    }

    internal static string WithoutLoneSurrogates(string value) => string.Create(value.Length, value, static (dest, src) =>
    {
        for (var i = 0; i < src.Length; i++)
        {
            var c = src[i];
            if (char.IsHighSurrogate(c) && i + 1 < src.Length && char.IsLowSurrogate(src[i + 1]))
            {
                dest[i] = c;
                dest[i + 1] = src[++i];
            }
            else dest[i] = char.IsSurrogate(c) ? '\uFFFD' : c;
        }
    });

    /// <summary>Appends UTF-8 to an <see cref="IBufferWriter{T}"/>, asking it for room a chunk at a time.</summary>
    private ref struct Writer(IBufferWriter<byte> output)
    {
        private const int Chunk = 16 * 1024;
        private Span<byte> _span;
        private int _used;

        public void Raw(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_span[_used..]);
            _used += bytes.Length;
        }

        /// <summary>A JSON string of characters that need no escaping (checked by the caller): quoted.</summary>
        public void Ascii(scoped ReadOnlySpan<char> value)
        {
            Ensure(value.Length + 2);
            _span[_used++] = (byte)'"';
            Encoding.ASCII.GetBytes(value, _span[_used..]);
            _used += value.Length;
            _span[_used++] = (byte)'"';
        }

        /// <summary>A JSON string: quoted, escaped as <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> does.</summary>
        public void String(string value)
        {
            if (!value.AsSpan().ContainsAnyExcept(Plain))
            {
                Ascii(value);
                return;
            }
            var encoded = Encode(value).EncodedUtf8Bytes;
            Ensure(encoded.Length + 2);
            _span[_used++] = (byte)'"';
            encoded.CopyTo(_span[_used..]);
            _used += encoded.Length;
            _span[_used++] = (byte)'"';
        }

        /// <summary>A 64-bit integer as a JSON string ("123"), as OTLP/JSON writes them.</summary>
        public void QuotedNumber<T>(T value)
            where T : IUtf8SpanFormattable
        {
            Ensure(22);
            _span[_used++] = (byte)'"';
            value.TryFormat(_span[_used..], out var n, default, System.Globalization.CultureInfo.InvariantCulture);
            _used += n;
            _span[_used++] = (byte)'"';
        }

        /// <summary>An id as quoted lowercase hex: 16 digits per 64-bit half.</summary>
        public void Hex(ulong first, ulong? second = null)
        {
            Ensure(34);
            _span[_used++] = (byte)'"';
            Utf8Formatter.TryFormat(first, _span.Slice(_used, 16), out _, new StandardFormat('x', 16));
            _used += 16;
            if (second is { } lo)
            {
                Utf8Formatter.TryFormat(lo, _span.Slice(_used, 16), out _, new StandardFormat('x', 16));
                _used += 16;
            }
            _span[_used++] = (byte)'"';
        }

        public void Flush()
        {
            if (_used > 0) output.Advance(_used);
            _used = 0;
            _span = default;
        }

        private void Ensure(int bytes)
        {
            if (_span.Length - _used >= bytes) return;
            Flush();
            _span = output.GetSpan(Math.Max(bytes, Chunk));
        }
    }
}
