namespace KSpanActors.Tools.OtlpSink;

/// <summary>The --out file: lines appended under a lock and flushed per request, so a reader never sees half a request.</summary>
internal sealed class SpanFile(string path) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = false };
    private long _spans, _requests;

    public long Spans { get { lock (_gate) return _spans; } }

    public long Requests { get { lock (_gate) return _requests; } }

    public void Append(IEnumerable<string> lines)
    {
        lock (_gate)
        {
            foreach (var line in lines)
            {
                _writer.Write(line);
                _writer.Write('\n');
                _spans++;
            }

            _requests++;
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }
}
