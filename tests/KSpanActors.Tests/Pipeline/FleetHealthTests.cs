using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

public sealed class FleetHealthTests
{
    [Fact]
    public void Exports_wait_while_a_member_is_unreachable_and_after_one_was_removed()
    {
        var fleet = new FleetHealth(TimeSpan.FromSeconds(5));
        Assert.False(fleet.HoldsExports);

        fleet.Unreachable(1);
        Assert.True(fleet.HoldsExports);
        fleet.Unreachable(0);
        Assert.False(fleet.HoldsExports);

        fleet.Removed();
        Assert.True(fleet.HoldsExports); // the survivors relist what it watched: its facts are late
        Assert.Equal(0, fleet.Removals); // not before the regions stopped routing to the removed member
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(5, 10)]
    [InlineData(10, 20)]
    public void The_hold_after_a_removal_is_two_settle_periods_and_at_least_5_seconds(int settleSeconds, int holdSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(holdSeconds), new FleetHealth(TimeSpan.FromSeconds(settleSeconds)).Hold);
}
