using KSpanActors.Ingest;
using KSpanActors.Model;
using static KSpanActors.Tests.Ingest.IngestFixtures;

namespace KSpanActors.Tests.Ingest;

public class KubeDecoderEventTests
{
    private static List<SourceDocument> EventList() => ReadClean("events-list.json");

    private static EventObserved CaptureEvent(int index) => Decode<EventObserved>(Capture()[index]);

    [Fact]
    public void Series_last_observed_time_wins_over_last_timestamp()
    {
        var e = Decode<EventObserved>(EventList()[0]);
        Assert.Equal(Nanos("2024-03-01T09:45:00.25Z"), e.TimeNs);
    }

    [Fact]
    public void Series_count_wins_over_count()
    {
        var e = Decode<EventObserved>(EventList()[0]);
        Assert.Equal(7, e.Count);
    }

    [Fact]
    public void Go_zero_time_counts_as_unset_so_event_time_is_used()
    {
        var e = Decode<EventObserved>(EventList()[1]);
        Assert.Equal(Nanos("2024-03-01T09:49:59.123456Z"), e.TimeNs);
    }

    [Fact]
    public void Creation_timestamp_is_the_time_when_every_other_time_is_null_or_zero()
    {
        var e = Decode<EventObserved>(EventList()[2]);
        Assert.Equal(Nanos("2024-03-01T09:55:00Z"), e.TimeNs);
    }

    [Fact]
    public void Last_timestamp_wins_over_event_time()
    {
        var e = Decode<EventObserved>(Doc("Event", """
            {"metadata":{"uid":"u","creationTimestamp":"2024-01-01T00:00:00Z"},"involvedObject":{"kind":"Pod","name":"p"},
             "lastTimestamp":"2024-01-01T00:00:09Z","eventTime":"2024-01-01T00:00:05.000001Z"}
            """));
        Assert.Equal(Nanos("2024-01-01T00:00:09Z"), e.TimeNs);
    }

    [Fact]
    public void An_event_with_no_time_at_all_is_an_error()
    {
        var error = Error(Doc("Event", """
            {"metadata":{"uid":"u","name":"e","creationTimestamp":"0001-01-01T00:00:00Z"},"involvedObject":{"kind":"Pod","name":"p"},"lastTimestamp":null}
            """));
        Assert.Contains("no time", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"count\":5", 5)]
    [InlineData("\"count\":0", 1)]
    [InlineData("\"count\":-3", 1)]
    [InlineData("\"count\":5,\"series\":{\"count\":0}", 5)]
    [InlineData("\"series\":{\"count\":2}", 2)]
    [InlineData("\"count\":null", 1)]
    public void Count_is_series_count_else_count_else_one_and_values_below_one_are_unset(string fields, long expected)
    {
        var e = Decode<EventObserved>(Doc("Event", $$"""
            {"metadata":{"uid":"u","creationTimestamp":"2024-01-01T00:00:00Z"},"involvedObject":{"kind":"Pod","name":"p"},{{fields}}}
            """));
        Assert.Equal(expected, e.Count);
    }

    [Fact]
    public void Service_and_instance_fall_back_to_source_component_and_host()
    {
        var e = Decode<EventObserved>(EventList()[0]);
        Assert.Equal("kubelet", e.Service);
        Assert.Equal("node-a", e.Instance);
    }

    [Fact]
    public void Reporting_component_and_instance_win_over_source()
    {
        var flux = CaptureEvent(3);
        Assert.Equal("flux", flux.Service);
        Assert.Equal("flux-node", flux.Instance);

        var withInstance = Decode<EventObserved>(EventList()[1]);
        Assert.Equal("kustomize-controller", withInstance.Service);
        Assert.Equal("kustomize-controller-7c9-xyz", withInstance.Instance);
    }

