using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>A metadata.ownerReferences entry as read.</summary>
internal sealed class OwnerReferenceEntry
{
    [JsonPropertyName("kind")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("controller")]
    public bool? Controller { get; set; }

    [JsonPropertyName("blockOwnerDeletion")]
    public bool? BlockOwnerDeletion { get; set; }

    [JsonPropertyName("apiVersion")]
    [JsonConverter(typeof(StringShape))]
    public Shape? ApiVersion { get; set; }
}
