using KSpanActors.Processes.Tests.Harness;
using Xunit.Abstractions;

namespace KSpanActors.Processes.Tests;

/// <summary>
/// THE STALL (issue 10): replicas forming one cluster, one fake API server streaming 200 copies of the 2-pod rollout
/// (~3,600 Events) as fast as it can: every Event occurrence must arrive over OTLP, with back-pressure
/// (MaxInFlight) engaged or not. The in-process tests never showed it: the watching replica stopped reading its stream.
/// </summary>
[Trait("Category", "Processes")]
public sealed class StallTests(ITestOutputHelper output)
{
    public static TheoryData<int, long?> Cases => new()
    {
        { 2, 300 },
        { 3, 300 },
        { 2, null },
        { 3, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_event_of_200_streamed_rollouts_arrives_over_otlp(int replicas, long? maxInFlight)
    {
        await using var fleet = await KSpanFleet.StartAsync(new FleetOptions { Replicas = replicas, ClusterCopies = [200], MaxInFlight = maxInFlight }, output);

        await fleet.StreamAsync(TimeSpan.Zero);
        var audit = await fleet.WaitForSpansAsync(timeout: TimeSpan.FromSeconds(120), noProgress: TimeSpan.FromSeconds(15));

        var reading = await fleet.ReadingReportAsync();
        output.WriteLine(reading);
        output.WriteLine($"replicas={replicas} maxInFlight={maxInFlight?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}: {audit.Summary()}");
        Assert.True(audit.Complete,
            $"exported {audit.Arrived:N0} of {audit.Expected:N0} Event occurrences; {reading}\n{audit.Summary()}\n{audit.Examples()}\n{fleet.Diagnosis()}");
        Assert.True(audit.Duplicated == 0, $"{audit.Duplicated} span ids received more than once\n{audit.Summary()}");
        Assert.True(audit.TreesWhole, $"traces not whole\n{audit.Summary()}\n{audit.Examples()}");
    }
}
