using System.Text;
using System.Text.Json;
using YamlDotNet.Core;

namespace KSpanActors.Ingest;

/// <summary>
/// Reads a file, a folder or an archive into <see cref="SourceDocument"/>s, lazily, reporting what it cannot read and
/// going on. Understands kspan captures (multi-document YAML, each document after a
/// <c># {"time":…,"style":…,"kind":…}</c> comment), Kubernetes Lists (<c>EventList</c>, <c>PodList</c>, <c>List</c>…),
/// bare arrays of objects, and single objects, in JSON or YAML.
/// A folder is read file by file (*.json, *.yaml, *.yml, recursively, in ordinal order of the relative path), so the
/// layouts of support bundles are read as they are on disk: an OpenShift must-gather (<c>namespaces/*/core/events.yaml</c>,
/// <c>namespaces/*/apps/*.yaml</c>, <c>cluster-scoped-resources/…</c>), a rancher support-bundle-kit bundle
/// (<c>yamls/namespaced/*/v1/events.yaml</c>, <c>…/events.k8s.io/v1/events.yaml</c>, <c>yamls/cluster/…</c>), a
/// troubleshoot bundle (<c>cluster-resources/events/*.json</c>…). An archive (<c>.tar.gz</c>, <c>.tgz</c>, <c>.tar</c>,
/// <c>.zip</c>) is read like a folder, streamed entry by entry in archive order, never unpacked to disk.
/// Inside a folder or an archive, files that are not Kubernetes objects or Lists (configuration, API discovery, RBAC
/// reviews, metadata; other extensions such as logs are not even opened) are passed to <c>onIgnored</c> instead of
/// being problems; a file named on its own still is one. Syntax errors and List items without a kind are problems
/// everywhere.
/// Positions in origins are 1-based: "capture.yaml document 7" is the 7th document with content,
/// "events/velero.json item 12" is <c>items[11]</c>; a file in an archive is "bundle.tar.gz/path/in/archive".
/// </summary>
internal static class InputReader
{
    private static readonly string[] Extensions = [".json", ".yaml", ".yml"];

    /// <summary>The documents of a file, folder or archive; what is passed over as not Kubernetes is not reported.</summary>
    /// <remarks>The only method of this name: tests/KSpanActors.FakeKube finds it by name through reflection.</remarks>
    public static IEnumerable<SourceDocument> Read(string path, Action<InputProblem> onProblem) => ReadInput(path, onProblem, onIgnored: null);

    /// <summary>
    /// As <see cref="Read"/>, also telling <paramref name="onIgnored"/> the origin of each file or document of a folder or
    /// archive passed over as not Kubernetes; <paramref name="limits"/> bounds archive entries (default <see cref="ArchiveLimits.Default"/>).
    /// </summary>
    internal static IEnumerable<SourceDocument> ReadInput(string path, Action<InputProblem> onProblem, Action<string>? onIgnored, ArchiveLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(onProblem);
        return ReadLazily(path, onProblem, onIgnored, limits ?? ArchiveLimits.Default);
    }

    private static IEnumerable<SourceDocument> ReadLazily(string path, Action<InputProblem> onProblem, Action<string>? onIgnored, ArchiveLimits limits)
    {
        if (Directory.Exists(path))
        {
            var sink = new Sink(onProblem, onIgnored, Quiet: true);
            foreach (var (full, relative) in ListFolder(path, onProblem))
            {
                foreach (var doc in ReadFile(full, relative, sink)) yield return doc;
            }
        }
        else if (File.Exists(path))
        {
            var documents = ArchiveReader.Kind(path) is { } archive
                ? ArchiveReader.Read(path, archive, new Sink(onProblem, onIgnored, Quiet: true), limits)
                : ReadFile(path, Path.GetFileName(path), new Sink(onProblem, onIgnored, Quiet: false));
            foreach (var doc in documents) yield return doc;
        }
        else
        {
            onProblem(new InputProblem(path, "no such file or folder"));
        }
    }

    /// <summary>Whether a file of this name is read (JSON or YAML); anything else in a folder or an archive is passed over.</summary>
    internal static bool IsReadable(string name) => Extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static List<(string Full, string Relative)> ListFolder(string folder, Action<InputProblem> onProblem)
    {
        var files = new List<(string Full, string Relative)>();
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
            foreach (var full in Directory.EnumerateFiles(folder, "*", options))
            {
                if (!IsReadable(full)) continue;
                files.Add((full, Path.GetRelativePath(folder, full).Replace('\\', '/')));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            onProblem(new InputProblem(folder, $"cannot list folder: {TextLine.Of(e.Message)}"));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        return files;
    }

    private static IEnumerable<SourceDocument> ReadFile(string full, string name, Sink sink)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            sink.OnProblem(new InputProblem(name, $"cannot read file: {TextLine.Of(e.Message)}"));
            yield break;
        }

