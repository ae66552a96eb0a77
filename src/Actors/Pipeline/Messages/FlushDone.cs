namespace KSpanActors.Pipeline;

internal sealed class FlushDone
{
    public static readonly FlushDone Instance = new();
}
