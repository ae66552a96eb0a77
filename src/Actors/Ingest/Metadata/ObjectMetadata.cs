using System.Collections.Immutable;
using System.Text.Json.Serialization;
using KSpanActors.Model;

namespace KSpanActors.Ingest;

/// <summary>
/// The part of <c>V1ObjectMeta</c> the decoder uses, without its allocations: owner references straight into
/// <see cref="OwnerRef"/>s, managedFields folded into a <see cref="ManagedFieldsSummary"/>, low-cardinality strings
/// interned from the UTF-8 bytes. The members it does not use are still checked for the JSON types
/// <c>V1ObjectMeta</c> declares (and then dropped), so a document that KubernetesClient's model rejects is rejected here too.
/// </summary>
internal sealed class ObjectMetadata
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    [JsonConverter(typeof(InternedStringConverter))]
    public string? Namespace { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("generation")]
    public long? Generation { get; set; }

    [JsonPropertyName("creationTimestamp")]
    public DateTime? CreationTimestamp { get; set; }

    [JsonPropertyName("deletionTimestamp")]
    public DateTime? DeletionTimestamp { get; set; }

    /// <summary>metadata.resourceVersion as a number when it is one (digits only, fits a long), else 0.</summary>
    [JsonPropertyName("resourceVersion")]
    [JsonConverter(typeof(ResourceVersionConverter))]
    public long ResourceVersion { get; set; }

    [JsonPropertyName("ownerReferences")]
    [JsonConverter(typeof(OwnerReferencesConverter))]
    public ImmutableArray<OwnerRef> OwnerReferences { get; set; } = ImmutableArray<OwnerRef>.Empty;

    [JsonPropertyName("managedFields")]
    [JsonConverter(typeof(ManagedFieldsConverter))]
    public ManagedFieldsSummary ManagedFields { get; set; }

    // Read only to keep V1ObjectMeta's type checks; always null.
    [JsonPropertyName("annotations")]
    [JsonConverter(typeof(StringMapShape))]
    public Shape? Annotations { get; set; }

    [JsonPropertyName("labels")]
    [JsonConverter(typeof(StringMapShape))]
    public Shape? Labels { get; set; }

    [JsonPropertyName("finalizers")]
    [JsonConverter(typeof(StringListShape))]
    public Shape? Finalizers { get; set; }

    [JsonPropertyName("deletionGracePeriodSeconds")]
    [JsonConverter(typeof(Int64Shape))]
    public Shape? DeletionGracePeriodSeconds { get; set; }

    [JsonPropertyName("generateName")]
    [JsonConverter(typeof(StringShape))]
    public Shape? GenerateName { get; set; }

    [JsonPropertyName("selfLink")]
    [JsonConverter(typeof(StringShape))]
    public Shape? SelfLink { get; set; }
}
