using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s.Models;
using KSpanActors.Ingest;
using KSpanActors.Ingest.Demo;
using KSpanActors.Model;
using static KSpanActors.Tests.Ingest.IngestFixtures;

namespace KSpanActors.Tests.Ingest;

/// <summary>
/// The object decoder reads a minimal metadata DTO; these tests hold it to what decoding through KubernetesClient's
/// V1ObjectMeta gave (the reference below is that decoder as it was), success or failure, fact by fact.
/// </summary>
public class KubeDecoderObjectEquivalenceTests
{
    private static readonly JsonSerializerOptions KubeOptions = KubeDecoder.KubernetesOptions();

    private sealed class MetadataOnly
    {
        [System.Text.Json.Serialization.JsonPropertyName("metadata")]
        public V1ObjectMeta? Metadata { get; set; }
    }

    /// <summary>The decoder before the DTO, on V1ObjectMeta; null when it failed.</summary>
    private static IFact? Reference(SourceDocument doc)
    {
        V1ObjectMeta? meta;
        try
        {
            if (doc.Json.IsEmpty) return null;
            meta = (JsonSerializer.Deserialize<MetadataOnly>(doc.Json.Span, KubeOptions) ?? throw new JsonException()).Metadata;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            return null;
        }

        if (meta is null || string.IsNullOrEmpty(meta.Uid)) return null;
        var created = KubeDecoder.ToUnixNanosOrZero(meta.CreationTimestamp);
        long latest = 0;
        (string? Manager, string? Operation, long Ns)? best = null;
        foreach (var entry in meta.ManagedFields ?? [])
        {
            if (entry is null) continue;
            var ns = KubeDecoder.ToUnixNanosOrZero(entry.Time);
            latest = Math.Max(latest, ns);
            if (entry.FieldsV1 is JsonElement { ValueKind: JsonValueKind.Object } fields && fields.TryGetProperty("f:spec", out _)
                && (best is null || ns >= best.Value.Ns))
            {
                best = (entry.Manager, entry.Operation, ns);
            }
        }

        if (doc.Deleted)
        {
            var deleted = KubeDecoder.ToUnixNanosOrZero(meta.DeletionTimestamp);
            if (deleted == 0) deleted = latest;
            if (deleted == 0) deleted = created;
            return new ObjectDeleted(Cluster, meta.Uid, doc.Kind, meta.NamespaceProperty ?? "", meta.Name ?? "", deleted);
        }

        var owners = (meta.OwnerReferences ?? []).Where(r => r is not null)
            .Select(r => new OwnerRef(r.Kind ?? "", r.Name ?? "", r.Uid ?? "", r.Controller == true)).ToImmutableArray();
        return new ObjectObserved(
            Cluster, meta.Uid, doc.Kind, meta.NamespaceProperty ?? "", meta.Name ?? "",
            meta.Generation is > 0 and var g ? g : 1, created, owners,
            best?.Manager, best?.Operation, best?.Ns ?? 0,
            long.TryParse(meta.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : 0);
    }

    private static string Show(IFact? fact) => fact switch
    {
        null => "error",
        ObjectObserved o => $"{o with { Owners = ImmutableArray<OwnerRef>.Empty }} owners [{string.Join("; ", o.Owners)}]",
        _ => fact.ToString()!,
    };

    private static void AssertSameAsReference(SourceDocument doc)
    {
        var ok = KubeDecoder.TryDecode(Cluster, doc, out var fact, out var error);
        Assert.True(ok == (error is null), "an error exactly when it fails");
        Assert.Equal(Show(Reference(doc)), Show(ok ? fact : null));
    }

    public static TheoryData<string> Documents() =>
    [
        """{"metadata":{"uid":"u","name":"n","namespace":"ns","generation":3,"resourceVersion":"42","creationTimestamp":"2024-01-01T00:00:00.123456Z"}}""",
        """{"metadata":{"uid":"u","resourceVersion":"-1"}}""",
        """{"metadata":{"uid":"u","resourceVersion":" 1"}}""",
        """{"metadata":{"uid":"u","resourceVersion":"99999999999999999999"}}""",
        """{"metadata":{"uid":"u","resourceVersion":"\u0031\u0032"}}""",
        """{"metadata":{"uid":"u","resourceVersion":"12\u0000"}}""",
        """{"metadata":{"uid":"u","resourceVersion":""}}""",
        """{"metadata":{"uid":"u","resourceVersion":null}}""",
        """{"metadata":{"uid":"u","resourceVersion":12}}""",
        """{"metadata":{"uid":"u","generation":0}}""",
        """{"metadata":{"uid":"u","generation":-4}}""",
        """{"metadata":{"uid":"u","generation":1.5}}""",
        """{"metadata":{"uid":"u","generation":null}}""",
        """{"metadata":{"uid":""}}""",
        """{"metadata":null}""",
        """{"metadata":5}""",
        """{"metadata":{"uid":"u"},"metadata":{"uid":"v","name":"second"}}""",
        """{"metadata":{"uid":"u","name":"a","name":"b"}}""",
        """{"Metadata":{"uid":"u"}}""",
        """{"metadata":{"UID":"u"}}""",
        """{"me\u0074adata":{"u\u0069d":"u","namespace":"n\u0073"}}""",
        """{"spec":{"x":[1,2,{"y":null}]},"metadata":{"uid":"u"},"status":"anything"}""",
        """{"metadata":{"uid":"u"}} x""",
        """{"metadata":{"uid":"u"}""",
        """{"metadata":{"uid":"u",}}""",
        """{"metadata":{"uid":"u"} /* c */}""",
        "\"just a string\"",
        """[{"metadata":{"uid":"u"}}]""",
        """{"metadata":{"uid":"u","labels":{"a":"b","c":null}}}""",
        """{"metadata":{"uid":"u","labels":{"a":1}}}""",
        """{"metadata":{"uid":"u","labels":[]}}""",
        """{"metadata":{"uid":"u","labels":null,"annotations":null,"finalizers":null,"generateName":null,"selfLink":null,"deletionGracePeriodSeconds":null}}""",
        """{"metadata":{"uid":"u","annotations":{"a":{"b":"c"}}}}""",
        """{"metadata":{"uid":"u","finalizers":["a",null]}}""",
        """{"metadata":{"uid":"u","finalizers":[1]}}""",
        """{"metadata":{"uid":"u","finalizers":"a"}}""",
        """{"metadata":{"uid":"u","deletionGracePeriodSeconds":30}}""",
        """{"metadata":{"uid":"u","deletionGracePeriodSeconds":"30"}}""",
        """{"metadata":{"uid":"u","deletionGracePeriodSeconds":99999999999999999999}}""",
        """{"metadata":{"uid":"u","generateName":"web-"}}""",
        """{"metadata":{"uid":"u","generateName":7}}""",
        """{"metadata":{"uid":"u","selfLink":true}}""",
        """{"metadata":{"uid":"u","name":5}}""",
        """{"metadata":{"uid":"u","namespace":["x"]}}""",
        """{"metadata":{"uid":"u","creationTimestamp":"2024-03-01T10:00:00.123456789Z"}}""",
        """{"metadata":{"uid":"u","creationTimestamp":"2024-03-01T10:00:00+02:00"}}""",
        """{"metadata":{"uid":"u","creationTimestamp":"0001-01-01T00:00:00Z"}}""",
        """{"metadata":{"uid":"u","creationTimestamp":"yesterday"}}""",
        """{"metadata":{"uid":"u","creationTimestamp":5}}""",
        """{"metadata":{"uid":"u","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","uid":"ru","controller":true,"blockOwnerDeletion":true}]}}""",
        """{"metadata":{"uid":"u","ownerReferences":[null,{"kind":"A"},{"name":"b","controller":false},{"uid":"c","controller":null}]}}""",
        """{"metadata":{"uid":"u","ownerReferences":[null]}}""",
        """{"metadata":{"uid":"u","ownerReferences":[]}}""",
        """{"metadata":{"uid":"u","ownerReferences":null}}""",
        """{"metadata":{"uid":"u","ownerReferences":[1]}}""",
        """{"metadata":{"uid":"u","ownerReferences":{"kind":"A"}}}""",
        """{"metadata":{"uid":"u","ownerReferences":[{"kind":"A","controller":"yes"}]}}""",
        """{"metadata":{"uid":"u","ownerReferences":[{"kind":"A","blockOwnerDeletion":1}]}}""",
        """{"metadata":{"uid":"u","ownerReferences":[{"kind":"A","apiVersion":1}]}}""",
        """{"metadata":{"uid":"u","ownerReferences":[{"kind":"A","extra":{"x":1}}],"ownerReferences":[{"kind":"B"}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","operation":"Update","time":"2024-01-01T00:00:01Z","fieldsV1":{"f:spec":{}}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","fieldsV1":{"f\u003aspec":{}}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","fieldsV1":{"f:specs":{},"f:status":{"f:spec":{}}}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","fieldsV1":[{"f:spec":{}}]},{"manager":"n","fieldsV1":"f:spec"},{"manager":"o","fieldsV1":null}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","fieldsV1":{"f:spec":1,"f:spec":null}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"a","fieldsV1":{"f:spec":{}}},{"manager":"b","fieldsV1":{"f:spec":{}}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"a","time":"2024-01-01T00:00:05Z","fieldsV1":{"f:spec":{}}},{"manager":"b","fieldsV1":{"f:spec":{}}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":null,"operation":null,"time":null,"fieldsV1":{"f:spec":{}}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[null,{"manager":"m","time":"2024-01-01T00:00:00Z"}]}}""",
        """{"metadata":{"uid":"u","managedFields":[1]}}""",
        """{"metadata":{"uid":"u","managedFields":{}}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":1}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"operation":true}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"time":"soon"}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"apiVersion":1}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"fieldsType":[]}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"subresource":{}}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","fieldsV1":{"f:spec":{"f:a":[1,{"b":"c"}]}},"unknown":[1]}]}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","fieldsV1":{"f:spec":{}}}],"managedFields":null}}""",
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public void An_object_decodes_as_it_did_through_V1ObjectMeta(string json)
    {
        AssertSameAsReference(Doc("Pod", json));
        AssertSameAsReference(Doc("Pod", json, deleted: true));
    }

    [Fact]
    public void A_deletion_falls_back_to_managed_fields_then_creation_as_it_did()
    {
        AssertSameAsReference(Doc("Pod", """
            {"metadata":{"uid":"u","creationTimestamp":"2024-01-01T00:00:00Z","deletionTimestamp":"0001-01-01T00:00:00Z",
             "managedFields":[{"manager":"a","time":"2024-01-01T00:00:07Z"},{"manager":"b","time":"2024-01-01T00:00:04Z"},null]}}
            """, deleted: true));
    }

    [Fact]
    public void Every_generated_demo_object_decodes_as_it_did_through_V1ObjectMeta()
    {
        var objects = 0;
        foreach (var item in DemoGenerator.Generate(DemoScenario.ForScale(3_000, 400)))
        {
            if (string.Equals(item.Document.Kind, "Event", StringComparison.Ordinal)) continue;
            objects++;
            var doc = item.Document with { };
            var ok = KubeDecoder.TryDecode(Cluster, doc, out var fact, out var error);
            Assert.True(ok, error);
            Assert.Equal(Show(Reference(doc)), Show(fact).Replace(item.Cluster, Cluster, StringComparison.Ordinal));
        }
        Assert.True(objects > 100, $"only {objects} objects");
    }

    [Fact]
    public void Fact_strings_that_repeat_share_one_instance()
    {
        var a = Decode<ObjectObserved>(Doc("Pod", """{"metadata":{"uid":"u1","namespace":"shop","ownerReferences":[{"kind":"ReplicaSet","name":"r","uid":"x"}],"managedFields":[{"manager":"kubelet","operation":"Update","fieldsV1":{"f:spec":{}}}]}}"""));
        var b = Decode<ObjectObserved>(Doc(new string("Pod".AsSpan()), """{"metadata":{"uid":"u2","namespace":"shop","ownerReferences":[{"kind":"ReplicaSet","name":"r","uid":"x"}],"managedFields":[{"manager":"kubelet","operation":"Update","fieldsV1":{"f:spec":{}}}]}}"""));
        Assert.Same(a.Namespace, b.Namespace);
        Assert.Same(a.Kind, b.Kind);
        Assert.Same(a.Owners[0].Kind, b.Owners[0].Kind);
        Assert.Same(a.SpecManager, b.SpecManager);
        Assert.Same(a.SpecOperation, b.SpecOperation);

        var e1 = Decode<EventObserved>(Doc("Event", """{"metadata":{"uid":"e1","namespace":"shop","creationTimestamp":"2024-01-01T00:00:00Z"},"involvedObject":{"kind":"Pod","name":"p","fieldPath":"spec.containers{app}"},"reason":"BackOff","source":{"component":"kubelet","host":"node-a"}}"""));
        var e2 = Decode<EventObserved>(Doc("Event", """{"metadata":{"uid":"e2","namespace":"shop","creationTimestamp":"2024-01-01T00:00:00Z"},"involvedObject":{"kind":"Pod","name":"p","fieldPath":"spec.containers{app}"},"reason":"BackOff","source":{"component":"kubelet","host":"node-a"}}"""));
        Assert.Same(e1.Reason, e2.Reason);
        Assert.Same(e1.Kind, e2.Kind);
        Assert.Same(e1.Namespace, e2.Namespace);
        Assert.Same(e1.FieldPath, e2.FieldPath);
        Assert.Same(e1.Service, e2.Service);
        Assert.Same(e1.Instance, e2.Instance);
        Assert.Same(a.Namespace, e1.Namespace);
    }

    [Fact]
    public void An_object_document_allocates_far_less_than_its_json()
    {
        var doc = Doc("ReplicaSet", """
            {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"annotations":{"deployment.kubernetes.io/revision":"1"},"creationTimestamp":"2026-01-01T10:00:07Z","generation":1,"labels":{"app":"web","pod-template-hash":"rl44tn5h4j"},
             "managedFields":[{"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{}}}}}}},"manager":"kube-controller-manager","operation":"Update","time":"2026-01-01T10:00:07Z"},
               {"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:replicas":{}}},"manager":"kube-controller-manager","operation":"Update","subresource":"status","time":"2026-01-01T10:00:07Z"}],
             "name":"web-rl44tn5h4j","namespace":"team-1","ownerReferences":[{"apiVersion":"apps/v1","blockOwnerDeletion":true,"controller":true,"kind":"Deployment","name":"web","uid":"717fb4c7-a3c0-40b5-975a-6ea90a0d565f"}],
             "resourceVersion":"176726160700001","uid":"0d08d266-ccfd-41f8-b0de-0cea5458d58f"},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"registry.example.com/web:1.1.0","name":"app"}]}}},"status":{"replicas":1}}
            """, apiVersion: "apps/v1");
        for (var i = 0; i < 3; i++) KubeDecoder.TryDecode(Cluster, doc, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(KubeDecoder.TryDecode(Cluster, doc, out _, out _));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Through V1ObjectMeta this document cost about 4 KB (labels, annotations, a cloned fieldsV1 per entry).
        Assert.True(allocated < 1_600, $"{allocated} bytes");
    }
}
