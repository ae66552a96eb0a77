using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KSpanActors.Ingest;
using KSpanActors.Ingest.Demo;
using KSpanActors.Model;
using KSpanActors.Tests.Hostile;

using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Ingest;

/// <summary>
/// The direct decoder (KubeDecoder's hot path, straight from the bytes) against the reference (KubernetesClient's models
/// for Events, ObjectMetadata for objects): whenever the direct decoder takes a document, the reference decodes it too,
/// to an equal fact; when it does not, KubeDecoder hands the document to the reference, so the two never differ. And
/// the direct decoder does take the shapes API servers write (fixtures, the demo generator's documents).
/// </summary>
public sealed class DirectDecoderDifferentialTests
{
    private const string Cluster = "diff";

    /// <summary>Decodes both ways; true when the direct decoder took the document (and then the facts are equal).</summary>
    private static bool AssertSameAsReference(SourceDocument doc, string where)
    {
        var direct = DirectDecoder.TryDecode(Cluster, doc, out var fast);
        var referenceOk = KubeDecoder.TryDecodeWithModels(Cluster, doc, out var reference, out var error);
        if (!direct) return false;
        Assert.True(referenceOk, $"{where}: the direct decoder read {Show(fast)}, the reference fails ({error}) on\n{Text(doc)}");
        Assert.True(Same(fast, reference), $"{where}: direct {Show(fast)}\nreference {Show(reference)}\non\n{Text(doc)}");
        return true;
    }

    private static string Text(SourceDocument doc) => Encoding.UTF8.GetString(doc.Json.Span);

    /// <summary>Records by value; the owners (an ImmutableArray, compared by reference by the record) element by element.</summary>
    private static bool Same(IFact? a, IFact? b) => (a, b) switch
    {
        (ObjectObserved x, ObjectObserved y) => x with { Owners = [] } == y with { Owners = [] } && x.Owners.SequenceEqual(y.Owners),
        _ => Equals(a, b),
    };

    private static string Show(IFact? fact) => fact switch
    {
        null => "nothing",
        ObjectObserved o => $"{o with { Owners = [] }} owners [{string.Join("; ", o.Owners)}]",
        _ => fact.ToString()!,
    };

    private static SourceDocument Doc(string kind, string? apiVersion, byte[] json, bool deleted = false) => new(kind, apiVersion, json, "test", deleted);

    // ---- Real shapes: the direct decoder takes them all ----

