using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace KSpanActors.Deploy.Tests;

/// <summary>
/// YAML documents as plain trees: mappings as <see cref="Dictionary{TKey,TValue}"/> (string keys), sequences as
/// <see cref="List{T}"/>, scalars as strings. Anchors and aliases are resolved, merge keys (<c>&lt;&lt;: *anchor</c>) merged,
/// and <c>${VAR:-default}</c> interpolated to its default, as docker compose does with VAR unset.
/// </summary>
internal static partial class Yaml
{
    /// <summary>Every document of <paramref name="text"/> (empty documents skipped).</summary>
    public static IReadOnlyList<Dictionary<string, object?>> Documents(string text)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text)) stream.Load(reader);
        return [.. stream.Documents.Select(d => Convert(d.RootNode)).OfType<Dictionary<string, object?>>()];
    }

    public static IReadOnlyList<Dictionary<string, object?>> File(string path) => Documents(System.IO.File.ReadAllText(path));

    /// <summary>The value at a dotted path ("spec.template.spec"), or null.</summary>
    public static object? At(this Dictionary<string, object?> map, string path)
    {
        object? node = map;
        foreach (var key in path.Split('.'))
        {
            if (node is not Dictionary<string, object?> m || !m.TryGetValue(key, out node)) return null;
        }

        return node;
    }

    public static string? Text(this Dictionary<string, object?> map, string path) => map.At(path) as string;

    public static Dictionary<string, object?>? Map(this Dictionary<string, object?> map, string path) => map.At(path) as Dictionary<string, object?>;

    /// <summary>The sequence at <paramref name="path"/> (empty when absent).</summary>
    public static IReadOnlyList<object?> List(this Dictionary<string, object?> map, string path) => map.At(path) as List<object?> ?? [];

    public static IEnumerable<Dictionary<string, object?>> Maps(this Dictionary<string, object?> map, string path) => map.List(path).OfType<Dictionary<string, object?>>();

    private static object? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    if (name == "<<")
                    {
                        var sources = value is YamlSequenceNode many ? many.Children : [value];
                        foreach (var source in sources)
                        {
                            foreach (var (k, v) in (Dictionary<string, object?>)Convert(source)!) map.TryAdd(k, v);
                        }

                        continue;
                    }

                    map[name] = Convert(value); // a key of its own wins over a merged one
                }

                return map;
            case YamlSequenceNode sequence:
                return sequence.Children.Select(Convert).ToList();
            case YamlScalarNode scalar:
                return scalar.Value is null || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "~" or "null")
                    ? null
                    : Interpolation().Replace(scalar.Value, m => m.Groups["default"].Value);
            default:
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"unexpected YAML node {node.GetType().Name} at {node.Start}"));
        }
    }

    [GeneratedRegex(@"\$\{[A-Za-z_][A-Za-z0-9_]*(:?-(?<default>[^}]*))?\}")]
    private static partial Regex Interpolation();
}
