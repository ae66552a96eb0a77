namespace KSpanActors.Pipeline;

/// <summary>Export what the object holds now (end of replay).</summary>
internal sealed record EmitObject(string EntityId) : IObjectMessage;
