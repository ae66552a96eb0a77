namespace KSpanActors.Pipeline;

/// <summary>Stops an idle entity (after it asked its shard to passivate it).</summary>
internal sealed class StopIdle
{
    public static readonly StopIdle Instance = new();
}
