using KSpanActors.Tests.FakeKube;
using Akka.Actor;
using Akka.DistributedData;
using KSpanActors.Export;
using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tests.Support;

namespace KSpanActors.Tests.Pipeline;

/// <summary>
/// The ledger tells the other replicas which spans were exported. It must do so only once they are: a replica killed
/// between deciding to export and exporting must leave those spans to the survivors, not mark them as done.
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

    private static async Task<HashSet<long>> ReplicatedAsync(ActorSystem system, string cluster)
    {
        var replicator = DistributedData.Get(system).Replicator;
        var ids = new HashSet<long>();
        var hour = DateTime.UtcNow.Ticks / TimeSpan.TicksPerHour;
        for (var h = hour - 1; h <= hour; h++)
        {
            for (var b = 0; b < EmittedLedger.Buckets; b++)
            {
                var key = new GSetKey<long>($"kspan-emitted/{cluster}/{h}/{b}");
                var response = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(10));
                if (response is GetSuccess success) ids.UnionWith(success.Get(key).Elements);
            }
        }
        return ids;
    }

    [Fact]
    public async Task A_replica_records_a_span_as_exported_only_once_its_export_completed()
    {
        var exporter = new GatedExporter();
        var settings = new PipelineSettings
        {
            Hostname = "127.0.0.1",
            Port = 0,
            ReplicateEmitted = true,
            SettleAfter = TimeSpan.FromMilliseconds(200),
            BatchInterval = TimeSpan.FromMilliseconds(50),
        };
        await using var node = await PipelineRuntime.StartAsync(settings, [exporter]);
        foreach (var f in Scenarios.Rollout().Facts) node.Feed(f);

        await exporter.Called.WaitAsync(TimeSpan.FromSeconds(30));
        var handed = exporter.Spans.Select(s => unchecked((long)s.SpanId.Value)).ToHashSet();
        Assert.NotEmpty(handed);
        Assert.Empty((await ReplicatedAsync(node.System, F.Cluster)).Intersect(handed));

        exporter.Release();
        await Eventually.TrueAsync(async () => handed.IsSubsetOf(await ReplicatedAsync(node.System, F.Cluster)), TimeSpan.FromSeconds(30),
            () => "every exported span id in the replicated ledger");
    }
}
