using KSpanActors.Model;
using static KSpanActors.Tests.Ingest.IngestFixtures;

namespace KSpanActors.Tests.Ingest;

/// <summary>When an event's repeats began (docs/trace-model.md, "Length"): the series' eventTime, else firstTimestamp.</summary>
public class RepeatsBeganTests
{
    private const string Involved = """
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "web-1", "uid": "p1", "fieldPath": "spec.containers{app}"}
        """;

    [Fact]
    public void A_core_event_counted_four_times_began_at_its_firstTimestamp()
    {
        var e = Decode<EventObserved>(Doc("Event", $$"""
            {"metadata": {"uid": "e1", "namespace": "shop", "name": "web-1.1"}, {{Involved}},
             "reason": "Pulling", "message": "Pulling image \"web:1\"", "count": 4,
             "firstTimestamp": "2024-03-01T10:00:01Z", "lastTimestamp": "2024-03-01T10:01:26Z"}
            """));

        Assert.Equal(Nanos("2024-03-01T10:00:01Z"), e.FirstNs);
        Assert.Equal(Nanos("2024-03-01T10:01:26Z"), e.TimeNs);
    }

    [Fact]
    public void A_series_began_at_its_eventTime()
    {
        var e = Decode<EventObserved>(Doc("Event", $$"""
            {"metadata": {"uid": "e2", "namespace": "shop", "name": "web-1.2"}, {{Involved}},
             "reason": "FailedScheduling", "message": "0/1 nodes are available", "type": "Warning",
             "eventTime": "2024-03-01T10:00:00.250000Z", "series": {"count": 3, "lastObservedTime": "2024-03-01T10:15:00.500000Z"} }
            """));

        Assert.Equal(Nanos("2024-03-01T10:00:00.25Z"), e.FirstNs);
        Assert.Equal(3, e.Count);
    }

    [Fact]
    public void An_events_k8s_io_event_began_at_its_deprecatedFirstTimestamp_without_a_series()
    {
        var e = Decode<EventObserved>(Doc("Event", """
            {"metadata": {"uid": "e3", "namespace": "shop", "name": "web-1.3"},
             "regarding": {"kind": "Pod", "namespace": "shop", "name": "web-1", "uid": "p1"},
             "reason": "BackOff", "note": "Back-off restarting failed container", "type": "Warning",
             "deprecatedCount": 5, "deprecatedFirstTimestamp": "2024-03-01T10:00:00Z", "deprecatedLastTimestamp": "2024-03-01T10:05:00Z"}
            """, apiVersion: "events.k8s.io/v1"));

        Assert.Equal(Nanos("2024-03-01T10:00:00Z"), e.FirstNs);
        Assert.Equal(Nanos("2024-03-01T10:05:00Z"), e.TimeNs);
    }

    [Fact]
    public void Go_zero_or_no_firstTimestamp_leaves_it_unset_and_the_event_is_still_read()
    {
        var e = Decode<EventObserved>(Doc("Event", $$"""
            {"metadata": {"uid": "e4", "namespace": "shop", "name": "web-1.4"}, {{Involved}},
             "reason": "BackOff", "message": "Back-off", "count": 94,
             "firstTimestamp": "0001-01-01T00:00:00Z", "lastTimestamp": "2024-03-01T10:30:00Z"}
            """));

        Assert.Equal(0, e.FirstNs);
        Assert.Equal(94, e.Count);
    }
}
