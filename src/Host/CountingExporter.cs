using KSpanActors.Export;
using KSpanActors.Model;

namespace KSpanActors.Host;

/// <summary>Counts the spans an exporter took (the pipeline counts a span as exported once every exporter took it).</summary>
internal sealed class CountingExporter(ISpanExporter inner, string where) : ISpanExporter
{
    private long _spans;

    public string Name => inner.Name;

    /// <summary>What happened to the spans it took: "drawn in the terminal", "written to spans.jsonl"...</summary>
    public string Where => where;

    public long Spans => Interlocked.Read(ref _spans);

    public string? LastError => inner.LastError;

    public async Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        var outcome = await inner.ExportAsync(batch, cancellationToken).ConfigureAwait(false);
        if (outcome == ExportOutcome.Ok)
        {
            var n = 0;
            foreach (var t in batch) n += t.Spans.IsDefault ? 0 : t.Spans.Length;
            Interlocked.Add(ref _spans, n);
        }
        return outcome;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
