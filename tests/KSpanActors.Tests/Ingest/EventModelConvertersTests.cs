using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using KSpanActors.Ingest;
using KSpanActors.Ingest.Demo;

namespace KSpanActors.Tests.Ingest;

/// <summary>
/// The decoder reads an Event's nested objects with converters of its own (EventModelConverters); the model it gets must
/// be the one KubernetesJson's options give, property for property (compared serialized back), and it must fail where
/// they fail.
/// </summary>
public class EventModelConvertersTests
{
    private static readonly JsonSerializerOptions Kubernetes = KubeDecoder.KubernetesOptions();

    private static string? Read<T>(byte[] json, JsonSerializerOptions options)
    {
        try
        {
            var model = JsonSerializer.Deserialize<T>(json, options);
            return model is null ? "null" : KubernetesJson.Serialize(model);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            return null; // failed
        }
    }

    private static void AssertSameModel<T>(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = Read<T>(bytes, Kubernetes);
        var actual = Read<T>(bytes, KubeDecoder.Options);
        Assert.True(expected is null == actual is null, $"KubernetesJson {(expected is null ? "fails" : "reads")} it, the decoder {(actual is null ? "fails" : "reads")} it: {json}");
        Assert.Equal(expected, actual);
    }

    /// <summary>Values of an Event's metadata, involvedObject, source and series, valid and not.</summary>
    public static TheoryData<string> Nested() =>
    [
        """{"metadata":{"uid":"u","name":"n","namespace":"ns","resourceVersion":"42","creationTimestamp":"2024-01-01T00:00:00.123456Z"}}""",
        """{"metadata":{"uid":"u","generation":3,"generateName":"x-","selfLink":"/a","deletionGracePeriodSeconds":30,"deletionTimestamp":"2024-01-01T00:00:01Z","finalizers":["a"]}}""",
        """{"metadata":{"uid":"u","annotations":{"topLevelSpan":"true"},"labels":{"a":"b","c":null}}}""",
        """{"metadata":{"uid":"u","managedFields":[{"manager":"m","operation":"Update","time":"2024-01-01T00:00:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:count":{}}}]}}""",
        """{"metadata":{"uid":"u","ownerReferences":[{"apiVersion":"v1","kind":"A","name":"a","uid":"x","controller":true}]}}""",
        """{"metadata":{"uid":"u","name":"a","name":"b","uid":"v"}}""",
        """{"metadata":{"uid":"u"},"metadata":{"name":"second"}}""",
        """{"metadata":{"UID":"u","Name":"n"}}""",
        """{"metadata":{"u\u0069d":"u","n\u0061me":"n\u0073"}}""",
        """{"metadata":{"uid":"u","unknown":{"deep":[1,{"x":null}]},"other":[]}}""",
        """{"metadata":{"uid":null,"name":null,"namespace":null,"resourceVersion":null,"creationTimestamp":null,"generation":null,"labels":null,"annotations":null,"managedFields":null,"ownerReferences":null,"finalizers":null}}""",
        """{"metadata":null}""",
        """{"metadata":{}}""",
        """{"metadata":5}""",
        """{"metadata":[]}""",
        """{"metadata":"x"}""",
        """{"metadata":{"uid":5}}""",
        """{"metadata":{"uid":true}}""",
        """{"metadata":{"uid":{}}}""",
        """{"metadata":{"generation":"3"}}""",
        """{"metadata":{"generation":1.5}}""",
        """{"metadata":{"generation":99999999999999999999}}""",
        """{"metadata":{"deletionGracePeriodSeconds":-1}}""",
        """{"metadata":{"creationTimestamp":"yesterday"}}""",
        """{"metadata":{"creationTimestamp":"2024-03-01T10:00:00+02:00"}}""",
        """{"metadata":{"creationTimestamp":5}}""",
        """{"metadata":{"labels":{"a":1}}}""",
        """{"metadata":{"labels":[]}}""",
        """{"metadata":{"finalizers":"a"}}""",
        """{"metadata":{"managedFields":{}}}""",
        """{"metadata":{"ownerReferences":[null,{"kind":"A","controller":"yes"}]}}""",
        """{"involvedObject":{"apiVersion":"v1","kind":"Pod","name":"p","namespace":"ns","uid":"pu","resourceVersion":"7","fieldPath":"spec.containers{app}"}}""",
        """{"involvedObject":{"kind":"Pod","kind":"Node","extra":1}}""",
        """{"involvedObject":{"kind":null,"name":null}}""",
        """{"involvedObject":null}""",
        """{"involvedObject":{"name":7}}""",
        """{"involvedObject":[]}""",
        """{"related":{"kind":"Node","name":"n1"}}""",
        """{"source":{"component":"kubelet","host":"node-a"}}""",
        """{"source":{"component":"kubelet","host":null,"other":"x"}}""",
        """{"source":{"component":1}}""",
        """{"source":"kubelet"}""",
        """{"series":{"count":4,"lastObservedTime":"2024-01-01T00:00:09.5Z"}}""",
        """{"series":{"count":null,"lastObservedTime":null}}""",
        """{"series":{"count":3000000000}}""",
        """{"series":{"count":"4"}}""",
        """{"series":{"count":1.0}}""",
        """{"series":{"lastObservedTime":"2024-01-01T00:00:09.123456789Z"}}""",
        """{"series":{"lastObservedTime":"not a time"}}""",
        """{"series":[]}""",
        """{"metadata":{"uid":"u"}""",
        """{"metadata":{"uid":"u",}}""",
        """{"metadata":{"uid":"u"}} trailing""",
    ];

