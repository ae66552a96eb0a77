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
