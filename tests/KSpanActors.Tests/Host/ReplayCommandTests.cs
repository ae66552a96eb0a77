using System.Text.Json;
using KSpanActors.Host;
using KSpanActors.Tests.Pipeline;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Host;

/// <summary>`kspan-actors replay` run in-process on the project's own fixtures (tests/.../Fixtures/replay).</summary>
[Collection("akka-cluster")]
public sealed class ReplayCommandTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "replay");
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Exit, List<JsonSpan> Spans)> ReplayAsync(string fixture, params string[] extra)
    {
        var output = Path.Combine(_dir, Guid.NewGuid().ToString("n") + ".jsonl");
        string[] args = ["replay", Path.Combine(Fixtures, fixture), "--otlp-json", output, "--quiet", .. extra];
        var exit = await Cli.Build().Parse(args).InvokeAsync();
        return (exit, File.Exists(output) ? OtlpJsonSpans.Load(output) : []);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData("3")]
    public async Task Deployment_rollout_capture_gives_the_expected_tree_in_any_order(string? shuffleSeed)
    {
        var (exit, spans) = shuffleSeed is null
            ? await ReplayAsync("rollout.capture.yaml")
            : await ReplayAsync("rollout.capture.yaml", "--shuffle-seed", shuffleSeed);
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "rollout.expected.json"))).RootElement;

        Assert.Equal(0, exit);
        var parents = OtlpJsonSpans.EventParents(spans);
        foreach (var p in expected.GetProperty("parents").EnumerateObject())
        {
            Assert.Equal(p.Value.GetString(), parents[p.Name]);
        }
        Assert.Single(spans.Select(s => s.Trace).Distinct());
        var root = Assert.Single(spans, s => s.Parent.Length == 0);
        Assert.Equal(("Deployment.Update", "kubectl-client-side-apply"), (root.Name, root.Service));
        Assert.All(spans, s => Assert.True(root.Start <= s.Start && root.End >= s.End));
        var pulling = spans.Single(s => s.Name == "Pod.Pulling");
        var pulled = spans.Single(s => s.EventUid == "e0000000-0000-4000-8000-000000000005");
        Assert.Equal(pulled.Start, pulling.End);
        Assert.Equal(2, spans.Single(s => s.Name == "Pod.Unhealthy").StatusCode);
    }

    [Fact]
    public async Task Replaying_the_same_input_twice_writes_identical_trace_and_span_ids()
    {
        var (_, first) = await ReplayAsync("rollout.capture.yaml");
        var (_, second) = await ReplayAsync("rollout.capture.yaml", "--shuffle-seed", "9");

        Assert.Equal(first.Select(s => $"{s.Trace}/{s.Id}/{s.Parent}").Order(), second.Select(s => $"{s.Trace}/{s.Id}/{s.Parent}").Order());
    }

    [Fact]
    public async Task Statefulset_pod_recreated_under_the_same_name_hangs_under_the_newer_create()
    {
        var (exit, spans) = await ReplayAsync("statefulset-recreate.json");
        var parents = OtlpJsonSpans.EventParents(spans);

        Assert.Equal(0, exit);
        const string Create1 = "5f000000-0000-4000-8000-000000000001", Delete = "5f000000-0000-4000-8000-000000000004", Create2 = "5f000000-0000-4000-8000-000000000006";
        Assert.Equal(Create1, parents["5f000000-0000-4000-8000-000000000002"]);
        Assert.Equal(Create1, parents["5f000000-0000-4000-8000-000000000003"]);
        Assert.Equal(Delete, parents["5f000000-0000-4000-8000-000000000005"]);
        Assert.Equal(Create2, parents["5f000000-0000-4000-8000-000000000007"]);
        Assert.Equal(Create2, parents["5f000000-0000-4000-8000-000000000008"]);
        Assert.Equal(("StatefulSet.Apply", "helm"), spans.Where(s => s.Parent.Length == 0).Select(s => (s.Name, s.Service)).Single());
    }

    [Fact]
    public async Task Flux_topLevelSpan_event_without_uid_becomes_the_root_of_its_deployment_trace()
    {
        var (exit, spans) = await ReplayAsync("flux-toplevel.yaml");

        Assert.Equal(0, exit);
        var root = Assert.Single(spans, s => s.Parent.Length == 0);
        Assert.Equal(("Deployment.Sync", "kustomize-controller"), (root.Name, root.Service));
        Assert.Equal("f2000000-0000-4000-8000-000000000002", root.EventUid);
        Assert.Equal("ROOT", OtlpJsonSpans.EventParents(spans)["f2000000-0000-4000-8000-000000000001"]);
        Assert.Equal(DateTimeOffset.Parse("2024-05-02T09:30:00Z").ToUnixTimeMilliseconds() * 1_000_000, root.Start);
    }

    [Fact]
    public async Task Repeated_events_give_one_span_per_observed_occurrence()
    {
        var (_, snapshot) = await ReplayAsync("repeated-snapshot.json");
        var (_, series) = await ReplayAsync("repeated-series.yaml");
        var (_, watch) = await ReplayAsync("repeated-watch.capture.yaml");

        var backOff = Assert.Single(snapshot, s => s.Name == "Pod.BackOff");
        Assert.Equal(("94", 2), (backOff.Count, backOff.StatusCode));
        var unhealthy = Assert.Single(series, s => s.Name == "Pod.Unhealthy");
        Assert.Equal(("12", "kubelet"), (unhealthy.Count, unhealthy.Service));
        Assert.Equal(["1", "2", "3"], watch.Where(s => s.Name == "Pod.BackOff").Select(s => s.Count!).Order());
    }

    [Fact]
    public async Task An_owner_cycle_does_not_hang_and_every_event_is_exported()
    {
        var (exit, spans) = await ReplayAsync("owner-cycle.json").WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exit);
        Assert.Equal(3, spans.Count(s => s.EventUid is not null));
        Assert.Equal(2, spans.Single(s => s.Name == "Widget.ReconcileError").StatusCode);
    }

    [Fact]
    public async Task Malformed_input_is_skipped_and_the_rest_replayed_and_nothing_readable_fails()
    {
        var (exit, spans) = await ReplayAsync("malformed");
        Assert.Equal(0, exit);
        Assert.Single(spans, s => s.EventUid == "ba000000-0000-4000-8000-000000000001");

        var broken = Path.Combine(_dir, "only-broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "x.json"), "{ not json");
        var exitBroken = await Cli.Build().Parse(["replay", broken, "--quiet", "--otlp-json", Path.Combine(_dir, "broken.jsonl")]).InvokeAsync();
        Assert.Equal(1, exitBroken);

        var exitMissing = await Cli.Build().Parse(["replay", Path.Combine(_dir, "does-not-exist"), "--quiet"]).InvokeAsync();
        Assert.Equal(2, exitMissing);
    }
}
