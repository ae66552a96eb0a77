using System.Collections.Immutable;
using System.Text.Json;
using KSpanActors.Model;
using static KSpanActors.Tests.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Html;

/// <summary>Reads what a report embeds, and builds hand-made traces for it.</summary>
internal static class ReportFile
{
    public const string DataOpen = "<script type=\"application/json\" id=\"kspan-data\">";

    /// <summary>The JSON data block of a report, parsed.</summary>
    public static JsonElement Data(string html)
    {
        var start = html.IndexOf(DataOpen, StringComparison.Ordinal);
        Assert.True(start >= 0, "no data block in the report");
        start += DataOpen.Length;
        var end = html.IndexOf("</script>", start, StringComparison.Ordinal);
        return JsonDocument.Parse(html[start..end]).RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Spans(JsonElement data) =>
        data.GetProperty("traces").EnumerateArray().SelectMany(static t => t.GetProperty("spans").EnumerateArray());

    public static string? Attribute(JsonElement span, string key) =>
        span.GetProperty("a").EnumerateArray().Where(a => a[0].GetString() == key).Select(static a => a[1].ToString()).FirstOrDefault();

    /// <summary>The rollout of <see cref="Waterfall.RolloutSpans"/> moved to another trace, cluster, namespace and length.</summary>
    public static TraceSpans Rollout(ulong trace, string ns, string name, double length, bool backOff = false, double shift = 0)
    {
        var id = new TraceId(0x1000 + trace, trace);
        var resource = new SpanResource("kubectl-client-side-apply", null, "cluster-" + (trace % 2 == 0 ? "b" : "a"), null);
        var spans = Waterfall.RolloutSpans.Rollout(backOff).Select(s =>
        {
            var moved = s with { TraceId = id, StartNs = s.StartNs + (long)(shift * 1e9), EndNs = s.EndNs + (long)(shift * 1e9) };
            if (!s.IsRoot) return moved with { Resource = s.Resource with { ClusterName = resource.ClusterName } };
            return moved with
            {
                Resource = resource,
                EndNs = At(shift + length),
                Attributes = [SpanAttribute.Of("k8s.namespace.name", ns), SpanAttribute.Of("k8s.deployment.name", name)],
            };
        });
        return new TraceSpans(id, [.. spans]);
    }

    public static TraceSpans Hostile(string text)
    {
        var root = Root() with
        {
            Attributes = [SpanAttribute.Of("k8s.namespace.name", text), SpanAttribute.Of("k8s.deployment.name", text)],
        };
        var warning = Event(Span(0x77, 1, "Pod.Failed", text, 1, 2, text, error: true, ("k8s.pod.name", text), (text, text)));
        return new TraceSpans(Trace, ImmutableArray.Create(root, warning));
    }
}
