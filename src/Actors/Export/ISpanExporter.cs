using KSpanActors.Model;

namespace KSpanActors.Export;

/// <summary>What became of one export (the OTLP specification's retry rules, for every exporter).</summary>
internal enum ExportOutcome
{
    /// <summary>The backend took the batch.</summary>
    Ok,

    /// <summary>It may take it later (unreachable, busy, timed out: gRPC Unavailable, HTTP 429/502/503/504): retried with backoff.</summary>
    Retryable,

    /// <summary>It never will (malformed, refused, unauthorised: gRPC InvalidArgument, HTTP 400/401/403/404): dropped and counted at once.</summary>
    Permanent,
}

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
