using System.Collections.Immutable;
using System.Text.Json;
using KSpanActors.Model;
using static KSpanActors.Tests.Export.Waterfall.RolloutSpans;

namespace KSpanActors.Tests.Export.Html;

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

    /// <summary>A span as the report stores it, decoded (see <c>HtmlReport.WriteSpan</c>).</summary>
    public sealed record Span(
        string Id, string? Parent, string Name, string? Prefix, string? Object, string Service, long StartNs, long DurationNs,
        bool Error, bool Orphan, Dictionary<string, string> Attributes);

    /// <summary>Every trace's spans, in the order the report draws them.</summary>
    public static List<List<Span>> Traces(JsonElement data)
    {
        var strings = data.GetProperty("strings").EnumerateArray().Select(static s => s.GetString()!).ToList();
        string? Text(JsonElement e) => e.GetInt32() >= 0 ? strings[e.GetInt32()] : null;
        return data.GetProperty("traces").EnumerateArray().Select(t =>
        {
            var raw = t.GetProperty("spans").EnumerateArray().ToList();
            return raw.Select(r =>
            {
                var attributes = new Dictionary<string, string>();
                var a = r[12].EnumerateArray().ToList();
                for (var i = 0; i + 1 < a.Count; i += 2) attributes[Text(a[i])!] = Text(a[i + 1])!;
                var parent = r[1].ValueKind == JsonValueKind.String ? r[1].GetString() : r[1].GetInt32() >= 0 ? raw[r[1].GetInt32()][0].GetString() : null;
                return new Span(r[0].GetString()!, parent, Text(r[2])!, Text(r[3]), Text(r[4]), Text(r[5])!,
                    (long)Math.Round(r[8].GetDouble() * 1e6), (long)Math.Round(r[9].GetDouble() * 1e6),
                    (r[10].GetInt32() & 1) != 0, (r[10].GetInt32() & 2) != 0, attributes);
            }).ToList();
        }).ToList();
    }

    public static IEnumerable<Span> Spans(JsonElement data) => Traces(data).SelectMany(static t => t);

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
