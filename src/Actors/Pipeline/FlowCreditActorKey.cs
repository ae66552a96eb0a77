namespace KSpanActors.Pipeline;

/// <summary>Registry key of the node's <see cref="FlowCreditActor"/>.</summary>
internal sealed class FlowCreditActorKey;
