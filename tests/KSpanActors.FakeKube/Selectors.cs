using System.Text.Json;

namespace KSpanActors.Tests.FakeKube;

/// <summary>
/// Label and field selectors as the API server reads them, enough for tests: labels <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>,
/// <c>a in (x,y)</c>, <c>a notin (x,y)</c>, <c>a</c>, <c>!a</c>; fields <c>path=value</c>, <c>path==value</c>,
/// <c>path!=value</c> on any dotted path of the object (metadata.namespace, metadata.name, involvedObject.kind...).
/// </summary>
internal static class Selectors
{
    /// <summary>A parsed selector: all requirements must hold.</summary>
    internal sealed record Selector(IReadOnlyList<Func<JsonElement, bool>> Requirements)
    {
        public static Selector Everything { get; } = new([]);

        public bool Matches(JsonElement obj) => Requirements.All(r => r(obj));
    }

    public static Selector ParseLabels(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Selector.Everything;
        var requirements = new List<Func<JsonElement, bool>>();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            requirements.Add(ParseLabelRequirement(part));
        }

        return new Selector(requirements);
    }

    public static Selector ParseFields(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Selector.Everything;
        var requirements = new List<Func<JsonElement, bool>>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0) continue;
            var (key, op, value) = SplitComparison(part) ?? throw new FormatException($"bad field selector '{part}'");
            var path = key.Split('.');
            requirements.Add(op == "!="
                ? o => FieldValue(o, path) != value
                : o => FieldValue(o, path) == value);
        }

        return new Selector(requirements);
    }

    private static Func<JsonElement, bool> ParseLabelRequirement(string part)
    {
        if (part.StartsWith('!')) return o => Label(o, part[1..].Trim()) is null;

        var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 2 && (words[1].StartsWith("in", StringComparison.Ordinal) || words[1].StartsWith("notin", StringComparison.Ordinal)))
        {
            var key = words[0];
            var notIn = words[1].StartsWith("notin", StringComparison.Ordinal);
            var list = words[1][(notIn ? 5 : 2)..].Trim();
            if (!list.StartsWith('(') || !list.EndsWith(')')) throw new FormatException($"bad label selector '{part}'");
            var values = list[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return notIn
                ? o => Label(o, key) is not { } v || !values.Contains(v)
                : o => Label(o, key) is { } v && values.Contains(v);
        }

        if (SplitComparison(part) is var (k, op, value))
        {
            return op == "!="
                ? o => Label(o, k) != value
                : o => Label(o, k) == value;
        }

        var exists = part.Trim();
        return o => Label(o, exists) is not null;
    }

    private static (string Key, string Op, string Value)? SplitComparison(string part)
    {
        foreach (var op in new[] { "!=", "==", "=" })
        {
            var at = part.IndexOf(op, StringComparison.Ordinal);
            if (at > 0) return (part[..at].Trim(), op, part[(at + op.Length)..].Trim());
        }

        return null;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static string? Label(JsonElement obj, string key) =>
        obj.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
        && m.TryGetProperty("labels", out var labels) && labels.ValueKind == JsonValueKind.Object
        && labels.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    /// <summary>The value at a dotted path as the API compares it: strings as they are, other scalars as JSON text, missing as "".</summary>
    private static string FieldValue(JsonElement obj, string[] path)
    {
        var current = obj;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current)) return "";
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => current.GetRawText(),
        };
    }
}
