namespace KSpanActors.Pipeline;

/// <summary>Counted by <see cref="PipelineTracker"/> from send to processed, so a replay knows when all is quiet.</summary>
internal interface ITracked
{
    /// <summary>How many tracked messages this one stands for (a <see cref="FactBatch"/>: one per fact).</summary>
    int Weight => 1;
}