    [Fact]
    public void Every_document_of_every_fixture_decodes_to_the_references_fact()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        var documents = 0;
        var untaken = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (ArchiveReader.Kind(file) is null && !InputReader.IsReadable(file)) continue;
            foreach (var doc in InputReader.ReadInput(file, _ => { }, _ => { }))
            {
                documents++;
                var where = $"{Path.GetRelativePath(root, file)} {doc.Origin}";
                var taken = AssertSameAsReference(doc, where);
                AssertSameAsReference(doc with { Deleted = !doc.Deleted }, where + " (deleted flipped)");
                // What the reference decodes, the direct decoder takes, but for the hostile fixtures written to be odd.
                if (!taken && KubeDecoder.TryDecodeWithModels(Cluster, doc, out _, out _) && !where.StartsWith("hostile", StringComparison.Ordinal)) untaken.Add(where);
            }
        }
        Assert.True(documents > 150, $"only {documents} documents");
        Assert.True(untaken.Count == 0, $"left to the reference: {string.Join(", ", untaken)}");
    }

    [Fact]
    public void Every_demo_document_is_decoded_directly_to_the_references_fact()
    {
        var events = 0;
        var objects = 0;
        foreach (var item in DemoGenerator.Generate(DemoScenario.ForScale(3_000, 400)))
        {
            var doc = item.Document;
            Assert.True(AssertSameAsReference(doc, doc.Origin), $"{doc.Origin} left to the reference:\n{Text(doc)}");
            if (doc.Kind == "Event") events++;
            else objects++;
        }
        Assert.True(events > 1_000 && objects > 100, $"{events} events, {objects} objects");
    }

    [Fact]
    public void A_typical_event_is_decoded_directly_with_only_the_fact_and_its_new_strings_allocated()
    {
        var doc = Doc("Event", "v1", """{"apiVersion":"v1","count":1,"eventTime":null,"firstTimestamp":"2026-01-01T10:00:03Z","involvedObject":{"apiVersion":"v1","kind":"Pod","name":"web-0","namespace":"team-1","uid":"341b26d4-e9ff-44db-b497-7c689516c168","fieldPath":"spec.containers{app}"},"kind":"Event","lastTimestamp":"2026-01-01T10:00:03Z","message":"Started container app","metadata":{"creationTimestamp":"2026-01-01T10:00:03Z","name":"web-0.22841bd3588a085e","namespace":"team-1","resourceVersion":"176726160300001","uid":"28ea8090-f7dd-4f0c-a63e-fee3074a1d88","managedFields":[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:count":{},"f:firstTimestamp":{}},"manager":"kubelet","operation":"Update","time":"2026-01-01T10:00:03Z"}]},"reason":"Started","reportingComponent":"kubelet","reportingInstance":"node-1","source":{"component":"kubelet","host":"node-1"},"type":"Normal"}"""u8.ToArray());
        for (var i = 0; i < 3; i++) Assert.True(KubeDecoder.TryDecode(Cluster, doc, out _, out _));
        var fallbacks = KubeDecoder.DirectFallbacks;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(KubeDecoder.TryDecode(Cluster, doc, out var fact, out _));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(("Pod", "web-0", "Started container app"), (((EventObserved)fact).Kind, ((EventObserved)fact).Name, ((EventObserved)fact).Message));
        // The fact (about 130 B) and the Event's uid (about 100 B); the model path allocated about 1 KB.
        Assert.True(allocated < 300, $"{allocated} bytes allocated");
        // Another test may fall back meanwhile (the counter is the process's): only this document's decode is checked.
        Assert.True(DirectDecoder.TryDecode(Cluster, doc, out _));
        Assert.True(KubeDecoder.DirectFallbacks >= fallbacks);
    }

    // ---- Hand-written odd documents ----

    [Theory]
    [MemberData(nameof(EventModelConvertersTests.Nested), MemberType = typeof(EventModelConvertersTests))]
    public void Odd_event_members_decode_as_the_reference_decodes_them(string json)
    {
        var withRest = json.EndsWith('}') ? json[..^1] + ""","reason":"BackOff","message":"m","count":2,"lastTimestamp":"2024-01-01T00:00:02Z","type":"Warning"}""" : json;
        var withUid = withRest.Replace("{\"metadata\":{", "{\"metadata\":{\"uid\":\"e\",", StringComparison.Ordinal);
        foreach (var text in new[] { json, withRest, withUid })
        {
            AssertSameAsReference(Doc("Event", "v1", Encoding.UTF8.GetBytes(text)), text);
            var v1 = text.Replace("\"involvedObject\"", "\"regarding\"", StringComparison.Ordinal).Replace("\"source\"", "\"deprecatedSource\"", StringComparison.Ordinal)
                .Replace("\"message\"", "\"note\"", StringComparison.Ordinal).Replace("\"count\":2", "\"deprecatedCount\":2", StringComparison.Ordinal)
                .Replace("\"lastTimestamp\"", "\"deprecatedLastTimestamp\"", StringComparison.Ordinal);
            AssertSameAsReference(Doc("Event", "events.k8s.io/v1", Encoding.UTF8.GetBytes(v1)), v1);
        }
    }

    [Theory]
    [MemberData(nameof(KubeDecoderObjectEquivalenceTests.Documents), MemberType = typeof(KubeDecoderObjectEquivalenceTests))]
    public void Odd_object_metadata_decodes_as_the_reference_decodes_it(string json)
    {
        AssertSameAsReference(Doc("Pod", "v1", Encoding.UTF8.GetBytes(json)), json);
        AssertSameAsReference(Doc("Pod", "v1", Encoding.UTF8.GetBytes(json), deleted: true), json + " (deleted)");
    }

    public static TheoryData<string, string> OddEvents() => new()
    {
        { "v1", """{"metadata":{"uid":"u","name":"e","namespace":"ns","annotations":{"topLevelSpan":"true","topLevelSpan":"false"}},"involvedObject":{"kind":"Pod","name":"p"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","annotations":{"topLevelSpan":"false","topLevelSpan":"true"}},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","annotations":{"topLevelSpan":"true"},"annotations":{"a":"b"}},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","annotations":{"topLevel\u0053pan":"tr\u0075e"}},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","annotations":{"topLevelSpan":null}},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","annotations":{"topLevelSpan":"TRUE"}},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","annotations":{"\ud800":"x"}},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","name":"n\ud800"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","name":"a\"b\u00e9","namespace":"ns"},"involvedObject":{"kind":"Pod"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","name":"e"},"involvedObject":{"kind":"Pod","name":"p"},"involvedObject":{"name":"q"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"metadata":{"name":"e"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"name":"e"},"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"series":{"count":3},"series":null,"count":5,"lastTimestamp":"2024-01-01T00:00:00Z","firstTimestamp":"2024-01-01T00:00:00Z","eventTime":"2023-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"series":null,"series":{"count":3},"count":5,"lastTimestamp":"2024-01-01T00:00:00Z","firstTimestamp":"2024-01-01T00:00:00Z","eventTime":"2023-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"source":{"component":"a","host":"h"},"source":{"component":"b"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"reportingComponent":"null","reportingInstance":"null","source":{"component":"null","host":"null"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"type":"Warning","type":"Normal","reason":"A","reason":null,"message":"m","message":null,"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"type":"W\u0061rning","message":"say \"hi\" \u003cb\u003e","lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z","lastTimestamp":"null","eventTime":"2024-01-01T00:00:05.5Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:0\u0030Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"1600-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z","firstTimestamp":"1600-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00.1234567891Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01 00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z","action":5}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z","apiVersion":"v\ud800"}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z","kind":{}}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z","related":{"kind":5}}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z","related":{"kind":"Node","name":"n","extra":[1]}}""" },
        { "v1", """{"metadata":{"uid":"u","resourceVersion":7},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","managedFields":[{"manager":"kubelet","time":"2024-01-01T00:00:00+01:00"}]},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","managedFields":[{"manager":"kubelet","fieldsV1":[1,"x",null],"time":null}]},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","ownerReferences":[{"kind":"A","controller":1}]},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u","ownerReferences":[{"kind":"A","controller":true},null]},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"$id":"1","metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"$type":"x","metadata":{"$ref":"1","uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"m\u0065tadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"count":2147483648,"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """{"metadata":{"uid":"u"},"count":2e0,"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "v1", """  {"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z"}  """ },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z"}{}""" },
        { "v1", """{"metadata":{"uid":"u"},"lastTimestamp":"2024-01-01T00:00:00Z"} // c""" },
        { "v1", "null" },
        { "v1", "[]" },
        { "v1", "" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"series":{"count":null,"lastObservedTime":"2024-01-01T00:00:00Z"}}""" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"series":{"count":2,"lastObservedTime":null},"eventTime":"2024-01-01T00:00:00Z"}""" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"series":{"count":2,"lastObservedTime":"null"},"eventTime":"2024-01-01T00:00:00Z"}""" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"series":{},"eventTime":"2024-01-01T00:00:00Z","deprecatedCount":4,"deprecatedFirstTimestamp":"2023-01-01T00:00:00Z"}""" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"involvedObject":{"kind":"Pod","name":"p"},"message":"m","source":{"component":"kubelet"},"lastTimestamp":"2024-01-01T00:00:00Z"}""" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"involvedObject":{"kind":"Pod","name":"p"},"note":"n","eventTime":"2024-01-01T00:00:00Z"}""" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"involvedObject":{"kind":"Pod","name":"p"},"regarding":null,"eventTime":"2024-01-01T00:00:00Z"}""" },
        { "events.k8s.io/v1", """{"metadata":{"uid":"u"},"regarding":{"kind":"Pod","name":"p"},"count":"not checked","eventTime":"2024-01-01T00:00:00Z"}""" },
    };

    [Theory]
    [MemberData(nameof(OddEvents))]
    public void Odd_events_decode_as_the_reference_decodes_them(string apiVersion, string json) =>
        AssertSameAsReference(Doc("Event", apiVersion, Encoding.UTF8.GetBytes(json)), json);

    [Fact]
    public void Strings_that_are_not_valid_UTF8_decode_as_the_reference_decodes_them()
    {
        var templates = new[]
        {
            """{"metadata":{"uid":"u","name":"X"},"involvedObject":{"kind":"Pod"},"lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u","resourceVersion":"X"},"lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u","labels":{"X":"a"}},"lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u","annotations":{"a":"X"}},"lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u"},"action":"X","lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u"},"message":"X","lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u"},"related":{"apiVersion":"X"},"lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u","managedFields":[{"fieldsType":"X"}]},"lastTimestamp":"2024-01-01T00:00:00Z"}""",
            """{"metadata":{"uid":"u","name":"X","labels":{"X":"X"},"annotations":{"X":"X"}},"spec":"X"}""",
            """{"metadata":{"uid":"u","ownerReferences":[{"apiVersion":"X","kind":"A"}],"managedFields":[{"fieldsType":"X","fieldsV1":{"X":1}}]}}""",
        };
        foreach (var template in templates)
        {
            foreach (var bad in new byte[][] { [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC3, 0xA9] })
            {
                var bytes = Encoding.UTF8.GetBytes(template).SelectMany(b => b == (byte)'X' ? [(byte)'a', .. bad] : new[] { b }).ToArray();
                AssertSameAsReference(Doc("Event", "v1", bytes), $"{template} with {Convert.ToHexString(bad)}");
                AssertSameAsReference(Doc("Pod", "v1", bytes), $"{template} (as a Pod) with {Convert.ToHexString(bad)}");
            }
        }
    }

    // ---- Mutations: every member, every JSON type, duplicates, escapes, truncation ----

    private static readonly string[] Placeholders = ["__BAD_UTF8__", "__LONE_SURROGATE__"];

    private static JsonNode?[] Replacements() =>
    [
        null, 42, -1, 0, 3_000_000_000L, 1.5, true, false, "", "x", "null", "Warning", "true", "Pod",
        "0001-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:00+02:00",
        "2024-02-30T00:00:00Z", "1600-01-01T00:00:00Z", "é\"<&", new JsonArray(), new JsonArray("a", null), new JsonObject(),
        new JsonObject { ["a"] = "b" }, new JsonObject { ["f:spec"] = new JsonObject() }, .. Placeholders,
    ];

    /// <summary>Realistic documents to mutate: (kind, apiVersion, JSON).</summary>
    private static IEnumerable<(string Kind, string ApiVersion, JsonObject Json)> Templates()
    {
        foreach (var t in MutationPropertyTests.Story(7, 3)) yield return t;
        yield return ("Event", "v1", JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Event","action":"Sync",
             "metadata":{"name":"podinfo.17c9","namespace":"apps","uid":"f2000000-0000-4000-8000-000000000002","resourceVersion":"9","creationTimestamp":"2024-05-02T09:30:04Z",
               "annotations":{"kustomize.toolkit.fluxcd.io/revision":"main@sha1:4f1c","topLevelSpan":"true"},"labels":{"app":"podinfo"},"generation":1,
               "finalizers":["x"],"generateName":"podinfo.","selfLink":"/api/v1/x","deletionGracePeriodSeconds":0,"deletionTimestamp":"2024-05-02T09:31:00Z",
               "managedFields":[{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:count":{},"f:message":{}},"manager":"kustomize-controller","operation":"Update","time":"2024-05-02T09:30:04Z"}],
               "ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p","uid":"x","controller":true,"blockOwnerDeletion":false}]},
             "involvedObject":{"kind":"StatefulSet","name":"podinfo","namespace":"apps","apiVersion":"apps/v1","resourceVersion":"5","uid":"s1","fieldPath":"spec"},
             "related":{"kind":"Node","name":"node-a"},
             "reason":"Sync","message":"StatefulSet/apps/podinfo configured","type":"Warning","count":3,
             "firstTimestamp":"2024-05-02T09:30:01Z","lastTimestamp":"2024-05-02T09:30:04Z","eventTime":"2024-05-02T09:30:00.123456Z",
             "series":{"count":2,"lastObservedTime":"2024-05-02T09:30:05.5Z"},
             "source":{"component":"kustomize-controller","host":"node-a"},"reportingComponent":"flux","reportingInstance":"flux-1"}
            """)!.AsObject());
        yield return ("Event", "events.k8s.io/v1", JsonNode.Parse("""
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"p.18d","namespace":"ns","uid":"ev1","creationTimestamp":"2024-05-02T10:00:03Z"},
             "eventTime":"2024-05-02T10:00:03.123456Z","series":{"count":5,"lastObservedTime":"2024-05-02T10:00:09.000000Z"},
             "regarding":{"kind":"Pod","name":"p","namespace":"ns","uid":"pu"},"related":{"kind":"Node","name":"n"},
             "reason":"BackOff","note":"Back-off restarting failed container","type":"Warning","action":"Restart",
             "reportingController":"kubelet","reportingInstance":"node-1","deprecatedCount":3,"deprecatedSource":{"component":"kubelet","host":"node-1"},
             "deprecatedFirstTimestamp":"2024-05-02T10:00:01Z","deprecatedLastTimestamp":"2024-05-02T10:00:02Z"}
            """)!.AsObject());
        yield return ("ReplicaSet", "apps/v1", JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"annotations":{"deployment.kubernetes.io/revision":"1"},"creationTimestamp":"2026-01-01T10:00:07Z","deletionTimestamp":"2026-01-01T10:05:00Z","generation":2,"labels":{"app":"web"},
             "managedFields":[{"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{}},"f:spec":{"f:replicas":{}}},"manager":"kube-controller-manager","operation":"Update","time":"2026-01-01T10:00:07Z"},
               {"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:replicas":{}}},"manager":"kube-controller-manager","operation":"Update","subresource":"status","time":"2026-01-01T10:00:08Z"}],
             "name":"web-rl44tn5h4j","namespace":"team-1","finalizers":["f"],"generateName":"web-","selfLink":"/x","deletionGracePeriodSeconds":30,
             "ownerReferences":[{"apiVersion":"apps/v1","blockOwnerDeletion":true,"controller":true,"kind":"Deployment","name":"web","uid":"717fb4c7"},{"kind":"Other","name":"o","uid":"o1"}],
             "resourceVersion":"176726160700001","uid":"0d08d266-ccfd-41f8-b0de-0cea5458d58f"},
             "spec":{"replicas":1,"template":{"metadata":{"labels":{"app":"web"}}}},"status":{"replicas":1}}
            """)!.AsObject());
    }

    private static byte[] Encode(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json.Replace("\"__LONE_SURROGATE__\"", "\"\\ud800x\"", StringComparison.Ordinal));
        var bad = "\"__BAD_UTF8__\""u8;
        var at = bytes.AsSpan().IndexOf(bad);
        while (at >= 0)
        {
            bytes = [.. bytes[..at], (byte)'"', (byte)'a', 0xFF, (byte)'"', .. bytes[(at + bad.Length)..]];
            at = bytes.AsSpan().IndexOf(bad);
        }
        return bytes;
    }

    /// <summary>The tree as JSON with one more member in <paramref name="target"/>: before its others or after them.</summary>
    private static string WithDuplicate(JsonNode root, JsonObject target, string key, JsonNode? extra, bool first)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            void Write(JsonNode? node)
            {
                switch (node)
                {
                    case JsonObject o:
                        writer.WriteStartObject();
                        if (first && ReferenceEquals(o, target))
                        {
                            writer.WritePropertyName(key);
                            Write(extra);
                        }
                        foreach (var (k, v) in o)
                        {
                            writer.WritePropertyName(k);
                            Write(v);
                        }
                        if (!first && ReferenceEquals(o, target))
                        {
                            writer.WritePropertyName(key);
                            Write(extra);
                        }
                        writer.WriteEndObject();
                        break;
                    case JsonArray a:
                        writer.WriteStartArray();
                        foreach (var v in a) Write(v);
                        writer.WriteEndArray();
                        break;
                    case null:
                        writer.WriteNullValue();
                        break;
                    default:
                        node.WriteTo(writer);
                        break;
                }
            }
            Write(root);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Every_member_replaced_by_every_kind_of_value_decodes_as_the_reference_decodes_it()
    {
        var taken = 0;
        var total = 0;
        foreach (var (kind, apiVersion, template) in Templates())
        {
            var original = template.ToJsonString();
            Assert.True(AssertSameAsReference(Doc(kind, apiVersion, Encode(original)), original), $"the template is left to the reference: {original}");
            var slotCount = JsonSlots.Of(template).Count;
            for (var s = 0; s < slotCount; s++)
            {
                foreach (var value in Replacements().Append(null).Select((v, i) => (v, i)))
                {
                    var doc = JsonNode.Parse(original)!;
                    var (parent, key, index) = JsonSlots.Of(doc)[s];
                    if (value.i == Replacements().Length)
                    {
                        // the last round deletes the member instead
                        if (key is not null) ((JsonObject)parent).Remove(key);
                        else ((JsonArray)parent).RemoveAt(index);
                    }
                    else
                    {
                        JsonSlots.Set(parent, key, index, value.v?.DeepClone());
                    }
                    var json = doc.ToJsonString();
                    foreach (var deleted in kind == "Event" ? [false] : new[] { false, true })
                    {
                        total++;
                        if (AssertSameAsReference(Doc(kind, apiVersion, Encode(json), deleted), $"{kind} slot {key ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {json}")) taken++;
                    }
                }
            }
        }
        Assert.True(taken > total / 3 && taken < total, $"the direct decoder took {taken} of {total}");
    }

    [Fact]
    public void Repeated_members_and_escaped_member_names_decode_as_the_reference_decodes_them()
    {
        var taken = 0;
        foreach (var (kind, apiVersion, template) in Templates())
        {
            var original = template.ToJsonString();
            foreach (var (parent, key, _) in JsonSlots.Of(template))
            {
                if (key is null) continue;
                var obj = (JsonObject)parent;
                foreach (var extra in new JsonNode?[] { null, "dup", 7, new JsonObject(), obj[key]?.DeepClone() })
                {
                    foreach (var first in new[] { true, false })
                    {
                        var json = WithDuplicate(template, obj, key, extra, first);
                        if (AssertSameAsReference(Doc(kind, apiVersion, Encode(json)), $"{key} repeated: {json}")) taken++;
                    }
                }
                // The member name written with an escape: "\u0075id" for "uid".
                var escaped = original.Replace($"\"{key}\":", $"\"\\u{(int)key[0]:x4}{key[1..]}\":", StringComparison.Ordinal);
                AssertSameAsReference(Doc(kind, apiVersion, Encode(escaped)), $"{key} escaped: {escaped}");
            }
        }
        Assert.True(taken > 100, $"the direct decoder took {taken}");
    }

    [Fact]
    public void Every_truncation_of_an_event_and_an_object_decodes_as_the_reference_decodes_it()
    {
        foreach (var (kind, apiVersion, template) in Templates())
        {
            var bytes = Encoding.UTF8.GetBytes(template.ToJsonString());
            for (var length = 0; length < bytes.Length; length++)
            {
                Assert.False(AssertSameAsReference(Doc(kind, apiVersion, bytes[..length]), $"{kind} cut at {length}"));
            }
        }
    }

    [Fact]
    public void Randomly_mutated_documents_decode_as_the_reference_decodes_them()
    {
        var taken = 0;
        var total = 0;
        foreach (var seed in new[] { 3, 11, 2024, 777 })
        {
            var random = new Random(seed);
            for (var iteration = 0; iteration < 150; iteration++)
            {
                foreach (var (kind, apiVersion, template) in MutationPropertyTests.Story(seed, iteration))
                {
                    var bytes = MutationPropertyTests.Mutate(random, template);
                    var shape = JsonShape.Scan(bytes);
                    var doc = new SourceDocument(shape?.Kind ?? kind, shape?.ApiVersion ?? apiVersion, bytes, "mutated", Deleted: random.Next(10) == 0);
                    total++;
                    if (AssertSameAsReference(doc, $"seed {seed} iteration {iteration} {kind}")) taken++;
                }
            }
        }
        Assert.True(taken > total / 5, $"the direct decoder took {taken} of {total}");
    }
}
