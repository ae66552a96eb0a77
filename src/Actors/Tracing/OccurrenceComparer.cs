using KSpanActors.Model;

namespace KSpanActors.Tracing;

/// <summary>
/// One event occurrence is (event uid, count): equality of <see cref="EventObserved"/> facts by that alone, for a family's
/// table of occurrences (a set of the facts themselves, 16 bytes an entry, instead of a map from a key to the fact,
/// 32: that table and its growth were a tenth of what the pipeline allocated, and much of what it kept alive).
/// </summary>
internal sealed class OccurrenceComparer : IEqualityComparer<EventObserved>
{
    public static OccurrenceComparer Instance { get; } = new();

    private OccurrenceComparer()
    {
    }

    public bool Equals(EventObserved? x, EventObserved? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Count == y.Count && x.Uid.Equals(y.Uid));

    /// <summary>Looked up for every Event a family absorbs: the uid's fast hash (<see cref="CompactUid.Hash64"/>).</summary>
    public int GetHashCode(EventObserved e) => OrdinalHash.Fold(e.Uid.Hash64 ^ (ulong)e.Count * 0x9E3779B97F4A7C15UL);
}
