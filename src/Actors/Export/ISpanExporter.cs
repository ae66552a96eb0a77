using KSpanActors.Model;

namespace KSpanActors.Export;

/// <summary>
/// A sink for finished spans. The SpanEmitter calls one exporter from one task at a time, with batches
/// that never split a <see cref="TraceSpans"/> group. An exporter reports failure through its
/// <see cref="ExportOutcome"/> (a retryable one is retried with backoff, a permanent one dropped) and must not throw
/// for a transport error.
/// </summary>
internal interface ISpanExporter : IAsyncDisposable
{
    string Name { get; }

    Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Why the last export failed, in a few words naming the endpoint ("http://collector:4317/ unreachable
    /// (Unavailable)"); null after a success or when unknown. Said once spans are dropped, in the final summary.
    /// </summary>
    string? LastError => null;
}
