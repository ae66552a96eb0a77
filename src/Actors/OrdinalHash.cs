using System.Runtime.InteropServices;

namespace KSpanActors;

/// <summary>
/// A fast 64-bit hash of a string's characters, for in-memory tables keyed by uids (object and event uids, assigned by
/// the API servers, not chosen by users): a multiplicative hash eight bytes at a time, several times cheaper than the
/// runtime's randomized string hash on a 36-character uid. Deterministic within and across processes; not for ids that
/// leave the process (those are <see cref="Tracing.StableHash"/>'s).
/// </summary>
internal static class OrdinalHash
{
    public static ulong Of(string? s)
    {
        if (s is null) return 0;
        var bytes = MemoryMarshal.AsBytes(s.AsSpan());
        var h = 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
        while (bytes.Length >= 8)
        {
            h = (h ^ MemoryMarshal.Read<ulong>(bytes)) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 32;
            bytes = bytes[8..];
        }
        ulong tail = 0;
        for (var i = 0; i < bytes.Length; i++) tail = (tail << 8) | bytes[i];
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        return h ^ (h >> 29);
    }

    /// <summary>The hash folded to 32 bits, for <see cref="object.GetHashCode"/>.</summary>
    public static int Fold(ulong h) => (int)(h ^ (h >> 32));
}
