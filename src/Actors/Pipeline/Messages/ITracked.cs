namespace KSpanActors.Pipeline;

/// <summary>Counted by <see cref="PipelineTracker"/> from send to processed, so a replay knows when all is quiet.</summary>
internal interface ITracked;
