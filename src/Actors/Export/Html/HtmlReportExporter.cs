using KSpanActors.Export.Waterfall;
using KSpanActors.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KSpanActors.Export.Html;

/// <summary>
/// Collects every trace (the spans of one trace that arrive in several batches, late spans included, merged) and
/// writes them as one self-contained HTML page (<see cref="HtmlReport"/>), replacing the file atomically: the page is
/// written to a temporary file beside it, then renamed over it, so a browser never reads half a report. An empty
/// report is written at construction, so a path that cannot be written fails at start-up.
/// </summary>
internal sealed class HtmlReportExporter : ISpanExporter
{
    private readonly HtmlReportOptions _options;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly Dictionary<TraceId, Dictionary<SpanId, SpanRecord>> _traces = [];
    private readonly Queue<TraceId> _arrival = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _rewriter;
    private TaskCompletionSource _rewritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;
    private long _writtenVersion;
    private long _droppedTraces;
    private long _droppedSpans;
    private bool _disposed;

    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public HtmlReportExporter(string path, HtmlReportOptions options, ILogger? log = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        _options = options;
        _log = log ?? NullLogger.Instance;
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        WriteFile([]);
        _rewriter = options.RewriteEvery is { } every ? RewriteLoopAsync(every, _stop.Token) : Task.CompletedTask;
    }

    public string Name => "html";

    public string Path { get; }

    public string? LastError { get; private set; }

    /// <summary>Completes after the next tick of a live report's rewrite loop (for tests).</summary>
    internal Task NextRewriteTick => Volatile.Read(ref _rewritten).Task;

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        if (batch is null || batch.Count == 0) return Task.FromResult(ExportOutcome.Ok);
        lock (_gate)
        {
            if (_disposed) return Task.FromResult(ExportOutcome.Permanent);
            foreach (var trace in batch)
            {
                if (trace is null || trace.Spans.IsDefault) continue;
                if (!_traces.TryGetValue(trace.TraceId, out var spans))
                {
                    _traces[trace.TraceId] = spans = [];
                    _arrival.Enqueue(trace.TraceId);
                }
                foreach (var span in trace.Spans) spans[span.SpanId] = span;
            }
            while (_traces.Count > _options.MaxTraces && _arrival.TryDequeue(out var oldest))
            {
                if (!_traces.Remove(oldest, out var gone)) continue;
                _droppedTraces++;
                _droppedSpans += gone.Count;
            }
            _version++;
        }
        return Task.FromResult(ExportOutcome.Ok);
    }

    /// <summary>Writes the report now with every trace held (atomically); false, logged, when the file cannot be written.</summary>
    internal async Task<bool> WriteNowAsync()
    {
        await _writing.WaitAsync().ConfigureAwait(false);
        try
        {
            List<TraceSpans> traces;
            long version;
            lock (_gate)
            {
                version = _version;
                traces = [.. _traces.Select(static t => new TraceSpans(t.Key, [.. t.Value.Values]))];
            }
            traces.Sort(WaterfallExporter.TraceOrder);
            try
            {
                WriteFile(traces);
                _writtenVersion = version;
                LastError = null;
                return true;
            }
            catch (Exception e)
            {
                // A disk that is full or gone, a directory removed; never an exception out of the exporter.
                LastError = $"{Path}: {e.Message}";
                _log.LogError("HTML report {Path} not written: {Error}", Path, e is IOException or UnauthorizedAccessException ? e.Message : e.ToString());
                return false;
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    private void WriteFile(IReadOnlyList<TraceSpans> traces)
    {
        var info = new HtmlReportInfo(_options.Source, _options.Time.GetUtcNow(), _options.RewriteEvery, _droppedTraces, _droppedSpans);
        var temporary = Path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
            {
                HtmlReport.Write(stream, traces, info);
            }
            File.Move(temporary, Path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private async Task RewriteLoopAsync(TimeSpan every, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(every, _options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (Interlocked.Read(ref _version) != _writtenVersion) await WriteNowAsync().ConfigureAwait(false);
                Interlocked.Exchange(ref _rewritten, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the last write follows.
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _rewriter.ConfigureAwait(false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (await WriteNowAsync().ConfigureAwait(false))
        {
            int traces;
            lock (_gate) traces = _traces.Count;
            _log.LogInformation("HTML report written to {Path} ({Traces}, {Size:N0} KB, {Elapsed:N0} ms)",
                Path, traces == 1 ? "1 trace" : $"{traces:N0} traces", new FileInfo(Path).Length / 1024, clock.ElapsedMilliseconds);
        }
        _stop.Dispose();
        _writing.Dispose();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind; the next write replaces it.
        }
    }
}
