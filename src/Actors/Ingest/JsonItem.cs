namespace KSpanActors.Ingest;

/// <summary>One element of a List's <c>items</c>, as a slice of the List's bytes (no copy).</summary>
internal readonly record struct JsonItem(ReadOnlyMemory<byte> Json, string? Kind, string? ApiVersion, bool IsObject, bool HasUid);
