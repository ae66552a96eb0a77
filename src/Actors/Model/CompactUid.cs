using System.Runtime.CompilerServices;

namespace KSpanActors.Model;

/// <summary>
/// An Event's uid as a fact holds it: a canonical UUID (36 characters, lower-case hex, hyphens at 8, 13, 18 and 23, as
/// API servers assign them) as its 16 bytes, anything else as the string it was.
/// </summary>
/// <remarks>
/// Every Event brings a uid of its own, so its string (96 bytes, one object) was a tenth of what the pipeline allocated
/// and, for the facts a family holds, much of what its collections kept alive. The text is the same either way: written
/// out, hashed into ids and compared, a packed uid gives exactly the characters it was read from, so ids and the order
/// of ties do not change. A canonical uid always packs, so a packed uid never equals a string one.
/// </remarks>
internal readonly struct CompactUid : IEquatable<CompactUid>
{
    /// <summary>Characters of a canonical UUID.</summary>
    public const int CanonicalLength = 36;

    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly string? _text;

    private CompactUid(ulong hi, ulong lo)
    {
        _hi = hi;
        _lo = lo;
        _text = null;
    }

    private CompactUid(string text)
    {
        _hi = _lo = 0;
        _text = text;
    }

    /// <summary>Held as 16 bytes (a canonical UUID), not as a string.</summary>
    public bool IsPacked => _text is null;

    /// <summary>Lower-case hex digits by value.</summary>
    internal static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>The 32 hex digits of a packed uid, first to last: 16 in each word, the first in the top nibble.</summary>
    internal bool TryGetPacked(out ulong hi, out ulong lo)
    {
        hi = _hi;
        lo = _lo;
        return _text is null;
    }

    public static CompactUid Of(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        return TryPack(uid.AsSpan(), out var hi, out var lo) ? new CompactUid(hi, lo) : new CompactUid(uid);
    }

    /// <summary>A canonical UUID from its UTF-8 text (a JSON string's bytes, no escapes), no string made; false for anything else.</summary>
    public static bool TryPack(ReadOnlySpan<byte> utf8, out CompactUid uid)
    {
        var packed = TryPack(utf8, out var hi, out var lo);
        uid = packed ? new CompactUid(hi, lo) : default;
        return packed;
    }

    /// <summary>The uid's characters (a new string for a packed uid).</summary>
    public override string ToString() => _text ?? string.Create(CanonicalLength, this, static (chars, uid) => uid.FormatPacked(chars));

    /// <summary>
    /// The uid's characters in <paramref name="buffer"/> (at least <see cref="CanonicalLength"/> long) when packed, else
    /// its string's: no allocation either way.
    /// </summary>
    public ReadOnlySpan<char> Chars(Span<char> buffer)
    {
        if (_text is not null) return _text;
        FormatPacked(buffer);
        return buffer[..CanonicalLength];
    }

    /// <summary>A 64-bit hash for in-memory tables (<see cref="OrdinalHash"/> of the string when not packed).</summary>
    public ulong Hash64
    {
        get
        {
            if (_text is not null) return OrdinalHash.Of(_text);
            var h = (_hi ^ 0x9E3779B97F4A7C15UL) * 0xFF51AFD7ED558CCDUL;
            h = (h ^ (h >> 32) ^ _lo) * 0xC4CEB9FE1A85EC53UL;
            return h ^ (h >> 29);
        }
    }

    public bool Equals(CompactUid other) =>
        _text is null ? other._text is null && _hi == other._hi && _lo == other._lo : string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is CompactUid other && Equals(other);

    public override int GetHashCode() => OrdinalHash.Fold(Hash64);

    public static bool operator ==(CompactUid left, CompactUid right) => left.Equals(right);

    public static bool operator !=(CompactUid left, CompactUid right) => !left.Equals(right);

    /// <summary>Ordinal comparison of the uids' characters (as <see cref="string.CompareOrdinal(string, string)"/>).</summary>
    public static int CompareOrdinal(CompactUid a, CompactUid b)
    {
        if (a._text is null && b._text is null)
        {
            // Hex digits in the order they are written, '0'-'9' before 'a'-'f' as in their values; hyphens in the same
            // places: the numbers compare as the text does.
            var c = a._hi.CompareTo(b._hi);
            return c != 0 ? c : a._lo.CompareTo(b._lo);
        }
        Span<char> x = stackalloc char[CanonicalLength];
        Span<char> y = stackalloc char[CanonicalLength];
        return a.Chars(x).SequenceCompareTo(b.Chars(y));
    }

    private void FormatPacked(Span<char> chars)
    {
        chars = chars[..CanonicalLength];
        var digits = HexDigits;
        var c = 0;
        for (var i = 0; i < 32; i++)
        {
            if (i is 8 or 12 or 16 or 20) chars[c++] = '-';
            var word = i < 16 ? _hi : _lo;
            chars[c++] = (char)digits[(int)(word >> (60 - 4 * (i & 15))) & 0xF];
        }
    }

    private static bool TryPack<T>(ReadOnlySpan<T> text, out ulong hi, out ulong lo)
        where T : unmanaged
    {
        hi = lo = 0;
        if (text.Length != CanonicalLength) return false;
        var digits = 0;
        for (var i = 0; i < CanonicalLength; i++)
        {
            var ch = Code(text[i]);
            if (i is 8 or 13 or 18 or 23)
            {
                if (ch != '-') return false;
                continue;
            }
            int v;
            if (ch is >= '0' and <= '9') v = ch - '0';
            else if (ch is >= 'a' and <= 'f') v = ch - 'a' + 10;
            else return false;
            if (digits++ < 16) hi = (hi << 4) | (uint)v;
            else lo = (lo << 4) | (uint)v;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Code<T>(T unit)
        where T : unmanaged =>
        typeof(T) == typeof(char) ? Unsafe.As<T, char>(ref unit) : Unsafe.As<T, byte>(ref unit);
}