    [Fact]
    public void Without_any_reporter_the_service_is_unknown_the_instance_null_and_the_reason_Unknown()
    {
        var e = Decode<EventObserved>(EventList()[2]);
        Assert.Equal("unknown", e.Service);
        Assert.Null(e.Instance);
        Assert.Equal("Unknown", e.Reason);
        Assert.Equal("", e.Message);
    }

    [Fact]
    public void An_involved_object_without_uid_gives_a_null_object_uid_and_the_events_namespace()
    {
        var e = Decode<EventObserved>(EventList()[1]);
        Assert.Null(e.ObjectUid);
        Assert.Equal("Kustomization", e.Kind);
        Assert.Equal("apps", e.Name);
        Assert.Equal("shop", e.Namespace);
    }

    [Fact]
    public void The_involved_object_gives_kind_namespace_name_uid_and_field_path()
    {
        var e = Decode<EventObserved>(EventList()[0]);
        Assert.Equal(
            ("ev-series", "Pod", "shop", "web-6f7d-abcde", "pod-uid-1", "spec.containers{app}", "BackOff", true),
            (e.EventUid, e.Kind, e.Namespace, e.Name, e.ObjectUid, e.FieldPath, e.Reason, e.Warning));
        Assert.Equal("Back-off restarting failed container", e.Message);
        Assert.Equal(Cluster, e.Cluster);
    }

    [Fact]
    public void The_topLevelSpan_annotation_marks_the_event_as_a_root()
    {
        Assert.True(CaptureEvent(3).TopLevelSpan);
        Assert.False(CaptureEvent(0).TopLevelSpan);
    }

    [Fact]
    public void A_normal_event_is_not_a_warning()
    {
        var e = CaptureEvent(0);
        Assert.False(e.Warning);
        Assert.Equal("deployment-controller", e.Service);
        Assert.Null(e.Instance);
        Assert.Equal(1, e.Count);
    }

    [Fact]
    public void An_events_k8s_io_event_reads_regarding_note_and_reporting_controller()
    {
        var docs = ReadClean("eventsv1.json");
        var e = Decode<EventObserved>(Assert.Single(docs));
        Assert.Equal(
            ("ev-v1", "Pod", "shop", "web-6f7d-abcde", "pod-uid-1", "Scheduled"),
            (e.EventUid, e.Kind, e.Namespace, e.Name, e.ObjectUid, e.Reason));
        Assert.Equal("Successfully assigned shop/web-6f7d-abcde to node-a", e.Message);
        Assert.Equal("default-scheduler", e.Service);
        Assert.Equal("default-scheduler-control-plane", e.Instance);
        Assert.Equal(2, e.Count);
        Assert.Equal(Nanos("2024-03-01T10:00:01.5Z"), e.TimeNs);
    }

    [Fact]
    public void An_events_k8s_io_event_uses_series_then_deprecated_fields()
    {
        var e = Decode<EventObserved>(Doc("Event", """
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"uid":"u","namespace":"ns","creationTimestamp":"2024-01-01T00:00:00Z"},
             "regarding":{"kind":"Pod","name":"p"},"reason":"BackOff","type":"Warning",
             "series":{"count":4,"lastObservedTime":"2024-01-01T00:10:00Z"},"deprecatedCount":9,
             "deprecatedLastTimestamp":"2024-01-01T00:05:00Z","eventTime":"2024-01-01T00:00:01Z",
             "reportingController":"","deprecatedSource":{"component":"kubelet","host":"node-b"}}
            """, apiVersion: "events.k8s.io/v1"));
        Assert.Equal(4, e.Count);
        Assert.Equal(Nanos("2024-01-01T00:10:00Z"), e.TimeNs);
        Assert.Equal("kubelet", e.Service);
        Assert.Equal("node-b", e.Instance);
        Assert.Equal("ns", e.Namespace);
        Assert.True(e.Warning);
    }

    [Fact]
    public void An_event_without_uid_is_an_error()
    {
        Assert.Equal("event without metadata.uid", Error(Doc("Event", """
            {"metadata":{"name":"e"},"involvedObject":{"kind":"Pod","name":"p"},"lastTimestamp":"2024-01-01T00:00:00Z"}
            """)));
    }

