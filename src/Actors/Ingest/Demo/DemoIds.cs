using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace KSpanActors.Ingest.Demo;

/// <summary>
/// Stable identifiers for generated objects: every uid, name suffix and jitter seed is a pure function of a key string.
/// SHA-256 is used only as a stable hash (string.GetHashCode is randomized per process).
/// </summary>
internal static class DemoIds
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>A UUID (version 4 layout, like the API server's) derived from <paramref name="key"/>.</summary>
    public static string Uid(string key)
    {
        Span<byte> h = stackalloc byte[32];
        Hash(key, h);
        return FormatUuid(h);
    }

    /// <summary>An event's uid and the 16-hex-digit suffix of its name, from one hash.</summary>
    public static (string Uid, string NameSuffix) EventIds(string key)
    {
        Span<byte> h = stackalloc byte[32];
        Hash(key, h);
        return (FormatUuid(h), Convert.ToHexStringLower(h.Slice(16, 8)));
    }

    /// <summary>A suffix such as a pod-template-hash (10) or a pod name suffix (5), in the API server's alphabet.</summary>
    public static string Suffix(string key, int length)
    {
        Span<byte> h = stackalloc byte[32];
        Hash(key, h);
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++) chars[i] = NameAlphabet[h[i % 32] % NameAlphabet.Length];
        return new string(chars);
    }

    /// <summary>A 64-bit seed for jitter.</summary>
    public static ulong Seed(string key)
    {
        Span<byte> h = stackalloc byte[32];
        Hash(key, h);
        return BitConverter.ToUInt64(h);
    }

    private static void Hash(string key, Span<byte> destination)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = max <= 512 ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(key, buffer);
            SHA256.HashData(buffer[..n], destination);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string FormatUuid(Span<byte> h)
    {
        h[6] = (byte)((h[6] & 0x0F) | 0x40);
        h[8] = (byte)((h[8] & 0x3F) | 0x80);
        Span<char> hex = stackalloc char[32];
        Convert.TryToHexStringLower(h[..16], hex, out _);
        Span<char> uuid = stackalloc char[36];
        hex[..8].CopyTo(uuid);
        uuid[8] = '-';
        hex.Slice(8, 4).CopyTo(uuid[9..]);
        uuid[13] = '-';
        hex.Slice(12, 4).CopyTo(uuid[14..]);
        uuid[18] = '-';
        hex.Slice(16, 4).CopyTo(uuid[19..]);
        uuid[23] = '-';
        hex[20..].CopyTo(uuid[24..]);
        return new string(uuid);
    }
}
