namespace KSpanActors.Pipeline;

/// <summary>No more facts will come (end of replay): an object whose owner is still unknown becomes a top-level object.</summary>
internal sealed record FinalizeObject(string EntityId) : IObjectMessage;
