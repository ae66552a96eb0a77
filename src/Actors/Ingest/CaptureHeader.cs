using System.Text.Json;

namespace KSpanActors.Ingest;

/// <summary>What a kspan capture's comment line says about the document after it.</summary>
internal readonly record struct CaptureHeader(string? Kind, bool Deleted)
{
    /// <summary>Reads <c>{"time":…,"style":"event|initial|watch","kind":…}</c>; <c>"deleted":true</c> or a watch type DELETED mark a deletion.</summary>
    public static CaptureHeader Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return default;
            string? kind = null;
            var deleted = false;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.NameEquals("kind") && p.Value.ValueKind == JsonValueKind.String)
                {
                    kind = p.Value.GetString();
                }
                else if (p.NameEquals("deleted") && p.Value.ValueKind == JsonValueKind.True)
                {
                    deleted = true;
                }
                else if ((p.NameEquals("type") || p.NameEquals("watchType") || p.NameEquals("eventType"))
                    && p.Value.ValueKind == JsonValueKind.String
                    && string.Equals(p.Value.GetString(), "DELETED", StringComparison.OrdinalIgnoreCase))
                {
                    deleted = true;
                }
            }
            return new CaptureHeader(kind, deleted);
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
