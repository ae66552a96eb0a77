using System.Globalization;
using KSpanActors.Export;

namespace KSpanActors.Host;

/// <summary>The exporters a command asked for, each counted, so that the last line can say where the spans went.</summary>
internal sealed class ExportTargets
{
    public List<ISpanExporter> Exporters { get; } = [];

    public List<CountingExporter> Destinations { get; } = [];

    /// <summary>"19 drawn in the terminal, 19 written to spans.jsonl, 0 sent to http://collector:4317/"; or that they went nowhere.</summary>
    public string Describe() => Destinations.Count == 0
        ? "they went nowhere (--quiet, no --otlp-json, no OTEL_EXPORTER_OTLP_ENDPOINT)"
        : string.Join(", ", Destinations.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Spans:N0} {d.Where}")));

    internal void Add(ISpanExporter exporter, string where)
    {
        var counted = new CountingExporter(exporter, where);
        Exporters.Add(counted);
        Destinations.Add(counted);
    }
}
