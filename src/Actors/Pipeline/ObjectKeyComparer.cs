using System.Numerics;
using System.Runtime.InteropServices;

namespace KSpanActors.Pipeline;

/// <summary>
/// Equality of (cluster, uid) keys, hashed fast: the tables of <see cref="ObjectMemory"/> are looked up several times
/// per Event on the route, and the default hash of a value tuple of strings runs the randomized string hash over both
/// (about a fifth of the route's cost, measured). Uids are assigned by the API servers, not chosen by their users, so
/// a plain multiplicative hash over the characters, eight bytes at a time, is enough; equality stays ordinal.
/// </summary>
internal sealed class ObjectKeyComparer : IEqualityComparer<(string Cluster, string Uid)>
{
    public static readonly ObjectKeyComparer Instance = new();

    public bool Equals((string Cluster, string Uid) x, (string Cluster, string Uid) y) =>
        string.Equals(x.Uid, y.Uid, StringComparison.Ordinal) && string.Equals(x.Cluster, y.Cluster, StringComparison.Ordinal);

    public int GetHashCode((string Cluster, string Uid) key) => (int)Fold(Hash(key.Uid) ^ BitOperations.RotateLeft(Hash(key.Cluster), 29));

    private static ulong Hash(string? s)
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
        return (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
    }

    private static ulong Fold(ulong h) => h ^ (h >> 31) ^ (h >> 17);
}
