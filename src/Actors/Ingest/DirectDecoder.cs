using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;
using KSpanActors.Model;

namespace KSpanActors.Ingest;

/// <summary>
/// <see cref="KubeDecoder"/>'s hot path: one pass of a <see cref="Utf8JsonReader"/> over the document's UTF-8 bytes,
/// straight into the fact, with no KubernetesClient model and no serializer machinery. Only the fields the fact needs
/// become values (recurring strings through <see cref="StringInterner"/>, times through
/// <see cref="Rfc3339TimeConverter.TryParseUtc"/>); every other member is skipped.
/// </summary>
/// <remarks>
/// It must give exactly the fact the reference path (<see cref="KubeDecoder.TryDecodeWithModels"/>) gives, so it accepts
/// a document only when the reference would read it the same way: every member the reference's types declare is checked
/// for the JSON type they declare (and strings for what their decoding refuses) even when skipped, a repeated member's
/// last value wins, and JSON syntax, depth and trailing content are the reader's, with the serializer's reader options.
/// Anything else gives false and the reference decides, which also says why a document fails: a value of an unexpected
/// type, a time in a form other than the API server's (<c>2024-01-01T10:00:00[.f…]Z</c>, or the string <c>"null"</c>),
/// an escaped member name, an events.k8s.io Event written in core/v1's shape, and every document the fact cannot be
/// built from (no uid, no time, a time outside what a span can hold).
/// </remarks>
internal static class DirectDecoder
{
    /// <summary>The reader options the serializer derives from the decoder's serializer options.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = KubeDecoder.Options.AllowTrailingCommas,
        CommentHandling = KubeDecoder.Options.ReadCommentHandling,
        MaxDepth = KubeDecoder.Options.MaxDepth,
    };

    /// <summary>Decodes the document straight from its bytes; false when the reference path must decide (never throws).</summary>
    public static bool TryDecode(string cluster, SourceDocument doc, [NotNullWhen(true)] out IFact? fact)
    {
        fact = null;
        if (doc.Json.IsEmpty) return false;
        try
        {
            if (string.Equals(doc.Kind, "Event", StringComparison.Ordinal))
            {
                var eventsV1 = doc.ApiVersion is not null && doc.ApiVersion.StartsWith("events.k8s.io/", StringComparison.Ordinal);
                return TryReadEvent(doc.Json, eventsV1, out var fields) && KubeDecoder.TryBuildEvent(cluster, in fields, out fact, out _);
            }
            return TryReadObject(cluster, doc, out fact);
        }
        catch (Exception)
        {
            // The reader refused the JSON, or a string does not decode, or a time is out of range: the reference decides.
            fact = null;
            return false;
        }
    }

    // ---- Events: Corev1Event / Eventsv1Event ----

    private static bool TryReadEvent(ReadOnlyMemory<byte> json, bool v1, out EventFields e)
    {
        e = default;
        var r = new Utf8JsonReader(json.Span, ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
        var later = new Later { MetaName = -1, MetaNamespace = -1, SourceComponent = -1, SourceHost = -1 };
        var regarding = false;
        var involvedObjectMember = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var member = MemberOf(r.ValueSpan, v1);
            r.Read();
            var ok = member switch
            {
                EventMember.Metadata => EventMetadata(ref r, ref e, out later.MetaName, out later.MetaNamespace),
                EventMember.Involved => Reference(ref r, ref e, keep: true, out regarding),
                EventMember.Reason => String(ref r, out e.Reason),
                EventMember.Message => String(ref r, out e.Message),
                EventMember.Type => IsWarning(ref r, out e.Warning),
                EventMember.LastTimestamp => Time(ref r, out e.LastTimestamp),
                EventMember.FirstTimestamp => Time(ref r, out e.FirstTimestamp),
                EventMember.EventTime => Time(ref r, out e.EventTime),
                EventMember.Count => Int32(ref r, out e.Count),
                EventMember.Source => Source(ref r, out later.SourceComponent, out later.SourceHost),
                EventMember.Reporter => String(ref r, out e.ReportingComponent),
                EventMember.ReportingInstance => String(ref r, out e.ReportingInstance),
                EventMember.Series => v1 ? SeriesV1(ref r, ref e) : SeriesCore(ref r, ref e),
                EventMember.Related => Reference(ref r, ref e, keep: false, out _),
                EventMember.CheckedString => CheckString(ref r),
                _ => Skip(ref r, ref involvedObjectMember, member == EventMember.CoreInvolvedObject),
            };
            if (!ok) return false;
        }
        if (r.TokenType != JsonTokenType.EndObject || r.Read()) return false;

        // Says events.k8s.io but is written in core/v1's shape: the reference reads it as core/v1.
        if (v1 && !regarding && e.Message is null && e.ReportingComponent is null && involvedObjectMember) return false;

        // The strings only needed when others are missing, read now if they are needed.
        var utf8 = json.Span;
        if (KubeDecoder.Reported(e.ReportingComponent) is null) e.SourceComponent = InternedAt(utf8, later.SourceComponent);
        if (KubeDecoder.Reported(e.ReportingInstance) is null) e.SourceHost = InternedAt(utf8, later.SourceHost);
        if (KubeDecoder.NonEmpty(e.InvolvedNamespace) is null) e.MetaNamespace = InternedAt(utf8, later.MetaNamespace);
        if (KubeDecoder.NonEmpty(e.InvolvedName) is null) e.MetaName = StringAt(utf8, later.MetaName); // new with every Event: not cached
        return true;
    }

    /// <summary>
    /// Where the strings an Event's fact needs only when others are missing start in the document (-1: null or
    /// missing): the Event's own name and namespace (when the involved object has none) and source's component and
    /// host (when reportingComponent and reportingInstance are unset). They are checked as they are met, read at the end.
    /// </summary>
    private struct Later
    {
        public int MetaName;
        public int MetaNamespace;
        public int SourceComponent;
        public int SourceHost;
    }

    /// <summary>A string member read later if at all: checked now, its position kept (-1 for null).</summary>
    private static bool Defer(ref Utf8JsonReader r, out int at)
    {
        at = r.TokenType == JsonTokenType.String ? (int)r.TokenStartIndex : -1;
        return CheckString(ref r);
    }

    /// <summary>The members of an Event the reader tells apart (events.k8s.io/v1's names mapped to core/v1's).</summary>
    private enum EventMember
    {
        /// <summary>Not a member of the model: skipped, as the serializer skips it.</summary>
        Other,
        Metadata,
        Involved,
        Reason,
        Message,
        Type,
        LastTimestamp,
        FirstTimestamp,
        EventTime,
        Count,
        Source,
        Reporter,
        ReportingInstance,
        Series,
        Related,
        /// <summary>A string member the fact does not use (apiVersion, kind, action): checked only.</summary>
        CheckedString,
        /// <summary>involvedObject in an events.k8s.io/v1 Event: not a member of its model, but a sign of core/v1's shape.</summary>
        CoreInvolvedObject,
    }

    /// <summary>Which member a name is (one length test, then at most a few comparisons).</summary>
    private static EventMember MemberOf(ReadOnlySpan<byte> n, bool v1) => n.Length switch
    {
        4 => n.SequenceEqual("type"u8) ? EventMember.Type
            : n.SequenceEqual("kind"u8) ? EventMember.CheckedString
            : v1 && n.SequenceEqual("note"u8) ? EventMember.Message : EventMember.Other,
        5 => !v1 && n.SequenceEqual("count"u8) ? EventMember.Count : EventMember.Other,
        6 => n.SequenceEqual("reason"u8) ? EventMember.Reason
            : n.SequenceEqual("source"u8) ? (v1 ? EventMember.Other : EventMember.Source)
            : n.SequenceEqual("series"u8) ? EventMember.Series
            : n.SequenceEqual("action"u8) ? EventMember.CheckedString : EventMember.Other,
        7 => !v1 && n.SequenceEqual("message"u8) ? EventMember.Message
            : n.SequenceEqual("related"u8) ? EventMember.Related : EventMember.Other,
        8 => n.SequenceEqual("metadata"u8) ? EventMember.Metadata : EventMember.Other,
        9 => n.SequenceEqual("eventTime"u8) ? EventMember.EventTime
            : v1 && n.SequenceEqual("regarding"u8) ? EventMember.Involved : EventMember.Other,
        10 => n.SequenceEqual("apiVersion"u8) ? EventMember.CheckedString : EventMember.Other,
        13 => !v1 && n.SequenceEqual("lastTimestamp"u8) ? EventMember.LastTimestamp : EventMember.Other,
        14 => n.SequenceEqual("involvedObject"u8) ? (v1 ? EventMember.CoreInvolvedObject : EventMember.Involved)
            : !v1 && n.SequenceEqual("firstTimestamp"u8) ? EventMember.FirstTimestamp : EventMember.Other,
        15 => v1 && n.SequenceEqual("deprecatedCount"u8) ? EventMember.Count : EventMember.Other,
        16 => v1 && n.SequenceEqual("deprecatedSource"u8) ? EventMember.Source : EventMember.Other,
        17 => n.SequenceEqual("reportingInstance"u8) ? EventMember.ReportingInstance : EventMember.Other,
        18 => !v1 && n.SequenceEqual("reportingComponent"u8) ? EventMember.Reporter : EventMember.Other,
        19 => v1 && n.SequenceEqual("reportingController"u8) ? EventMember.Reporter : EventMember.Other,
        23 => v1 && n.SequenceEqual("deprecatedLastTimestamp"u8) ? EventMember.LastTimestamp : EventMember.Other,
        24 => v1 && n.SequenceEqual("deprecatedFirstTimestamp"u8) ? EventMember.FirstTimestamp : EventMember.Other,
        _ => EventMember.Other,
    };

    /// <summary>Skips a member's value; notes an involvedObject member of an events.k8s.io Event.</summary>
    private static bool Skip(ref Utf8JsonReader r, ref bool involvedObjectMember, bool isInvolvedObject)
    {
        involvedObjectMember |= isInvolvedObject;
        r.Skip();
        return true;
    }

    /// <summary>V1ObjectMeta of an Event: uid, namespace, name (its position), creationTimestamp, the topLevelSpan annotation; the rest checked.</summary>
    private static bool EventMetadata(ref Utf8JsonReader r, ref EventFields e, out int nameAt, out int namespaceAt)
    {
        // A repeated metadata replaces the first one whole, as the serializer does.
        nameAt = namespaceAt = -1;
        e.HasMetadata = false;
        e.Uid = null;
        e.PackedUid = null;
        e.Created = null;
        e.TopLevelSpan = false;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        e.HasMetadata = true;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var name = r.ValueSpan;
            r.Read();
            bool ok;
            if (name.SequenceEqual("name"u8)) ok = Defer(ref r, out nameAt);
            else if (name.SequenceEqual("uid"u8)) ok = EventUid(ref r, ref e);
            else if (name.SequenceEqual("namespace"u8)) ok = Defer(ref r, out namespaceAt);
            else if (name.SequenceEqual("creationTimestamp"u8)) ok = Time(ref r, out e.Created);
            else if (name.SequenceEqual("resourceVersion"u8) || name.SequenceEqual("generateName"u8) || name.SequenceEqual("selfLink"u8)) ok = CheckString(ref r);
            else if (name.SequenceEqual("annotations"u8)) ok = StringMap(ref r, out e.TopLevelSpan);
            else if (name.SequenceEqual("labels"u8)) ok = StringMap(ref r, out _);
            else if (name.SequenceEqual("managedFields"u8)) ok = CheckManagedFields(ref r);
            else if (name.SequenceEqual("ownerReferences"u8)) ok = CheckOwnerReferences(ref r);
            else if (name.SequenceEqual("finalizers"u8)) ok = CheckStringList(ref r);
            else if (name.SequenceEqual("generation"u8) || name.SequenceEqual("deletionGracePeriodSeconds"u8)) ok = Int64(ref r, out _);
            else if (name.SequenceEqual("deletionTimestamp"u8)) ok = Time(ref r, out _);
            else
            {
                r.Skip();
                ok = true;
            }
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>V1ObjectReference: involvedObject / regarding (kept), or related (checked only).</summary>
    private static bool Reference(ref Utf8JsonReader r, ref EventFields e, bool keep, out bool isObject)
    {
        isObject = false;
        if (keep)
        {
            e.InvolvedKind = e.InvolvedName = e.InvolvedNamespace = e.InvolvedUid = e.FieldPath = null;
        }
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        isObject = true;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var name = r.ValueSpan;
            r.Read();
            bool ok;
            if (!keep)
            {
                ok = name.SequenceEqual("kind"u8) || name.SequenceEqual("name"u8) || name.SequenceEqual("namespace"u8) || name.SequenceEqual("uid"u8)
                    || name.SequenceEqual("fieldPath"u8) || name.SequenceEqual("apiVersion"u8) || name.SequenceEqual("resourceVersion"u8)
                    ? CheckString(ref r)
                    : r.TrySkip();
            }
            else if (name.SequenceEqual("kind"u8)) ok = String(ref r, out e.InvolvedKind);
            else if (name.SequenceEqual("name"u8)) ok = String(ref r, out e.InvolvedName);
            else if (name.SequenceEqual("namespace"u8)) ok = String(ref r, out e.InvolvedNamespace);
            else if (name.SequenceEqual("uid"u8)) ok = String(ref r, out e.InvolvedUid);
            else if (name.SequenceEqual("fieldPath"u8)) ok = String(ref r, out e.FieldPath);
            else if (name.SequenceEqual("apiVersion"u8) || name.SequenceEqual("resourceVersion"u8)) ok = CheckString(ref r);
            else
            {
                r.Skip();
                ok = true;
            }
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>V1EventSource: source / deprecatedSource (where its strings are).</summary>
    private static bool Source(ref Utf8JsonReader r, out int componentAt, out int hostAt)
    {
        componentAt = hostAt = -1;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var name = r.ValueSpan;
            r.Read();
            bool ok;
            if (name.SequenceEqual("component"u8)) ok = Defer(ref r, out componentAt);
            else if (name.SequenceEqual("host"u8)) ok = Defer(ref r, out hostAt);
            else
            {
                r.Skip();
                ok = true;
            }
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>Corev1EventSeries: count and lastObservedTime, both nullable.</summary>
    private static bool SeriesCore(ref Utf8JsonReader r, ref EventFields e)
    {
        e.HasSeries = false;
        e.SeriesCount = null;
        e.SeriesLastObserved = null;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        e.HasSeries = true;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var name = r.ValueSpan;
            r.Read();
            bool ok;
            if (name.SequenceEqual("count"u8)) ok = Int32(ref r, out e.SeriesCount);
            else if (name.SequenceEqual("lastObservedTime"u8)) ok = Time(ref r, out e.SeriesLastObserved);
            else
            {
                r.Skip();
                ok = true;
            }
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>Eventsv1EventSeries: count and lastObservedTime are not nullable there (0 and Go's zero time when missing; a JSON null is the reference's to judge).</summary>
    private static bool SeriesV1(ref Utf8JsonReader r, ref EventFields e)
    {
        e.HasSeries = false;
        e.SeriesCount = null;
        e.SeriesLastObserved = null;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        e.HasSeries = true;
        e.SeriesCount = 0;
        e.SeriesLastObserved = default(DateTime);
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var name = r.ValueSpan;
            r.Read();
            bool ok;
            if (name.SequenceEqual("count"u8)) ok = r.TokenType != JsonTokenType.Null && Int32(ref r, out e.SeriesCount);
            else if (name.SequenceEqual("lastObservedTime"u8)) ok = r.TokenType != JsonTokenType.Null && Time(ref r, out e.SeriesLastObserved);
            else
            {
                r.Skip();
                ok = true;
            }
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>type: Warning or not; checked as the string it is read as.</summary>
    private static bool IsWarning(ref Utf8JsonReader r, out bool warning)
    {
        warning = r.TokenType == JsonTokenType.String && r.ValueTextEquals("Warning"u8);
        return CheckString(ref r);
    }

    /// <summary>A map of strings (labels, annotations) as IDictionary&lt;string, string&gt; reads it; whether its last topLevelSpan key says "true".</summary>
    private static bool StringMap(ref Utf8JsonReader r, out bool topLevelSpan)
    {
        topLevelSpan = false;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (!Decodes(ref r)) return false;
            var top = r.ValueTextEquals("topLevelSpan"u8);
            r.Read();
            if (!CheckString(ref r)) return false;
            if (top) topLevelSpan = r.TokenType == JsonTokenType.String && r.ValueTextEquals("true"u8);
        }
        return true;
    }

    /// <summary>IList&lt;string&gt;: finalizers.</summary>
    private static bool CheckStringList(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartArray) return false;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (!CheckString(ref r)) return false;
        }
        return true;
    }

    /// <summary>IList&lt;V1ManagedFieldsEntry&gt; of an Event's metadata: checked, not used.</summary>
    private static bool CheckManagedFields(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartArray) return false;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType == JsonTokenType.Null) continue;
            if (r.TokenType != JsonTokenType.StartObject) return false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueIsEscaped) return false;
                var name = r.ValueSpan;
                r.Read();
                bool ok;
                if (name.SequenceEqual("manager"u8) || name.SequenceEqual("operation"u8) || name.SequenceEqual("apiVersion"u8)
                    || name.SequenceEqual("fieldsType"u8) || name.SequenceEqual("subresource"u8))
                {
                    ok = CheckString(ref r);
                }
                else if (name.SequenceEqual("time"u8)) ok = Time(ref r, out _);
                else
                {
                    r.Skip(); // fieldsV1 (any JSON value) and members the model does not have
                    ok = true;
                }
                if (!ok) return false;
            }
        }
        return true;
    }

    /// <summary>IList&lt;V1OwnerReference&gt; of an Event's metadata: checked, not used.</summary>
    private static bool CheckOwnerReferences(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartArray) return false;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType == JsonTokenType.Null) continue;
            if (r.TokenType != JsonTokenType.StartObject) return false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueIsEscaped) return false;
                var name = r.ValueSpan;
                r.Read();
                bool ok;
                if (name.SequenceEqual("kind"u8) || name.SequenceEqual("name"u8) || name.SequenceEqual("uid"u8) || name.SequenceEqual("apiVersion"u8)) ok = CheckString(ref r);
                else if (name.SequenceEqual("controller"u8) || name.SequenceEqual("blockOwnerDeletion"u8)) ok = Boolean(ref r, out _);
                else
                {
                    r.Skip();
                    ok = true;
                }
                if (!ok) return false;
            }
        }
        return true;
    }

    // ---- Objects: ObjectDocument / ObjectMetadata ----

    private static bool TryReadObject(string cluster, SourceDocument doc, [NotNullWhen(true)] out IFact? fact)
    {
        fact = null;
        var r = new Utf8JsonReader(doc.Json.Span, ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
        var m = default(ObjectFields);
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var isMetadata = r.ValueSpan.SequenceEqual("metadata"u8);
            r.Read();
            if (!isMetadata) r.Skip();
            else if (!ObjectMetadata(ref r, out m)) return false;
        }
        if (r.TokenType != JsonTokenType.EndObject || r.Read()) return false;

        var uid = KubeDecoder.NonEmpty(m.Uid);
        if (!m.HasMetadata || uid is null) return false;
        fact = KubeDecoder.BuildObject(
            cluster, doc, uid, m.Namespace, m.Name, m.Generation, m.Created, m.Deleted, m.ResourceVersion,
            m.Owners.IsDefault ? ImmutableArray<OwnerRef>.Empty : m.Owners, m.ManagedFields);
        return true;
    }

    /// <summary>What <see cref="Ingest.ObjectMetadata"/> reads, member by member as it reads it (its converters' checks included).</summary>
    private static bool ObjectMetadata(ref Utf8JsonReader r, out ObjectFields m)
    {
        m = default;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        m.HasMetadata = true;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var name = r.ValueSpan;
            r.Read();
            bool ok;
            if (name.SequenceEqual("uid"u8)) ok = String(ref r, out m.Uid);
            else if (name.SequenceEqual("name"u8)) ok = String(ref r, out m.Name);
            else if (name.SequenceEqual("namespace"u8)) ok = String(ref r, out m.Namespace);
            else if (name.SequenceEqual("creationTimestamp"u8)) ok = Time(ref r, out m.Created);
            else if (name.SequenceEqual("deletionTimestamp"u8)) ok = Time(ref r, out m.Deleted);
            else if (name.SequenceEqual("generation"u8)) ok = Int64(ref r, out m.Generation);
            else if (name.SequenceEqual("resourceVersion"u8)) ok = ResourceVersion(ref r, out m.ResourceVersion);
            else if (name.SequenceEqual("ownerReferences"u8)) ok = OwnerReferences(ref r, out m.Owners);
            else if (name.SequenceEqual("managedFields"u8)) ok = ManagedFields(ref r, out m.ManagedFields);
            else if (name.SequenceEqual("annotations"u8) || name.SequenceEqual("labels"u8)) ok = ShapeOfStringMap(ref r);
            else if (name.SequenceEqual("finalizers"u8)) ok = ShapeOfStringList(ref r);
            else if (name.SequenceEqual("generateName"u8) || name.SequenceEqual("selfLink"u8)) ok = r.TokenType is JsonTokenType.String or JsonTokenType.Null;
            else if (name.SequenceEqual("deletionGracePeriodSeconds"u8)) ok = Int64(ref r, out _);
            else
            {
                r.Skip();
                ok = true;
            }
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>As <see cref="ResourceVersionConverter"/> reads it.</summary>
    private static bool ResourceVersion(ref Utf8JsonReader r, out long value)
    {
        value = 0;
        switch (r.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                value = r.ValueIsEscaped ? KubeDecoder.ParseResourceVersion(r.GetString()) : KubeDecoder.ParseResourceVersion(r.ValueSpan);
                return true;
            default:
                return false;
        }
    }

    /// <summary>As <see cref="OwnerReferencesConverter"/> and <see cref="OwnerReferenceEntry"/> read them.</summary>
    private static bool OwnerReferences(ref Utf8JsonReader r, out ImmutableArray<OwnerRef> owners)
    {
        owners = ImmutableArray<OwnerRef>.Empty;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartArray) return false;
        OwnerRef? first = null;
        ImmutableArray<OwnerRef>.Builder? more = null;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType == JsonTokenType.Null) continue;
            if (r.TokenType != JsonTokenType.StartObject) return false;
            string? kind = null, name = null, uid = null;
            bool? controller = null;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueIsEscaped) return false;
                var member = r.ValueSpan;
                r.Read();
                bool ok;
                if (member.SequenceEqual("kind"u8)) ok = String(ref r, out kind);
                else if (member.SequenceEqual("name"u8)) ok = String(ref r, out name);
                else if (member.SequenceEqual("uid"u8)) ok = String(ref r, out uid);
                else if (member.SequenceEqual("controller"u8)) ok = Boolean(ref r, out controller);
                else if (member.SequenceEqual("blockOwnerDeletion"u8)) ok = Boolean(ref r, out _);
                else if (member.SequenceEqual("apiVersion"u8)) ok = r.TokenType is JsonTokenType.String or JsonTokenType.Null;
                else
                {
                    r.Skip();
                    ok = true;
                }
                if (!ok) return false;
            }
            var owner = new OwnerRef(kind ?? "", name ?? "", uid ?? "", controller == true);
            if (first is null)
            {
                first = owner;
                continue;
            }
            if (more is null)
            {
                more = ImmutableArray.CreateBuilder<OwnerRef>(4);
                more.Add(first.Value);
            }
            more.Add(owner);
        }
        owners = more is not null ? more.ToImmutable()
            : first is { } one ? ImmutableArray.Create(one)
            : ImmutableArray<OwnerRef>.Empty;
        return true;
    }

    /// <summary>As <see cref="ManagedFieldsConverter"/>, <see cref="ManagedFieldsEntry"/> and <see cref="TouchesSpecConverter"/> read them.</summary>
    private static bool ManagedFields(ref Utf8JsonReader r, out ManagedFieldsSummary summary)
    {
        summary = default;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartArray) return false;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType == JsonTokenType.Null) continue;
            if (r.TokenType != JsonTokenType.StartObject) return false;
            string? manager = null, operation = null;
            DateTime? time = null;
            var touchesSpec = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueIsEscaped) return false;
                var member = r.ValueSpan;
                r.Read();
                bool ok;
                if (member.SequenceEqual("fieldsV1"u8)) ok = TouchesSpec(ref r, out touchesSpec);
                else if (member.SequenceEqual("manager"u8)) ok = String(ref r, out manager);
                else if (member.SequenceEqual("operation"u8)) ok = String(ref r, out operation);
                else if (member.SequenceEqual("time"u8)) ok = Time(ref r, out time);
                else if (member.SequenceEqual("apiVersion"u8) || member.SequenceEqual("fieldsType"u8) || member.SequenceEqual("subresource"u8))
                {
                    ok = r.TokenType is JsonTokenType.String or JsonTokenType.Null;
                }
                else
                {
                    r.Skip();
                    ok = true;
                }
                if (!ok) return false;
            }
            summary = summary.Add(touchesSpec, manager, operation, time);
        }
        return true;
    }

    /// <summary>fieldsV1 is an object with a top-level f:spec member (escapes decoded); any other value is skipped.</summary>
    private static bool TouchesSpec(ref Utf8JsonReader r, out bool found)
    {
        found = false;
        if (r.TokenType != JsonTokenType.StartObject)
        {
            r.Skip();
            return true;
        }
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            found |= r.ValueTextEquals("f:spec"u8);
            r.Read();
            r.Skip();
        }
        return true;
    }

    /// <summary>As <see cref="StringMapShape"/> checks it (null never reaches it).</summary>
    private static bool ShapeOfStringMap(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            r.Read();
            if (r.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) return false;
        }
        return true;
    }

    /// <summary>As <see cref="StringListShape"/> checks it (null never reaches it).</summary>
    private static bool ShapeOfStringList(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.StartArray) return false;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) return false;
        }
        return true;
    }

    /// <summary>What an object's metadata gives its fact.</summary>
    private struct ObjectFields
    {
        public bool HasMetadata;
        public string? Uid;
        public string? Name;
        public string? Namespace;
        public long? Generation;
        public DateTime? Created;
        public DateTime? Deleted;
        public long ResourceVersion;
        public ImmutableArray<OwnerRef> Owners;
        public ManagedFieldsSummary ManagedFields;
    }

    // ---- Values ----

    /// <summary>A string through the cache (as the reference's string converter reads it), or null.</summary>
    private static bool String(ref Utf8JsonReader r, out string? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.String) return false;
        value = StringInterner.Shared.InternString(ref r);
        return true;
    }

    /// <summary>
    /// An Event's uid: a canonical UUID packed from its bytes (no string: one per Event, a tenth of what the pipeline
    /// allocated), anything else read as a string, as <see cref="UniqueString"/> does. A repeated uid replaces the first.
    /// </summary>
    private static bool EventUid(ref Utf8JsonReader r, ref EventFields e)
    {
        e.PackedUid = null;
        e.Uid = null;
        if (r.TokenType == JsonTokenType.String && !r.ValueIsEscaped && !r.HasValueSequence && Model.CompactUid.TryPack(r.ValueSpan, out var packed))
        {
            e.PackedUid = packed;
            return true;
        }
        return UniqueString(ref r, out e.Uid);
    }

    /// <summary>A string new with every document (an Event's uid): read as it is, not through the cache.</summary>
    private static bool UniqueString(ref Utf8JsonReader r, out string? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.String) return false;
        value = r.GetString();
        return true;
    }

    /// <summary>A string or null the fact does not use: checked as the reference reads it (it must decode), not kept.</summary>
    private static bool CheckString(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Null || (r.TokenType == JsonTokenType.String && Decodes(ref r));

    /// <summary>The string or member name decodes to UTF-16 (valid UTF-8, escapes that make valid text); throws or false when not.</summary>
    private static bool Decodes(ref Utf8JsonReader r)
    {
        if (!r.ValueIsEscaped) return Utf8.IsValid(r.ValueSpan);
        var length = r.ValueSpan.Length;
        if (length > 256)
        {
            _ = r.GetString();
            return true;
        }
        Span<char> chars = stackalloc char[256];
        _ = r.CopyString(chars);
        return true;
    }

    /// <summary>The JSON string at a position recorded while reading (-1: null), as it is.</summary>
    private static string? StringAt(ReadOnlySpan<byte> json, int at)
    {
        if (at < 0) return null;
        var r = new Utf8JsonReader(json[at..], isFinalBlock: false, state: default);
        return r.Read() && r.TokenType == JsonTokenType.String ? r.GetString() : throw new JsonException("no string at a recorded position");
    }

    /// <summary>The JSON string at a position recorded while reading (-1: null), through the cache.</summary>
    private static string? InternedAt(ReadOnlySpan<byte> json, int at)
    {
        if (at < 0) return null;
        var r = new Utf8JsonReader(json[at..], isFinalBlock: false, state: default);
        return r.Read() && r.TokenType == JsonTokenType.String ? StringInterner.Shared.InternString(ref r) : throw new JsonException("no string at a recorded position");
    }

    /// <summary>
    /// A time as the decoder's time converter reads it when it takes it itself: the API server's form, or the string
    /// "null" (unset); JSON null is null. Any other value is the reference's to judge.
    /// </summary>
    private static bool Time(ref Utf8JsonReader r, out DateTime? time)
    {
        time = null;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return false;
        var utf8 = r.ValueSpan;
        if (Rfc3339TimeConverter.TryParseUtc(utf8, out var parsed))
        {
            time = parsed;
            return true;
        }
        if (utf8.SequenceEqual("null"u8))
        {
            time = default(DateTime);
            return true;
        }
        return false;
    }

    private static bool Int32(ref Utf8JsonReader r, out int? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.Number || !r.TryGetInt32(out var n)) return false;
        value = n;
        return true;
    }

    private static bool Int64(ref Utf8JsonReader r, out long? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null) return true;
        if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var n)) return false;
        value = n;
        return true;
    }

    private static bool Boolean(ref Utf8JsonReader r, out bool? value)
    {
        value = r.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => null,
        };
        return r.TokenType is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null;
    }
}