    [Theory]
    [InlineData("""{"name":"p","uid":"pod-uid"}""", "Unknown", "ns", "p")] // a name without a kind
    [InlineData("""{"kind":"Pod"}""", "Pod", "ns", "e1")] // a kind without a name: the Event's own name, a trace of its own
    [InlineData("""{"kind":"pod","name":"p"}""", "Pod", "ns", "p")] // a known kind in lower case
    [InlineData("""{"kind":"REPLICASET","name":"r"}""", "ReplicaSet", "ns", "r")]
    [InlineData("""{"kind":"widget","name":"w"}""", "widget", "ns", "w")] // an unknown kind stays as written
    [InlineData("""{"namespace":"kube-system"}""", "Namespace", "", "kube-system")] // OpenShift's bootstrap-finished: about its namespace
    [InlineData("""{}""", "Namespace", "", "ns")] // an empty involvedObject (Events named ".1697c16e501a4ae4"): the Event's namespace
    [InlineData("""{"kind":"","name":"","namespace":"ns"}""", "Namespace", "", "ns")]
    [InlineData("""null""", "Namespace", "", "ns")]
    [InlineData("""{"kind":"Namespace"}""", "Namespace", "", "ns")]
    [InlineData("""{"kind":"node","name":"node-a","uid":"node-a"}""", "Node", "", "node-a")] // cluster-scoped: no namespace of the Event's
    public void An_event_is_never_dropped_for_its_involved_object_and_is_named_from_what_is_there(string involved, string kind, string ns, string name)
    {
        var e = Decode<EventObserved>(Doc("Event", $$"""
            {"metadata":{"uid":"u1","name":"e1","namespace":"ns"},"involvedObject":{{involved}},"lastTimestamp":"2024-01-01T00:00:00Z"}
            """));
        Assert.Equal((kind, ns, name), (e.Kind, e.Namespace, e.Name));
    }

    [Fact]
    public void An_event_with_neither_object_nor_namespace_is_about_itself()
    {
        var e = Decode<EventObserved>(Doc("Event", """
            {"metadata":{"uid":"u1","name":".1697c16e501a4ae4"},"involvedObject":{},"lastTimestamp":"2024-01-01T00:00:00Z"}
            """));
        Assert.Equal(("Event", "", ".1697c16e501a4ae4"), (e.Kind, e.Namespace, e.Name));
    }

    [Fact]
    public void An_events_k8s_io_event_written_in_the_core_shape_is_read_as_core_v1()
    {
        var e = Decode<EventObserved>(Doc("Event", """
            {"apiVersion":"events.k8s.io/v9","kind":"Event","metadata":{"uid":"u1","name":"e1","namespace":"ns"},
             "involvedObject":{"kind":"Pod","name":"p","uid":"pod-uid"},"reason":"Started","message":"Started container app",
             "source":{"component":"kubelet","host":"node-a"},"lastTimestamp":"2024-01-01T00:00:00Z"}
            """, apiVersion: "events.k8s.io/v9"));
        Assert.Equal(("Pod", "p", "pod-uid", "kubelet", "node-a", "Started container app"), (e.Kind, e.Name, e.ObjectUid, e.Service, e.Instance, e.Message));
    }

    [Theory]
    [InlineData("eventTime")]
    [InlineData("firstTimestamp")]
    [InlineData("lastTimestamp")]
    public void The_string_null_in_a_time_is_unset(string field)
    {
        var e = Decode<EventObserved>(Doc("Event", $$"""
            {"metadata":{"uid":"u1","name":"e1","namespace":"ns","creationTimestamp":"2024-01-01T00:00:07Z"},
             "involvedObject":{"kind":"Pod","name":"p"},"firstTimestamp":"2024-01-01T00:00:01Z","eventTime":"2024-01-01T00:00:05.000001Z",
             "lastTimestamp":"2024-01-01T00:00:09Z","{{field}}":"null"}
            """));
        var expected = field switch
        {
            "lastTimestamp" => "2024-01-01T00:00:05.000001Z", // eventTime is next
            _ => "2024-01-01T00:00:09Z",
        };
        Assert.Equal(Nanos(expected), e.TimeNs);
    }

