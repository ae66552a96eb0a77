using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// The process's own telemetry (how long a list took, an export...), as opposed to the Kubernetes spans we build.
/// These go through the OpenTelemetry SDK and its own OTLP exporter, configured by the standard OTEL_* variables.
/// </summary>
internal static class SelfTelemetry
{
    public const string SourceName = "KSpanActors";
    public const string DefaultServiceName = "kspan-actors";

    public static readonly ActivitySource Source = new(SourceName, OtlpRequestBuilder.ScopeVersion);

    /// <summary>
    /// A tracer provider exporting <see cref="Source"/>'s spans when an OTLP endpoint is configured
    /// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), else null. Dispose it at shutdown to flush.
    /// Service name: OTEL_SERVICE_NAME, default "kspan-actors".
    /// </summary>
    public static IDisposable? StartFromEnvironment()
    {
        if (OtlpSettings.FromEnvironment() is null) return null;
        var serviceName = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME");
        if (string.IsNullOrWhiteSpace(serviceName)) serviceName = DefaultServiceName;
        return Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddService(serviceName))
            .AddSource(SourceName)
            .AddOtlpExporter()
            .Build();
    }
}
