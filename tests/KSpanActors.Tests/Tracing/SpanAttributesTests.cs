using System.Collections.Immutable;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Tests.Tracing;

public sealed class SpanAttributesTests
{
    private static EventObserved Scheduled(string ns, string? fieldPath = null, string message = "Successfully assigned shop/web-1 to node-a") =>
        new("c1", "ev-1", 3, 1_000, "Scheduled", message, false, "Pod", ns, "web-1", "pod-uid", fieldPath, "default-scheduler", null, false);

    [Fact]
    public void An_event_spans_attributes_are_read_from_its_occurrence_in_their_order()
    {
        var span = SpanFactory.EventSpan("c1", null, Scheduled("shop", "spec.containers{app}"), new TraceId(1, 2), new SpanId(3), new SpanId(4), 1_000, 1_000);

        Assert.Equal(
            [
                SpanAttribute.Of("k8s.event.uid", "ev-1"),
                SpanAttribute.Of("k8s.event.reason", "Scheduled"),
                SpanAttribute.Of("k8s.event.count", 3),
                SpanAttribute.Of("k8s.event.message", "Successfully assigned shop/web-1 to node-a"),
                SpanAttribute.Of("k8s.namespace.name", "shop"),
                SpanAttribute.Of("k8s.pod.name", "web-1"),
                SpanAttribute.Of("k8s.pod.uid", "pod-uid"),
                SpanAttribute.Of("k8s.container.name", "app"),
                SpanAttribute.Of("k8s.node.name", "node-a"),
            ],
            span.Attributes.ToArray());
        Assert.Equal(9, span.Attributes.Count);
        Assert.Equal(SpanAttribute.Of("k8s.pod.name", "web-1"), span.Attributes[5]);
        Assert.Equal("node-a", span.Attribute("k8s.node.name"));
    }

    [Fact]
    public void Absent_values_leave_their_attributes_out_and_a_long_message_is_cut()
    {
        var message = new string('x', SpanFactory.MaxMessageChars + 10);
        var span = SpanFactory.EventSpan("c1", null, Scheduled("", message: message) with { Kind = "Widget", ObjectUid = null }, new TraceId(1, 2), new SpanId(3), SpanId.None, 0, 0);

        Assert.Equal(["k8s.event.uid", "k8s.event.reason", "k8s.event.count", "k8s.event.message", "k8s.object.kind", "k8s.object.name"], span.Attributes.Select(a => a.Key));
        Assert.Equal(SpanFactory.Bounded(message), span.Attribute("k8s.event.message"));
    }

    [Fact]
    public void Read_from_an_occurrence_or_held_in_an_array_the_same_attributes_are_equal()
    {
        var read = SpanFactory.EventSpan("c1", null, Scheduled("shop"), new TraceId(1, 2), new SpanId(3), SpanId.None, 0, 0).Attributes;
        SpanAttributes held = [.. read];

        Assert.Equal(read, held);
        Assert.Equal(read.GetHashCode(), held.GetHashCode());
        Assert.NotEqual(read, held.Add(SpanAttribute.Of("extra", 1)));
        Assert.Equal(read.Count + 1, read.Add(SpanAttribute.Of("extra", 1)).Count);
        Assert.True(default(SpanAttributes).IsDefaultOrEmpty);
        Assert.Empty(default(SpanAttributes));
        Assert.False(read.IsDefaultOrEmpty);
        Assert.Equal(ImmutableArray<SpanAttribute>.Empty.Length, ((SpanAttributes)ImmutableArray<SpanAttribute>.Empty).Count);
    }
}
