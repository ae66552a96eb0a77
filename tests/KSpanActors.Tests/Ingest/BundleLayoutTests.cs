using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using KSpanActors.Ingest;
using KSpanActors.Model;
using KSpanActors.Tests.Hostile;
using KSpanActors.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace KSpanActors.Tests.Ingest;

/// <summary>
/// Support bundles replayed as they are on disk (Fixtures/layouts: an OpenShift must-gather, a rancher
/// support-bundle-kit bundle, a troubleshoot bundle, each a small hand-written rollout of shop/web), and packed as
/// archives at run time: every Event is one span, the rollout's tree comes out, and what is not Kubernetes is passed
/// over quietly.
/// </summary>
[Collection("akka-cluster")]
public sealed class BundleLayoutTests : IDisposable
{
    private const string Cluster = "bundle";
    private const string E = "5a0e8c1d-0000-4000-8000-0000000e00";
    private readonly string _temp = Directory.CreateTempSubdirectory("kspan-bundle-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Layout(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "layouts", name);

    /// <summary>Event uid → the event uid of its parent span ("ROOT" for the root): the rollout every layout holds.</summary>
    private static readonly Dictionary<string, string> Rollout = new()
    {
        [E + "01"] = "ROOT",
        [E + "02"] = E + "01",
        [E + "03"] = E + "02",
        [E + "04"] = E + "02",
        [E + "05"] = E + "02",
        [E + "06"] = E + "02",
        [E + "07"] = E + "02",
    };

    private static Task<HostileRun> ReplayAsync(string path) => HostileHarness.RunAsync([(path, Cluster)]);

    /// <summary>The uid of every Event the input holds (read and decoded without the pipeline).</summary>
    private static HashSet<string> EventUids(string path)
    {
        var input = ReplayLoader.Load(path, Cluster, NullLogger.Instance);
        Assert.Equal(0, input.Problems);
        return input.Facts.OfType<EventObserved>().Select(e => e.EventUid).ToHashSet();
    }

    private static void AssertEveryEventOnceAndTheRolloutTree(HostileRun run, HashSet<string> events)
    {
        Assert.Equal(0, run.Problems);
        Assert.Equal(0, run.Metrics.DecodeErrors);
        foreach (var uid in events) Assert.Single(run.Spans, s => s.Attribute("k8s.event.uid") == uid);
        Assert.Equal(events.Count, run.Spans.Count(s => s.Attribute("k8s.event.uid") is not null));

        var trace = run.Event(E + "01").TraceId;
        var rollout = run.Spans.Where(s => s.TraceId == trace).ToList();
        Assert.Equal(Rollout.OrderBy(kv => kv.Key), TreeText.Parents(rollout).OrderBy(kv => kv.Key));
        var root = Assert.Single(rollout, s => s.IsRoot);
        Assert.Equal(("Deployment.Update", "kubectl-client-side-apply"), (root.Name, root.Resource.ServiceName));
        run.AssertNothingCrashed();
    }

    [Theory]
    [InlineData("must-gather", 9)]
    [InlineData("support-bundle-kit", 7)]
    [InlineData("troubleshoot", 7)]
    public async Task A_bundle_folder_replays_every_event_as_one_span_with_the_rollout_tree(string layout, int events)
    {
        var uids = EventUids(Layout(layout));
        Assert.Equal(events, uids.Count);

        AssertEveryEventOnceAndTheRolloutTree(await ReplayAsync(Layout(layout)), uids);
    }

    [Theory]
    [InlineData("must-gather", ".tar.gz")]
    [InlineData("support-bundle-kit", ".tgz")]
    [InlineData("troubleshoot", ".tar.gz")]
    [InlineData("support-bundle-kit", ".zip")]
    [InlineData("must-gather", ".tar")]
    public async Task An_archive_of_a_bundle_replays_as_the_folder_does_without_unpacking(string layout, string extension)
    {
        var archive = Pack(Layout(layout), Path.Combine(_temp, layout + extension));

        var fromArchive = await ReplayAsync(archive);
        var fromFolder = await ReplayAsync(Layout(layout));

        AssertEveryEventOnceAndTheRolloutTree(fromArchive, EventUids(Layout(layout)));
        Assert.Equal(Ids(fromFolder), Ids(fromArchive));
        Assert.Equal([archive], Directory.GetFileSystemEntries(_temp)); // nothing unpacked beside it
    }

    private static List<string> Ids(HostileRun run) =>
        run.Spans.Select(s => $"{s.TraceId} {s.SpanId} {s.ParentSpanId} {s.Name} {s.StartNs} {s.EndNs}").Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task In_a_must_gather_events_without_an_object_hang_under_their_namespace_and_a_lower_case_kind_is_written_as_Kubernetes_does()
    {
        var run = await ReplayAsync(Layout("must-gather"));

        // OpenShift's installer reports kube-system/bootstrap-finished with only a namespace, no kind, name or reason.
        var bootstrap = run.Event("5a0e8c1d-0000-4000-8000-0000000e0b01");
        Assert.Equal(("Namespace.Unknown", "cluster", "kube-system"), (bootstrap.Name, bootstrap.Resource.ServiceName, bootstrap.Attribute("k8s.object.name")));
        var kubeSystem = Assert.Single(run.Spans, s => s.TraceId == bootstrap.TraceId && s.IsRoot);
        Assert.Equal((kubeSystem.SpanId, "5a0e8c1d-0000-4000-8000-0000000c0ff1"), (bootstrap.ParentSpanId, kubeSystem.Attribute("k8s.object.uid")));

        // An empty involvedObject (an Event named ".1697c16e501a4ae4"): about its namespace too.
        var quota = run.Event(E + "08");
        Assert.Equal(("Namespace.QuotaCheckSkipped", "shop"), (quota.Name, quota.Attribute("k8s.object.name")));
        Assert.NotEqual(run.Event(E + "01").TraceId, quota.TraceId);

        Assert.Equal(("Pod.Created", "web-6d4cf56db6-x7k2p"), (run.Event(E + "06").Name, run.Event(E + "06").Attribute("k8s.pod.name")));
    }

    [Fact]
    public async Task A_support_bundle_kit_bundle_holds_each_event_twice_and_its_null_strings_are_unset()
    {
        var input = ReplayLoader.Load(Layout("support-bundle-kit"), Cluster, NullLogger.Instance);
        Assert.Equal(14, input.Facts.OfType<EventObserved>().Count()); // core/v1 and events.k8s.io/v1
        Assert.All(input.Facts.OfType<EventObserved>(), e => Assert.NotEqual("null", e.Service));
        Assert.All(input.Facts.OfType<EventObserved>(), e => Assert.NotEqual("null", e.Instance));

        var run = await ReplayAsync(Layout("support-bundle-kit"));

        Assert.Equal(7, run.Spans.Count(s => s.Attribute("k8s.event.uid") is not null)); // one span per Event
        Assert.Equal(("kubelet", "node-a"), (run.Event(E + "07").Resource.ServiceName, run.Event(E + "07").Resource.ServiceInstanceId));
        Assert.Equal(HostileHarness.Time("2024-05-02T10:00:05Z"), run.Event(E + "07").StartNs);
    }

    [Theory]
    [InlineData("must-gather", new[] { "etcd_info/member_list.json" })]
    [InlineData("support-bundle-kit", new[] { "metadata.yaml" })]
    [InlineData("troubleshoot", new[] { "version.yaml", "cluster-info/cluster_version.json", "cluster-resources/auth-cani-list/shop.json", "cluster-resources/groups.json", "cluster-resources/resources.json item 1" })]
    public void What_is_not_kubernetes_in_a_bundle_is_passed_over_quietly_and_logs_are_not_opened(string layout, string[] ignoredFiles)
    {
        var problems = new List<InputProblem>();
        var ignored = new List<string>();

        var docs = InputReader.ReadInput(Layout(layout), problems.Add, ignored.Add).ToList();

        Assert.Empty(problems);
        Assert.Equal(ignoredFiles.Length, ignored.Count);
        Assert.All(ignoredFiles, f => Assert.Single(ignored, o => o.EndsWith("/" + f, StringComparison.Ordinal)));
        Assert.DoesNotContain(docs, d => d.Origin.Contains(".log", StringComparison.Ordinal) || d.Origin.Contains(".html", StringComparison.Ordinal));
        Assert.All(docs, d => Assert.True(KubeDecoder.TryDecode(Cluster, d, out _, out var error), $"{d.Origin}: {error}"));
    }

    [Fact]
    public void A_malformed_list_in_a_bundle_is_still_reported()
    {
        var bundle = Directory.CreateDirectory(Path.Combine(_temp, "bundle")).FullName;
        File.WriteAllText(Path.Combine(bundle, "events.yaml"), "apiVersion: v1\nkind: EventList\nitems:\n- metadata: {uid: [a\n");
        File.WriteAllText(Path.Combine(bundle, "pods.json"), """{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"uid":"a","name":"a"}},{"metadata":""" );
        File.WriteAllText(Path.Combine(bundle, "items.json"), """{"kind":"List","apiVersion":"v1","items":[{"metadata":{"uid":"b"}}]}""");
        File.WriteAllText(Path.Combine(bundle, "settings.json"), """{"retention":"7d"}""");
        var problems = new List<InputProblem>();
        var ignored = new List<string>();

        var docs = InputReader.ReadInput(bundle, problems.Add, ignored.Add).ToList();

        Assert.Equal(["pods.json item 1"], docs.Select(d => d.Origin));
        Assert.Equal(["events.yaml", "items.json item 1", "pods.json"], problems.Select(p => p.Origin).Order(StringComparer.Ordinal));
        Assert.Equal(["settings.json"], ignored);
    }

    [Fact]
    public void An_archive_entry_that_leaves_the_archive_or_is_too_large_is_reported_and_passed_over()
    {
        var path = Path.Combine(_temp, "hostile.tar.gz");
        var good = """{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"uid":"p1","name":"p"}}]}""";
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            void Add(string name, string content)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                tar.WriteEntry(entry);
            }
            Add("../escape.json", good);
            Add("/etc/absolute.json", good);
            Add("bundle/big.json", good + new string(' ', 4096));
            Add("bundle/logs/web.log", "not read");
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bundle/link.json") { LinkName = "/etc/passwd" });
            Add("bundle/ok.json", good);
        }
        var problems = new List<InputProblem>();

