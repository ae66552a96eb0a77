using System.Text;
using k8s;
using k8s.Models;
using KSpanActors.Ingest.Demo;

namespace KSpanActors.Tests.Ingest.Demo;

public class DemoPacerTests
{
    [Fact]
    public async Task The_stream_loops_with_new_generations_and_fresh_pod_uids_in_time_order()
    {
        var s = new DemoScenario(DeploymentsPerCluster: 1, IncludeCrashLoop: false, IncludeStatefulSet: false);
        var perPlay = DemoGenerator.Generate(s).Count();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var items = new List<DemoItem>();
        await foreach (var item in DemoPacer.StreamAsync(s, eventsPerSecond: 100_000, rebaseTimesToNow: false, cts.Token))
        {
            items.Add(item);
            if (items.Count == 3 * perPlay) break;
        }

        Assert.True(items.Zip(items.Skip(1)).All(p => p.First.TimeNs <= p.Second.TimeNs));
        var deployments = items.Where(i => i.Document.Kind == "Deployment")
            .Select(i => KubernetesJson.Deserialize<V1Deployment>(Encoding.UTF8.GetString(i.Document.Json.Span))).ToList();
        Assert.Single(deployments.Select(d => d.Metadata.Uid).Distinct());
        Assert.Equal([1L, 2, 3, 4, 5, 6], deployments.Select(d => d.Metadata.Generation!.Value).Distinct().Order());
        var podUids = items.Where(i => i.Document.Kind == "Pod" && !i.Document.Deleted)
            .Select(i => KubernetesJson.Deserialize<V1Pod>(Encoding.UTF8.GetString(i.Document.Json.Span)).Metadata.Uid).Distinct().Count();
        Assert.Equal(6 * s.Replicas, podUids);
    }

    [Fact]
    public async Task Rebased_times_start_at_the_current_second()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var stream = DemoPacer.StreamAsync(new DemoScenario(), 1_000, rebaseTimesToNow: true, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await stream.MoveNextAsync());
        var at = DateTimeOffset.UnixEpoch.AddTicks(stream.Current.TimeNs / 100);
        Assert.InRange(at, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task The_event_rate_is_respected()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var events = 0;
        await foreach (var item in DemoPacer.StreamAsync(new DemoScenario(), 200, rebaseTimesToNow: false, cts.Token))
        {
            if (item.IsEvent && ++events == 41) break;
        }

        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(190), started.Elapsed.ToString());
    }
}
