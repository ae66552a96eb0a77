using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>Checks a value is a JSON integer that fits a long (as <c>long?</c> requires) and drops it.</summary>
internal sealed class Int64Shape : JsonConverter<Shape>
{
    public override Shape? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out _)) throw new JsonException($"expected an integer, got {reader.TokenType}");
        return null;
    }

    public override void Write(Utf8JsonWriter writer, Shape value, JsonSerializerOptions options) => throw new NotSupportedException();
}
