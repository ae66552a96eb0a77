using System.Text;
using System.Text.Json;
using YamlDotNet.Core;

namespace KSpanActors.Ingest;

/// <summary>
/// Reads a file or a folder into <see cref="SourceDocument"/>s, lazily, reporting what it cannot read and going on.
/// Understands kspan captures (multi-document YAML, each document after a <c># {"time":…,"style":…,"kind":…}</c> comment),
/// Kubernetes Lists (<c>EventList</c>, <c>PodList</c>, <c>List</c>…) and single objects, in JSON or YAML.
/// A folder is read file by file (*.json, *.yaml, *.yml, recursively, in ordinal order of the relative path).
/// Positions in origins are 1-based: "capture.yaml document 7" is the 7th document with content,
/// "events/velero.json item 12" is <c>items[11]</c>.
/// </summary>
internal static class InputReader
{
    private static readonly string[] Extensions = [".json", ".yaml", ".yml"];

    public static IEnumerable<SourceDocument> Read(string path, Action<InputProblem> onProblem)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(onProblem);
        return ReadLazily(path, onProblem);
    }

    private static IEnumerable<SourceDocument> ReadLazily(string path, Action<InputProblem> onProblem)
    {
        if (Directory.Exists(path))
        {
            foreach (var (full, relative) in ListFolder(path, onProblem))
            {
                foreach (var doc in ReadFile(full, relative, onProblem)) yield return doc;
            }
        }
        else if (File.Exists(path))
        {
            foreach (var doc in ReadFile(path, Path.GetFileName(path), onProblem)) yield return doc;
        }
        else
        {
            onProblem(new InputProblem(path, "no such file or folder"));
        }
    }

    private static List<(string Full, string Relative)> ListFolder(string folder, Action<InputProblem> onProblem)
    {
        var files = new List<(string Full, string Relative)>();
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
            foreach (var full in Directory.EnumerateFiles(folder, "*", options))
            {
                if (!Extensions.Any(e => full.EndsWith(e, StringComparison.OrdinalIgnoreCase))) continue;
                files.Add((full, Path.GetRelativePath(folder, full).Replace('\\', '/')));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            onProblem(new InputProblem(folder, $"cannot list folder: {KubeDecoder.OneLine(e.Message)}"));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        return files;
    }

    private static IEnumerable<SourceDocument> ReadFile(string full, string name, Action<InputProblem> onProblem)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            onProblem(new InputProblem(name, $"cannot read file: {KubeDecoder.OneLine(e.Message)}"));
            yield break;
        }

        var content = bytes.AsMemory();
        if (content.Span.StartsWith("\xEF\xBB\xBF"u8)) content = content[3..];

        var documents = LooksLikeJson(name, content.Span)
            ? FromJson(content, name, header: default, onProblem)
            : FromYaml(Encoding.UTF8.GetString(content.Span), name, onProblem);
        foreach (var doc in documents) yield return doc;
    }

    private static bool LooksLikeJson(string name, ReadOnlySpan<byte> content)
    {
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return true;
        if (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)) return false;
        var trimmed = content.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] is (byte)'{' or (byte)'[';
    }

    /// <summary>One JSON document: a List (one SourceDocument per item) or a single object.</summary>
    private static IEnumerable<SourceDocument> FromJson(ReadOnlyMemory<byte> json, string origin, CaptureHeader header, Action<InputProblem> onProblem)
    {
        var shape = Scan(json, origin, onProblem);
        if (shape is null) yield break;
        if (shape.Root is not (JsonTokenType.StartObject or JsonTokenType.None))
        {
            onProblem(new InputProblem(origin, $"not a Kubernetes object or List (a JSON {Describe(shape.Root)})"));
            yield break;
        }

        var isList = shape.Items is not null
            && (shape.Kind is null || shape.Kind.EndsWith("List", StringComparison.Ordinal));
        if (isList)
        {
            var itemKind = shape.Kind is { Length: > 4 } listKind ? listKind[..^4] : null;
            for (var i = 0; i < shape.Items!.Count; i++)
            {
                var item = shape.Items[i];
                var itemOrigin = $"{origin} item {i + 1}";
                if (!item.IsObject)
                {
                    onProblem(new InputProblem(itemOrigin, "item is not an object"));
                    continue;
                }

                var kind = item.Kind ?? itemKind;
                if (string.IsNullOrEmpty(kind))
                {
                    onProblem(new InputProblem(itemOrigin, "document without kind"));
                    continue;
                }

                yield return new SourceDocument(kind, item.ApiVersion ?? shape.ApiVersion, item.Json, itemOrigin, header.Deleted);
            }

            if (shape.Error is not null) onProblem(new InputProblem(origin, $"JSON syntax error: {shape.Error}"));
            yield break;
        }

        if (shape.Error is not null)
        {
            onProblem(new InputProblem(origin, $"JSON syntax error: {shape.Error}"));
            yield break;
        }

        var singleKind = shape.Kind ?? header.Kind;
        if (string.IsNullOrEmpty(singleKind))
        {
            onProblem(new InputProblem(origin, "document without kind"));
            yield break;
        }

        yield return new SourceDocument(singleKind, shape.ApiVersion, json, origin, header.Deleted);
    }

    /// <summary>
    /// <see cref="JsonShape.Scan"/>, reporting instead of throwing what it does not catch itself: a kind or apiVersion
    /// string with invalid UTF-8 makes Utf8JsonReader.GetString throw InvalidOperationException.
    /// </summary>
    private static JsonShape? Scan(ReadOnlyMemory<byte> json, string origin, Action<InputProblem> onProblem)
    {
        try
        {
            return JsonShape.Scan(json);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            onProblem(new InputProblem(origin, $"unreadable JSON: {KubeDecoder.OneLine(e.Message)}"));
            return null;
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>
    /// A YAML file, split on its <c>---</c> (and <c>...</c>) lines first so that a broken document costs only itself.
    /// Each document is converted to JSON and read as a List or an object.
    /// </summary>
    private static IEnumerable<SourceDocument> FromYaml(string text, string name, Action<InputProblem> onProblem)
    {
        var chunks = YamlDocuments.Split(text);
        var number = 0;
        foreach (var chunk in chunks)
        {
            number++;
            var origin = chunks.Count == 1 ? name : $"{name} document {number}";
            ReadOnlyMemory<byte>? json;
            try
            {
                json = YamlToJson.Convert(chunk.Text);
            }
            catch (Exception e)
            {
                onProblem(new InputProblem(origin, YamlError(e, chunk.FirstLine)));
                continue;
            }

            if (json is null) continue;
            foreach (var doc in FromJson(json.Value, origin, chunk.Header, onProblem)) yield return doc;
        }
    }

    private static string YamlError(Exception e, int firstLine)
    {
        if (e is YamlException y)
        {
            // YamlException messages start with "(Line: 3, Col: 1, Idx: 40) - (Line: 3, Col: 2, Idx: 41): "; say the file's line instead.
            var message = KubeDecoder.OneLine(y.Message);
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith('(') && cut >= 0) message = message[(cut + 3)..];
            return $"YAML syntax error at line {firstLine + (int)y.Start.Line - 1}, column {y.Start.Column}: {message}";
        }

        return $"YAML syntax error near line {firstLine}: {KubeDecoder.OneLine(e.Message)}";
    }
}

