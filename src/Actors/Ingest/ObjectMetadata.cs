using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using KSpanActors.Model;

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

/// <summary>
/// What the decoder needs from metadata.managedFields: among the entries that touch f:spec at the top level the one
/// with the latest time (the later entry on a tie), and the latest time of any entry. Times in Unix nanoseconds.
/// </summary>
internal readonly record struct ManagedFieldsSummary(bool HasSpecEntry, string? SpecManager, string? SpecOperation, long SpecTimeNs, long LatestTimeNs)
{
    /// <summary>Folds in the next entry, in document order.</summary>
    public ManagedFieldsSummary Add(ManagedFieldsEntry entry)
    {
        var ns = KubeDecoder.ToUnixNanosOrZero(entry.Time);
        var latest = Math.Max(LatestTimeNs, ns);
        return entry.TouchesSpec && (!HasSpecEntry || ns >= SpecTimeNs)
            ? new ManagedFieldsSummary(true, entry.Manager, entry.Operation, ns, latest)
            : this with { LatestTimeNs = latest };
    }
}

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

/// <summary>Stands for a checked and dropped value; never instantiated.</summary>
internal sealed class Shape
{
    private Shape()
    {
    }
}

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

/// <summary>
/// The document's own converter: only metadata is deserialized, every other member skipped. Being the root converter
/// it spares System.Text.Json's per-call stack of nested frames (about a kilobyte for each document).
/// </summary>
internal sealed class ObjectDocumentConverter : JsonConverter<ObjectDocument>
{
    public override ObjectDocument Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"expected an object, got {reader.TokenType}");
        var document = new ObjectDocument();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            reader.Read();
            if (isMetadata) document.Metadata = NestedObject<ObjectMetadata>.Read(ref reader, options);
            else reader.Skip();
        }
        return document;
    }

    public override void Write(Utf8JsonWriter writer, ObjectDocument value, JsonSerializerOptions options) => throw new NotSupportedException();
}

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

/// <summary>ownerReferences straight into <see cref="OwnerRef"/>s: null entries dropped, missing strings empty.</summary>
internal sealed class OwnerReferencesConverter : JsonConverter<ImmutableArray<OwnerRef>>
{
    public override bool HandleNull => true;

    public override ImmutableArray<OwnerRef> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return ImmutableArray<OwnerRef>.Empty;
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"ownerReferences: expected an array, got {reader.TokenType}");

        OwnerRef? first = null;
        ImmutableArray<OwnerRef>.Builder? more = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var entry = NestedObject<OwnerReferenceEntry>.Read(ref reader, options);
            if (entry is null) continue;
            var owner = new OwnerRef(entry.Kind ?? "", entry.Name ?? "", entry.Uid ?? "", entry.Controller == true);
            if (first is null)
            {
                first = owner;
                continue;
            }

            if (more is null)
            {
                more = ImmutableArray.CreateBuilder<OwnerRef>(4);
                more.Add(first);
            }
            more.Add(owner);
        }

        return more is not null ? more.ToImmutable()
            : first is not null ? ImmutableArray.Create(first)
            : ImmutableArray<OwnerRef>.Empty;
    }

    public override void Write(Utf8JsonWriter writer, ImmutableArray<OwnerRef> value, JsonSerializerOptions options) => throw new NotSupportedException();
}

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

/// <summary>
/// fieldsV1 (any JSON value): true when it is an object with a top-level member named f:spec (escapes decoded).
/// Values are skipped by the reader, never materialized.
/// </summary>
internal sealed class TouchesSpecConverter : JsonConverter<bool>
{
    public override bool HandleNull => true;

    public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            found |= reader.ValueTextEquals("f:spec"u8);
            reader.Read();
            reader.Skip();
        }
        return found;
    }

    public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => throw new NotSupportedException();
}

/// <summary>Checks a value is a JSON string (null never reaches it) and drops it.</summary>
internal sealed class StringShape : JsonConverter<Shape>
{
    public override Shape? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"expected a string, got {reader.TokenType}");
        return null;
    }

    public override void Write(Utf8JsonWriter writer, Shape value, JsonSerializerOptions options) => throw new NotSupportedException();
}

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

/// <summary>Checks a value is an object whose members are strings or null (a map of strings) and drops it.</summary>
internal sealed class StringMapShape : JsonConverter<Shape>
{
    public override Shape? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"expected an object, got {reader.TokenType}");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) throw new JsonException($"expected a string, got {reader.TokenType}");
        }
        return null;
    }

    public override void Write(Utf8JsonWriter writer, Shape value, JsonSerializerOptions options) => throw new NotSupportedException();
}

/// <summary>Checks a value is an array of strings or nulls and drops it.</summary>
internal sealed class StringListShape : JsonConverter<Shape>
{
    public override Shape? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"expected an array, got {reader.TokenType}");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) throw new JsonException($"expected a string, got {reader.TokenType}");
        }
        return null;
    }

    public override void Write(Utf8JsonWriter writer, Shape value, JsonSerializerOptions options) => throw new NotSupportedException();
}
