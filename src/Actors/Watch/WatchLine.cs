namespace KSpanActors.Watch;

/// <summary>One line of a watch stream: type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) and the object's bytes.</summary>
internal readonly record struct WatchLine(string Type, ReadOnlyMemory<byte> Object, string? ResourceVersion);
