using System.Text.Json;
using KSpanActors.Ingest;

namespace KSpanActors.Tests.FakeKube;

/// <summary>One Event occurrence a cluster must turn into exactly one span: the event's uid and its count
/// (series.count, else count, else deprecatedCount, else 1), as docs/trace-model.md derives span ids.</summary>
internal sealed record Occurrence(string Uid, long Count, string Name);

internal static class ExpectedOccurrences
{
    /// <summary>The distinct occurrences among the core/v1 Event documents (the fake serves events.k8s.io/v1 only on request), in order.</summary>
    public static IReadOnlyList<Occurrence> From(IEnumerable<SourceDocument> documents)
    {
        var seen = new HashSet<(string, long)>();
        var result = new List<Occurrence>();
        foreach (var d in documents)
        {
            if (d.Kind != "Event" || d.Deleted || d.ApiVersion is not (null or "v1")) continue;
            using var doc = JsonDocument.Parse(d.Json);
            var root = doc.RootElement;
            if (!root.TryGetProperty("metadata", out var metadata) || !metadata.TryGetProperty("uid", out var uidElement) || uidElement.GetString() is not { } uid) continue;
            var count = Number(root, "series", "count") ?? Number(root, "count") ?? Number(root, "deprecatedCount") ?? 1;
            var name = $"{Text(root, "involvedObject", "kind") ?? Text(root, "regarding", "kind")}.{Text(root, "reason")}";
            if (seen.Add((uid, count))) result.Add(new Occurrence(uid, count, name));
        }

        return result;
    }

    private static long? Number(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }

        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) && n > 0 ? n : null;
    }

    private static string? Text(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }
}
