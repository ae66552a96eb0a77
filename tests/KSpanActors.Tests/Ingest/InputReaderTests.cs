using System.Text;
using KSpanActors.Ingest;
using KSpanActors.Model;
using static KSpanActors.Tests.Ingest.IngestFixtures;

namespace KSpanActors.Tests.Ingest;

public sealed class InputReaderTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("kspan-ingest-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static (List<SourceDocument> Docs, List<InputProblem> Problems) ReadAll(string path)
    {
        var problems = new List<InputProblem>();
        var docs = InputReader.Read(path, problems.Add).ToList();
        return (docs, problems);
    }

    [Fact]
    public void A_broken_capture_document_is_reported_with_its_origin_and_the_other_five_are_still_read()
    {
        var (docs, problems) = ReadAll(PathOf("capture.yaml"));

        Assert.Equal(["Event", "ReplicaSet", "Pod", "Event", "Pod"], docs.Select(d => d.Kind));
        Assert.Equal(
            ["capture.yaml document 1", "capture.yaml document 2", "capture.yaml document 3", "capture.yaml document 5", "capture.yaml document 6"],
            docs.Select(d => d.Origin));
        var problem = Assert.Single(problems);
        Assert.Equal("capture.yaml document 4", problem.Origin);
        Assert.Matches(@"^YAML syntax error at line 10[1-7], column \d+: ", problem.Message);
    }

    [Fact]
    public void A_capture_header_with_watch_type_DELETED_marks_the_document_deleted()
    {
        var docs = Capture();
        Assert.Equal([false, false, false, false, true], docs.Select(d => d.Deleted));
    }

    [Fact]
    public void Capture_documents_carry_their_api_version_and_decode_without_errors()
    {
        var docs = Capture();
        Assert.Equal(["v1", "apps/v1", "v1", "v1", "v1"], docs.Select(d => d.ApiVersion));
        foreach (var doc in docs)
        {
            Assert.True(KubeDecoder.TryDecode(Cluster, doc, out _, out var error), $"{doc.Origin}: {error}");
        }
    }

    [Fact]
    public void A_capture_header_supplies_the_kind_when_the_document_has_none()
    {
        var path = Path.Combine(_temp, "c.yaml");
        File.WriteAllText(path, """
            ---
            # {"time":"2024-01-01T00:00:00Z","style":"initial","kind":"Pod"}
            metadata:
              name: p
              uid: u
            ---
            # {"style":"watch","kind":"Pod","deleted":true}
            kind: Pod
            metadata: {name: p, uid: u}
            """);
        var (docs, problems) = ReadAll(path);
        Assert.Empty(problems);
        Assert.Equal([("Pod", false), ("Pod", true)], docs.Select(d => (d.Kind, d.Deleted)));
    }

    [Fact]
    public void A_json_event_list_gives_one_document_per_item_with_kind_and_api_version_from_the_list()
    {
        var docs = ReadClean("events-list.json");
        Assert.Equal(["Event", "Event", "Event"], docs.Select(d => d.Kind));
        Assert.Equal(["v1", "v1", "v1"], docs.Select(d => d.ApiVersion));
        Assert.Equal(["events-list.json item 1", "events-list.json item 2", "events-list.json item 3"], docs.Select(d => d.Origin));
        var first = Encoding.UTF8.GetString(docs[0].Json.Span);
        Assert.StartsWith("{", first, StringComparison.Ordinal);
        Assert.EndsWith("}", first, StringComparison.Ordinal);
        Assert.Contains("\"ev-series\"", first, StringComparison.Ordinal);
        Assert.DoesNotContain("ev-zero-time", first, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_json_object_is_one_document_named_after_the_file()
    {
        var doc = Assert.Single(ReadClean("eventsv1.json"));
        Assert.Equal(("Event", "events.k8s.io/v1", "eventsv1.json", false), (doc.Kind, doc.ApiVersion, doc.Origin, doc.Deleted));
    }

    [Fact]
    public void A_yaml_list_reads_its_items_and_reports_the_item_without_kind()
    {
        var (docs, problems) = ReadAll(PathOf("list.yaml"));
        Assert.Equal([("Deployment", "apps/v1", "list.yaml item 1"), ("ConfigMap", "v1", "list.yaml item 3")], docs.Select(d => (d.Kind, d.ApiVersion, d.Origin)));
        Assert.Equal(new InputProblem("list.yaml item 2", "document without kind"), Assert.Single(problems));

        var deployment = Decode<ObjectObserved>(docs[0]);
        Assert.Equal((4L, 5361638L), (deployment.Generation, deployment.ResourceVersion));
    }

    [Fact]
    public void A_folder_is_read_recursively_in_path_order_and_a_json_array_of_numbers_is_ignored_quietly()
    {
        var problems = new List<InputProblem>();
        var ignored = new List<string>();
        var docs = InputReader.ReadInput(PathOf("folder"), problems.Add, ignored.Add).ToList();
        Assert.Equal([("Namespace", "a.json"), ("Node", "sub/b.yaml")], docs.Select(d => (d.Kind, d.Origin)));
        Assert.Empty(problems);
        Assert.Equal(["array.json"], ignored); // notes.txt is not even opened
        Assert.All(docs, d => Assert.IsType<ObjectObserved>(Decode<ObjectObserved>(d)));
    }

    [Fact]
    public void A_missing_path_is_a_problem_found_only_when_enumerated()
    {
        var problems = new List<InputProblem>();
        var missing = Path.Combine(_temp, "nope.yaml");
        var docs = InputReader.Read(missing, problems.Add);
        Assert.Empty(problems);
        Assert.Empty(docs);
        Assert.Equal(new InputProblem(missing, "no such file or folder"), Assert.Single(problems));
    }

    [Fact]
    public void A_json_list_broken_halfway_keeps_the_items_before_the_break()
    {
        var path = Path.Combine(_temp, "pods.json");
        File.WriteAllText(path, """
            {"kind":"PodList","apiVersion":"v1","items":[
              {"metadata":{"name":"a","uid":"a"}},
              {"metadata":{"name":"b","uid":"b"}},
              {"metadata":{"name":"c", "uid": }
            """);
        var (docs, problems) = ReadAll(path);
        Assert.Equal([("Pod", "v1", "pods.json item 1"), ("Pod", "v1", "pods.json item 2")], docs.Select(d => (d.Kind, d.ApiVersion, d.Origin)));
        var problem = Assert.Single(problems);
        Assert.Equal("pods.json", problem.Origin);
        Assert.StartsWith("JSON syntax error: ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_list_gives_nothing_and_no_problem()
    {
        var path = Path.Combine(_temp, "empty.json");
        File.WriteAllText(path, """{"kind":"JobList","apiVersion":"batch/v1","metadata":{"resourceVersion":"1"},"items":[]}""");
        var (docs, problems) = ReadAll(path);
        Assert.Empty(docs);
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("scalar.yaml", "just a sentence\n")]
    [InlineData("seq.yaml", "- a\n- b\n")]
    [InlineData("kindless.json", """{"metadata":{"name":"x"}}""")]
    [InlineData("number.json", "42")]
    public void Non_kubernetes_files_are_problems_not_crashes(string name, string content)
    {
        var path = Path.Combine(_temp, name);
        File.WriteAllText(path, content);
        var (docs, problems) = ReadAll(path);
        Assert.Empty(docs);
        Assert.Equal(name, Assert.Single(problems).Origin);
    }

    [Fact]
    public void Documents_with_only_comments_are_skipped_without_counting()
    {
        var path = Path.Combine(_temp, "multi.yaml");
        File.WriteAllText(path, "# only a comment\n---\n---\nkind: Pod\nmetadata: {uid: a}\n---\n# trailing\n");
        var (docs, problems) = ReadAll(path);
        Assert.Empty(problems);
        Assert.Equal("multi.yaml", Assert.Single(docs).Origin);
    }

    [Fact]
    public void The_yaml_syntax_error_names_the_line_in_the_file()
    {
        var path = Path.Combine(_temp, "lines.yaml");
        File.WriteAllText(path, "kind: Pod\nmetadata: {uid: a}\n---\nkind: Pod\nmetadata: {uid: [b\n---\nkind: Pod\nmetadata: {uid: c}\n");
        var (docs, problems) = ReadAll(path);
        Assert.Equal(["lines.yaml document 1", "lines.yaml document 3"], docs.Select(d => d.Origin));
        var problem = Assert.Single(problems);
        Assert.Equal("lines.yaml document 2", problem.Origin);
        Assert.Matches(@"^YAML syntax error at line [56], column \d+: ", problem.Message);
    }
}
