using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace KSpanActors.Ingest;

/// <summary>
/// Readers for the objects nested in an Event (metadata, involvedObject/related, source, series) into the same
/// KubernetesClient models, property by property as the serializer's generated metadata would set them.
/// </summary>
/// <remarks>
/// Why: System.Text.Json keeps a frame per nested object it is inside, and entering the first nested object allocates
/// an array of four such frames (about 900 bytes, the largest single allocation of an Event's decoding). A converter of
/// our own for each nested type is read in place, without a frame, so an Event decodes with none. Everything else is
/// as before: the same JSON names (case-sensitive), unknown properties skipped, a repeated property's last value kept,
/// strict numbers, times through the decoder's time converter, strings through the string cache, and collection-valued
/// properties (labels, annotations, finalizers, managedFields, ownerReferences) read by the serializer itself with the
/// same options. A test decodes many documents both ways and compares the models serialized back.
/// </remarks>
internal static class EventModelConverters
{
    /// <summary>
    /// The converters, to add to the decoder's options: they read times with <paramref name="time"/>, and write (never
    /// on the decoder's path) as KubernetesJson's <paramref name="kubernetes"/> options do.
    /// </summary>
    public static JsonConverter[] Create(JsonConverter<DateTime> time, JsonSerializerOptions kubernetes) =>
    [
        new ObjectMetaConverter(time) { Writer = kubernetes },
        new ObjectReferenceConverter { Writer = kubernetes },
        new EventSourceConverter { Writer = kubernetes },
        new EventSeriesConverter(time) { Writer = kubernetes },
    ];

