using System.Text;
using System.Text.Json;
using KSpanActors.Ingest;

namespace KSpanActors.Tests.Ingest;

/// <summary>The fast path must read every time exactly as KubernetesJson's converter does, and reject what it rejects.</summary>
public class Rfc3339TimeConverterTests
{
    private static readonly JsonSerializerOptions Kubernetes = KubeDecoder.KubernetesOptions();

    public static TheoryData<string> Times() =>
    [
        "2026-01-01T10:00:03Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59.999999999Z",
        "2024-02-29T12:00:00Z",
        "2023-02-29T12:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:60Z",
        "0000-01-01T00:00:00Z",
        "2026-01-01T10:00:03.5Z",
        "2026-01-01T10:00:03.123Z",
        "2026-01-01T10:00:03.123456Z",
        "2026-01-01T10:00:03.1234567Z",
        "2026-01-01T10:00:03.12345678Z",
        "2026-01-01T10:00:03.123456789Z",
        "2026-01-01T10:00:03.1234567890Z",
        "2026-01-01T10:00:03.Z",
        "2026-01-01T10:00:03,5Z",
        "2026-01-01T10:00:03+02:00",
        "2026-01-01T10:00:03.25-07:30",
        "2026-01-01T10:00:03",
        "2026-01-01 10:00:03Z",
        "2026-01-01t10:00:03z",
        "2026-1-01T10:00:03Z",
        "2026-01-01T10:00:0aZ",
        "+026-01-01T10:00:03Z",
        "2026-01-01T10:00:03ZZ",
        "",
        "yesterday",
    ];

    [Theory]
    [MemberData(nameof(Times))]
    public void Reads_a_time_as_KubernetesJson_does(string text)
    {
        var json = JsonSerializer.Serialize(text);
        var expected = Read(json, Kubernetes);
        var actual = Read(json, FastOptions());
        Assert.Equal(expected.Error is null, actual.Error is null);
        Assert.Equal(expected.Value, actual.Value);
        Assert.Equal(expected.Value?.Kind, actual.Value?.Kind);
    }

    [Fact]
    public void Reads_an_escaped_time_through_KubernetesJson()
    {
        // "\u0032" is '2': the bytes are not the plain form, so KubernetesJson's converter reads it.
        var (value, error) = Read("\"\\u0032026-01-01T10:00:03Z\"", FastOptions());
        Assert.Null(error);
        Assert.Equal(new DateTime(2026, 1, 1, 10, 0, 3, DateTimeKind.Utc), value);
    }

    [Fact]
    public void The_string_null_is_an_unset_time_where_KubernetesJson_rejects_it()
    {
        // Support bundles (rancher's support-bundle-kit) write "null" where the API server wrote null.
        Assert.NotNull(Read("\"null\"", Kubernetes).Error);
        var (value, error) = Read("\"null\"", FastOptions());
        Assert.Null(error);
        Assert.False(KubeDecoder.IsSet(value));
    }

    [Fact]
    public void The_fast_path_takes_the_api_servers_form()
    {
        Assert.True(Rfc3339TimeConverter.TryParseUtc("2026-01-01T10:00:03.123456Z"u8, out var t));
        Assert.Equal(new DateTime(2026, 1, 1, 10, 0, 3, DateTimeKind.Utc).AddTicks(1_234_560), t);
        Assert.False(Rfc3339TimeConverter.TryParseUtc("2026-01-01T10:00:03+00:00"u8, out _));
    }

    private static JsonSerializerOptions FastOptions()
    {
        var options = new JsonSerializerOptions(Kubernetes);
        options.Converters.Insert(0, new Rfc3339TimeConverter(KubeDecoder.KubernetesTimeConverter(Kubernetes)));
        return options;
    }

    private static (DateTime? Value, string? Error) Read(string json, JsonSerializerOptions options)
    {
        try
        {
            return (JsonSerializer.Deserialize<DateTime>(Encoding.UTF8.GetBytes(json), options), null);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return (null, e.GetType().Name);
        }
    }
}
