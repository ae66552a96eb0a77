using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>
/// A JSON string, interned through <see cref="StringInterner.Shared"/> (no allocation when already cached); also the
/// converter of dictionary keys (the keys of labels and annotations), since it is the options' converter for string.
/// </summary>
/// <remarks>
/// A custom <c>JsonConverter&lt;string&gt;</c> must read and write property names itself: without these overrides
/// System.Text.Json falls back to its built-in string converter only once something else in the process has made it
/// load its default converters, so a map decoded before that failed ("not a supported dictionary key") and whether an
/// Event with annotations decoded depended on what was decoded before it.
/// </remarks>
internal sealed class InternedStringConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => StringInterner.Shared.InternString(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => StringInterner.Shared.InternString(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
}
