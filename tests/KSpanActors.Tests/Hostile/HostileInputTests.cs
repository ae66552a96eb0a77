using KSpanActors.Model;
using KSpanActors.Pipeline;
using static KSpanActors.Tests.Hostile.HostileHarness;

namespace KSpanActors.Tests.Hostile;

/// <summary>
/// The hostile-input corpus (Fixtures/hostile, plus a 1 MB message and a 1,000-deep owner chain generated here), each
/// replayed next to one good rollout story: the bad item is logged with its origin and counted, nothing crashes or
/// hangs, and the good story's tree comes out whole.
/// </summary>
[Collection("akka-cluster")]
public sealed class HostileInputTests : IDisposable
{
    private const string B = "bad00000-0000-4000-8000-0000000000";
    private readonly string _dir = Directory.CreateTempSubdirectory("kspan-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Truncated_json_is_logged_with_its_origin_counted_and_what_came_before_the_cut_is_kept()
    {
        var run = await RunWithGoodStoryAsync("truncated-list.json", "truncated-object.json");

        AssertGoodStoryIntact(run.Spans);
        Assert.Equal(2, run.Metrics.DecodeErrors);
        run.AssertLogged("truncated-list.json", "JSON syntax error");
        run.AssertLogged("truncated-object.json", "JSON syntax error");
        Assert.True(run.HasEvent(B + "01") && run.HasEvent(B + "02"));
        Assert.False(run.HasEvent(B + "03"));
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task Values_of_the_wrong_type_are_logged_per_item_and_counted()
    {
        var run = await RunWithGoodStoryAsync("wrong-types.json");

        AssertGoodStoryIntact(run.Spans);
        Assert.Equal(11, run.Metrics.DecodeErrors);
        for (var item = 1; item <= 11; item++) Assert.Contains(run.Log.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"Skipped wrong-types\.json item {item}\b"));
        run.AssertLogged("wrong-types.json item 9", "not an object");
        run.AssertLogged("wrong-types.json item 11", "without kind");
        Assert.DoesNotContain(run.Spans, s => s.Attribute("k8s.namespace.name") == "hostile");
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task Missing_uids_are_logged_per_item_and_counted_and_events_missing_their_objects_kind_or_name_are_still_spans()
    {
        var run = await RunWithGoodStoryAsync("missing-fields.json");

        AssertGoodStoryIntact(run.Spans);
        Assert.Equal(5, run.Metrics.DecodeErrors);
        run.AssertLogged("missing-fields.json item 1", "without metadata.uid");
        // An Event whose involvedObject lacks its kind, its name or is missing altogether still happened (docs/trace-model.md:
        // never dropped): named from what is there.
        Assert.Equal("Unknown.Started", run.Event(B + "22").Name);
        Assert.Equal(("Pod.Started", "mf.000023"), (run.Event(B + "23").Name, run.Event(B + "23").Attribute("k8s.pod.name")));
        Assert.Equal(("Namespace.Started", "hostile"), (run.Event(B + "24").Name, run.Event(B + "24").Attribute("k8s.object.name")));
        run.AssertLogged("missing-fields.json item 5", "without metadata.uid");
        run.AssertLogged("missing-fields.json item 6", "without kind");
        run.AssertLogged("missing-fields.json item 7", "without metadata.uid");
        run.AssertLogged("missing-fields.json item 8", "without kind");
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task Go_zero_times_count_as_unset_and_an_event_with_no_time_at_all_is_logged_and_counted()
    {
        var run = await RunWithGoodStoryAsync("year-1.json");

        AssertGoodStoryIntact(run.Spans);
        run.AssertLogged("year-1.json item 1", "has no time");
        Assert.False(run.HasEvent(B + "31"));
        Assert.Equal(Time("2024-05-02T10:00:02Z"), run.Event(B + "32").StartNs); // lastTimestamp is zero: eventTime counts
        Assert.All(run.Spans, s => Assert.True(s.StartNs <= s.EndNs));
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task Far_future_times_neither_crash_the_pipeline_nor_disturb_other_spans()
    {
        var run = await RunWithGoodStoryAsync("year-9999.json");

        AssertGoodStoryIntact(run.Spans);
        Assert.Equal(Time("2024-05-02T10:00:02Z"), run.Event(B + "43").StartNs);
        Assert.All(run.Spans, s => Assert.True(s.StartNs <= s.EndNs));
        var json = global::KSpanActors.Export.Otlp.OtlpJson.ToJson([new TraceSpans(run.Spans[0].TraceId, [.. run.Spans])]);
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task LastTimestamp_before_firstTimestamp_places_the_span_at_lastTimestamp_without_negative_durations()
    {
        var run = await RunWithGoodStoryAsync("last-before-first.json");

        AssertGoodStoryIntact(run.Spans);
        Assert.Equal(0, run.Metrics.DecodeErrors);
        var backOff = run.Event(B + "51");
        Assert.Equal(Time("2024-05-02T10:00:05Z"), backOff.StartNs);
        Assert.Equal(SpanStatus.Error, backOff.Status);
        Assert.Equal(Time("2024-05-02T10:00:05Z"), backOff.EndNs); // a firstTimestamp after the occurrence covers nothing
        Assert.Equal(Time("2024-05-02T10:00:02Z"), run.Event(B + "52").EndNs); // Started is a point (docs/trace-model.md, Length)
        Assert.All(run.Spans, s => Assert.True(s.StartNs <= s.EndNs));
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task A_1_MB_message_is_exported_bounded_and_encodes_as_valid_OTLP_JSON()
    {
        var huge = string.Concat(Enumerable.Repeat("ünïcode \"quoted\" \\ back\tslash\n", 1024 * 1024 / 32));
        var path = Path.Combine(_dir, "huge.json");
        File.WriteAllText(path, List([
            EventJson(B + "61", "Pod", "big", B + "g1", "Failed", huge, "2024-05-02T10:00:02Z", "kubelet"),
            EventJson(B + "62", "Pod", "big", B + "g1", "Started", "small", "2024-05-02T10:00:03Z", "kubelet"),
        ]));
        Assert.True(new FileInfo(path).Length > 1_000_000);

        var run = await RunWithGoodStoryAsync(path);

        AssertGoodStoryIntact(run.Spans);
        var big = run.Event(B + "61");
        var message = big.Attribute("k8s.event.message")!;
        Assert.StartsWith("ünïcode \"quoted\"", message, StringComparison.Ordinal);
        Assert.True(message.Length <= 8 * 1024 + 64, $"a 1 MB message became a {message.Length}-character attribute");
        Assert.True(run.HasEvent(B + "62"));
        var json = global::KSpanActors.Export.Otlp.OtlpJson.ToJson([new TraceSpans(big.TraceId, [big])]);
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task Owner_cycles_and_self_references_are_cut_logged_counted_and_their_events_exported()
    {
        var run = await RunWithGoodStoryAsync("owner-cycles.json");

        AssertGoodStoryIntact(run.Spans);
        Assert.Equal(2, run.Metrics.OwnerCycles); // the 3-cycle once, the self-owner once
        run.AssertLogged("owns itself", "Widget hostile/narcissus");
        run.AssertLogged("Owner cycle at cluster=hostile Widget hostile/alpha", "top-level object of the cycle");
        const string C = "bad0c000-0000-4000-8000-0000000000";
        foreach (var e in new[] { "e1", "e2", "e3", "e4" }) Assert.True(run.HasEvent(C + e), C + e);
        Assert.Equal(SpanStatus.Error, run.Event(C + "e3").Status);
        Assert.True(4 + 2 == run.Spans.Count(s => s.Attribute("k8s.namespace.name") == "hostile"), Support.TreeText.Render(run.Spans)); // 4 events, 2 roots (the cycle, narcissus)
        // One trace for the whole cycle, whatever the arrival order: its member with the smallest uid (alpha) is the top.
        Assert.Equal(run.Event(C + "e1").TraceId, run.Event(C + "e2").TraceId);
        Assert.Equal(run.Event(C + "e1").TraceId, run.Event(C + "e3").TraceId);
        Assert.NotEqual(run.Event(C + "e1").TraceId, run.Event(C + "e4").TraceId);
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task A_1000_deep_owner_chain_is_cut_at_MaxOwnerDepth_and_completes_in_bounded_time()
    {
        const int Depth = 1000;
        const string L = "bad0e000-0000-4000-8000-";
        string Uid(int i) => L + i.ToString("d12", System.Globalization.CultureInfo.InvariantCulture);
        var items = new List<string>();
        for (var i = 0; i < Depth; i++)
        {
            items.Add(ObjectJson("example.com/v1", "Layer", $"layer-{i}", Uid(i), "2024-05-02T10:00:00Z", i == 0 ? null : ("Layer", $"layer-{i - 1}", Uid(i - 1))));
        }
        items.Add(EventJson(L + "e00000000001", "Layer", "layer-999", Uid(999), "Reconciled", "deepest", "2024-05-02T10:00:01Z", "layer-operator"));
        items.Add(EventJson(L + "e00000000002", "Layer", "layer-500", Uid(500), "Reconciled", "middle", "2024-05-02T10:00:02Z", "layer-operator"));
        items.Add(EventJson(L + "e00000000003", "Layer", "layer-0", Uid(0), "Reconciled", "top", "2024-05-02T10:00:03Z", "layer-operator"));
        items.Add(EventJson(L + "e00000000004", "Layer", "layer-20", Uid(20), "Reconciled", "near the top", "2024-05-02T10:00:04Z", "layer-operator"));
        var path = Path.Combine(_dir, "chain.json");
        File.WriteAllText(path, List(items));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = await RunWithGoodStoryAsync(path);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        AssertGoodStoryIntact(run.Spans);
        var settings = new PipelineSettings();
        Assert.True(run.Metrics.OwnerCycles >= 1);
        Assert.True(run.Metrics.OwnerCycles <= Depth + 4, $"OwnerCycles = {run.Metrics.OwnerCycles}: more cuts than facts");
        run.AssertLogged($"deeper than {settings.MaxOwnerDepth}", "Layer hostile/layer-");
        for (var e = 1; e <= 4; e++) Assert.True(run.HasEvent(L + "e0000000000" + e));
        // The shallow part of the chain is intact: layer-20's event belongs to layer-0's trace.
        Assert.Equal(run.Event(L + "e00000000003").TraceId, run.Event(L + "e00000000004").TraceId);
        // Bounded output: each event once, plus at most one root per trace.
        var chainSpans = run.Spans.Where(s => s.Attribute("k8s.namespace.name") == "hostile").ToList();
        Assert.Equal(4, chainSpans.Count(s => s.Attribute("k8s.event.uid") is not null));
        Assert.True(chainSpans.Count <= 8);
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task Unknown_kinds_and_api_versions_are_traced_like_custom_resources()
    {
        var run = await RunWithGoodStoryAsync("unknown-kinds.json");

        AssertGoodStoryIntact(run.Spans);
        const string U = "bad0d000-0000-4000-8000-0000000000";
        Assert.True(0 == run.Metrics.DecodeErrors, run.Log.All);
        // Says events.k8s.io/v9 but has the core/v1 shape (involvedObject, no "regarding"): read as core/v1.
        Assert.Equal(("FluxCapacitor.Charged", "doc-controller"), (run.Event(U + "e1").Name, run.Event(U + "e1").Resource.ServiceName));
        // Empty kind, name, reason and component: a span about its namespace, not a skipped Event.
        Assert.Equal(("Namespace.Unknown", "unknown"), (run.Event(U + "e4").Name, run.Event(U + "e4").Resource.ServiceName));
        var discharged = run.Event(U + "e5");
        Assert.Equal(("FluxCapacitor.Discharged", "doc-controller", "doc-1"), (discharged.Name, discharged.Resource.ServiceName, discharged.Resource.ServiceInstanceId));
        Assert.Equal("FluxCapacitor", discharged.Attribute("k8s.object.kind"));
        var started = run.Event(U + "e2");
        Assert.Equal(discharged.TraceId, started.TraceId);
        var root = Assert.Single(run.Spans, s => s.TraceId == discharged.TraceId && s.IsRoot);
        Assert.Equal(("FluxCapacitor.Update", "marty"), (root.Name, root.Resource.ServiceName));
        Assert.Equal(root.SpanId, started.ParentSpanId);
        Assert.True(run.HasEvent(U + "e3")); // owned by an unknown kind that never shows up: an orphan, still exported
        Assert.True(run.Metrics.Orphans >= 1);
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task The_same_uids_in_two_clusters_give_two_separate_complete_traces()
    {
        var good = Fixture("good-story.json");
        var run = await RunAsync([(good, "east"), (good, "west")]);

        AssertGoodStoryIntact(run.Spans, "east");
        AssertGoodStoryIntact(run.Spans, "west");
        var traces = run.Spans.GroupBy(s => s.TraceId).ToList();
        Assert.Equal(2, traces.Count);
        Assert.Equal(["east", "west"], traces.Select(t => t.Select(s => s.Resource.ClusterName).Distinct().Single()).Order());
        Assert.Equal(14, run.Spans.Select(s => s.SpanId).Distinct().Count());
        run.AssertNothingCrashed();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task An_owner_cycle_gives_the_same_single_trace_in_any_feed_order(int seed)
    {
        var facts = KSpanActors.Ingest.ReplayLoader.Load(Fixture("owner-cycles.json"), Cluster, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Facts;
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(facts));

        var run = await RunAsync([], facts);

        const string C = "bad0c000-0000-4000-8000-0000000000";
        var trace = run.Event(C + "e1").TraceId;
        Assert.Equal(trace, run.Event(C + "e2").TraceId);
        Assert.Equal(trace, run.Event(C + "e3").TraceId);
        var root = Assert.Single(run.Spans, s => s.TraceId == trace && s.IsRoot);
        Assert.Equal("alpha", root.Attribute("k8s.object.name"));
        Assert.Equal(2, run.Metrics.OwnerCycles);
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_kind_is_logged_with_its_origin_and_counted_not_thrown()
    {
        var path = Path.Combine(_dir, "bad-utf8.json");
        var before = System.Text.Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"Po");
        var after = System.Text.Encoding.UTF8.GetBytes("d\",\"metadata\":{\"name\":\"x\",\"uid\":\"u\"}}");
        File.WriteAllBytes(path, [.. before, 0xC3, 0x28, 0x9D, .. after]);

        var run = await RunWithGoodStoryAsync(path);

        AssertGoodStoryIntact(run.Spans);
        Assert.Equal(1, run.Metrics.DecodeErrors);
        run.AssertLogged("bad-utf8.json");
        run.AssertNothingCrashed();
    }

    [Fact]
    public async Task Replaying_the_whole_hostile_corpus_through_the_CLI_exits_0_with_the_good_tree_in_valid_OTLP_JSON()
    {
        var input = Path.Combine(_dir, "corpus");
        Directory.CreateDirectory(input);
        foreach (var f in Directory.EnumerateFiles(Fixtures)) File.Copy(f, Path.Combine(input, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(input, "huge.json"), List([EventJson(B + "71", "Pod", "big", B + "h1", "Failed", new string('m', 1_100_000), "2024-05-02T10:00:02Z", "kubelet")]));
        var output = Path.Combine(_dir, "spans.jsonl");

        var exit = await global::KSpanActors.Host.Cli.Build().Parse(["replay", input, "--cluster-name", Cluster, "--otlp-json", output, "--quiet"]).InvokeAsync().WaitAsync(Bound);

        Assert.Equal(0, exit);
        var spans = Support.OtlpJsonSpans.Load(output);
        var parents = Support.OtlpJsonSpans.EventParents(spans);
        foreach (var (uid, parent) in GoodParents)
        {
            if (parent != "ROOT") Assert.Equal(parent, parents[uid]);
        }
        var goodTrace = spans.Single(s => s.EventUid == G + "e1").Trace;
        Assert.Equal(7, spans.Count(s => s.Trace == goodTrace));
        Assert.Equal(("Deployment.Update", "kubectl-client-side-apply"), spans.Where(s => s.Trace == goodTrace && s.Parent.Length == 0).Select(s => (s.Name, s.Service)).Single());
        Assert.All(spans, s => Assert.True(s.Start <= s.End && s.Start >= 0));
        Assert.Single(spans, s => s.EventUid == B + "71");
    }
}
