using System.Text;
using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>
/// Writes every trace of a batch as a waterfall (see <see cref="WaterfallRenderer"/>) to a text writer,
/// usually the terminal: what a user sees with no tracing backend. The writer is not owned.
/// </summary>
internal sealed class WaterfallExporter(TextWriter output, WaterfallOptions options) : ISpanExporter
{
    private readonly Lock _gate = new();

    public string Name => "waterfall";

    public Task<bool> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        if (batch is null || batch.Count == 0) return Task.FromResult(true);

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
            return Task.FromResult(true);
        }
        catch (Exception)
        {
            // The terminal went away (closed pipe, disposed writer): report it, never throw.
            return Task.FromResult(false);
        }
    }

    /// <summary>Colour only for the real console, not redirected, and with NO_COLOR unset (https://no-color.org).</summary>
    public static bool ShouldUseColor(TextWriter writer) =>
        ShouldUseColor(writer, Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR"));

    internal static bool ShouldUseColor(TextWriter writer, bool outputRedirected, string? noColor) =>
        ReferenceEquals(writer, Console.Out) && !outputRedirected && string.IsNullOrEmpty(noColor);

    public ValueTask DisposeAsync()
    {
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
