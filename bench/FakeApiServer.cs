using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Bench;

/// <summary>
/// A streaming fake Kubernetes API server (Kestrel, HTTP/1.1, 127.0.0.1 only) serving the input file's documents as
/// watch events. Lists are empty (resourceVersion "1"); the first watch of each kind streams that kind's documents,
/// chunked, one <c>{"type":"ADDED"|"DELETED","object":...}</c> line each, then stays open sending nothing until the
/// client aborts; a later watch of the same kind gets an empty stream held open the same way (or, if the streaming one
/// was aborted before the end, resumes with the documents left). One reader thread reads
/// the file once, starting at the first watch request, and dispatches documents into bounded per-kind queues, which
/// the watch responses drain (flushing every N lines, or whenever their queue is momentarily empty).
/// With a release gate (the replicas mode's processes), watch responses send their headers and then wait for it
/// before anything is read or streamed, so every watcher can be in place before the input starts.
/// </summary>
internal sealed class FakeApiServer : IAsyncDisposable
{
    /// <summary>Collection paths the watch path lists and watches, and the kind of their items.</summary>
    private static readonly Dictionary<string, string> Collections = new(StringComparer.Ordinal)
    {
        ["/api/v1/events"] = "Event",
        ["/api/v1/pods"] = "Pod",
        ["/apis/apps/v1/replicasets"] = "ReplicaSet",
        ["/apis/apps/v1/deployments"] = "Deployment",
        ["/apis/apps/v1/statefulsets"] = "StatefulSet",
        ["/apis/apps/v1/daemonsets"] = "DaemonSet",
        ["/apis/batch/v1/jobs"] = "Job",
        ["/apis/batch/v1/cronjobs"] = "CronJob",
    };

