namespace KSpanActors.Deploy.Tests;

/// <summary>
/// What <c>kubectl kustomize DIR</c> puts together, as far as these rules care: the documents of every resource (files, and
/// folders with a kustomization of their own, recursively), less those a <c>$patch: delete</c> patch removes, with
/// strategic-merge patches applied. Of strategic merge only what deploy/ uses is understood: mappings merge key by key,
/// and a list whose items all have a <c>name</c> (containers, env, ports, volumes of a pod spec: their merge key is the
/// name) merges item by item; any other list in a patch, and any other kind of patch, is refused, so a new kind of patch in
/// deploy/ makes the tests say they cannot judge it instead of judging the unpatched objects. Names, namespaces and images
/// are left as written (the rules do not depend on them).
/// </summary>
internal static class Kustomization
{
    public static IReadOnlyList<Dictionary<string, object?>> Render(string directory)
    {
        var kustomization = Yaml.File(Path.Combine(directory, "kustomization.yaml")).Single();
        var documents = new List<Dictionary<string, object?>>();
        foreach (var resource in kustomization.List("resources").Select(r => (string)r!))
        {
            var path = Path.GetFullPath(Path.Combine(directory, resource));
            documents.AddRange(Directory.Exists(path) ? Render(path) : Yaml.File(path));
        }

        foreach (var patch in kustomization.Maps("patches"))
        {
            var file = patch.Text("path") ?? throw new NotSupportedException($"{directory}: only patches given by path are understood");
            if (patch.ContainsKey("target")) throw new NotSupportedException($"{directory}/{file}: patches with a target are not understood; name the object in the patch");
            foreach (var p in Yaml.File(Path.Combine(directory, file)))
            {
                var (kind, name) = (p.Text("kind"), p.Text("metadata.name"));
                var targets = documents.Where(d => d.Text("kind") == kind && d.Text("metadata.name") == name).ToList();
                if (targets.Count == 0) throw new InvalidDataException($"{directory}/{file}: patches {kind}/{name}, which no resource defines");
                switch (p.Text("$patch"))
                {
                    case "delete":
                        documents.RemoveAll(targets.Contains);
                        break;
                    case null:
                        foreach (var target in targets) Merge(target, p, $"{directory}/{file}");
                        break;
                    default:
                        throw new NotSupportedException($"{directory}/{file}: `$patch: {p.Text("$patch")}` is not understood; extend Kustomization.Render");
                }
            }
        }

        return documents;
    }

    /// <summary>Every file or folder a kustomization under <paramref name="root"/> names (resources and patches), full paths.</summary>
    public static IEnumerable<string> NamedFiles(string root)
    {
        foreach (var k in Directory.EnumerateFiles(root, "kustomization.yaml", SearchOption.AllDirectories))
        {
            var dir = Path.GetDirectoryName(k)!;
            var doc = Yaml.File(k).Single();
            foreach (var r in doc.List("resources").Select(r => (string)r!).Concat(doc.Maps("patches").Select(p => p.Text("path")!)))
            {
                yield return Path.GetFullPath(Path.Combine(dir, r));
            }
        }
    }

    /// <summary>Strategic merge of <paramref name="patch"/> into <paramref name="target"/> (changed in place).</summary>
    internal static void Merge(Dictionary<string, object?> target, Dictionary<string, object?> patch, string where)
    {
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$')) // $patch: replace/delete inside an object, $setElementOrder, $retainKeys...
            {
                throw new NotSupportedException($"{where}: directive {key}: {value} is not understood; extend Kustomization.Render");
            }

            switch (value)
            {
                case Dictionary<string, object?> map when target.GetValueOrDefault(key) is Dictionary<string, object?> existing:
                    Merge(existing, map, where);
                    break;
                case List<object?> list when list.All(i => i is Dictionary<string, object?> m && m.Text("name") is not null):
                    var merged = target.GetValueOrDefault(key) as List<object?> ?? [];
                    foreach (var item in list.Cast<Dictionary<string, object?>>())
                    {
                        if (merged.OfType<Dictionary<string, object?>>().FirstOrDefault(m => m.Text("name") == item.Text("name")) is { } same) Merge(same, item, where);
                        else merged.Add(item);
                    }

                    target[key] = merged;
                    break;
                case List<object?>:
                    throw new NotSupportedException($"{where}: list {key} has items without a name; its strategic-merge key is not known here");
                default:
                    target[key] = value;
                    break;
            }
        }
    }
}