    private abstract class ModelConverter<T> : JsonConverter<T>
        where T : class
    {
        public required JsonSerializerOptions Writer { get; init; }

        public sealed override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"expected an object for {typeof(T).Name}, got {reader.TokenType}");
            var value = Create();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!ReadProperty(ref reader, value, options))
                {
                    reader.Read();
                    reader.Skip(); // not a property of the model: skipped, as the serializer does
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException($"unterminated {typeof(T).Name}");
            return value;
        }

        /// <summary>A new, empty model (a plain constructor call: <c>new T()</c> on a type parameter goes through Activator).</summary>
        protected abstract T Create();

        /// <summary>Reads the value of the property the reader is on into <paramref name="value"/>; false for a name the model does not have.</summary>
        protected abstract bool ReadProperty(ref Utf8JsonReader reader, T value, JsonSerializerOptions options);

        /// <summary>Only reading is ours; writing is KubernetesJson's.</summary>
        public sealed override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)Writer.GetTypeInfo(typeof(T)));

        /// <summary>A string through the cache, as <see cref="InternedStringConverter"/> reads one (which also rejects other tokens).</summary>
        protected static string? String(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType == JsonTokenType.Null ? null : StringInterner.Shared.InternString(ref reader);
        }

        protected static string? UniqueString(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.String => reader.GetString(),
                _ => throw new JsonException($"expected a string, got {reader.TokenType}"),
            };
        }

        protected static DateTime? Time(ref Utf8JsonReader reader, JsonConverter<DateTime> time, JsonSerializerOptions options)
        {
            reader.Read();
            return reader.TokenType == JsonTokenType.Null ? null : time.Read(ref reader, typeof(DateTime), options);
        }

        protected static long? Int64(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.Number => reader.TryGetInt64(out var n) ? n : throw new JsonException("number out of range for a 64-bit integer"),
                _ => throw new JsonException($"expected a number, got {reader.TokenType}"),
            };
        }

        protected static int? Int32(ref Utf8JsonReader reader)
        {
            reader.Read();
            return reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.Number => reader.TryGetInt32(out var n) ? n : throw new JsonException("number out of range for a 32-bit integer"),
                _ => throw new JsonException($"expected a number, got {reader.TokenType}"),
            };
        }

        /// <summary>A collection-valued property, read by the serializer with the same options.</summary>
        protected static TValue? Serializer<TValue>(ref Utf8JsonReader reader, JsonSerializerOptions options)
        {
            reader.Read();
            return JsonSerializer.Deserialize(ref reader, (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue)));
        }
    }

    private sealed class ObjectMetaConverter(JsonConverter<DateTime> time) : ModelConverter<V1ObjectMeta>
    {
        protected override V1ObjectMeta Create() => new();

        protected override bool ReadProperty(ref Utf8JsonReader r, V1ObjectMeta m, JsonSerializerOptions o)
        {
            // An Event's own name, uid and resourceVersion are new with every Event: read as they are, not looked up in
            // (and evicting recurring values from) the string cache.
            if (r.ValueTextEquals("name"u8)) m.Name = UniqueString(ref r);
            else if (r.ValueTextEquals("namespace"u8)) m.NamespaceProperty = String(ref r);
            else if (r.ValueTextEquals("uid"u8)) m.Uid = UniqueString(ref r);
            else if (r.ValueTextEquals("resourceVersion"u8)) m.ResourceVersion = UniqueString(ref r);
            else if (r.ValueTextEquals("creationTimestamp"u8)) m.CreationTimestamp = Time(ref r, time, o);
            else if (r.ValueTextEquals("annotations"u8)) m.Annotations = Serializer<IDictionary<string, string>>(ref r, o);
            else if (r.ValueTextEquals("labels"u8)) m.Labels = Serializer<IDictionary<string, string>>(ref r, o);
            else if (r.ValueTextEquals("managedFields"u8)) m.ManagedFields = Serializer<IList<V1ManagedFieldsEntry>>(ref r, o);
            else if (r.ValueTextEquals("ownerReferences"u8)) m.OwnerReferences = Serializer<IList<V1OwnerReference>>(ref r, o);
            else if (r.ValueTextEquals("finalizers"u8)) m.Finalizers = Serializer<IList<string>>(ref r, o);
            else if (r.ValueTextEquals("generateName"u8)) m.GenerateName = String(ref r);
            else if (r.ValueTextEquals("generation"u8)) m.Generation = Int64(ref r);
            else if (r.ValueTextEquals("deletionTimestamp"u8)) m.DeletionTimestamp = Time(ref r, time, o);
            else if (r.ValueTextEquals("deletionGracePeriodSeconds"u8)) m.DeletionGracePeriodSeconds = Int64(ref r);
            else if (r.ValueTextEquals("selfLink"u8)) m.SelfLink = String(ref r);
            else return false;
            return true;
        }
    }

    private sealed class ObjectReferenceConverter : ModelConverter<V1ObjectReference>
    {
        protected override V1ObjectReference Create() => new();

        protected override bool ReadProperty(ref Utf8JsonReader r, V1ObjectReference v, JsonSerializerOptions o)
        {
            if (r.ValueTextEquals("kind"u8)) v.Kind = String(ref r);
            else if (r.ValueTextEquals("name"u8)) v.Name = String(ref r);
            else if (r.ValueTextEquals("namespace"u8)) v.NamespaceProperty = String(ref r);
            else if (r.ValueTextEquals("uid"u8)) v.Uid = String(ref r);
            else if (r.ValueTextEquals("apiVersion"u8)) v.ApiVersion = String(ref r);
            else if (r.ValueTextEquals("resourceVersion"u8)) v.ResourceVersion = String(ref r);
            else if (r.ValueTextEquals("fieldPath"u8)) v.FieldPath = String(ref r);
            else return false;
            return true;
        }
    }

    private sealed class EventSourceConverter : ModelConverter<V1EventSource>
    {
        protected override V1EventSource Create() => new();

        protected override bool ReadProperty(ref Utf8JsonReader r, V1EventSource v, JsonSerializerOptions o)
        {
            if (r.ValueTextEquals("component"u8)) v.Component = String(ref r);
            else if (r.ValueTextEquals("host"u8)) v.Host = String(ref r);
            else return false;
            return true;
        }
    }

    private sealed class EventSeriesConverter(JsonConverter<DateTime> time) : ModelConverter<Corev1EventSeries>
    {
        protected override Corev1EventSeries Create() => new();

        protected override bool ReadProperty(ref Utf8JsonReader r, Corev1EventSeries v, JsonSerializerOptions o)
        {
            if (r.ValueTextEquals("count"u8)) v.Count = Int32(ref r);
            else if (r.ValueTextEquals("lastObservedTime"u8)) v.LastObservedTime = Time(ref r, time, o);
            else return false;
            return true;
        }
    }
}