    private static readonly byte[] AddedPrefix = "{\"type\":\"ADDED\",\"object\":"u8.ToArray();
    private static readonly byte[] DeletedPrefix = "{\"type\":\"DELETED\",\"object\":"u8.ToArray();
    private static readonly byte[] LineEnd = "}\n"u8.ToArray();
    private static readonly byte[] NotFound = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}"u8.ToArray();
    private static readonly byte[] KubeSystem = "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"kube-system\",\"uid\":\"00000000-0000-0000-0000-00000000bench\"}}"u8.ToArray();

    private readonly WebApplication _app;
    private readonly string _inputPath;
    private readonly int _flushLines;
    private readonly Dictionary<string, KindQueue> _queues;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Action _onFirstWatch;
    private readonly TaskCompletionSource _readerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _release;
    private int _started;
    private long _skipped;
    private long _watchRequests;
    private long _activeWatches;

    private FakeApiServer(WebApplication app, string inputPath, int kindCapacity, int flushLines, Action onFirstWatch, Task? release)
    {
        _app = app;
        _inputPath = inputPath;
        _flushLines = flushLines;
        _onFirstWatch = onFirstWatch;
        _release = release ?? Task.CompletedTask;
        _queues = Collections.Values.ToDictionary(k => k, _ => new KindQueue(kindCapacity), StringComparer.Ordinal);
        app.Run(HandleAsync);
    }

    /// <summary>Base URL (http://127.0.0.1:port).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Completes when the reader thread has read the whole file (or stopped).</summary>
    public Task ReaderDone => _readerDone.Task;

    /// <summary>Documents of kinds not served (none in the demo scenario).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Watch lines written so far, over every kind.</summary>
    public long LinesSent => _queues.Values.Sum(q => q.Sent);

    /// <summary>Documents read from the file and not yet written to a watch response.</summary>
    public long Queued => _queues.Values.Sum(q => q.Channel.Reader.Count);

    /// <summary>Watch requests received so far (a watcher restarting or moving to another replica watches again).</summary>
    public long WatchRequests => Interlocked.Read(ref _watchRequests);

    /// <summary>Watch requests open now.</summary>
    public long ActiveWatches => Interlocked.Read(ref _activeWatches);

    /// <summary>Collections a watcher lists and watches (one open watch each once a watcher is in place).</summary>
    public static int CollectionCount => Collections.Count;

    public IEnumerable<(string Kind, long Sent)> SentPerKind => _queues.Where(kv => kv.Value.Sent > 0).Select(kv => (kv.Key, kv.Value.Sent));

    /// <param name="onFirstWatch">Called once, on the first watch request, before any document is read.</param>
    /// <param name="release">When given, watch responses stream nothing (and the file is not read) before it completes.</param>
    public static async Task<FakeApiServer> StartAsync(string inputPath, int kindCapacity, int flushLines, Action onFirstWatch, Task? release = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MinResponseDataRate = null; // a held-open watch sends nothing for a long time
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);
        });
        var server = new FakeApiServer(builder.Build(), inputPath, kindCapacity, flushLines, onFirstWatch, release);
        await server._app.StartAsync().ConfigureAwait(false);
        server.Url = new Uri(server._app.Urls.First());
        return server;
    }

    /// <summary>A kubeconfig (context "bench", a bearer token) pointing at this server.</summary>
    public string WriteKubeconfig(string path)
    {
        var yaml = new StringBuilder()
            .AppendLine("apiVersion: v1")
            .AppendLine("kind: Config")
            .AppendLine("clusters:")
            .AppendLine("- name: bench")
            .AppendLine("  cluster:")
            .Append("    server: ").AppendLine(Url.GetLeftPart(UriPartial.Authority))
            .AppendLine("users:")
            .AppendLine("- name: bench")
            .AppendLine("  user:")
            .AppendLine("    token: bench-token")
            .AppendLine("contexts:")
            .AppendLine("- name: bench")
            .AppendLine("  context:")
            .AppendLine("    cluster: bench")
            .AppendLine("    user: bench")
            .AppendLine("current-context: bench")
            .ToString();
        File.WriteAllText(path, yaml);
        return path;
    }

    private async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        if (path == "/api/v1/namespaces/kube-system")
        {
            await WriteJsonAsync(http, StatusCodes.Status200OK, KubeSystem).ConfigureAwait(false);
            return;
        }
        if (!Collections.TryGetValue(path, out var kind))
        {
            await WriteJsonAsync(http, StatusCodes.Status404NotFound, NotFound).ConfigureAwait(false); // incl. /apis/events.k8s.io/v1
            return;
        }
        if (string.Equals(http.Request.Query["watch"], "true", StringComparison.OrdinalIgnoreCase))
        {
            await WatchAsync(http, kind).ConfigureAwait(false);
            return;
        }
        var list = Encoding.UTF8.GetBytes($"{{\"kind\":\"{kind}List\",\"apiVersion\":\"v1\",\"metadata\":{{\"resourceVersion\":\"1\"}},\"items\":[]}}");
        await WriteJsonAsync(http, StatusCodes.Status200OK, list).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpContext http, int status, byte[] body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    private async Task WatchAsync(HttpContext http, string kind)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
        var ct = cts.Token;
        var queue = _queues[kind];
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        Interlocked.Increment(ref _watchRequests);
        Interlocked.Increment(ref _activeWatches);
        try
        {
            if (!_release.IsCompleted)
            {
                await http.Response.StartAsync(ct).ConfigureAwait(false); // headers now: the client's request returns
                await _release.WaitAsync(ct).ConfigureAwait(false);
            }
            if (Interlocked.Exchange(ref _started, 1) == 0)
            {
                _onFirstWatch();
                new Thread(ReadFile) { IsBackground = true, Name = "fake-apiserver-reader" }.Start();
            }
            await http.Response.StartAsync(ct).ConfigureAwait(false); // headers now: the client's request returns
            if (queue.TryClaim())
            {
                var exhausted = false;
                try
                {
                    exhausted = await StreamAsync(http, queue, ct).ConfigureAwait(false);
                }
                finally
                {
                    if (exhausted) queue.MarkExhausted();
                    else queue.Release(); // aborted mid-stream: the next watch of the kind resumes with what is left
                }
                if (!exhausted) return; // the client went away
            }
            // Exhausted (or a second watch of the kind): stay open, sending nothing, until the client goes away.
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client aborted the watch (StopWatching) or the server stops
        }
        finally
        {
            Interlocked.Decrement(ref _activeWatches);
        }
    }

    /// <summary>Writes the kind's documents as watch lines until the reader thread has dispatched them all (true) or the client is gone (false).</summary>
    private async Task<bool> StreamAsync(HttpContext http, KindQueue queue, CancellationToken ct)
    {
        var reader = queue.Channel.Reader;
        var body = http.Response.BodyWriter;
        var pending = 0;
        while (true)
        {
            while (reader.TryRead(out var doc))
            {
                body.Write(doc.Document.Deleted ? DeletedPrefix : AddedPrefix);
                body.Write(doc.Document.Json.Span);
                body.Write(LineEnd);
                queue.CountSent();
                if (++pending >= _flushLines)
                {
                    if (IsGone(await body.FlushAsync(ct).ConfigureAwait(false))) return false;
                    pending = 0;
                }
            }
            if (pending > 0)
            {
                if (IsGone(await body.FlushAsync(ct).ConfigureAwait(false))) return false;
                pending = 0;
            }
            if (!await reader.WaitToReadAsync(ct).ConfigureAwait(false)) return true;
        }
    }

    private static bool IsGone(System.IO.Pipelines.FlushResult result) => result.IsCompleted || result.IsCanceled;

    private void ReadFile()
    {
        try
        {
            foreach (var doc in InputFile.Read(_inputPath))
            {
                if (!_queues.TryGetValue(doc.Document.Kind, out var queue))
                {
                    Interlocked.Increment(ref _skipped);
                    continue;
                }
                var writer = queue.Channel.Writer;
                while (!writer.TryWrite(doc))
                {
                    if (!writer.WaitToWriteAsync(_stopping.Token).AsTask().GetAwaiter().GetResult()) return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            foreach (var q in _queues.Values) q.Channel.Writer.TryComplete();
            _readerDone.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // connections still open are closed by the dispose below
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>One kind's documents on their way from the file to its watch response.</summary>
    private sealed class KindQueue(int capacity)
    {
        private int _claimed;
        private long _sent;

        public Channel<InputDoc> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<InputDoc>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        public long Sent => Interlocked.Read(ref _sent);

        /// <summary>True for the first watch of the kind only (or the next one, when that was aborted mid-stream): it streams the documents.</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

        /// <summary>Every document was written: later watches of the kind get an empty stream.</summary>
        public void MarkExhausted() => Interlocked.Exchange(ref _claimed, 2);

        /// <summary>A streaming watch ended before the end of its documents: the next watch of the kind resumes with what is left.</summary>
        public void Release() => Interlocked.CompareExchange(ref _claimed, 0, 1);

        public void CountSent() => Interlocked.Increment(ref _sent);
    }
}

/// <summary>Stopwatch timestamp and process CPU at one instant.</summary>
internal readonly record struct Instant(long Timestamp, TimeSpan Cpu)
{
    public static Instant Now(ProcessSampler sampler) => new(Stopwatch.GetTimestamp(), sampler.CpuTime());
}