        foreach (var doc in ReadContent(bytes, name, sink)) yield return doc;
    }

    /// <summary>The documents of one file's content; <paramref name="name"/> (its path in the folder or archive) says JSON or YAML and names it.</summary>
    internal static IEnumerable<SourceDocument> ReadContent(byte[] bytes, string name, Sink sink)
    {
        var content = bytes.AsMemory();
        if (content.Span.StartsWith("\xEF\xBB\xBF"u8)) content = content[3..];

        return LooksLikeJson(name, content.Span)
            ? FromJson(content, name, header: default, sink)
            : FromYaml(Encoding.UTF8.GetString(content.Span), name, sink);
    }

    private static bool LooksLikeJson(string name, ReadOnlySpan<byte> content)
    {
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return true;
        if (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)) return false;
        var trimmed = content.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] is (byte)'{' or (byte)'[';
    }

    /// <summary>One JSON document: a List or an array (one SourceDocument per item) or a single object.</summary>
    private static IEnumerable<SourceDocument> FromJson(ReadOnlyMemory<byte> json, string origin, CaptureHeader header, Sink sink)
    {
        var shape = Scan(json, origin, sink.OnProblem);
        if (shape is null) yield break;
        if (shape.Root is not (JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.None))
        {
            sink.NotKubernetes(origin, $"not a Kubernetes object or List (a JSON {Describe(shape.Root)})");
            yield break;
        }

        var isArray = shape.Root == JsonTokenType.StartArray;
        var isList = shape.Items is not null
            && (isArray || shape.Kind is null || shape.Kind.EndsWith("List", StringComparison.Ordinal));
        if (isList)
        {
            var itemKind = !isArray && shape.Kind is { Length: > 4 } listKind ? listKind[..^4] : null;
            if (itemKind is null && shape.Error is null && !shape.Items!.Any(i => i.Kind is not null)
                && (isArray || (sink.Quiet && shape.Kind is null && shape.ApiVersion is null)))
            {
                // Neither the List nor any item names a kind (API groups, RBAC rules, a kindless List of definitions).
                sink.NotKubernetes(origin, isArray ? "not a Kubernetes object or List (a JSON array without kinds)" : "a List whose items have no kind");
                yield break;
            }

            for (var i = 0; i < shape.Items!.Count; i++)
            {
                var item = shape.Items[i];
                var itemOrigin = $"{origin} item {i + 1}";
                if (!item.IsObject)
                {
                    sink.OnProblem(new InputProblem(itemOrigin, "item is not an object"));
                    continue;
                }

                var kind = item.Kind ?? itemKind;
                if (string.IsNullOrEmpty(kind))
                {
                    sink.OnProblem(new InputProblem(itemOrigin, "document without kind"));
                    continue;
                }

                if (isArray && sink.Quiet && !item.HasUid && !string.Equals(kind, "Event", StringComparison.Ordinal))
                {
                    // A bare array in a bundle holds what the API served (with metadata.uid) or something else
                    // (API discovery: APIResourceList...), never a List the API wrote.
                    sink.NotKubernetes(itemOrigin, "document without metadata.uid");
                    continue;
                }

                yield return new SourceDocument(kind, item.ApiVersion ?? shape.ApiVersion, item.Json, itemOrigin, header.Deleted);
            }

            if (shape.Error is not null) sink.OnProblem(new InputProblem(origin, $"JSON syntax error: {shape.Error}"));
            yield break;
        }

        if (shape.Error is not null)
        {
            sink.OnProblem(new InputProblem(origin, $"JSON syntax error: {shape.Error}"));
            yield break;
        }

        var singleKind = shape.Kind ?? header.Kind;
        if (string.IsNullOrEmpty(singleKind))
        {
            sink.NotKubernetes(origin, "document without kind");
            yield break;
        }

        if (singleKind.EndsWith("List", StringComparison.Ordinal) && shape.Items is null && !shape.HasUid)
        {
            // "kind: EventList" with "items: null" (or none): an empty List.
            yield break;
        }

        if (sink.Quiet && !shape.HasUid && !string.Equals(singleKind, "Event", StringComparison.Ordinal))
        {
            // In a bundle, an object without metadata.uid is not one the API served: a kubeconfig, a KubeletConfiguration,
            // a troubleshoot SupportBundleVersion...
            sink.NotKubernetes(origin, "document without metadata.uid");
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
            onProblem(new InputProblem(origin, $"unreadable JSON: {TextLine.Of(e.Message)}"));
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
    private static IEnumerable<SourceDocument> FromYaml(string text, string name, Sink sink)
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
                sink.OnProblem(new InputProblem(origin, YamlError(e, chunk.FirstLine)));
                continue;
            }

            if (json is null) continue;
            foreach (var doc in FromJson(json.Value, origin, chunk.Header, sink)) yield return doc;
        }
    }

    private static string YamlError(Exception e, int firstLine)
    {
        if (e is YamlException y)
        {
            // YamlException messages start with "(Line: 3, Col: 1, Idx: 40) - (Line: 3, Col: 2, Idx: 41): "; say the file's line instead.
            var message = TextLine.Of(y.Message);
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith('(') && cut >= 0) message = message[(cut + 3)..];
            return $"YAML syntax error at line {firstLine + (int)y.Start.Line - 1}, column {y.Start.Column}: {message}";
        }

        return $"YAML syntax error near line {firstLine}: {TextLine.Of(e.Message)}";
    }
}
