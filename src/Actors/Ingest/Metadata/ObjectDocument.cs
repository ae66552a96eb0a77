using System.Text.Json.Serialization;

namespace KSpanActors.Ingest;

/// <summary>
/// Any Kubernetes object, read for its metadata only: spec, status and every other top-level member are skipped by
/// the reader, never materialized. Deserialized with KubernetesClient's serializer options (see <see cref="KubeDecoder"/>),
/// so times go through its RFC 3339 converter exactly as they do for <c>V1ObjectMeta</c>.
/// </summary>
[JsonConverter(typeof(ObjectDocumentConverter))]
internal sealed class ObjectDocument
{
    [JsonPropertyName("metadata")]
    public ObjectMetadata? Metadata { get; set; }
}
