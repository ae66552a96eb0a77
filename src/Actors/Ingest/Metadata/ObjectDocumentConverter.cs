using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>
/// The document's own converter: only metadata is deserialized, every other member skipped. Being the root converter
/// it spares System.Text.Json's per-call stack of nested frames (about a kilobyte for each document).
/// </summary>
internal sealed class ObjectDocumentConverter : JsonConverter<ObjectDocument>
{
    public override ObjectDocument Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"expected an object, got {reader.TokenType}");
        var document = new ObjectDocument();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            reader.Read();
            if (isMetadata) document.Metadata = NestedObject<ObjectMetadata>.Read(ref reader, options);
            else reader.Skip();
        }
        return document;
    }

    public override void Write(Utf8JsonWriter writer, ObjectDocument value, JsonSerializerOptions options) => throw new NotSupportedException();
}
