using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using KSpanActors.Model;

namespace KSpanActors.Ingest;

/// <summary>
/// Turns one <see cref="SourceDocument"/> into a fact: core/v1 and events.k8s.io/v1 Events become
/// <see cref="EventObserved"/>, every other kind <see cref="ObjectObserved"/> (or <see cref="ObjectDeleted"/>).
/// KubernetesClient models stop here. Never throws: a document that cannot be decoded gives false and a one-line error.
/// </summary>
/// <remarks>
/// Two paths. The hot one, <see cref="DirectDecoder"/>, reads the fact's fields straight from the UTF-8 bytes and
/// skips the rest. The reference, <see cref="TryDecodeWithModels"/>, reads Events into KubernetesClient's Corev1Event /
/// Eventsv1Event and other objects into <see cref="ObjectMetadata"/> (same serializer options, so the same time parsing
/// and the same documents rejected). Any document the direct reader does not take as it is (a value of an unexpected
/// JSON type, a time form it does not parse, an escaped member name, a document that fails) goes to the reference
/// path, which decides, and is counted in <see cref="DirectFallbacks"/>; a test holds both paths to the same facts.
/// Strings that recur (kinds, namespaces, reasons, reporters, the names and uids of objects with several events) are
/// read through a cache of recent values (<see cref="StringInterner"/>), on both paths.
/// </remarks>
internal static class KubeDecoder
{
    /// <summary>
    /// KubernetesClient's own serializer options (its converters for RFC 3339 times, quantities...). KubernetesJson
    /// has no overload for UTF-8 bytes, so the bytes go straight to System.Text.Json with the options it uses.
    /// </summary>
    private static readonly JsonSerializerOptions KubeOptions = CaptureKubeOptions();

    /// <summary>The decoder's serializer options (tests compare what they read with KubernetesJson's own).</summary>
    internal static JsonSerializerOptions Options => KubeOptions;

    private static JsonSerializerOptions CaptureKubeOptions()
    {
        var options = KubernetesOptions();
        // A copy with one converter more: strings of the models come from a cache of recent values (kinds, namespaces,
        // reasons, reporters, hosts, the names and uids of objects with several events), so most of an Event's strings
        // are not allocated again, and the facts of one object share them while they wait in its actor.
        var interning = new JsonSerializerOptions(options);
        interning.Converters.Add(new InternedStringConverter()); // the one ObjectMetadata's strings use (null stays the serializer's)
        // And times in the form the API server writes them are parsed from the bytes (Rfc3339TimeConverter); any other
        // form goes to KubernetesJson's own converter.
        var time = new Rfc3339TimeConverter(KubernetesTimeConverter(options));
        interning.Converters.Insert(0, time);
        // And the objects nested in an Event are read in place into their models (EventModelConverters): no frame
        // array allocated per Event by the serializer.
        foreach (var c in EventModelConverters.Create(time, options)) interning.Converters.Add(c);
        return interning;
    }

    /// <summary>KubernetesJson's converter for DateTime (the first of its converters that takes DateTime, as the serializer picks it).</summary>
    internal static System.Text.Json.Serialization.JsonConverter<DateTime> KubernetesTimeConverter(JsonSerializerOptions options) =>
        options.Converters.OfType<System.Text.Json.Serialization.JsonConverter<DateTime>>().FirstOrDefault()
        ?? throw new InvalidOperationException("KubernetesJson has no converter for DateTime");

