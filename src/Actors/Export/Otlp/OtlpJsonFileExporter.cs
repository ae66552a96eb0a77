using KSpanActors.Model;

namespace KSpanActors.Export.Otlp;

/// <summary>
/// Writes each batch as one OTLP/JSON line (see <see cref="OtlpJson"/>) to a file, created or truncated at
/// construction and flushed after every batch, so <c>tools/check-trace-tree</c> or the Collector's
/// <c>otlpjsonfile</c> receiver can read it while we run.
/// </summary>
internal sealed class OtlpJsonFileExporter : ISpanExporter
{
    private readonly FileStream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    public OtlpJsonFileExporter(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        _stream = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, useAsync: true);
    }

    public string Name => "otlp-json";

    public string Path { get; }

    public async Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return ExportOutcome.Ok;
        var line = OtlpJson.ToLine(batch);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_disposed) return ExportOutcome.Retryable;
            await _stream.WriteAsync(line, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
            return ExportOutcome.Ok;
        }
        catch (IOException)
        {
            return ExportOutcome.Retryable;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed) return;
            _disposed = true;
            await _stream.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }
}
