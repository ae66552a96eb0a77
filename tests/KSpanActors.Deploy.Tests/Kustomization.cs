namespace KSpanActors.Deploy.Tests;

/// <summary>
/// What <c>kubectl kustomize DIR</c> puts together, as far as these rules care: the documents of every resource (files, and
/// folders with a kustomization of their own, recursively), less those a <c>$patch: delete</c> patch removes. Any other
/// patch is refused, so a new kind of patch in deploy/ makes the tests say they cannot judge it instead of judging the
/// unpatched objects. Names, namespaces and images are left as written (the rules do not depend on them).
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
            foreach (var p in Yaml.File(Path.Combine(directory, file)))
            {
                if (p.Text("$patch") != "delete") throw new NotSupportedException($"{directory}/{file}: only `$patch: delete` patches are understood; extend Kustomization.Render");
                var removed = documents.RemoveAll(d => d.Text("kind") == p.Text("kind") && d.Text("metadata.name") == p.Text("metadata.name"));
                if (removed == 0) throw new InvalidDataException($"{directory}/{file}: deletes {p.Text("kind")}/{p.Text("metadata.name")}, which no resource defines");
            }
        }

        return documents;
    }

    /// <summary>Every file a kustomization under <paramref name="root"/> names (resources and patches), full paths.</summary>
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
}
