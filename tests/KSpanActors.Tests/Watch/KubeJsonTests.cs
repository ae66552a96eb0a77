using System.Text;
using System.Text.Json;
using KSpanActors.Ingest;
using KSpanActors.Watch;

namespace KSpanActors.Tests.Watch;

public sealed class KubeJsonTests
{
    private const string Pod =
        """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"ns","uid":"u1","resourceVersion":"42","labels":{"resourceVersion":"no"},"managedFields":[{"manager":"m"}]},"spec":{}}""";

    private static ReadOnlyMemory<byte> Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData("ADDED")]
    [InlineData("MODIFIED")]
    [InlineData("DELETED")]
    [InlineData("BOOKMARK")]
    [InlineData("ERROR")]
    public void A_line_in_the_API_servers_form_reads_as_the_member_by_member_parse_reads_it(string type)
    {
        var line = Bytes($$"""{"type":"{{type}}","object":{{Pod}}}""");

        var framed = KubeJson.ParseWatchLine(line);
        var members = KubeJson.ParseWatchLineMembers(line);

        Assert.Equal(type, framed.Type);
        Assert.Equal(Pod, Encoding.UTF8.GetString(framed.Object.Span));
        Assert.Equal("42", framed.ResourceVersion); // metadata's, not the label of that name
        Assert.Equal(members.Type, framed.Type);
        Assert.True(members.Object.Span.SequenceEqual(framed.Object.Span));
        Assert.Equal(members.ResourceVersion, framed.ResourceVersion);
    }

    [Theory]
    [InlineData("""{ "type": "ADDED", "object": OBJ }""")]
    [InlineData("""{"object":OBJ,"type":"ADDED"}""")]
    [InlineData("""{"type":"ADDED","object":OBJ,"extra":1}""")]
    [InlineData("""{"type":"ADDED","object":OBJ}""" + "\r")]
    public void Other_forms_of_a_watch_line_still_read(string form)
    {
        var evt = KubeJson.ParseWatchLine(Bytes(form.Replace("OBJ", Pod, StringComparison.Ordinal)));

        Assert.Equal("ADDED", evt.Type);
        Assert.Equal(Pod, Encoding.UTF8.GetString(evt.Object.Span));
        Assert.Equal("42", evt.ResourceVersion);
    }

    [Theory]
    [InlineData("""{"type":"ADDED","object":{"metadata":{"resourceVersion":"1"}""")] // cut
    [InlineData("""["ADDED"]""")]
    [InlineData("""{"type":"ADDED"}""")]
    public void A_broken_line_is_a_JsonException(string line) =>
        Assert.ThrowsAny<JsonException>(() => KubeJson.ParseWatchLine(Bytes(line)));

    [Theory]
    [InlineData(",\"x\":{}}")] // ends in "}}" like the API server's form, but a member follows the object
    [InlineData("\"spec\":tru}}")] // not JSON inside the object
    public void An_object_taken_by_its_frame_that_is_not_one_JSON_object_fails_to_decode_with_a_message(string tail)
    {
        // The frame takes the bytes between the prefix and the last brace; the decoder rejects them (the watch sink logs
        // and counts a decode error with the cluster and kind) rather than reading part of them.
        var line = tail.StartsWith(',')
            ? """{"type":"ADDED","object":""" + Pod + tail
            : """{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"p","uid":"u1","resourceVersion":"1"},""" + tail;
        var evt = KubeJson.ParseWatchLine(Bytes(line));

        var decoded = KubeDecoder.TryDecode("c", new SourceDocument("Pod", "v1", evt.Object, "test"), out var fact, out var error);

        Assert.False(decoded);
        Assert.Null(fact);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
