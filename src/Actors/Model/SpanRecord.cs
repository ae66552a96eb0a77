using System.Collections.Immutable;
using System.Globalization;

namespace KSpanActors.Model;

/// <summary>A 16-byte trace id.</summary>
internal readonly record struct TraceId(ulong Hi, ulong Lo)
{
    public string ToHex() => Hi.ToString("x16", CultureInfo.InvariantCulture) + Lo.ToString("x16", CultureInfo.InvariantCulture);

    public void WriteBytes(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, Hi);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Lo);
    }

    public override string ToString() => ToHex();
}

/// <summary>An 8-byte span id; 0 means none.</summary>
internal readonly record struct SpanId(ulong Value)
{
    public static readonly SpanId None;

    public bool IsNone => Value == 0;

    public string ToHex() => Value.ToString("x16", CultureInfo.InvariantCulture);

    public void WriteBytes(Span<byte> destination) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, Value);

    public override string ToString() => ToHex();
}

internal enum SpanStatus
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>The OTLP resource of a span: who reported it, in which cluster. Instances are shared.</summary>
internal sealed record SpanResource(string ServiceName, string? ServiceInstanceId, string ClusterName, string? ClusterUid);

/// <summary>A span attribute: a string or an integer value.</summary>
internal readonly record struct SpanAttribute(string Key, string? StringValue, long IntValue)
{
    public static SpanAttribute Of(string key, string value) => new(key, value, 0);

    public static SpanAttribute Of(string key, long value) => new(key, null, value);

    public bool IsString => StringValue is not null;
}

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
    ImmutableArray<SpanAttribute> Attributes)
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

/// <summary>Spans emitted together for one trace (a whole trace, or late spans of an exported one).</summary>
internal sealed record TraceSpans(TraceId TraceId, ImmutableArray<SpanRecord> Spans);
