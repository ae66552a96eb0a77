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
