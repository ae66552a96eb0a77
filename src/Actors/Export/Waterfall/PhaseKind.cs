namespace KSpanActors.Export.Waterfall;

/// <summary>The kinds of phase the verdict knows (TRACE_MODEL.md, "Where the time went").</summary>
internal enum PhaseKind
{
    Scheduling,
    ImagePull,
    ContainerStart,
    CrashLooping,
    Controller,
    Termination,
}
