using KSpanActors.Tests.FakeKube;
using Akka.Actor;
using KSpanActors.Export;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Pipeline;

/// <summary>
/// The ledger tells the other replicas which spans were exported. It must do so only once they are: a replica killed
/// between deciding to export and exporting must leave those spans to the survivors, not mark them as done. A replica
/// that joins learns what was exported before it came.
/// </summary>
[Collection("akka-cluster")]
public sealed class EmittedLedgerTests
{
    /// <summary>Holds every export until released; records the spans it was handed.</summary>
    private sealed class GatedExporter : ISpanExporter
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Collections.Concurrent.ConcurrentQueue<SpanRecord> _spans = new();

        public string Name => "gated";

        public Task Called => _called.Task;

        public IReadOnlyList<SpanRecord> Spans => [.. _spans];

        public void Release() => _release.TrySetResult();

        public async Task<ExportOutcome> ExportAsync(IReadOnlyList<TraceSpans> batch, CancellationToken cancellationToken)
        {
            foreach (var t in batch) foreach (var s in t.Spans) _spans.Enqueue(s);
            _called.TrySetResult();
            await _release.Task;
            return ExportOutcome.Ok;
        }

        public ValueTask DisposeAsync()
        {
            Release();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The exported span ids a node's ledger knows for a cluster (its own exports and its peers').</summary>
    private static Task<HashSet<long>> KnownAsync(PipelineRuntime node, string cluster) =>
        node.System.ActorSelection("/user/" + EmittedLedger.Name).Ask<HashSet<long>>(new LedgerKnownQuery(cluster), TimeSpan.FromSeconds(10));

    private static PipelineSettings Replica(params string[] seeds) => new()
    {
        Hostname = "127.0.0.1",
        Port = 0,
        SeedNodes = seeds,
        ReplicateEmitted = true,
        SettleAfter = TimeSpan.FromMilliseconds(200),
        BatchInterval = TimeSpan.FromMilliseconds(50),
    };

    private static IFact InCluster(IFact fact, string cluster) => fact switch
    {
        ObjectObserved o => o with { Cluster = cluster },
        EventObserved e => e with { Cluster = cluster },
        _ => fact,
    };

    private static HashSet<long> Ids(IEnumerable<SpanRecord> spans, string cluster) =>
        spans.Where(s => s.Resource.ClusterName == cluster).Select(s => unchecked((long)s.SpanId.Value)).ToHashSet();

    [Fact]
    public async Task A_replica_records_a_span_as_exported_only_once_its_export_completed()
    {
        var exporter = new GatedExporter();
        await using var node = await PipelineRuntime.StartAsync(Replica(), [exporter]);
        foreach (var f in Scenarios.Rollout().Facts) node.Feed(f);

        await exporter.Called.WaitAsync(TimeSpan.FromSeconds(30));
        var handed = exporter.Spans.Select(s => unchecked((long)s.SpanId.Value)).ToHashSet();
        Assert.NotEmpty(handed);
        Assert.Empty((await KnownAsync(node, F.Cluster)).Intersect(handed));

        exporter.Release();
        await Eventually.TrueAsync(async () => handed.IsSubsetOf(await KnownAsync(node, F.Cluster)), TimeSpan.FromSeconds(30),
            () => "every exported span id in the ledger");
    }

    [Fact]
    public async Task A_replica_that_joins_learns_what_was_exported_before_and_every_replica_learns_what_any_exports_after()
    {
        var exporter = new CapturingExporter();
        await using var first = await PipelineRuntime.StartAsync(Replica(), [exporter]);
        foreach (var f in Scenarios.Rollout().Facts) first.Feed(f);
        await first.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var before = Ids(exporter.Spans, F.Cluster);
        Assert.NotEmpty(before);

        // A second replica joins: it asks the first for what it holds.
        await using var second = await PipelineRuntime.StartAsync(Replica(Akka.Cluster.Cluster.Get(first.System).SelfAddress.ToString()), [exporter]);
        await Eventually.TrueAsync(async () => before.IsSubsetOf(await KnownAsync(second, F.Cluster)), TimeSpan.FromSeconds(60),
            () => "the joining replica knows every span exported before it joined");

        // Both replicas take another cluster's facts; whichever exports a span tells the other at once.
        const string other = "test-after-join";
        var facts = Scenarios.Rollout().Facts;
        for (var i = 0; i < facts.Count; i++) (i % 2 == 0 ? first : second).Feed(InCluster(facts[i], other));
        await PipelineRuntime.DrainAsync([first, second]).WaitAsync(TimeSpan.FromSeconds(60));
        var after = Ids(exporter.Spans, other);
        Assert.NotEmpty(after);
        foreach (var node in new[] { first, second })
        {
            var known = new HashSet<long>();
            await Eventually.TrueAsync(async () => after.IsSubsetOf(known = await KnownAsync(node, other)), TimeSpan.FromSeconds(30),
                () => $"every replica knows every span exported after the join: {Akka.Cluster.Cluster.Get(node.System).SelfAddress} knows {known.Count} of {after.Count} ({after.Except(known).Count()} missing; {known.Except(after).Count()} unexpected; first {Akka.Cluster.Cluster.Get(first.System).SelfAddress})");
        }
        Assert.Equal(after.Count, exporter.Spans.Count(s => s.Resource.ClusterName == other)); // none exported twice
    }
}
