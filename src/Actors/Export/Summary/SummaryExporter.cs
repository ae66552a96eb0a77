using KSpanActors.Model;

namespace KSpanActors.Export.Summary;

/// <summary>
/// Collects every span (late ones merged into their trace) and, when disposed at the end of a finite command, writes
/// the <see cref="FleetSummary"/> to its writer.
/// </summary>
internal sealed class SummaryExporter(TextWriter writer) : ISpanExporter
{
    private readonly Dictionary<TraceId, List<SpanRecord>> _traces = [];
    private readonly Lock _gate = new();
    private bool _written;

    public string Name => "summary";

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_written) return Task.FromResult(ExportOutcome.Permanent);
            foreach (var t in batch)
            {
                if (t.Spans.IsDefaultOrEmpty) continue;
                if (!_traces.TryGetValue(t.TraceId, out var spans)) _traces[t.TraceId] = spans = [];
                spans.AddRange(t.Spans);
            }
        }
        return Task.FromResult(ExportOutcome.Ok);
    }

    public async ValueTask DisposeAsync()
    {
        List<TraceSpans> traces;
        lock (_gate)
        {
            if (_written) return;
            _written = true;
            traces = [.. _traces.Select(t => new TraceSpans(t.Key, [.. t.Value]))];
        }
        foreach (var line in FleetSummary.Render(traces)) await writer.WriteLineAsync(line).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
    }
}
