using System.Text.Json;

namespace KSpanActors.Watch;

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
            if (reader.ValueTextEquals("resourceVersion"u8)) rv = NextString(ref reader);
            else if (reader.ValueTextEquals("continue"u8)) cont = NextString(ref reader);
            else { reader.Read(); reader.Skip(); }
        }
        return (rv, cont);
    }

    /// <summary>
    /// The API server's form of each watch line, type by type: Go's metav1.WatchEvent written by encoding/json, always
    /// <c>{"type":"&lt;TYPE&gt;","object":&lt;object&gt;}</c>, members in that order, no spaces.
    /// </summary>
    private static readonly (byte[] Prefix, string Type)[] ApiServerForms =
    [
        .. new[] { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR" }
            .Select(t => (System.Text.Encoding.UTF8.GetBytes($$"""{"type":"{{t}}","object":"""), t)),
    ];

    /// <summary>
    /// Parses one watch line; throws <see cref="JsonException"/> when it is not one. A line in the API server's own form
    /// (<see cref="ApiServerForms"/>, then the object and the closing brace) is taken by its frame, without reading the object
    /// twice: the decoder reads it whole and rejects what is not exactly one JSON object (a decode error, logged and
    /// counted). Any other form (spaces, members in another order or more of them) is read member by member.
    /// </summary>
    public static WatchLine ParseWatchLine(ReadOnlyMemory<byte> line) =>
        TryApiServerForm(line, out var framed) ? framed : ParseWatchLineMembers(line);

    private static bool TryApiServerForm(ReadOnlyMemory<byte> line, out WatchLine evt)
    {
        var span = line.Span;
        var end = span.Length;
        while (end > 0 && span[end - 1] is (byte)'\r' or (byte)' ' or (byte)'\t') end--;
        // The object's closing brace, then the event's.
        if (end >= 2 && span[end - 1] == '}' && span[end - 2] == '}')
        {
            foreach (var (prefix, type) in ApiServerForms)
            {
                if (end <= prefix.Length + 1 || !span.StartsWith(prefix)) continue;
                var obj = line[prefix.Length..(end - 1)];
                if (obj.Span[0] != '{') break;
                evt = new WatchLine(type, obj, ObjectResourceVersion(obj.Span));
                return true;
            }
        }
        evt = default;
        return false;
    }

    /// <summary>A watch line in any JSON form: the members read one by one, the object skipped over (so checked).</summary>
    internal static WatchLine ParseWatchLineMembers(ReadOnlyMemory<byte> line)
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
                return MetadataResourceVersion(ref reader);
            }
            reader.Read();
            reader.Skip();
        }
        return null;
    }

    /// <summary>resourceVersion of an object's metadata, read up to that member only (it comes early; managedFields, labels and annotations come later).</summary>
    private static string? MetadataResourceVersion(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resourceVersion"u8)) return NextString(ref reader);
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
            else if (reader.ValueTextEquals("reason"u8)) reason = NextString(ref reader);
            else if (reader.ValueTextEquals("message"u8)) message = NextString(ref reader);
            else { reader.Read(); reader.Skip(); }
        }
        return (code, reason, message);
    }

    /// <summary>The value after the member name the reader is on: a string, or null for any other JSON value (not read further).</summary>
    private static string? NextString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }
}
