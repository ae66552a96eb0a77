using KSpanActors.Tests.FakeKube;
using KSpanActors.Tests.Export.Otlp;
using KSpanActors.Watch;

namespace KSpanActors.Tests.Watch;

public class WatchFailureLogTests
{
    [Fact]
    public void A_dead_api_server_gives_one_line_per_retry_round_not_one_per_resource()
    {
        var log = new CapturingLogger();
        var failures = new WatchFailureLog("prod", log);
        string[] resources = ["events (v1)", "pods (v1)", "replicasets.apps (v1)", "deployments.apps (v1)"];
        foreach (var _ in resources) failures.Register();

        foreach (var attempt in new[] { 1, 2 })
        {
            foreach (var r in resources) failures.Failed(r, attempt, "Connection refused (10.0.0.1:6443)", TimeSpan.FromSeconds(attempt));
        }
        failures.Failed("pods (v1)", 2, "Connection refused (10.0.0.1:6443)", TimeSpan.FromSeconds(2)); // a straggler adds nothing

        Assert.Equal(
            [
                "Warning: cluster prod 4 resources (deployments.apps (v1), events (v1), pods (v1), replicasets.apps (v1)): Connection refused (10.0.0.1:6443); retry 1, next in about 1s ",
                "Warning: cluster prod 4 resources (deployments.apps (v1), events (v1), pods (v1), replicasets.apps (v1)): Connection refused (10.0.0.1:6443); retry 2, next in about 2s ",
            ],
            log.Lines);
    }

    [Fact]
    public async Task A_round_that_not_every_resource_reaches_is_written_after_the_gather_time()
    {
        var log = new CapturingLogger();
        var failures = new WatchFailureLog("prod", log);
        failures.Register();
        failures.Register();

        failures.Failed("jobs.batch (v1)", 1, "HTTP 500", TimeSpan.FromSeconds(1));
        Assert.Empty(log.Lines);

        await Eventually.TrueAsync(() => log.Lines.Count > 0, WatchFailureLog.Gather * 10, () => "the grouped line of the retry round");
        Assert.Equal("Warning: cluster prod jobs.batch (v1): HTTP 500; retry 1, next in about 1s ", Assert.Single(log.Lines));
    }
}
