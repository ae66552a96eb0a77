using System.Globalization;

namespace KSpanActors.Model;

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