/// <summary>What a kspan capture's comment line says about the document after it.</summary>
internal readonly record struct CaptureHeader(string? Kind, bool Deleted)
{
    /// <summary>Reads <c>{"time":…,"style":"event|initial|watch","kind":…}</c>; <c>"deleted":true</c> or a watch type DELETED mark a deletion.</summary>
    public static CaptureHeader Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return default;
            string? kind = null;
            var deleted = false;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.NameEquals("kind") && p.Value.ValueKind == JsonValueKind.String)
                {
                    kind = p.Value.GetString();
                }
                else if (p.NameEquals("deleted") && p.Value.ValueKind == JsonValueKind.True)
                {
                    deleted = true;
                }
                else if ((p.NameEquals("type") || p.NameEquals("watchType") || p.NameEquals("eventType"))
                    && p.Value.ValueKind == JsonValueKind.String
                    && string.Equals(p.Value.GetString(), "DELETED", StringComparison.OrdinalIgnoreCase))
                {
                    deleted = true;
                }
            }
            return new CaptureHeader(kind, deleted);
        }
        catch (JsonException)
        {
            return default;
        }
    }
}

/// <summary>Splits a multi-document YAML text on its document markers, keeping only documents with content.</summary>
internal static class YamlDocuments
{
    /// <summary>One document's text, the file line it starts on (1-based) and its capture header, if any.</summary>
    internal sealed record Chunk(string Text, int FirstLine, CaptureHeader Header);

    public static List<Chunk> Split(string text)
    {
        var chunks = new List<Chunk>();
        var current = new StringBuilder();
        var firstLine = 1;
        var lineNumber = 0;
        var hasContent = false;
        string? header = null;

        void Close()
        {
            if (hasContent)
            {
                chunks.Add(new Chunk(current.ToString(), firstLine, header is null ? default : CaptureHeader.Parse(header)));
            }
            current.Clear();
            hasContent = false;
            header = null;
        }

        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = rawLine;
            if (IsMarker(line, "---") || IsMarker(line, "..."))
            {
                Close();
                // The chunk's first line stands for the marker line, so parser line numbers map back to the file.
                firstLine = lineNumber;
                // "--- {a: 1}" or "--- !!map": content on the marker line stays in the document.
                var rest = line.Length > 3 ? line[3..].Trim() : [];
                if (line[0] == '-' && !rest.IsEmpty && rest[0] != '#')
                {
                    current.Append(rest);
                    hasContent = true;
                }
                current.Append('\n');
                continue;
            }

            var trimmed = line.TrimStart();
            if (!hasContent && trimmed.StartsWith("#"))
            {
                var comment = trimmed[1..].Trim();
                if (header is null && comment.StartsWith("{")) header = comment.ToString();
            }
            else if (line.StartsWith("%") && !hasContent)
            {
                // A directive belongs to the next document; YamlDotNet would need the marker after it. Keep the line count.
                current.Append('\n');
                continue;
            }
            else if (!trimmed.IsEmpty)
            {
                hasContent = true;
            }

            current.Append(line).Append('\n');
        }

        Close();
        return chunks;
    }

    private static bool IsMarker(ReadOnlySpan<char> line, string marker)
        => line.StartsWith(marker) && (line.Length == 3 || line[3] is ' ' or '\t');
}
