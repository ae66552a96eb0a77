using KSpanActors.Ingest;
using KSpanActors.Model;

namespace KSpanActors.Tests.Ingest;

/// <summary>
/// What the decoder reads does not depend on what it read before: every Event of every fixture decodes the same first,
/// alone and last, in a decoder loaded afresh (a new process, as far as the serializer's caches go).
/// </summary>
public sealed class DecodeOrderTests
{
    private const string Cluster = "order";

    /// <summary>
    /// Every Event of every fixture, as (fixture path under Fixtures, position in the fixture) — of Events written in
    /// exactly the same shape (the same members, in the same order, with values of the same JSON types) only the first,
    /// since a decoder loaded afresh costs about a second: which serializer paths a first decode takes depends on the
    /// shape, not on the values.
    /// </summary>
    public static TheoryData<string, int> EventsOfEveryFixture()
    {
        var data = new TheoryData<string, int>();
        var shapes = new HashSet<string>(StringComparer.Ordinal);
        var root = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (ArchiveReader.Kind(file) is null && !InputReader.IsReadable(file)) continue;
            var docs = Documents(file);
            for (var i = 0; i < docs.Count; i++)
            {
                if (docs[i].Kind == "Event" && shapes.Add(Shape(docs[i]))) data.Add(Path.GetRelativePath(root, file).Replace('\\', '/'), i);
            }
        }
        return data;
    }

    private static List<SourceDocument> Documents(string path) => InputReader.ReadInput(path, _ => { }, _ => { }).ToList();

    /// <summary>The member names and value types of a document, in order, without the values.</summary>
    private static string Shape(SourceDocument doc)
    {
        var shape = new System.Text.StringBuilder();
        var reader = new System.Text.Json.Utf8JsonReader(doc.Json.Span);
        try
        {
            while (reader.Read())
            {
                shape.Append(reader.TokenType == System.Text.Json.JsonTokenType.PropertyName ? reader.GetString() : reader.TokenType.ToString()).Append(' ');
            }
        }
        catch (System.Text.Json.JsonException)
        {
            shape.Append("broken");
        }
        return $"{doc.ApiVersion} {shape}";
    }

    [Theory]
    [MemberData(nameof(EventsOfEveryFixture))]
    public void Every_event_of_every_fixture_decodes_the_same_first_alone_and_last(string fixture, int position)
    {
        var docs = Documents(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture));
        var expected = docs.Select(d => FreshDecoder.DecodeHere(Cluster, d)).ToList();
        var doc = docs[position];
        using var fresh = new FreshDecoder();

        var first = fresh.Decode(Cluster, doc);
        Assert.True(expected[position] == first, $"{doc.Origin} decoded first (alone) in a new decoder: {first}, expected {expected[position]}");
        for (var i = 0; i < docs.Count; i++)
        {
            if (i != position) Assert.True(expected[i] == fresh.Decode(Cluster, docs[i]), $"{docs[i].Origin} decoded after {doc.Origin}");
        }
        Assert.True(expected[position] == fresh.Decode(Cluster, doc), $"{doc.Origin} decoded last");
    }

    /// <summary>An Event carrying <c>topLevelSpan: "true"</c>, with metadata first or last in the Event, annotations first or last in metadata, and the key first or last among the annotations.</summary>
    private static SourceDocument FluxSync(int metadataAt, int annotationsAt, int keyAt)
    {
        List<string> keys = ["\"kustomize.toolkit.fluxcd.io/revision\":\"main@sha1:4f1c\"", "\"kustomize.toolkit.fluxcd.io/name\":\"apps\""];
        keys.Insert(keyAt, "\"topLevelSpan\":\"true\"");
        List<string> metadata = ["\"name\":\"podinfo.17c9\"", "\"namespace\":\"apps\"", "\"uid\":\"f2000000-0000-4000-8000-000000000002\"", "\"creationTimestamp\":\"2024-05-02T09:30:04Z\""];
        metadata.Insert(annotationsAt, $"\"annotations\":{{{string.Join(",", keys)}}}");
        List<string> members =
        [
            "\"apiVersion\":\"v1\"", "\"kind\":\"Event\"",
            "\"involvedObject\":{\"kind\":\"StatefulSet\",\"name\":\"podinfo\",\"namespace\":\"apps\",\"apiVersion\":\"apps/v1\"}",
            "\"reason\":\"Sync\"", "\"message\":\"StatefulSet/apps/podinfo configured\"", "\"type\":\"Normal\"",
            "\"lastTimestamp\":\"2024-05-02T09:30:04Z\"", "\"source\":{\"component\":\"kustomize-controller\"}",
        ];
        members.Insert(metadataAt, $"\"metadata\":{{{string.Join(",", metadata)}}}");
        return IngestFixtures.Doc("Event", $"{{{string.Join(",", members)}}}");
    }

    public static TheoryData<int, int, int> Positions()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var metadataAt in new[] { 0, 8 })
        {
            foreach (var annotationsAt in new[] { 0, 4 })
            {
                foreach (var keyAt in new[] { 0, 2 }) data.Add(metadataAt, annotationsAt, keyAt);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void The_topLevelSpan_annotation_is_read_in_every_position_by_a_new_decoder(int metadataAt, int annotationsAt, int keyAt)
    {
        var doc = FluxSync(metadataAt, annotationsAt, keyAt);
        using var fresh = new FreshDecoder();

        var decoded = fresh.Decode(Cluster, doc);

        Assert.Equal(FreshDecoder.DecodeHere(Cluster, doc), decoded);
        Assert.Contains("TopLevelSpan = True", decoded, StringComparison.Ordinal);
        Assert.True(IngestFixtures.Decode<EventObserved>(doc).TopLevelSpan);
    }

    [Fact]
    public void Labels_and_annotations_of_objects_and_events_decode_in_a_new_decoder()
    {
        using var fresh = new FreshDecoder();
        var pod = IngestFixtures.Doc("Pod", """
            {"metadata":{"labels":{"app":"web"},"annotations":{"a":"b"},"name":"p","uid":"p1","creationTimestamp":"2024-01-01T00:00:00Z"}}
            """);
        var evt = IngestFixtures.Doc("Event", """
            {"metadata":{"labels":{"app":"web"},"name":"e","uid":"e1"},"involvedObject":{"kind":"Pod","name":"p"},"lastTimestamp":"2024-01-01T00:00:00Z"}
            """);

        Assert.Equal(FreshDecoder.DecodeHere(Cluster, evt), fresh.Decode(Cluster, evt));
        Assert.Equal(FreshDecoder.DecodeHere(Cluster, pod), fresh.Decode(Cluster, pod));
    }

    [Fact]
    public void Every_string_converter_of_the_decoder_reads_and_writes_dictionary_keys_itself()
    {
        // System.Text.Json uses the options' converter for string for dictionary keys too; one that does not override
        // these falls back on a converter that exists only once something else loaded the serializer's defaults.
        var converters = typeof(KubeDecoder).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(System.Text.Json.Serialization.JsonConverter<string>).IsAssignableFrom(t))
            .ToList();
        Assert.NotEmpty(converters);
        foreach (var type in converters)
        {
            Assert.Equal(type, type.GetMethod(nameof(System.Text.Json.Serialization.JsonConverter<string>.ReadAsPropertyName))!.DeclaringType);
            Assert.Equal(type, type.GetMethod(nameof(System.Text.Json.Serialization.JsonConverter<string>.WriteAsPropertyName))!.DeclaringType);
        }
    }
}
