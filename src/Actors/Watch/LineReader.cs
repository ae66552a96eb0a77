namespace KSpanActors.Watch;

/// <summary>
/// Splits a stream into '\n'-terminated lines; a last line without '\n' means the stream was cut. A line is returned as
/// a view of the reader's buffer, valid until the next read: a watch loop decodes each event before it reads the next
/// one, so no line is copied (a copy per Event was the largest allocation of the watch path).
/// </summary>
internal sealed class LineReader(Stream stream, int maxLineBytes = 32 * 1024 * 1024)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Whether a complete line is read already (the next <see cref="ReadLineAsync"/> does not wait for the stream).</summary>
    public bool HasLine => Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start) >= 0;

    /// <summary>
    /// The next complete line (without '\n'), valid until the next call; null at a clean end of stream; throws
    /// <see cref="IOException"/> when the stream ends mid-line.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanFrom = _start;
        while (true)
        {
            var nl = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (nl >= 0)
            {
                var line = _buffer.AsMemory(_start, nl - _start);
                _start = nl + 1;
                if (line.Length == 0 || (line.Length == 1 && line.Span[0] == '\r')) { scanFrom = _start; continue; }
                return line;
            }
            scanFrom = _end;
            if (_end == _buffer.Length)
            {
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    scanFrom -= _start;
                    _end -= _start;
                    _start = 0;
                }
                else
                {
                    if (_buffer.Length >= maxLineBytes) throw new IOException($"a watch line is longer than {maxLineBytes} bytes");
                    Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxLineBytes));
                }
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end > _start) throw new IOException("the watch stream ended in the middle of an event");
                return null;
            }
            _end += read;
        }
    }
}
