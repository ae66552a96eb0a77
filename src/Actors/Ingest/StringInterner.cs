using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

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
/// an immutable string and is read and written as one reference, and every hit is compared in full.
/// </remarks>
internal sealed class StringInterner
{
    /// <summary>The longest value (in UTF-16 chars) worth caching; longer ones are returned as they are.</summary>
    public const int MaxLength = 128;

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
        return Lookup(value.AsSpan(), value);
    }

    /// <summary>The cached string equal to <paramref name="chars"/>, creating and caching it when missing.</summary>
    public string Intern(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return "";
        return chars.Length > MaxLength ? new string(chars) : Lookup(chars, null);
    }

    /// <summary>
    /// The current JSON string token as a cached string: decoded (escapes included) without allocating when the value
    /// is cached. The reader must be on a String token.
    /// </summary>
    public string InternString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a string, got {reader.TokenType}");
        }

        // UTF-8 and escaped forms are never shorter (in units) than the UTF-16 text they decode to.
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxLength) return reader.GetString()!;
        Span<char> buffer = stackalloc char[MaxLength];
        var written = reader.CopyString(buffer);
        return Intern(buffer[..written]);
    }

    private string Lookup(ReadOnlySpan<char> chars, string? instance)
    {
        var hash = string.GetHashCode(chars, StringComparison.Ordinal);
        var first = hash & _mask;
        var second = first ^ 1;
        var a = Volatile.Read(ref _slots[first]);
        if (a is not null && chars.SequenceEqual(a)) return a;
        var b = Volatile.Read(ref _slots[second]);
        if (b is not null && chars.SequenceEqual(b)) return b;

        var created = instance ?? new string(chars);
        Volatile.Write(ref _slots[a is null || b is not null ? first : second], created);
        return created;
    }
}
