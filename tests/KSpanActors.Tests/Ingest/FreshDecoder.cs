using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using KSpanActors.Ingest;

namespace KSpanActors.Tests.Ingest;

/// <summary>
/// KubeDecoder as a new process has it: KSpanActors, KubernetesClient and System.Text.Json loaded afresh into a
/// collectible AssemblyLoadContext, so no cache of the serializer, of the decoder or of the string cache has seen
/// anything yet. What the decoder reads must not depend on what it read before; in one test process everything has
/// been decoded before, so only a fresh load shows what decoding one Event first, or alone, does.
/// </summary>
internal sealed class FreshDecoder : IDisposable
{
    private static readonly string Bin = AppContext.BaseDirectory;
    private readonly Context _context = new();
    private readonly MethodInfo _tryDecode;
    private readonly ConstructorInfo _document;

    public FreshDecoder()
    {
        var actors = _context.LoadFromAssemblyName(typeof(KubeDecoder).Assembly.GetName());
        Assert.NotSame(typeof(KubeDecoder).Assembly, actors);
        _tryDecode = actors.GetType(typeof(KubeDecoder).FullName!, throwOnError: true)!.GetMethod(nameof(KubeDecoder.TryDecode), BindingFlags.Public | BindingFlags.Static)!;
        var documentType = actors.GetType(typeof(SourceDocument).FullName!, throwOnError: true)!;
        _document = documentType.GetConstructor([typeof(string), typeof(string), typeof(ReadOnlyMemory<byte>), typeof(string), typeof(bool), typeof(string)])
            ?? throw new InvalidOperationException("SourceDocument has no (kind, apiVersion, json, origin, deleted, resourceVersion) constructor");
    }

    /// <summary>The fact decoded, as text (records print every member), or "error: ..." .</summary>
    public string Decode(string cluster, SourceDocument doc)
    {
        var fresh = _document.Invoke([doc.Kind, doc.ApiVersion, doc.Json, doc.Origin, doc.Deleted, doc.ResourceVersion]);
        object?[] args = [cluster, fresh, null, null];
        var ok = (bool)_tryDecode.Invoke(null, args)!;
        return ok ? args[2]!.ToString()! : $"error: {args[3]}";
    }

    /// <summary>The same text for a decode in this process.</summary>
    public static string DecodeHere(string cluster, SourceDocument doc)
        => KubeDecoder.TryDecode(cluster, doc, out var fact, out var error) ? fact.ToString()! : $"error: {error}";

    public void Dispose() => _context.Unload();

    private sealed class Context() : AssemblyLoadContext("fresh-decoder", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            // The serializer afresh (its caches are static), and every assembly of ours or of our packages beside the tests.
            if (name.Name == "System.Text.Json") return LoadFromAssemblyPath(typeof(JsonSerializer).Assembly.Location);
            var local = Path.Combine(Bin, name.Name + ".dll");
            return File.Exists(local) ? LoadFromAssemblyPath(local) : null;
        }
    }
}
