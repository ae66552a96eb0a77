namespace KSpanActors.Tracing;

/// <summary>One event occurrence: (event uid, count).</summary>
internal readonly record struct OccurrenceKey(string EventUid, long Count)
{
    public bool Equals(OccurrenceKey other) => Count == other.Count && string.Equals(EventUid, other.EventUid, StringComparison.Ordinal);

    /// <summary>A family's table of occurrences is looked up for every Event it absorbs: the uid's fast hash (<see cref="OrdinalHash"/>).</summary>
    public override int GetHashCode() => OrdinalHash.Fold(OrdinalHash.Of(EventUid) ^ (ulong)Count * 0x9E3779B97F4A7C15UL);
}
