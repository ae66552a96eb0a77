using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>Checks a value is an array of strings or nulls and drops it.</summary>
internal sealed class StringListShape : JsonConverter<Shape>
{
    public override Shape? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"expected an array, got {reader.TokenType}");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) throw new JsonException($"expected a string, got {reader.TokenType}");
        }
        return null;
    }

    public override void Write(Utf8JsonWriter writer, Shape value, JsonSerializerOptions options) => throw new NotSupportedException();
}
