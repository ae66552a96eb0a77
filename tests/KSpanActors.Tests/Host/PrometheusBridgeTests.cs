using KSpanActors.Host;
using Prometheus;

namespace KSpanActors.Tests.Host;

/// <summary>What /metrics shows of the runtime's own meter beside the pipeline's counters.</summary>
public sealed class PrometheusBridgeTests
{
    private static async Task<string> ScrapeAsync(CollectorRegistry registry)
    {
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        return System.Text.Encoding.UTF8.GetString(text.ToArray());
    }

    [Fact]
    public async Task The_runtimes_gc_jit_and_thread_pool_figures_are_published_with_prometheus_names_and_types()
    {
        var registry = Metrics.NewCustomRegistry();
        using var bridge = new PrometheusBridge(registry);
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);

        var text = await ScrapeAsync(registry);

        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text, StringComparison.Ordinal);
        Assert.Matches(@"dotnet_gc_collections_total\{gc_heap_generation=""gen0""\} [1-9]", text); // a dotted tag is a valid label
        Assert.Contains("# TYPE dotnet_gc_pause_time_seconds_total counter", text, StringComparison.Ordinal);
        Assert.Matches(@"dotnet_jit_compiled_methods_total [1-9]", text);
        Assert.Contains("# TYPE dotnet_gc_heap_total_allocated_bytes_total counter", text, StringComparison.Ordinal);
        // levels that go down are gauges, including the two the runtime declares as counters
        Assert.Contains("# TYPE dotnet_process_memory_working_set_bytes gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_thread_pool_thread_count gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_thread_pool_queue_length gauge", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet_thread_pool_thread_count_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pipelines_counters_keep_their_names()
    {
        var registry = Metrics.NewCustomRegistry();
        using var metrics = new KSpanActors.Pipeline.PipelineMetrics { FactsFromOtherReplicas = () => 42 };
        using var bridge = new PrometheusBridge(registry);
        metrics.EventReceived("bridge-test", "Pod"); // a cluster name no other test counts under

        var text = await ScrapeAsync(registry);

        Assert.Matches(@"(?m)^kspan_events_received_total [1-9]", text);
        Assert.Matches(@"(?m)^kspan_facts_from_other_replicas_total 42", text);
        Assert.Matches(@"kspan_cluster_events_total\{cluster=""bridge-test"",kind=""Pod""\} 1", text);
    }
}