    /// <summary>KubernetesJson's own serializer options, as it hands them out.</summary>
    internal static JsonSerializerOptions KubernetesOptions()
    {
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o => options = o);
        return options ?? throw new InvalidOperationException("KubernetesJson did not hand out its serializer options");
    }

    private static long _directFallbacks;

    /// <summary>Documents the direct reader handed to the reference path since the process started (odd shapes, and documents that fail).</summary>
    public static long DirectFallbacks => Interlocked.Read(ref _directFallbacks);

    /// <summary>Decodes one document. On success <paramref name="fact"/> is set; on failure <paramref name="error"/>.</summary>
    public static bool TryDecode(
        string cluster,
        SourceDocument doc,
        [NotNullWhen(true)] out IFact? fact,
        [NotNullWhen(false)] out string? error)
    {
        if (DirectDecoder.TryDecode(cluster, doc, out fact))
        {
            error = null;
            return true;
        }
        Interlocked.Increment(ref _directFallbacks);
        return TryDecodeWithModels(cluster, doc, out fact, out error);
    }

    /// <summary>
    /// The reference decode, through KubernetesClient's models (Events) and <see cref="ObjectMetadata"/> (objects): what
    /// <see cref="TryDecode"/> does with the documents the direct reader does not take.
    /// </summary>
    internal static bool TryDecodeWithModels(
        string cluster,
        SourceDocument doc,
        [NotNullWhen(true)] out IFact? fact,
        [NotNullWhen(false)] out string? error)
    {
        fact = null;
        try
        {
            if (doc.Json.IsEmpty)
            {
                error = "empty document";
                return false;
            }

            if (string.Equals(doc.Kind, "Event", StringComparison.Ordinal))
            {
                return doc.ApiVersion is not null && doc.ApiVersion.StartsWith("events.k8s.io/", StringComparison.Ordinal)
                    ? TryDecodeEventsV1(cluster, doc, out fact, out error)
                    : TryDecodeCoreEvent(cluster, doc, out fact, out error);
            }

            return TryDecodeObject(cluster, doc, out fact, out error);
        }
        catch (Exception e)
        {
            error = TextLine.Of(e.Message);
            return false;
        }
    }

    /// <summary>Unix nanoseconds of a time; Unspecified counts as UTC. Does not apply the zero-time rule (see <see cref="ToUnixNanosOrZero"/>).</summary>
    public static long ToUnixNanos(DateTime time)
    {
        var utc = time.Kind switch
        {
            DateTimeKind.Local => time.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
            _ => time,
        };
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        if (ticks is > long.MaxValue / 100 or < long.MinValue / 100)
        {
            // Nanoseconds since 1970 fit in 64 bits only from 1677 to 2262: reject rather than wrap around.
            throw new FormatException($"time {utc:yyyy-MM-dd'T'HH:mm:ss'Z'} is outside the years 1677-2262 that span times can hold");
        }
        return ticks * 100;
    }

    /// <summary>
    /// The one place of the zero-time rule: null and Go's zero time (0001-01-01T00:00:00Z, what an unset
    /// metav1.Time serializes to) are unset.
    /// </summary>
    public static bool IsSet([NotNullWhen(true)] DateTime? time) => time is { } t && t.Ticks != 0;

    /// <summary>Unix nanoseconds of a time, 0 when unset (null or Go's zero time).</summary>
    public static long ToUnixNanosOrZero(DateTime? time) => IsSet(time) ? ToUnixNanos(time.Value) : 0;

    /// <summary>The decoder's type metadata, resolved once (and only when first decoding: resolving locks the options).</summary>
    private static class TypeInfos
    {
        public static readonly JsonTypeInfo<Corev1Event> CoreEvent = Resolve<Corev1Event>();
        public static readonly JsonTypeInfo<Eventsv1Event> EventsV1Event = Resolve<Eventsv1Event>();
        public static readonly JsonTypeInfo<ObjectDocument> Object = Resolve<ObjectDocument>();

        private static JsonTypeInfo<T> Resolve<T>() => (JsonTypeInfo<T>)KubeOptions.GetTypeInfo(typeof(T));
    }

    private static T Deserialize<T>(ReadOnlyMemory<byte> json, JsonTypeInfo<T> typeInfo)
        where T : class
        => JsonSerializer.Deserialize(json.Span, typeInfo) ?? throw new JsonException("document is null");

    private static bool TryDecodeCoreEvent(string cluster, SourceDocument doc, out IFact? fact, [NotNullWhen(false)] out string? error)
    {
        var e = Deserialize(doc.Json, TypeInfos.CoreEvent);
        var fields = FromModel(e.Metadata, e.InvolvedObject);
        fields.HasSeries = e.Series is not null;
        fields.SeriesCount = e.Series?.Count;
        fields.SeriesLastObserved = e.Series?.LastObservedTime;
        fields.Count = e.Count;
        fields.EventTime = e.EventTime;
        fields.FirstTimestamp = e.FirstTimestamp;
        fields.LastTimestamp = e.LastTimestamp;
        fields.Reason = e.Reason;
        fields.Message = e.Message;
        fields.Warning = string.Equals(e.Type, "Warning", StringComparison.Ordinal);
        fields.ReportingComponent = e.ReportingComponent;
        fields.ReportingInstance = e.ReportingInstance;
        fields.SourceComponent = e.Source?.Component;
        fields.SourceHost = e.Source?.Host;
        return TryBuildEvent(cluster, in fields, out fact, out error);
    }

    private static bool TryDecodeEventsV1(string cluster, SourceDocument doc, out IFact? fact, [NotNullWhen(false)] out string? error)
    {
        var e = Deserialize(doc.Json, TypeInfos.EventsV1Event);
        if (e.Regarding is null && e.Note is null && e.ReportingController is null && HasInvolvedObject(doc.Json))
        {
            // Says events.k8s.io but is written in core/v1's shape (involvedObject, message, source): read as such.
            return TryDecodeCoreEvent(cluster, doc, out fact, out error);
        }

        var fields = FromModel(e.Metadata, e.Regarding);
        fields.HasSeries = e.Series is not null;
        fields.SeriesCount = e.Series?.Count;
        fields.SeriesLastObserved = e.Series?.LastObservedTime;
        fields.Count = e.DeprecatedCount;
        fields.EventTime = e.EventTime;
        fields.FirstTimestamp = e.DeprecatedFirstTimestamp;
        fields.LastTimestamp = e.DeprecatedLastTimestamp;
        fields.Reason = e.Reason;
        fields.Message = e.Note;
        fields.Warning = string.Equals(e.Type, "Warning", StringComparison.Ordinal);
        fields.ReportingComponent = e.ReportingController;
        fields.ReportingInstance = e.ReportingInstance;
        fields.SourceComponent = e.DeprecatedSource?.Component;
        fields.SourceHost = e.DeprecatedSource?.Host;
        return TryBuildEvent(cluster, in fields, out fact, out error);
    }

    /// <summary>The fields of an Event's metadata and involvedObject (regarding) from KubernetesClient's models.</summary>
    private static EventFields FromModel(V1ObjectMeta? meta, V1ObjectReference? involved)
    {
        var annotations = meta?.Annotations;
        return new EventFields
        {
            HasMetadata = meta is not null,
            Uid = meta?.Uid,
            MetaNamespace = meta?.NamespaceProperty,
            MetaName = meta?.Name,
            Created = meta?.CreationTimestamp,
            TopLevelSpan = annotations is not null
                && annotations.TryGetValue("topLevelSpan", out var top)
                && string.Equals(top, "true", StringComparison.Ordinal),
            InvolvedKind = involved?.Kind,
            InvolvedName = involved?.Name,
            InvolvedNamespace = involved?.NamespaceProperty,
            InvolvedUid = involved?.Uid,
            FieldPath = involved?.FieldPath,
        };
    }

    /// <summary>When an event's repeats began (docs/trace-model.md, "Length"); 0 when unset or beyond what a span time can hold (the event itself still counts).</summary>
    private static long RepeatsBeganNs(DateTime? time)
    {
        if (!IsSet(time)) return 0;
        try
        {
            return ToUnixNanos(time.Value);
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    /// <summary>The document has a top-level <c>involvedObject</c> member (core/v1's name for what events.k8s.io calls regarding).</summary>
    private static bool HasInvolvedObject(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("involvedObject"u8)) return true;
            reader.Read();
            reader.Skip();
        }
        return false;
    }

    /// <summary>
    /// The one place that turns an Event's fields into its fact (both paths): time, count, reporter and repeats by their
    /// precedence (see <see cref="EventObserved"/>), the object it is about by <see cref="InvolvedObject"/>'s rules.
    /// </summary>
    internal static bool TryBuildEvent(string cluster, in EventFields e, [NotNullWhen(true)] out IFact? fact, [NotNullWhen(false)] out string? error)
    {
        fact = null;
        var timeNs = FirstSetTime(e.SeriesLastObserved, e.LastTimestamp, e.EventTime, e.Created);
        var count = FirstCount(e.SeriesCount, e.Count);
        var service = Reported(e.ReportingComponent) ?? Reported(e.SourceComponent) ?? "unknown";
        var instance = Reported(e.ReportingInstance) ?? Reported(e.SourceHost);
        var firstNs = RepeatsBeganNs(e.HasSeries ? e.EventTime : e.FirstTimestamp);

        // The direct reader packs a canonical uid from the bytes; any other uid (and the model path's) is a string.
        var uid = e.HasMetadata && e.PackedUid is null ? NonEmpty(e.Uid) : null;
        if (!e.HasMetadata || (e.PackedUid is null && uid is null))
        {
            error = "event without metadata.uid";
            return false;
        }
        var key = e.PackedUid ?? CompactUid.Of(uid!);

        if (timeNs == 0)
        {
            error = $"event {e.MetaNamespace}/{e.MetaName} ({key}) has no time (series.lastObservedTime, lastTimestamp, eventTime, creationTimestamp)";
            return false;
        }

        // The uid is a name only for an Event about no named object, with no name of its own (a string made then only).
        var (kind, ns, name) = InvolvedObject.Of(
            e.InvolvedKind, e.InvolvedName, e.InvolvedNamespace, e.MetaNamespace, e.MetaName,
            uid ?? (NonEmpty(e.InvolvedName) is null && NonEmpty(e.MetaName) is null ? key.ToString() : null));

        // The strings already come from the decoder's cache where they recur: shared, not re-interned.
        fact = new EventObserved(
            cluster,
            "",
            count,
            timeNs,
            NonEmpty(e.Reason) ?? "Unknown",
            e.Message ?? "",
            e.Warning,
            kind,
            ns,
            name,
            NonEmpty(e.InvolvedUid),
            NonEmpty(e.FieldPath),
            service,
            instance,
            e.TopLevelSpan,
            firstNs)
        {
            Uid = key,
        };
        error = null;
        return true;
    }

    private static bool TryDecodeObject(string cluster, SourceDocument doc, out IFact? fact, [NotNullWhen(false)] out string? error)
    {
        fact = null;
        var meta = Deserialize(doc.Json, TypeInfos.Object).Metadata;
        var uid = NonEmpty(meta?.Uid);
        if (meta is null || uid is null)
        {
            error = $"{doc.Kind} {meta?.Namespace}/{meta?.Name} without metadata.uid";
            return false;
        }

        fact = BuildObject(
            cluster, doc, uid, meta.Namespace, meta.Name, meta.Generation, meta.CreationTimestamp, meta.DeletionTimestamp,
            meta.ResourceVersion, meta.OwnerReferences, meta.ManagedFields);
        error = null;
        return true;
    }

    /// <summary>The one place that turns an object's metadata into its fact (both paths); <paramref name="uid"/> is set.</summary>
    internal static IFact BuildObject(
        string cluster,
        SourceDocument doc,
        string uid,
        string? ns,
        string? name,
        long? generation,
        DateTime? created,
        DateTime? deleted,
        long resourceVersion,
        ImmutableArray<OwnerRef> owners,
        ManagedFieldsSummary fields)
    {
        var kind = StringInterner.Shared.Intern(doc.Kind);
        var createdNs = ToUnixNanosOrZero(created);

        if (doc.Deleted)
        {
            var deletedNs = ToUnixNanosOrZero(deleted);
            if (deletedNs == 0) deletedNs = fields.LatestTimeNs;
            if (deletedNs == 0) deletedNs = createdNs;
            return new ObjectDeleted(cluster, uid, kind, ns ?? "", name ?? "", deletedNs);
        }

        return new ObjectObserved(
            cluster,
            uid,
            kind,
            ns ?? "",
            name ?? "",
            generation is > 0 and var g ? g : 1,
            createdNs,
            owners.IsDefault ? ImmutableArray<OwnerRef>.Empty : owners,
            fields.SpecManager,
            fields.SpecOperation,
            fields.SpecTimeNs,
            resourceVersion);
    }

    /// <summary>metadata.resourceVersion as a number: digits only and within a long, else 0.</summary>
    internal static long ParseResourceVersion(string? resourceVersion)
        => long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : 0;

    /// <summary><see cref="ParseResourceVersion(string?)"/> over the UTF-8 bytes of an unescaped JSON string.</summary>
    internal static long ParseResourceVersion(ReadOnlySpan<byte> utf8)
        => long.TryParse(utf8, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : 0;

    internal static long FirstSetTime(DateTime? a, DateTime? b, DateTime? c, DateTime? d)
        => IsSet(a) ? ToUnixNanos(a.Value)
            : IsSet(b) ? ToUnixNanos(b.Value)
            : IsSet(c) ? ToUnixNanos(c.Value)
            : ToUnixNanosOrZero(d);

    /// <summary>series.count, else count, else 1; a value below 1 counts as unset.</summary>
    private static long FirstCount(int? seriesCount, int? count)
        => seriesCount is >= 1 ? seriesCount.Value : count is >= 1 ? count.Value : 1;

    internal static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>A reporter (component, controller, instance, host): empty and the string "null" (support bundles) are absent.</summary>
    internal static string? Reported(string? s) => string.IsNullOrEmpty(s) || s == "null" ? null : s;

}