    [Fact]
    public void A_support_bundle_event_with_null_strings_everywhere_is_read_as_unset()
    {
        // rancher's support-bundle-kit writes every JSON null followed by a comma, and every "", as the string "null".
        var e = Decode<EventObserved>(Doc("Event", """
            {"action":"null","apiVersion":"v1","count":3,"eventTime":"null","firstTimestamp":"2024-01-01T00:00:01Z",
             "involvedObject":{"apiVersion":"v1","kind":"Pod","name":"p","namespace":"ns","uid":"pod-uid"},"kind":"Event",
             "lastTimestamp":"2024-01-01T00:00:09Z","message":"Back-off restarting failed container",
             "metadata":{"creationTimestamp":"2024-01-01T00:00:01Z","name":"p.17","namespace":"ns","uid":"u1"},
             "reason":"BackOff","reportingComponent":"null","reportingInstance":"null",
             "source":{"component":"kubelet","host":"node-a"},"type":"Warning"}
            """));
        Assert.Equal(("kubelet", "node-a", 3L, Nanos("2024-01-01T00:00:09Z")), (e.Service, e.Instance, e.Count, e.TimeNs));

        var v1 = Decode<EventObserved>(Doc("Event", """
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"uid":"u2","name":"p.18","namespace":"ns","creationTimestamp":"2024-01-01T00:00:02Z"},
             "regarding":{"kind":"Pod","name":"p"},"reason":"Scheduled","note":"Successfully assigned ns/p to node-a",
             "eventTime":"null","deprecatedFirstTimestamp":"null","deprecatedLastTimestamp":"null",
             "reportingController":"null","reportingInstance":"null","deprecatedSource":{"component":"default-scheduler","host":"null"}}
            """, apiVersion: "events.k8s.io/v1"));
        Assert.Equal(("default-scheduler", (string?)null, Nanos("2024-01-01T00:00:02Z")), (v1.Service, v1.Instance, v1.TimeNs));
    }

    [Fact]
    public void A_series_last_observed_time_of_null_is_unset()
    {
        var e = Decode<EventObserved>(Doc("Event", """
            {"metadata":{"uid":"u1","name":"e1"},"involvedObject":{"kind":"Pod","name":"p"},
             "series":{"count":4,"lastObservedTime":"null"},"lastTimestamp":"2024-01-01T00:00:09Z"}
            """));
        Assert.Equal((4L, Nanos("2024-01-01T00:00:09Z")), (e.Count, e.TimeNs));
    }

    [Fact]
    public void An_object_whose_creation_or_deletion_time_is_the_string_null_has_it_unset()
    {
        var o = Decode<ObjectObserved>(Doc("Pod", """
            {"metadata":{"uid":"p1","name":"p","namespace":"ns","creationTimestamp":"null","deletionTimestamp":"null"}}
            """));
        Assert.Equal(0, o.CreatedNs);
    }

    [Fact]
    public void The_public_kspan_flux_statefulset_sync_decodes_as_a_top_level_span()
    {
        var events = InputReader.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "public", "kspan-statefulset-flux-sync.yaml"), p => Assert.Fail(p.Message))
            .Select(Decode<EventObserved>).ToList();
        Assert.Equal(
            [("StatefulSet.SuccessfulDelete", false), ("Pod.Killing", false), ("StatefulSet.Sync", true)],
            events.Select(e => ($"{e.Kind}.{e.Reason}", e.TopLevelSpan)));
        Assert.Equal(("flux", (string?)null), (events[2].Service, events[2].ObjectUid));
    }
}
