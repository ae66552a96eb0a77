using Microsoft.Extensions.Logging;

namespace KSpanActors.Export.Otlp;

internal static class OtlpExporterFactory
{
    /// <summary>The exporter for the settings' protocol. Call <see cref="OtlpSettings.Validate"/> first.</summary>
    public static ISpanExporter Create(OtlpSettings settings, ILoggerFactory loggerFactory) => settings.Protocol switch
    {
        OtlpProtocol.HttpProtobuf or OtlpProtocol.HttpJson => new OtlpHttpExporter(settings, loggerFactory.CreateLogger<OtlpHttpExporter>()),
        _ => new OtlpGrpcExporter(settings, loggerFactory.CreateLogger<OtlpGrpcExporter>()),
    };
}
