using System.Text;
using KSpanActors.Model;

namespace KSpanActors.Tests.Support;

/// <summary>Renders spans as an indented tree of "name [service] event-uid" lines, children ordered by start then name.</summary>
internal static class TreeText
{
    public static string Render(IEnumerable<SpanRecord> spans)
    {
        var all = spans.ToList();
        var ids = all.Select(s => (s.TraceId, s.SpanId)).ToHashSet();
        var byParent = all.ToLookup(s => (s.TraceId, s.ParentSpanId));
        var sb = new StringBuilder();
        foreach (var root in all.Where(s => !ids.Contains((s.TraceId, s.ParentSpanId))).OrderBy(s => s.StartNs).ThenBy(s => s.Name).ThenBy(s => s.TraceId.ToHex()))
        {
            Write(root, 0);
        }
        return sb.ToString();

        void Write(SpanRecord s, int depth)
        {
            sb.Append(' ', depth * 2).Append(s.Name).Append(" [").Append(s.Resource.ServiceName).Append("] ")
              .Append(s.Attribute("k8s.event.uid") ?? "-").Append(s.Status == SpanStatus.Error ? " ERROR" : "").Append('\n');
            foreach (var c in byParent[(s.TraceId, s.SpanId)].OrderBy(c => c.StartNs).ThenBy(c => c.Name).ThenBy(c => c.Attribute("k8s.event.uid")))
            {
                Write(c, depth + 1);
            }
        }
    }

    /// <summary>uid of each event span's nearest event-span (or root) ancestor: "ROOT" for the root.</summary>
    public static Dictionary<string, string> Parents(IEnumerable<SpanRecord> spans)
    {
        var all = spans.ToDictionary(s => (s.TraceId, s.SpanId));
        var result = new Dictionary<string, string>();
        foreach (var s in all.Values)
        {
            var uid = s.Attribute("k8s.event.uid");
            if (uid is null || s.IsRoot) continue;
            var p = all.GetValueOrDefault((s.TraceId, s.ParentSpanId));
            result[uid] = p is null ? "MISSING" : p.IsRoot ? "ROOT" : p.Attribute("k8s.event.uid") ?? "OBJECT";
        }
        return result;
    }
}
