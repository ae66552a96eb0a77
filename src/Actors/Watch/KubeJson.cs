using System.Text.Json;

namespace KSpanActors.Watch;

/// <summary>One page of a List: its items as slices of the page's bytes, its resourceVersion and continue token.</summary>
internal sealed record ListPage(List<ReadOnlyMemory<byte>> Items, string? ResourceVersion, string? Continue);

/// <summary>One line of a watch stream: type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) and the object's bytes.</summary>
internal readonly record struct WatchLine(string Type, ReadOnlyMemory<byte> Object, string? ResourceVersion);

/// <summary>Reads just what the watch loop needs from API responses, with Utf8JsonReader, without building trees.</summary>
internal static class KubeJson
{
    public static ListPage ParseList(ReadOnlyMemory<byte> json)
    {
        var items = new List<ReadOnlyMemory<byte>>();
        string? rv = null, cont = null;
        var reader = new Utf8JsonReader(json.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a List must be a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("items"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        items.Add(json.Slice(start, (int)reader.BytesConsumed - start));
                    }
                }
                else reader.Skip();
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                (rv, cont) = ReadListMeta(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new ListPage(items, rv, string.IsNullOrEmpty(cont) ? null : cont);
    }

    private static (string? Rv, string? Continue) ReadListMeta(ref Utf8JsonReader reader)
    {
        string? rv = null, cont = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (null, null);
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resourceVersion"u8)) { reader.Read(); rv = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; }
            else if (reader.ValueTextEquals("continue"u8)) { reader.Read(); cont = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; }
            else { reader.Read(); reader.Skip(); }
        }
        return (rv, cont);
    }

    /// <summary>Parses one watch line; throws <see cref="JsonException"/> when it is not one.</summary>
    public static WatchLine ParseWatchLine(ReadOnlyMemory<byte> line)
    {
        var reader = new Utf8JsonReader(line.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a watch event must be a JSON object");
        string? type = null;
        ReadOnlyMemory<byte> obj = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                obj = line.Slice(start, (int)reader.BytesConsumed - start);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("truncated watch event");
        if (type is null || obj.IsEmpty) throw new JsonException("a watch event needs a type and an object");
        return new WatchLine(type, obj, ObjectResourceVersion(obj.Span));
    }

    /// <summary>metadata.resourceVersion of an object, or null.</summary>
    public static string? ObjectResourceVersion(ReadOnlySpan<byte> obj)
    {
        var reader = new Utf8JsonReader(obj);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                return ReadListMeta(ref reader).Rv;
            }
            reader.Read();
            reader.Skip();
        }
        return null;
    }

    /// <summary>code, reason and message of a Status object (a watch ERROR event).</summary>
    public static (int Code, string? Reason, string? Message) ParseStatus(ReadOnlySpan<byte> obj)
    {
        var reader = new Utf8JsonReader(obj);
        int code = 0;
        string? reason = null, message = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (0, null, null);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("code"u8)) { reader.Read(); if (reader.TokenType == JsonTokenType.Number) code = reader.GetInt32(); }
            else if (reader.ValueTextEquals("reason"u8)) { reader.Read(); reason = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; }
            else if (reader.ValueTextEquals("message"u8)) { reader.Read(); message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null; }
            else { reader.Read(); reader.Skip(); }
        }
        return (code, reason, message);
    }
}

/// <summary>Splits a stream into '\n'-terminated lines (each returned as its own array); a last line without '\n' means the stream was cut.</summary>
internal sealed class LineReader(Stream stream, int maxLineBytes = 32 * 1024 * 1024)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next complete line (without '\n'), null at a clean end of stream; throws <see cref="IOException"/> when the stream ends mid-line.</summary>
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanFrom = _start;
        while (true)
        {
            var nl = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (nl >= 0)
            {
                var line = _buffer.AsSpan(_start, nl - _start).ToArray();
                _start = nl + 1;
                if (line.Length == 0 || (line.Length == 1 && line[0] == '\r')) { scanFrom = _start; continue; }
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
