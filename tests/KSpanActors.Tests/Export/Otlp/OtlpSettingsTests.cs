using KSpanActors.Export.Otlp;
using OpenTelemetry.Exporter;

namespace KSpanActors.Tests.Export.Otlp;

public sealed class OtlpSettingsTests
{
    private static Func<string, string?> Vars(params (string Key, string Value)[] values)
    {
        var d = values.ToDictionary(v => v.Key, v => v.Value);
        return k => d.GetValueOrDefault(k);
    }

    [Fact]
    public void Headers_are_parsed_as_comma_separated_pairs_with_url_decoded_values()
    {
        var headers = OtlpSettings.ParseHeaders(" Authorization = Bearer%20abc%3D%3D ,x-tenant=a=b,,broken, =novalue");

        Assert.Equal([new("Authorization", "Bearer abc=="), new("x-tenant", "a=b")], headers);
    }

    [Theory]
    [InlineData("grpc", "Grpc")]
    [InlineData("http/protobuf", "HttpProtobuf")]
    [InlineData(" HTTP/PROTOBUF ", "HttpProtobuf")]
    [InlineData("http/json", "HttpJson")]
    [InlineData("http", null)]
    [InlineData("", null)]
    public void Protocol_names_follow_the_specification(string value, string? expected) =>
        Assert.Equal(expected, OtlpSettings.ParseProtocol(value)?.ToString());

    [Fact]
    public void Without_an_endpoint_variable_there_are_no_settings() =>
        Assert.Null(OtlpSettings.Resolve(new OtlpExporterOptions(), Vars()));

    [Fact]
    public void Values_come_from_the_opentelemetry_options_and_http_protobuf_appends_the_traces_path()
    {
        var options = new OtlpExporterOptions
        {
            Endpoint = new Uri("http://collector:4318/"),
            Protocol = OtlpExportProtocol.HttpProtobuf,
            Headers = "api-key=k1,x-b=two%2Cthree",
            TimeoutMilliseconds = 2500,
        };

        var settings = OtlpSettings.Resolve(options, Vars(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")))!;

        Assert.Equal(OtlpProtocol.HttpProtobuf, settings.Protocol);
        Assert.Equal([new("api-key", "k1"), new("x-b", "two,three")], settings.Headers);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), settings.Timeout);
        Assert.False(settings.TracesEndpointIsSignalSpecific);
        Assert.Equal(new Uri("http://collector:4318/v1/traces"), settings.TracesUri);
        Assert.Null(settings.Validate());
    }

    [Fact]
    public void The_traces_specific_endpoint_is_used_as_is()
    {
        var settings = OtlpSettings.Resolve(new OtlpExporterOptions { Protocol = OtlpExportProtocol.HttpProtobuf }, Vars(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example:443/custom/path"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "t=1")))!;

        Assert.True(settings.TracesEndpointIsSignalSpecific);
        Assert.Equal(new Uri("https://traces.example:443/custom/path"), settings.TracesUri);
        Assert.Equal([new("t", "1")], settings.Headers);
    }

    [Fact]
    public void Grpc_sends_to_the_endpoint_itself()
    {
        var settings = new OtlpSettings(new Uri("http://collector:4317"), OtlpProtocol.Grpc, [], TimeSpan.FromSeconds(10), false);

        Assert.Equal(new Uri("http://collector:4317"), settings.TracesUri);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:21")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "unix:///tmp/otlp.sock")]
    public void A_bad_endpoint_is_reported_naming_its_variable(string variable, string value)
    {
        var settings = OtlpSettings.Resolve(new OtlpExporterOptions(), Vars((variable, value)))!;

        var error = settings.Validate();

        Assert.NotNull(error);
        Assert.Contains(variable, error);
    }

    [Fact]
    public void An_unknown_protocol_is_reported_naming_its_variable()
    {
        var settings = OtlpSettings.Resolve(new OtlpExporterOptions(), Vars(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")))!;

        Assert.Contains("OTEL_EXPORTER_OTLP_PROTOCOL", settings.Validate());
    }

    [Fact]
    public void Header_values_never_appear_in_the_header_names_used_for_logs()
    {
        var settings = new OtlpSettings(new Uri("http://c:4317"), OtlpProtocol.Grpc, [new("authorization", "Bearer s3cret")], TimeSpan.FromSeconds(1), false);

        Assert.Equal("authorization", settings.HeaderNames);
        Assert.DoesNotContain("s3cret", settings.HeaderNames);
    }
}
