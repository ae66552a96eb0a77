using System.Buffers;
using KSpanActors.Export;
using KSpanActors.Export.Otlp;
using KSpanActors.Model;

namespace KSpanActors.Bench;

/// <summary>
/// Encodes every batch to OTLP/JSON exactly as the file exporter does, into one reused buffer, and counts what it
/// wrote; nothing leaves the process, so the benchmark measures encoding but no I/O. The SpanEmitter calls it from
/// one task at a time, so the buffer needs no lock.
/// </summary>
internal sealed class CountingOtlpJsonExporter : ISpanExporter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private long _bytes;
    private long _spans;
    private long _batches;

    public string Name => "otlp-json-count";

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Spans => Interlocked.Read(ref _spans);

    public long Batches => Interlocked.Read(ref _batches);

    public Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
    {
        _buffer.ResetWrittenCount();
        OtlpJson.Write(_buffer, batch);
        var spans = 0;
        foreach (var t in batch) spans += t.Spans.Length;
        Interlocked.Add(ref _bytes, _buffer.WrittenCount + 1); // + '\n' of a JSON-lines file
        Interlocked.Add(ref _spans, spans);
        Interlocked.Increment(ref _batches);
        return Task.FromResult(ExportOutcome.Ok);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
