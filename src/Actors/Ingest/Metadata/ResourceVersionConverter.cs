using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>resourceVersion: a JSON string (or null) read as a long when it is only digits and fits, else 0.</summary>
internal sealed class ResourceVersionConverter : JsonConverter<long>
{
    public override bool HandleNull => true;

    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return 0;
            case JsonTokenType.String when !reader.ValueIsEscaped && !reader.HasValueSequence:
                return KubeDecoder.ParseResourceVersion(reader.ValueSpan);
            case JsonTokenType.String:
                return KubeDecoder.ParseResourceVersion(reader.GetString());
            default:
                throw new JsonException($"resourceVersion: expected a string, got {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) => throw new NotSupportedException();
}
