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

    [Fact]
    public void Counts_go_up_for_events_that_share_a_part_and_the_table_grows_without_losing_any()
    {
        var filter = new OccurrenceFilter(TimeSpan.FromHours(1));
        for (var i = 0; i < 20_000; i++) Assert.True(filter.TryPass(Occurrence($"uid-{i}", 1)));
        for (var i = 0; i < 20_000; i += 3) Assert.True(filter.TryPass(Occurrence($"uid-{i}", 2)));

        Assert.Equal(20_000, filter.Count);
        for (var i = 0; i < 20_000; i++) Assert.Equal(i % 3 == 1 || i % 3 == 2, filter.TryPass(Occurrence($"uid-{i}", 2)));
        Assert.False(filter.TryPass(Occurrence("uid-1", 2)));
    }

    [Fact]
    public void An_event_last_passed_before_the_retention_is_forgotten()
    {
        var filter = new OccurrenceFilter(TimeSpan.Zero); // everything passed before the present instant is old
        Assert.True(filter.TryPass(Occurrence("old", 1)));
        var passed = DateTime.UtcNow.Ticks;
        Assert.True(SpinWait.SpinUntil(() => DateTime.UtcNow.Ticks > passed, TimeSpan.FromSeconds(5)), "the clock did not move");

        // An event of the same part of the table (parts are pruned as they are written to) prunes what is older than now.
        var sibling = Enumerable.Range(0, 10_000).Select(i => $"new-{i}").First(u => OrdinalHash.Of(u) % 64 == OrdinalHash.Of("old") % 64);
        Assert.True(filter.TryPass(Occurrence(sibling, 1)));

        Assert.True(filter.TryPass(Occurrence("old", 1))); // forgotten: a relist would pass it again
    }
}