    [Theory]
    [MemberData(nameof(Nested))]
    public void A_core_event_decodes_to_the_model_KubernetesJson_gives(string json)
    {
        var withRest = json.EndsWith('}') ? json[..^1] + ""","reason":"BackOff","message":"m","count":2,"lastTimestamp":"2024-01-01T00:00:02Z","type":"Warning"}""" : json;
        AssertSameModel<Corev1Event>(json);
        AssertSameModel<Corev1Event>(withRest);
    }

    [Theory]
    [MemberData(nameof(Nested))]
    public void An_events_v1_event_decodes_to_the_model_KubernetesJson_gives(string json)
    {
        // events.k8s.io/v1 names them regarding and deprecatedSource; metadata and related are the same types.
        var v1 = json.Replace("\"involvedObject\"", "\"regarding\"", StringComparison.Ordinal).Replace("\"source\"", "\"deprecatedSource\"", StringComparison.Ordinal);
        AssertSameModel<Eventsv1Event>(v1);
    }

    [Fact]
    public void Every_generated_demo_event_decodes_to_the_model_KubernetesJson_gives()
    {
        var events = 0;
        foreach (var item in DemoGenerator.Generate(DemoScenario.ForScale(3_000, 400)))
        {
            if (!string.Equals(item.Document.Kind, "Event", StringComparison.Ordinal)) continue;
            events++;
            AssertSameModel<Corev1Event>(Encoding.UTF8.GetString(item.Document.Json.Span));
        }
        Assert.True(events > 1_000, $"only {events} events");
    }

    [Fact]
    public void An_event_decodes_without_the_serializers_frame_array()
    {
        var json = """{"apiVersion":"v1","count":1,"firstTimestamp":"2026-01-01T10:00:03Z","involvedObject":{"apiVersion":"v1","kind":"Pod","name":"web-0","namespace":"team-1","uid":"341b26d4-e9ff-44db-b497-7c689516c168","fieldPath":"spec.containers{app}"},"kind":"Event","lastTimestamp":"2026-01-01T10:00:03Z","message":"Started container app","metadata":{"creationTimestamp":"2026-01-01T10:00:03Z","name":"web-0.22841bd3588a085e","namespace":"team-1","resourceVersion":"176726160300001","uid":"28ea8090-f7dd-4f0c-a63e-fee3074a1d88"},"reason":"Started","reportingComponent":"kubelet","reportingInstance":"node-1","source":{"component":"kubelet","host":"node-1"},"type":"Normal"}"""u8.ToArray();
        for (var i = 0; i < 3; i++) JsonSerializer.Deserialize<Corev1Event>(json, KubeDecoder.Options);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var model = JsonSerializer.Deserialize<Corev1Event>(json, KubeDecoder.Options);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("Started", model!.Reason);
        // The models themselves (Corev1Event, V1ObjectMeta, V1ObjectReference, V1EventSource) and the strings not yet
        // cached are about 700 bytes; the serializer's frame array alone was about 900.
        Assert.True(allocated < 1_000, $"{allocated} bytes allocated");
    }
}
