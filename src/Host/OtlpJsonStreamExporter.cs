using KSpanActors.Export;
using KSpanActors.Export.Otlp;
using KSpanActors.Model;

namespace KSpanActors.Host;

/// <summary>Writes OTLP/JSON lines to a writer it does not own (standard output for <c>--otlp-json -</c>; UTF-8, see Program).</summary>
internal sealed class OtlpJsonStreamExporter(TextWriter writer) : ISpanExporter
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Name => "otlp-json";

    public async Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return ExportOutcome.Ok;
        var line = OtlpJson.ToJson(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(line + "\n").ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            return ExportOutcome.Ok;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return ExportOutcome.Permanent; // the reader went away (closed pipe): it will not come back
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
