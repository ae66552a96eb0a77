using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace KSpanActors.Ingest;

/// <summary>
/// A bounded, thread-safe cache of strings for the few values that repeat across millions of facts (kinds,
/// namespaces, reasons, reporters, field paths, managers...): equal values share one instance, and a value read from
/// UTF-8 JSON that is already cached costs no allocation at all. KubeDecoder reads every model string through it:
/// unique values (an Event's own uid, most messages) only pass through, values that recur stay while they recur.
/// </summary>
/// <remarks>
/// A fixed table of slots, two candidate slots per hash; a miss on two full slots overwrites the first, so memory
/// stays bounded whatever the input and a flood of distinct values only lowers the hit rate. Lock-free: a slot holds
/// an immutable string, read and written as one reference, and its hash beside it (a hash that does not match the
/// string only makes a miss), and every hit is compared in full. The hash is taken over the value's UTF-8 bytes, so a
/// plain ASCII JSON string (nearly all of them) is looked up from the reader's bytes as they are: hashed and compared
/// with the cached string, never decoded unless it is new.
/// </remarks>
internal sealed class StringInterner
{
    /// <summary>The longest value (in UTF-8 bytes, and in UTF-16 chars) worth caching; longer ones are returned as they are.</summary>
    public const int MaxLength = 128;

    /// <summary>Longest escaped JSON text looked up (a \uXXXX escape is 6 bytes for one char).</summary>
    private const int MaxEscapedLength = 6 * MaxLength;

    private readonly Slot[] _slots;
    private readonly int _mask;

    /// <summary>The process-wide cache KubeDecoder uses.</summary>
    public static StringInterner Shared { get; } = new(16_384);

    /// <param name="slots">Table size; rounded up to a power of two, at least 2.</param>
    public StringInterner(int slots)
    {
        var size = (int)Math.Max(2u, BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, slots)));
        _slots = new Slot[size];
        _mask = size - 1;
    }

    /// <summary>Slots in the table (an upper bound of the cached strings).</summary>
    public int Capacity => _slots.Length;

    /// <summary>The cached instance equal to <paramref name="value"/>, caching it when missing; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public string? Intern(string? value)
    {
        if (value is null || value.Length == 0 || value.Length > MaxLength) return value;
        return InternChars(value.AsSpan(), value);
    }

    /// <summary>The cached string equal to <paramref name="chars"/>, creating and caching it when missing.</summary>
    public string Intern(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return "";
        return chars.Length > MaxLength ? new string(chars) : InternChars(chars, null);
    }

    /// <summary>
    /// The current JSON string token (or property name) as a cached string: a cached value costs no allocation, and a
    /// plain ASCII one (no escapes) is not even decoded. The reader must be on a String or PropertyName token.
    /// </summary>
    public string InternString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw new JsonException($"expected a string, got {reader.TokenType}");
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var utf8 = reader.ValueSpan;
            if (utf8.Length > MaxLength) return reader.GetString()!;
            if (utf8.IsEmpty) return "";
            if (Ascii.IsValid(utf8))
            {
                var (slot, hash, hit) = Find(utf8, default);
                return hit ?? Store(slot, hash, Encoding.ASCII.GetString(utf8));
            }
        }

        // Escaped, not ASCII, or split across segments: decoded to UTF-16 first, as the serializer would, then looked up.
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxEscapedLength) return reader.GetString()!;
        Span<char> buffer = stackalloc char[MaxEscapedLength];
        var written = reader.CopyString(buffer);
        return Intern(buffer[..written]);
    }

    private string InternChars(ReadOnlySpan<char> chars, string? instance)
    {
        Span<byte> utf8 = stackalloc byte[3 * MaxLength];
        // Text that is not valid UTF-16 (a lone surrogate) has no UTF-8 form to hash: returned as it is, never cached.
        if (Utf8.FromUtf16(chars, utf8, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done
            || written > MaxLength)
        {
            return instance ?? new string(chars);
        }
        var (slot, hash, hit) = Find(utf8[..written], chars);
        return hit ?? Store(slot, hash, instance ?? new string(chars));
    }

    /// <summary>
    /// The cached value equal to the text (its UTF-8 bytes; the chars too when the caller has them, else the bytes are
    /// ASCII), else the slot to fill: two candidate slots per hash, an empty one first. A slot's value is compared only
    /// when its hash matches, so a miss does not touch the (likely cold) cached strings.
    /// </summary>
    private (int Slot, int Hash, string? Hit) Find(ReadOnlySpan<byte> utf8, ReadOnlySpan<char> chars)
    {
        var hash = Hash(utf8);
        var first = hash & _mask;
        var second = first ^ 1;
        var a = Volatile.Read(ref _slots[first].Value);
        if (a is not null && _slots[first].Hash == hash && Same(a, utf8, chars)) return (first, hash, a);
        var b = Volatile.Read(ref _slots[second].Value);
        if (b is not null && _slots[second].Hash == hash && Same(b, utf8, chars)) return (second, hash, b);
        return (a is null || b is not null ? first : second, hash, null);
    }

    /// <summary>
    /// A hash of the UTF-8 bytes, eight at a time (a multiply-rotate mix; HashCode.AddBytes, four bytes and a branchy
    /// round at a time, was a fifth of an Event's direct decoding). Not seeded: input built to collide only evicts
    /// values from the cache, which lowers its hit rate and nothing else.
    /// </summary>
    internal static int Hash(ReadOnlySpan<byte> utf8)
    {
        const ulong K = 0x9E3779B97F4A7C15;
        var h = (ulong)utf8.Length * K;
        var i = 0;
        for (; i + 8 <= utf8.Length; i += 8)
        {
            h = BitOperations.RotateLeft((h ^ BinaryPrimitives.ReadUInt64LittleEndian(utf8[i..])) * K, 31);
        }
        if (i < utf8.Length)
        {
            ulong tail = 0;
            for (var j = utf8.Length - 1; j >= i; j--) tail = (tail << 8) | utf8[j];
            h = BitOperations.RotateLeft((h ^ tail) * K, 31);
        }
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9;
        h ^= h >> 32;
        return (int)h;
    }

    private static bool Same(string cached, ReadOnlySpan<byte> utf8, ReadOnlySpan<char> chars) =>
        chars.IsEmpty ? Ascii.Equals(utf8, cached) : chars.SequenceEqual(cached);

    private string Store(int slot, int hash, string value)
    {
        // The hash, then the value: a reader that sees one without the other only misses (every hit is compared in full).
        _slots[slot].Hash = hash;
        Volatile.Write(ref _slots[slot].Value, value);
        return value;
    }

    /// <summary>A cached value and the hash of its UTF-8 bytes, side by side (the two candidate slots share a cache line).</summary>
    private struct Slot
    {
        public string? Value;
        public int Hash;
    }
}
