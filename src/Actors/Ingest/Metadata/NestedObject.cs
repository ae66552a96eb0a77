using System.Text.Json;
using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>
/// Reads a nested value with the converter the options give its type, from inside another converter. Unlike
/// <c>JsonSerializer.Deserialize(ref reader)</c> it does not first skip over the value to find its end, so the value
/// is scanned once.
/// </summary>
internal static class NestedObject<T>
    where T : class
{
    private static Resolved? _resolved;

    public static T? Read(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        var resolved = _resolved;
        if (resolved is null || !ReferenceEquals(resolved.Options, options))
        {
            resolved = new Resolved(options, (JsonConverter<T>)options.GetConverter(typeof(T)));
            _resolved = resolved;
        }
        return resolved.Converter.Read(ref reader, typeof(T), options);
    }

    private sealed record Resolved(JsonSerializerOptions Options, JsonConverter<T> Converter);
}
