namespace KSpanActors.Tracing;

/// <summary>What a controller event says it did to another object.</summary>
internal enum ActionDirection
{
    Up,
    Down,
}
