using KSpanActors.Export;
using KSpanActors.Export.Otlp;
using KSpanActors.Export.Waterfall;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Host;

/// <summary>Builds the exporters a command asked for. A configuration error is returned as one message naming the setting.</summary>
internal static class Exporters
{
    public static (List<ISpanExporter> Exporters, string? Error) Build(FileInfo? otlpJson, bool quiet, ILoggerFactory loggers)
    {
        var list = new List<ISpanExporter>();
        if (!quiet)
        {
            var width = Console.IsOutputRedirected ? 120 : Math.Clamp(SafeWindowWidth(), 80, 200);
            list.Add(new WaterfallExporter(Console.Out, new WaterfallOptions { Color = WaterfallExporter.ShouldUseColor(Console.Out), Width = width }));
        }
        if (otlpJson is not null)
        {
            try
            {
                otlpJson.Directory?.Create();
                list.Add(new OtlpJsonFileExporter(otlpJson.FullName));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (list, $"--otlp-json {otlpJson.FullName}: cannot write the file ({e.Message})");
            }
        }
        var otlp = OtlpSettings.FromEnvironment();
        if (otlp is not null)
        {
            if (otlp.Validate() is { } error) return (list, error);
            list.Add(OtlpExporterFactory.Create(otlp, loggers));
            loggers.CreateLogger("KSpanActors.Export").LogInformation("Exporting OTLP ({Protocol}) to {Endpoint}", otlp.Protocol, otlp.TracesUri);
        }
        return (list, null);
    }

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
