namespace KSpanActors.Model;

internal enum SpanStatus
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}
