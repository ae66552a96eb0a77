using KSpanActors.Otlp.Proto.Collector;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Export.Otlp;

internal static class OtlpExportLog
{
    /// <summary>Logs a partial success (spans the backend rejected); the batch still counts as delivered.</summary>
    public static void PartialSuccess(ILogger logger, string endpoint, ExportTracePartialSuccess? partial)
    {
        if (partial is null) return;
        if (partial.RejectedSpans > 0)
        {
            logger.LogWarning("OTLP endpoint {Endpoint} rejected {RejectedSpans} spans: {ErrorMessage}", endpoint, partial.RejectedSpans, partial.ErrorMessage);
        }
        else if (!string.IsNullOrEmpty(partial.ErrorMessage))
        {
            logger.LogInformation("OTLP endpoint {Endpoint} accepted the batch with a warning: {ErrorMessage}", endpoint, partial.ErrorMessage);
        }
    }
}
