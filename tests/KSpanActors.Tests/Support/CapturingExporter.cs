using System.Collections.Concurrent;
using KSpanActors.Export;
using KSpanActors.Model;

namespace KSpanActors.Tests.Support;

/// <summary>Keeps every span it is given; can be told to fail.</summary>
internal sealed class CapturingExporter : ISpanExporter
{
    private readonly ConcurrentQueue<SpanRecord> _spans = new();

    public string Name => "capture";

    public int FailuresLeft;

    public IReadOnlyList<SpanRecord> Spans => [.. _spans];

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref FailuresLeft) >= 0) return Task.FromResult(ExportOutcome.Retryable);
        foreach (var t in batch)
        {
            foreach (var s in t.Spans) _spans.Enqueue(s);
        }
        return Task.FromResult(ExportOutcome.Ok);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
