using System.Text.Json;

namespace KSpanActors.Tests.Support;

/// <summary>A span as read back from OTLP/JSON lines (what check-trace-tree reads).</summary>
internal sealed record JsonSpan(string Trace, string Id, string Parent, string Name, string? Service, long Start, long End, string? EventUid, int StatusCode, string? Count)
{
    public string? Cluster { get; init; }

    /// <summary>k8s.namespace.name, when the span has one.</summary>
    public string? Namespace { get; init; }
}

/// <summary>Reads OTLP/JSON lines files and answers tree questions the way shared/tools/check-trace-tree does.</summary>
internal static class OtlpJsonSpans
{
    public static List<JsonSpan> Load(string path)
    {
        var spans = new List<JsonSpan>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            foreach (var rs in doc.RootElement.GetProperty("resourceSpans").EnumerateArray())
            {
                var res = Attrs(rs.GetProperty("resource"));
                foreach (var ss in rs.GetProperty("scopeSpans").EnumerateArray())
                {
                    foreach (var s in ss.GetProperty("spans").EnumerateArray())
                    {
                        var a = Attrs(s);
                        spans.Add(new JsonSpan(
                            s.GetProperty("traceId").GetString()!, s.GetProperty("spanId").GetString()!,
                            s.TryGetProperty("parentSpanId", out var p) ? p.GetString()! : "",
                            s.GetProperty("name").GetString()!, res.GetValueOrDefault("service.name"),
                            long.Parse(s.GetProperty("startTimeUnixNano").GetString()!), long.Parse(s.GetProperty("endTimeUnixNano").GetString()!),
                            a.GetValueOrDefault("k8s.event.uid"),
                            s.TryGetProperty("status", out var st) && st.TryGetProperty("code", out var c) ? c.GetInt32() : 0,
                            a.GetValueOrDefault("k8s.event.count")) { Namespace = a.GetValueOrDefault("k8s.namespace.name") });
                    }
                }
            }
        }
        return spans;
    }

    private static Dictionary<string, string> Attrs(JsonElement e)
    {
        var d = new Dictionary<string, string>();
        if (!e.TryGetProperty("attributes", out var attrs)) return d;
        foreach (var a in attrs.EnumerateArray())
        {
            var v = a.GetProperty("value");
            d[a.GetProperty("key").GetString()!] = v.TryGetProperty("stringValue", out var sv) ? sv.GetString()! : v.TryGetProperty("intValue", out var iv) ? iv.GetString()! : v.ToString();
        }
        return d;
    }

    /// <summary>Event uid → uid of the nearest ancestor that is an event span, or "ROOT".</summary>
    public static Dictionary<string, string> EventParents(IReadOnlyList<JsonSpan> spans)
    {
        var byId = spans.GroupBy(s => (s.Trace, s.Id)).ToDictionary(g => g.Key, g => g.First());
        var result = new Dictionary<string, string>();
        foreach (var s in spans)
        {
            if (s.EventUid is null || s.Parent.Length == 0) continue;
            var p = byId.GetValueOrDefault((s.Trace, s.Parent));
            while (p is not null && p.Parent.Length > 0 && p.EventUid is null) p = byId.GetValueOrDefault((p.Trace, p.Parent));
            result[s.EventUid] = p is null ? "MISSING" : p.Parent.Length == 0 ? "ROOT" : p.EventUid!;
        }
        return result;
    }
}
