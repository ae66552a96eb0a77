using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KSpanActors.Ingest;

namespace KSpanActors.Watch;

/// <summary>
/// Writes what watch loops read in the kspan capture format that <c>replay</c> reads: a multi-document YAML stream where
/// each document is preceded by <c># {"time":...,"style":"event|initial|watch","kind":...}</c>. Documents are written
/// as JSON (valid YAML), with kind and apiVersion filled in (list items lack them). Thread-safe.
/// </summary>
internal sealed class CaptureWriter : IWatchSink, IDisposable
{
    private readonly object _gate = new();
    private readonly StreamWriter _out;
    private long _documents;

    public CaptureWriter(string path)
    {
        Path = path;
        _out = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    public string Path { get; }

    public long Documents => Interlocked.Read(ref _documents);

    public void OnDocument(string cluster, WatchedResource resource, SourceDocument document, bool fromList)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(document.Json.Span);
        }
        catch (JsonException)
        {
            return; // the pipeline would skip it too; a capture keeps only what can be replayed
        }
        if (node is not JsonObject obj) return;
        obj["kind"] ??= resource.Kind;
        obj["apiVersion"] ??= resource.ApiVersion;
        var style = resource.Kind == "Event" ? "event" : fromList ? "initial" : "watch";
        var header = new JsonObject
        {
            ["time"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            ["style"] = style,
            ["kind"] = resource.Kind,
            ["cluster"] = cluster,
        };
        if (document.Deleted) header["deleted"] = true;
        var text = obj.ToJsonString();
        lock (_gate)
        {
            _out.Write("---\n# ");
            _out.Write(header.ToJsonString());
            _out.Write('\n');
            _out.Write(text);
            _out.Write('\n');
            if (!fromList) _out.Flush(); // a watch event may be the last thing before a crash: keep it on disk
        }
        Interlocked.Increment(ref _documents);
    }

    public void OnListed(string cluster, WatchedResource resource, string? ns, int items, bool relist)
    {
        Flush();
    }

    public void OnProblem(string cluster, WatchedResource resource, string kind)
    {
    }

    public void Flush()
    {
        lock (_gate) _out.Flush();
    }

    public void Dispose()
    {
        lock (_gate) _out.Dispose();
    }
}
