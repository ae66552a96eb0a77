using System.Text.Json;
using KSpanActors.Ingest;
using static KSpanActors.Tests.Ingest.IngestFixtures;

namespace KSpanActors.Tests.Ingest;

public class YamlToJsonTests
{
    private static JsonElement Convert(string yaml)
    {
        var json = YamlToJson.Convert(yaml);
        Assert.NotNull(json);
        using var doc = JsonDocument.Parse(json.Value);
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Quoted_scalars_stay_strings_and_plain_scalars_take_their_core_schema_type()
    {
        var docs = InputReader.Read(PathOf("list.yaml"), _ => { }).ToList();
        using var configMap = JsonDocument.Parse(docs[1].Json);
        var data = configMap.RootElement.GetProperty("data");

        Assert.Equal(JsonValueKind.String, data.GetProperty("quoted").ValueKind);
        Assert.Equal("42", data.GetProperty("quoted").GetString());
        Assert.Equal(42, data.GetProperty("plain").GetInt64());
        Assert.Equal(JsonValueKind.True, data.GetProperty("flag").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("nothing").ValueKind);
        Assert.Equal(1.5, data.GetProperty("ratio").GetDouble());
        Assert.Equal(31, data.GetProperty("hex").GetInt64());
        Assert.Equal("hello", data.GetProperty("word").GetString());
        Assert.Equal("1.0", data.GetProperty("version").GetString());
        Assert.Equal("line one\nline two\n", data.GetProperty("literal").GetString());
    }

    [Fact]
    public void A_count_is_a_number_and_a_quoted_resource_version_a_string()
    {
        var e = Convert("count: 1\nresourceVersion: \"5361638\"\n");
        Assert.Equal(JsonValueKind.Number, e.GetProperty("count").ValueKind);
        Assert.Equal(JsonValueKind.String, e.GetProperty("resourceVersion").ValueKind);
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("+3", "3")]
    [InlineData("007", "7")]
    [InlineData("0o17", "15")]
    [InlineData("0x1F", "31")]
    [InlineData("1.5", "1.5")]
    [InlineData(".5", "0.5")]
    [InlineData("1e3", "1000")]
    [InlineData("-2.5E-1", "-0.25")]
    [InlineData("99999999999999999999", "1E+20")]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("NULL", "null")]
    [InlineData("True", "true")]
    [InlineData("FALSE", "false")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("on", "\"on\"")]
    [InlineData("1.0.0", "\"1.0.0\"")]
    [InlineData("12:30", "\"12:30\"")]
    [InlineData(".inf", "\".inf\"")]
    [InlineData(".nan", "\".nan\"")]
    [InlineData("0x", "\"0x\"")]
    [InlineData("1e", "\"1e\"")]
    [InlineData("2024-03-01T10:00:00Z", "\"2024-03-01T10:00:00Z\"")]
    [InlineData("'42'", "\"42\"")]
    [InlineData("\"true\"", "\"true\"")]
    [InlineData("!!str 42", "\"42\"")]
    public void Scalars_resolve_like_the_yaml_core_schema(string yaml, string json)
    {
        var converted = YamlToJson.Convert("v: " + yaml + "\n");
        Assert.NotNull(converted);
        Assert.Equal("{\"v\":" + json + "}", System.Text.Encoding.UTF8.GetString(converted.Value.Span));
    }

    [Fact]
    public void An_empty_value_is_null_and_keys_are_always_strings()
    {
        var e = Convert("empty:\n1: one\ntrue: yes\n");
        Assert.Equal(JsonValueKind.Null, e.GetProperty("empty").ValueKind);
        Assert.Equal("one", e.GetProperty("1").GetString());
        Assert.Equal("yes", e.GetProperty("true").GetString());
    }

    [Fact]
    public void Aliases_repeat_their_anchored_node()
    {
        var e = Convert("base: &b {x: 1, y: [a, b]}\nlist:\n- &first 'q'\n- *first\ncopy: *b\n");
        Assert.Equal(e.GetProperty("base").GetRawText(), e.GetProperty("copy").GetRawText());
        Assert.Equal("[\"q\",\"q\"]", e.GetProperty("list").GetRawText());
    }

    [Fact]
    public void An_alias_of_no_anchor_is_its_own_text_as_troubleshoot_redactions_are_written()
    {
        var e = Convert("endpoint: ***HIDDEN***:8443\ntoken: ***HIDDEN***\n");
        Assert.Equal(("***HIDDEN***:8443", "***HIDDEN***"), (e.GetProperty("endpoint").GetString(), e.GetProperty("token").GetString()));
    }

    [Fact]
    public void A_document_of_only_comments_converts_to_nothing()
    {
        Assert.Null(YamlToJson.Convert("# nothing here\n"));
    }

    [Fact]
    public void Syntax_errors_throw_for_the_reader_to_report()
    {
        Assert.ThrowsAny<Exception>(() => YamlToJson.Convert("a: [1\nb: 2\n"));
    }
}
