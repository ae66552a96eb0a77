using KSpanActors.Model;
using KSpanActors.Watch;

namespace KSpanActors.Tests.Watch;

public sealed class OccurrenceFilterTests
{
    private static EventObserved Occurrence(string uid, long count) =>
        new("c", uid, count, 1_000, "BackOff", "Back-off restarting failed container", true, "Pod", "ns", "p", "pod-uid", null, "kubelet", null, false);

    [Fact]
    public void An_occurrence_passes_once_and_a_higher_count_of_the_same_event_passes_again()
    {
        var filter = new OccurrenceFilter(TimeSpan.FromHours(1));

        Assert.True(filter.TryPass(Occurrence("e1", 3)));
        Assert.False(filter.TryPass(Occurrence("e1", 3))); // a relist lists it again
        Assert.False(filter.TryPass(Occurrence("e1", 2))); // an older count arriving late
        Assert.True(filter.TryPass(Occurrence("e1", 4)));  // it happened again during the gap
        Assert.True(filter.TryPass(Occurrence("e2", 1)));
    }

    [Fact]
    public void Many_events_are_all_remembered()
    {
        var filter = new OccurrenceFilter(TimeSpan.FromHours(1));
        for (var i = 0; i < 50_000; i++) Assert.True(filter.TryPass(Occurrence($"uid-{i}", 1)));

        Assert.Equal(50_000, filter.Count);
        for (var i = 0; i < 50_000; i += 997) Assert.False(filter.TryPass(Occurrence($"uid-{i}", 1)));
    }
}
