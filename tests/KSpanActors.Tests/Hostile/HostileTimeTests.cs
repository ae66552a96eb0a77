using System.Collections.Immutable;
using System.Text;
using KSpanActors.Export.Otlp;
using KSpanActors.Ingest;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Tests.Hostile;

/// <summary>
/// Times at the edges (Go's zero time, year 1, year 9999, beyond what Unix nanoseconds in a long can hold) through the
/// decoder, trace assembly and OTLP/JSON encoding: defined behaviour, never an exception or a wrapped-around time.
/// </summary>
public sealed class HostileTimeTests
{
    private static readonly long Y2024 = HostileHarness.Time("2024-05-02T10:00:00Z");

    private static SourceDocument Event(string time, string? eventTime = null)
    {
        var json = HostileHarness.EventJson("bad0f000-0000-4000-8000-000000000001", "Pod", "p", "bad0f000-0000-4000-8000-0000000000a1", "Started", "x", time, "kubelet");
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node["metadata"]!["creationTimestamp"] = time;
        if (eventTime is not null) node["eventTime"] = eventTime;
        return new SourceDocument("Event", "v1", Encoding.UTF8.GetBytes(node.ToJsonString()), "test item 1");
    }

    [Fact]
    public void Go_zero_time_everywhere_is_rejected_as_no_time()
    {
        Assert.False(KubeDecoder.TryDecode("c", Event("0001-01-01T00:00:00Z"), out _, out var error));
        Assert.Contains("no time", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Go_zero_lastTimestamp_falls_back_to_eventTime()
    {
        Assert.True(KubeDecoder.TryDecode("c", Event("0001-01-01T00:00:00Z", "2024-05-02T10:00:00.000000Z"), out var fact, out _));
        Assert.Equal(Y2024, fact.TimeNs);
    }

    /// <summary>
    /// Times Unix nanoseconds in a long cannot hold (before 1677-09-21, after 2262-04-11) must not wrap around:
    /// the document is rejected with an error, or the time is clamped to the representable range (order kept).
    /// </summary>
    [Theory]
    [InlineData("9999-12-31T23:59:59Z", true)]
    [InlineData("2263-01-01T00:00:00Z", true)]
    [InlineData("0001-01-01T00:00:01Z", false)]
    [InlineData("1600-01-01T00:00:00Z", false)]
    public void Times_beyond_the_nanosecond_range_are_rejected_or_clamped_never_wrapped(string time, bool future)
    {
        var decoded = KubeDecoder.TryDecode("c", Event(time), out var fact, out var error);

        if (!decoded)
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
            return;
        }
        if (future) Assert.True(fact!.TimeNs > Y2024, $"{time} decoded to {fact.TimeNs} ns, before 2024: the time wrapped around");
        else Assert.True(fact!.TimeNs < HostileHarness.Time("1677-09-22T00:00:00Z"), $"{time} decoded to {fact.TimeNs} ns, after 1677: the time wrapped around");
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59-05:00")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("2024-13-45T99:99:99Z")]
    [InlineData("not a time")]
    public void Times_that_are_not_valid_DateTimes_do_not_throw(string time)
    {
        var ex = Record.Exception(() => KubeDecoder.TryDecode("c", Event(time), out _, out _));
        Assert.Null(ex);
    }

    [Fact]
    public void Trace_assembly_and_OTLP_JSON_take_extreme_times_without_overflow()
    {
        var family = new TraceFamily("c", "top", new ObjectRef("Widget", "ns", "w"));
        long[] times = [long.MinValue, -1, 0, Y2024, long.MaxValue - 1, long.MaxValue];
        for (var i = 0; i < times.Length; i++)
        {
            family.Add(new EventObserved("c", $"e{i}", 1, times[i], "Poked", "poke", i % 2 == 0, "Widget", "ns", "w", "top", null, "op", null, false));
        }
        family.Add(new ObjectObserved("c", "top", "Widget", "ns", "w", 3, long.MinValue, ImmutableArray<OwnerRef>.Empty, "m", "Update", long.MaxValue, 1));

        var traces = TraceAssembler.Assemble(family);

        var spans = traces.SelectMany(t => t.Spans).ToList();
        Assert.Equal(times.Length, spans.Count(s => s.Attribute("k8s.event.uid") is not null));
        Assert.All(spans, s => Assert.True(s.StartNs <= s.EndNs));
        var json = OtlpJson.ToJson(traces);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        foreach (var rs in doc.RootElement.GetProperty("resourceSpans").EnumerateArray())
        {
            foreach (var s in rs.GetProperty("scopeSpans")[0].GetProperty("spans").EnumerateArray())
            {
                var start = ulong.Parse(s.GetProperty("startTimeUnixNano").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                var end = ulong.Parse(s.GetProperty("endTimeUnixNano").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(start <= end);
            }
        }
        var request = OtlpRequestBuilder.Build(traces);
        Assert.Equal(spans.Count, request.ResourceSpans.Sum(r => r.ScopeSpans.Sum(s => s.Spans.Count)));
    }
}

/// <summary>JsonShape (the one-pass scan InputReader uses for kind, apiVersion and items) on hostile bytes.</summary>
public sealed class HostileShapeTests
{
    [Fact]
    public void JsonShape_reports_invalid_UTF8_in_a_kind_as_an_error_instead_of_throwing()
    {
        byte[] json = [.. "{\"kind\":\"Po"u8, 0xC3, 0x28, .. "d\",\"metadata\":{}}"u8];

        var ex = Record.Exception(() => JsonShape.Scan(json));

        Assert.Null(ex);
        Assert.NotNull(JsonShape.Scan(json).Error);
    }
}
