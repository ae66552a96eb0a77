namespace KSpanActors.Pipeline;

/// <summary>No more facts will come: resolve the events still waiting for an object.</summary>
internal sealed record FinalizeName(string EntityId) : INameMessage;
