using KSpanActors.Model;

namespace KSpanActors.Export.Summary;

/// <summary>Feeds a <see cref="LiveFleetSummary"/> (the <c>/summary</c> page of <c>watch</c> and <c>demo --follow</c>). Never fails.</summary>
internal sealed class LiveSummaryExporter(LiveFleetSummary summary) : ISpanExporter
{
    public string Name => "live-summary";

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        foreach (var trace in batch) summary.Add(trace);
        return Task.FromResult(ExportOutcome.Ok);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
