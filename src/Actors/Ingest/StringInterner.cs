using System.Buffers;
using System.Diagnostics.CodeAnalysis;
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
/// an immutable string and is read and written as one reference, and every hit is compared in full. The hash is taken
/// over the value's UTF-8 bytes, so a plain ASCII JSON string (nearly all of them) is looked up from the reader's bytes
/// as they are: hashed and compared with the cached string, never decoded unless it is new.
/// </remarks>
internal sealed class StringInterner
{
    /// <summary>The longest value (in UTF-8 bytes, and in UTF-16 chars) worth caching; longer ones are returned as they are.</summary>
    public const int MaxLength = 128;

    /// <summary>Longest escaped JSON text looked up (a \uXXXX escape is 6 bytes for one char).</summary>
    private const int MaxEscapedLength = 6 * MaxLength;

    private readonly string?[] _slots;
    private readonly int _mask;

    /// <summary>The process-wide cache KubeDecoder uses.</summary>
    public static StringInterner Shared { get; } = new(16_384);

    /// <param name="slots">Table size; rounded up to a power of two, at least 2.</param>
    public StringInterner(int slots)
    {
        var size = (int)Math.Max(2u, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, slots)));
        _slots = new string?[size];
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
                var (slot, hit) = Find(utf8, default);
                return hit ?? Store(slot, Encoding.ASCII.GetString(utf8));
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
        var (slot, hit) = Find(utf8[..written], chars);
        return hit ?? Store(slot, instance ?? new string(chars));
    }

    /// <summary>
    /// The cached value equal to the text (its UTF-8 bytes; the chars too when the caller has them, else the bytes are
    /// ASCII), else the slot to fill: two candidate slots per hash, an empty one first.
    /// </summary>
    private (int Slot, string? Hit) Find(ReadOnlySpan<byte> utf8, ReadOnlySpan<char> chars)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var first = hash.ToHashCode() & _mask;
        var second = first ^ 1;
        var a = Volatile.Read(ref _slots[first]);
        if (a is not null && Same(a, utf8, chars)) return (first, a);
        var b = Volatile.Read(ref _slots[second]);
        if (b is not null && Same(b, utf8, chars)) return (second, b);
        return (a is null || b is not null ? first : second, null);
    }

    private static bool Same(string cached, ReadOnlySpan<byte> utf8, ReadOnlySpan<char> chars) =>
        chars.IsEmpty ? Ascii.Equals(utf8, cached) : chars.SequenceEqual(cached);

    private string Store(int slot, string value)
    {
        Volatile.Write(ref _slots[slot], value);
        return value;
    }
}