        var docs = InputReader.ReadInput(path, problems.Add, null, new ArchiveLimits(MaxEntryBytes: 1024, MaxTotalBytes: 1 << 20)).ToList();

        Assert.Equal(["hostile.tar.gz/bundle/ok.json item 1"], docs.Select(d => d.Origin));
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Origin == "hostile.tar.gz/../escape.json" && p.Message.Contains("leaves the archive", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Origin == "hostile.tar.gz//etc/absolute.json" && p.Message.Contains("leaves the archive", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Origin == "hostile.tar.gz/bundle/big.json" && p.Message.Contains("more than the 1024", StringComparison.Ordinal));
        Assert.Single(Directory.GetFileSystemEntries(_temp)); // nothing written
    }

    [Fact]
    public void An_archive_past_its_total_bound_or_cut_short_is_reported_and_what_came_before_is_kept()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_temp, "two")).FullName;
        File.WriteAllText(Path.Combine(folder, "a.json"), """{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"uid":"a","name":"a"}}]}""");
        File.WriteAllText(Path.Combine(folder, "b.json"), """{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"uid":"b","name":"b"}}]}""");
        var archive = Pack(folder, Path.Combine(_temp, "two.tgz"));
        var problems = new List<InputProblem>();

        var docs = InputReader.ReadInput(archive, problems.Add, null, new ArchiveLimits(MaxEntryBytes: 1024, MaxTotalBytes: 100)).ToList();

        Assert.Single(docs);
        Assert.Contains("the rest of the archive is not read", Assert.Single(problems).Message, StringComparison.Ordinal);

        var bytes = File.ReadAllBytes(archive);
        var cut = Path.Combine(_temp, "cut.tar.gz");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        problems.Clear();
        _ = InputReader.Read(cut, problems.Add).ToList();
        Assert.Equal("cut.tar.gz", Assert.Single(problems).Origin);
    }

    /// <summary>Packs a folder (with its own folder name as the top entry, as bundles are packed) into a .tar.gz, .tgz, .tar or .zip.</summary>
    private static string Pack(string folder, string archive)
    {
        if (archive.EndsWith(".zip", StringComparison.Ordinal))
        {
            ZipFile.CreateFromDirectory(folder, archive, CompressionLevel.Fastest, includeBaseDirectory: true);
            return archive;
        }

        using var file = File.Create(archive);
        using Stream output = archive.EndsWith(".tar", StringComparison.Ordinal) ? file : new GZipStream(file, CompressionLevel.Fastest);
        TarFile.CreateFromDirectory(folder, output, includeBaseDirectory: true);
        return archive;
    }
}
