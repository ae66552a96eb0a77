namespace KSpanActors.Model;

/// <summary>A span attribute: a string or an integer value.</summary>
/// <remarks>
/// Two references (16 bytes), not a string and a long beside it (24): a span carries eight-odd attributes, made for
/// every Event, and this is the largest array of the hot path. An integer is held boxed; the small ones a span carries
/// (an Event's count, an object's generation) come from one shared table of boxes, so making them allocates nothing.
/// An Event's packed uid (<see cref="CompactUid"/>) is held as the occurrence it belongs to (nothing made: no 96-byte
/// string per span) and written out by the exporters from its 16 bytes.
/// </remarks>
internal readonly struct SpanAttribute : IEquatable<SpanAttribute>
{
    private const int CachedInts = 1024;
    private static readonly object[] Ints = CreateInts();

    private readonly object? _value;

    private SpanAttribute(string key, object? value)
    {
        Key = key;
        _value = value;
    }

    public string Key { get; }

    /// <summary>The value when it is a string, else null (made anew for a packed uid: exporters read it with <see cref="TryGetUid"/>).</summary>
    public string? StringValue => _value as string ?? (_value as EventObserved)?.EventUid;

    /// <summary>The value when it is an integer, else 0.</summary>
    public long IntValue => _value is long l ? l : 0;

    public bool IsString => _value is string or EventObserved;

    /// <summary>The value when it is a packed uid (a string value otherwise, <see cref="StringValue"/>).</summary>
    public bool TryGetUid(out CompactUid uid)
    {
        if (_value is EventObserved e)
        {
            uid = e.Uid;
            return true;
        }
        uid = default;
        return false;
    }

    public static SpanAttribute Of(string key, string value) => new(key, value);

    /// <summary>The uid of event <paramref name="e"/> (read from it when it is packed: nothing made).</summary>
    public static SpanAttribute OfEventUid(string key, EventObserved e) => e.Uid.IsPacked ? new(key, e) : new(key, e.EventUid);

    public static SpanAttribute Of(string key, long value) => new(key, value is >= 0 and < CachedInts ? Ints[value] : value);

    public bool Equals(SpanAttribute other) =>
        Key == other.Key && (IsString ? other.IsString && StringValue == other.StringValue : !other.IsString && IntValue == other.IntValue);

    public override bool Equals(object? obj) => obj is SpanAttribute other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Key, StringValue, IntValue);

    public static bool operator ==(SpanAttribute left, SpanAttribute right) => left.Equals(right);

    public static bool operator !=(SpanAttribute left, SpanAttribute right) => !left.Equals(right);

    public override string ToString() => $"{Key} = {StringValue ?? IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    private static object[] CreateInts()
    {
        var ints = new object[CachedInts];
        for (var i = 0; i < ints.Length; i++) ints[i] = (long)i;
        return ints;
    }
}
