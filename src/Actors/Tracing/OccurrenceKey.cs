namespace KSpanActors.Tracing;

/// <summary>One event occurrence: (event uid, count).</summary>
internal readonly record struct OccurrenceKey(string EventUid, long Count);
