namespace KSpanActors.Export.Waterfall;

/// <summary>The kinds of phase the verdict knows (docs/trace-model.md, "Where the time went").</summary>
internal enum PhaseKind
{
    Scheduling,
    ImagePull,
    ContainerStart,
    CrashLooping,
    Controller,
    Termination,
}
