namespace KSpanActors.Ingest;

/// <summary>Stands for a checked and dropped value; never instantiated.</summary>
internal sealed class Shape
{
    private Shape()
    {
    }
}
