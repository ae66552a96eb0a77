using System.Text.Json;

namespace KSpanActors.Ingest;

/// <summary>
/// The top-level shape of a JSON document, found in one pass of <see cref="Utf8JsonReader"/> without building a tree:
/// the root's token type, its top-level <c>kind</c> and <c>apiVersion</c>, and, when it has an <c>items</c> array,
/// each item's bytes, kind and apiVersion. A syntax error stops the scan; what was read before it is kept.
/// </summary>
internal sealed class JsonShape
{
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip };

    public JsonTokenType Root { get; private set; } = JsonTokenType.None;

    public string? Kind { get; private set; }

    public string? ApiVersion { get; private set; }

    /// <summary>The <c>items</c> array's elements, null when the root has no <c>items</c> array.</summary>
    public List<JsonItem>? Items { get; private set; }

    /// <summary>The root object has a <c>metadata</c> object with a <c>uid</c> string (what every object served by the API has).</summary>
    public bool HasUid { get; private set; }

    /// <summary>The syntax error that stopped the scan, null when the whole document is well formed.</summary>
    public string? Error { get; private set; }

    public static JsonShape Scan(ReadOnlyMemory<byte> json)
    {
        var shape = new JsonShape();
        var reader = new Utf8JsonReader(json.Span, Options);
        string? kind = null;
        string? apiVersion = null;
        List<JsonItem>? items = null;
        var hasUid = false;
        try
        {
            if (!reader.Read())
            {
                shape.Error = "empty document";
                return shape;
            }

            shape.Root = reader.TokenType;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ScanObject(ref reader, json, ref kind, ref apiVersion, ref items, ref hasUid, root: true);
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                // A bare array of objects (troubleshoot writes custom resources so): its elements are read as a List's items.
                items = [];
                ScanItems(ref reader, json, items);
            }
            else
            {
                reader.Skip();
            }

            if (reader.Read()) shape.Error = "more than one JSON value";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) // invalid UTF-8 in a string surfaces as the latter
        {
            shape.Error = TextLine.Of(e.Message);
        }

        // After a syntax error this keeps what was read before it: the items up to the broken one.
        shape.Kind = kind;
        shape.ApiVersion = apiVersion;
        shape.Items = items;
        shape.HasUid = hasUid;
        return shape;
    }

    /// <summary>
    /// Reads from a StartObject to its EndObject, keeping the top-level kind and apiVersion, whether it has a
    /// metadata.uid, and for the root its items.
    /// </summary>
    private static void ScanObject(
        ref Utf8JsonReader reader,
        ReadOnlyMemory<byte> json,
        ref string? kind,
        ref string? apiVersion,
        ref List<JsonItem>? items,
        ref bool hasUid,
        bool root)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isKind = reader.ValueTextEquals("kind"u8);
            var isApiVersion = !isKind && reader.ValueTextEquals("apiVersion"u8);
            var isItems = root && !isKind && !isApiVersion && reader.ValueTextEquals("items"u8);
            var isMetadata = !isKind && !isApiVersion && !isItems && reader.ValueTextEquals("metadata"u8);
            reader.Read();

            if (reader.TokenType == JsonTokenType.String && (isKind || isApiVersion))
            {
                if (isKind) kind = reader.GetString();
                else apiVersion = reader.GetString();
            }
            else if (isItems && reader.TokenType == JsonTokenType.StartArray)
            {
                items = [];
                ScanItems(ref reader, json, items);
            }
            else if (isMetadata && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var isUid = reader.ValueTextEquals("uid"u8);
                    reader.Read();
                    hasUid |= isUid && reader.TokenType == JsonTokenType.String && !reader.ValueSpan.IsEmpty;
                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ScanItems(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json, List<JsonItem> items)
    {
        var none = (List<JsonItem>?)null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            string? kind = null;
            string? apiVersion = null;
            var hasUid = false;
            var isObject = reader.TokenType == JsonTokenType.StartObject;
            if (isObject) ScanObject(ref reader, json, ref kind, ref apiVersion, ref none, ref hasUid, root: false);
            else reader.Skip();
            items.Add(new JsonItem(json[start..(int)reader.BytesConsumed], kind, apiVersion, isObject, hasUid));
        }
    }
}
