namespace KSpanActors.Tracing;

/// <summary>Identity of an object as events and owner references name it.</summary>
internal readonly record struct ObjectRef(string Kind, string Namespace, string Name);
