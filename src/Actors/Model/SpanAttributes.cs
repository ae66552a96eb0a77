using System.Collections;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace KSpanActors.Model;

/// <summary>
/// A span's attributes: an array (a root, anything built attribute by attribute), or the Event occurrence an event span
/// was made from, whose attributes are read from it as they are enumerated. An event span is most of what the pipeline
/// exports, and its attributes say nothing the occurrence does not: an array of them per span was an eighth of what the
/// pipeline allocated, kept until the span was exported. Read-only either way; equal when they hold the same attributes
/// in the same order.
/// </summary>
[CollectionBuilder(typeof(SpanAttributes), nameof(Create))]
internal readonly struct SpanAttributes : IReadOnlyList<SpanAttribute>, IEquatable<SpanAttributes>
{
    private readonly ImmutableArray<SpanAttribute> _array;
    private readonly EventObserved? _event;

    private SpanAttributes(ImmutableArray<SpanAttribute> array, EventObserved? occurrence)
    {
        _array = array;
        _event = occurrence;
    }

    /// <summary>The attributes of an event span made from <paramref name="occurrence"/> (<see cref="Tracing.SpanFactory.EventSpan"/>).</summary>
    public static SpanAttributes Of(EventObserved occurrence) => new(default, occurrence);

    public static SpanAttributes Create(ReadOnlySpan<SpanAttribute> items) => new([.. items], null);

    public static implicit operator SpanAttributes(ImmutableArray<SpanAttribute> array) => new(array, null);

    /// <summary>No attributes (also the default value).</summary>
    public bool IsDefaultOrEmpty => _event is null && _array.IsDefaultOrEmpty;

    public int Count
    {
        get
        {
            if (_event is null) return _array.IsDefault ? 0 : _array.Length;
            var n = 0;
            foreach (var _ in this) n++;
            return n;
        }
    }

    public SpanAttribute this[int index]
    {
        get
        {
            if (_event is null) return _array[index];
            var i = 0;
            foreach (var a in this)
            {
                if (i++ == index) return a;
            }
            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    /// <summary>These attributes and one more, as an array.</summary>
    public SpanAttributes Add(SpanAttribute attribute) => new([.. this, attribute], null);

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<SpanAttribute> IEnumerable<SpanAttribute>.GetEnumerator()
    {
        foreach (var a in this) yield return a;
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<SpanAttribute>)this).GetEnumerator();

    public bool Equals(SpanAttributes other)
    {
        if (ReferenceEquals(_event, other._event) && _array == other._array) return true;
        var a = GetEnumerator();
        var b = other.GetEnumerator();
        while (true)
        {
            var more = a.MoveNext();
            if (more != b.MoveNext()) return false;
            if (!more) return true;
            if (!a.Current.Equals(b.Current)) return false;
        }
    }

    public override bool Equals(object? obj) => obj is SpanAttributes other && Equals(other);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var a in this) h.Add(a);
        return h.ToHashCode();
    }

    public static bool operator ==(SpanAttributes left, SpanAttributes right) => left.Equals(right);

    public static bool operator !=(SpanAttributes left, SpanAttributes right) => !left.Equals(right);

    public override string ToString() => $"[{string.Join(", ", this)}]";

    /// <summary>Enumerates without allocating: the array's items, or the occurrence's attributes one step at a time.</summary>
    public struct Enumerator
    {
        private readonly ImmutableArray<SpanAttribute> _array;
        private readonly EventObserved? _event;
        private int _step;
        private SpanAttribute _current;

        internal Enumerator(SpanAttributes attributes)
        {
            _array = attributes._array;
            _event = attributes._event;
            _step = -1;
            _current = default;
        }

        public readonly SpanAttribute Current => _current;

        public bool MoveNext()
        {
            if (_event is not null) return Tracing.SpanFactory.NextEventAttribute(_event, ref _step, out _current);
            if (_array.IsDefault || ++_step >= _array.Length) return false;
            _current = _array[_step];
            return true;
        }
    }
}
