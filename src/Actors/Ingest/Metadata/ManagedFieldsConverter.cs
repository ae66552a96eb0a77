using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>managedFields folded entry by entry into a <see cref="ManagedFieldsSummary"/>; null entries dropped.</summary>
internal sealed class ManagedFieldsConverter : JsonConverter<ManagedFieldsSummary>
{
    public override bool HandleNull => true;

    public override ManagedFieldsSummary Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var summary = default(ManagedFieldsSummary);
        if (reader.TokenType == JsonTokenType.Null) return summary;
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"managedFields: expected an array, got {reader.TokenType}");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var entry = NestedObject<ManagedFieldsEntry>.Read(ref reader, options);
            if (entry is not null) summary = summary.Add(entry);
        }
        return summary;
    }

    public override void Write(Utf8JsonWriter writer, ManagedFieldsSummary value, JsonSerializerOptions options) => throw new NotSupportedException();
}
