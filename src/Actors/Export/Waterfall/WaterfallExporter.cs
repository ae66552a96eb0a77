using System.Text;
using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>
/// Writes every trace of a batch as a waterfall (see <see cref="WaterfallRenderer"/>) to a text writer,
/// usually the terminal: what a user sees with no tracing backend. The writer is not owned. With
/// <see cref="WaterfallOptions.SortAtEnd"/> the traces are held (the spans of one trace that came in several batches
/// merged) and drawn when the exporter is disposed, in <see cref="TraceOrder"/>.
/// </summary>
internal sealed class WaterfallExporter(TextWriter output, WaterfallOptions options) : ISpanExporter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TraceId, Dictionary<SpanId, SpanRecord>> _held = [];
    private bool _disposed;

    public string Name => "waterfall";

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        if (batch is null || batch.Count == 0) return Task.FromResult(ExportOutcome.Ok);
        if (options.SortAtEnd)
        {
            lock (_gate)
            {
                if (_disposed) return Task.FromResult(ExportOutcome.Retryable);
                foreach (var trace in batch)
                {
                    if (trace is null || trace.Spans.IsDefault) continue;
                    if (!_held.TryGetValue(trace.TraceId, out var spans)) _held[trace.TraceId] = spans = [];
                    foreach (var span in trace.Spans) spans[span.SpanId] = span;
                }
            }
            return Task.FromResult(ExportOutcome.Ok);
        }
        return Task.FromResult(Write(batch) ? ExportOutcome.Ok : ExportOutcome.Retryable);
    }

    /// <summary>
    /// Traces by the start of their root (of their earliest span when the root is not among them); at the same start,
    /// the one whose first span after the root started first; then by trace id (deterministic, derived from cluster,
    /// uid and generation), never by name.
    /// </summary>
    public static readonly IComparer<TraceSpans> TraceOrder = Comparer<TraceSpans>.Create(static (a, b) =>
    {
        var c = Start(a).CompareTo(Start(b));
        if (c != 0) return c;
        c = FirstChildStart(a).CompareTo(FirstChildStart(b));
        if (c != 0) return c;
        c = a.TraceId.Hi.CompareTo(b.TraceId.Hi);
        return c != 0 ? c : a.TraceId.Lo.CompareTo(b.TraceId.Lo);
    });

    private static long Start(TraceSpans t) =>
        TraceShape.SpansOf(t) is { Count: > 0 } spans ? (TraceShape.FindRoot(spans)?.StartNs ?? spans.Min(static s => s.StartNs)) : long.MaxValue;

    private static long FirstChildStart(TraceSpans t)
    {
        var min = long.MaxValue;
        foreach (var s in TraceShape.SpansOf(t))
        {
            if (!s.IsRoot && s.StartNs < min) min = s.StartNs;
        }
        return min;
    }

    private bool Write(IReadOnlyList<TraceSpans> batch)
    {
        var text = new StringBuilder();
        foreach (var trace in batch)
        {
            if (trace is null) continue;
            try
            {
                foreach (var line in WaterfallRenderer.Render(trace, options)) text.Append(line).Append(output.NewLine);
            }
            catch (Exception ex)
            {
                text.Append($"trace {trace.TraceId.ToHex()}: {trace.Spans.Length} span(s) not drawn ({ex.GetType().Name}: {ex.Message})")
                    .Append(output.NewLine);
            }
            text.Append(output.NewLine);
        }

        try
        {
            lock (_gate)
            {
                output.Write(text.ToString());
                output.Flush();
            }
            return true;
        }
        catch (Exception)
        {
            // The terminal went away (closed pipe, disposed writer): report it, never throw.
            return false;
        }
    }

    /// <summary>Colour only for the real console, not redirected, and with NO_COLOR unset (https://no-color.org).</summary>
    public static bool ShouldUseColor(TextWriter writer) =>
        ShouldUseColor(writer, Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR"));

    internal static bool ShouldUseColor(TextWriter writer, bool outputRedirected, string? noColor) =>
        ReferenceEquals(writer, Console.Out) && !outputRedirected && string.IsNullOrEmpty(noColor);

    public ValueTask DisposeAsync()
    {
        List<TraceSpans> held;
        lock (_gate)
        {
            if (_disposed) return ValueTask.CompletedTask;
            _disposed = true;
            held = [.. _held.Select(static t => new TraceSpans(t.Key, [.. t.Value.Values]))];
            _held.Clear();
        }
        if (held.Count > 0)
        {
            held.Sort(TraceOrder);
            Write(held);
        }
        try
        {
            lock (_gate) output.Flush();
        }
        catch (Exception)
        {
            // Nothing left to report to.
        }
        return ValueTask.CompletedTask;
    }
}
