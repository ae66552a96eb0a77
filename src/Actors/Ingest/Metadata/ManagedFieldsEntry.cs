using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>A metadata.managedFields entry reduced to what the decoder reads; fieldsV1 is scanned, never kept.</summary>
internal sealed class ManagedFieldsEntry
{
    [JsonPropertyName("manager")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Manager { get; set; }

    [JsonPropertyName("operation")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Operation { get; set; }

    [JsonPropertyName("time")]
    public DateTime? Time { get; set; }

    /// <summary>fieldsV1 is an object with a top-level f:spec member.</summary>
    [JsonPropertyName("fieldsV1")]
    [JsonConverter(typeof(TouchesSpecConverter))]
    public bool TouchesSpec { get; set; }

    [JsonPropertyName("apiVersion")]
    [JsonConverter(typeof(StringShape))]
    public Shape? ApiVersion { get; set; }

    [JsonPropertyName("fieldsType")]
    [JsonConverter(typeof(StringShape))]
    public Shape? FieldsType { get; set; }

    [JsonPropertyName("subresource")]
    [JsonConverter(typeof(StringShape))]
    public Shape? Subresource { get; set; }
}
