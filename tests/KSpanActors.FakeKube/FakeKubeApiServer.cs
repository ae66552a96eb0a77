using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using KSpanActors.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Tests.FakeKube;

/// <summary>
/// A fake Kubernetes API server for tests, on 127.0.0.1 (plain HTTP/1.1), that the real KubernetesClient talks to:
/// discovery, lists with paging and selectors, watches with history replay, bookmarks and 410 Expired, bearer-token
/// authentication, and injectable faults. Objects are JSON; every add/modify/delete takes the next value of one
/// global resourceVersion counter, as etcd does.
/// </summary>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly FakeKubeOptions _options;
    private readonly List<ResourceState> _resources = [];
    private readonly Queue<PendingDocument> _pending = new();
    private readonly List<FakeRequest> _requests = [];
    private readonly Dictionary<FakeFault, int> _faultsFired = [];
    private readonly List<CountedFault> _cuts = [], _expiries = [], _malformed = [], _failures = [];
    private readonly Dictionary<string, TimeSpan> _slow = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ListSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _changed = NewSignal();
    private WebApplication? _app;
    private string _server = "";
    private long _resourceVersion;
    private int _listsServed;
    private int _watchesOpened;
    private DateTimeOffset? _lastWatchOpened;
    private readonly Dictionary<string, ClientWatches> _clients = new(StringComparer.Ordinal);
    private int _skippedDocuments;
    private string? _requiredToken;

    private FakeKubeApiServer(FakeKubeOptions options)
    {
        _options = options;
        _requiredToken = options.RequiredToken;
        foreach (var r in FakeResource.BuiltIn) _resources.Add(new ResourceState(r));
        Add("namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "kube-system", ["uid"] = options.ClusterUid } });
        Add("namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } });
    }

    /// <summary>The server's address, http://127.0.0.1:PORT/.</summary>
    public Uri BaseAddress => new(_server + "/");

    public FakeKubeOptions Options => _options;

    /// <summary>The global resourceVersion: the last one assigned.</summary>
    public long ResourceVersion { get { lock (_gate) return _resourceVersion; } }

    /// <summary>The token requests must carry (null: no authentication).</summary>
    public string? RequiredToken { get { lock (_gate) return _requiredToken; } }

    /// <summary>List requests answered (watch requests not included), all resources.</summary>
    public int ListsServed { get { lock (_gate) return _listsServed; } }

    /// <summary>Watch requests accepted (answered 200, including the ones that got 410), all resources.</summary>
    public int WatchesOpened { get { lock (_gate) return _watchesOpened; } }

    /// <summary>When the last watch request was accepted (UTC), or null before the first.</summary>
    public DateTimeOffset? LastWatchOpenedUtc { get { lock (_gate) return _lastWatchOpened; } }

    /// <summary>Watch connections open now, all resources.</summary>
    public int OpenWatches { get { lock (_gate) return _resources.Sum(r => r.Watches.Count); } }

    /// <summary>Watch connections open now, per client (bearer token, "" for none): tells processes given different tokens apart.</summary>
    public IReadOnlyDictionary<string, int> OpenWatchesByClient
    {
        get
        {
            lock (_gate)
            {
                return _resources.SelectMany(r => r.Watches).GroupBy(w => w.Client, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Changes queued for open watches and not written to their connections yet, all resources: it grows while a
    /// client stops reading its stream.</summary>
    public int WatchBacklog { get { lock (_gate) return _resources.SelectMany(r => r.Watches).Sum(w => w.Items.Reader.CanCount ? w.Items.Reader.Count : 0); } }

    /// <summary>Documents not loaded because their kind is not served.</summary>
    public int SkippedDocuments { get { lock (_gate) return _skippedDocuments; } }

    /// <summary>Documents held back by a load with hold: true, not released yet.</summary>
    public int PendingDocuments { get { lock (_gate) return _pending.Count; } }

    /// <summary>Every request answered, in order.</summary>
    public IReadOnlyList<FakeRequest> Requests { get { lock (_gate) return [.. _requests]; } }

    public int ListsServedFor(string kindOrPlural) { lock (_gate) return Resolve(kindOrPlural, null).ListsServed; }

    public int WatchesOpenedFor(string kindOrPlural) { lock (_gate) return Resolve(kindOrPlural, null).WatchesOpened; }

    public int OpenWatchesFor(string kindOrPlural) { lock (_gate) return Resolve(kindOrPlural, null).Watches.Count; }

    public int FaultsFired(FakeFault fault) { lock (_gate) return _faultsFired.GetValueOrDefault(fault); }

    public static async Task<FakeKubeApiServer> StartAsync(FakeKubeOptions? options = null)
    {
        var server = new FakeKubeApiServer(options ?? new FakeKubeOptions());
        ListenOptions? listen = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseSockets(o => SetFinOnError(o, !server._options.AbortWithReset));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // A watch whose client reads slowly (back-pressure) is not cut, as a real API server does not cut it.
            k.Limits.MinResponseDataRate = null;
            k.Listen(IPAddress.Loopback, 0, o => { o.Protocols = HttpProtocols.Http1; listen = o; });
        });
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._app = app;
        server._server = $"http://127.0.0.1:{listen!.IPEndPoint!.Port}";
        return server;
    }

    /// <summary>Kestrel answers HttpContext.Abort with a TCP reset unless its internal FinOnError is set (the public switch is the
    /// process-wide AppContext switch "Microsoft.AspNetCore.Server.Kestrel.FinOnError", read once): set it on this server's options only.</summary>
    private static void SetFinOnError(SocketTransportOptions options, bool fin) =>
        typeof(SocketTransportOptions).GetProperty("FinOnError", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.SetValue(options, fin);

    public async ValueTask DisposeAsync()
    {
        DropAllWatches();
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _app.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
            }

            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    // ---- resources -------------------------------------------------------------------------------------------

    /// <summary>Serves a custom resource, e.g. ("argoproj.io", "v1alpha1", "rollouts", "Rollout").</summary>
    public FakeResource RegisterCustomResource(string group, string version, string plural, string kind, bool namespaced = true)
    {
        var resource = new FakeResource(group, version, plural, kind, namespaced);
        lock (_gate)
        {
            if (_resources.Any(r => r.Resource.Group == group && r.Resource.Version == version && r.Resource.Plural == plural))
            {
                throw new InvalidOperationException($"{resource.Name}/{version} is already registered");
            }

            _resources.Add(new ResourceState(resource));
        }

        return resource;
    }

    /// <summary>The objects stored for a resource now, as JSON (with kind and apiVersion).</summary>
    public IReadOnlyList<JsonNode> Objects(string kindOrPlural, string? apiVersion = null)
    {
        lock (_gate)
        {
            return [.. Resolve(kindOrPlural, apiVersion).Objects.Values.Select(o => JsonNode.Parse(o.Json)!)];
        }
    }

    // ---- mutations -------------------------------------------------------------------------------------------

    /// <summary>Creates an object (ADDED). kindOrPlural: "Pod", "pods", "replicasets.apps"; the object's apiVersion picks between
    /// core/v1 and events.k8s.io/v1 Events. Missing uid is generated, missing namespace of a namespaced kind is "default".
    /// Returns the object's resourceVersion.</summary>
    public long Add(string kindOrPlural, JsonNode obj) => Mutate(kindOrPlural, obj, WatchType.Added);

    /// <summary>Replaces an existing object (same namespace and name) (MODIFIED). Returns its new resourceVersion.</summary>
    public long Modify(string kindOrPlural, JsonNode obj) => Mutate(kindOrPlural, obj, WatchType.Modified);

    /// <summary>Deletes the object with the namespace and name of <paramref name="obj"/> (DELETED, carrying its last state).</summary>
    public long Delete(string kindOrPlural, JsonNode obj) => Mutate(kindOrPlural, obj, WatchType.Deleted);

    /// <summary>Deletes an object by namespace and name.</summary>
    public long Delete(string kindOrPlural, string? @namespace, string name) =>
        Delete(kindOrPlural, new JsonObject { ["metadata"] = new JsonObject { ["namespace"] = @namespace, ["name"] = name } });

    private long Mutate(string kindOrPlural, JsonNode obj, WatchType type)
    {
        ArgumentNullException.ThrowIfNull(obj);
        long rv;
        lock (_gate)
        {
            var state = Resolve(kindOrPlural, ApiVersionOf(obj));
            rv = Apply(state, obj, type);
        }

        Signal();
        return rv;
    }

    /// <summary>Under the lock: stores the change, appends it to the history, hands it to open watches.</summary>
    private long Apply(ResourceState state, JsonNode input, WatchType type)
    {
        var resource = state.Resource;
        var node = input.DeepClone().AsObject();
        var metadata = node["metadata"] as JsonObject ?? throw new ArgumentException("object without metadata");
        var name = metadata["name"]?.GetValue<string>() ?? throw new ArgumentException("object without metadata.name");
        var ns = resource.Namespaced ? metadata["namespace"]?.GetValue<string>() ?? "default" : null;
        var key = Key(ns, name);
        state.Objects.TryGetValue(key, out var existing);
        switch (type)
        {
            case WatchType.Added when existing is not null:
                throw new InvalidOperationException($"{resource.Name} {key} already exists");
            case WatchType.Modified or WatchType.Deleted when existing is null:
                throw new InvalidOperationException($"{resource.Name} {key} not found");
        }

        var rv = ++_resourceVersion;
        if (type == WatchType.Deleted)
        {
            node = JsonNode.Parse(existing!.Json)!.AsObject();
            metadata = node["metadata"]!.AsObject();
        }

        node["kind"] = resource.Kind;
        node["apiVersion"] = resource.ApiVersion;
        if (ns is null) metadata.Remove("namespace");
        else metadata["namespace"] = ns;
        if (metadata["uid"] is null) metadata["uid"] = existing?.Uid ?? Guid.NewGuid().ToString();
        metadata["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var stored = StoredObject.From(ns, name, node);
        if (type == WatchType.Deleted) state.Objects.Remove(key);
        else state.Objects[key] = stored;

        var change = new Change(rv, type, stored);
        state.History.Enqueue(change);
        while (state.History.Count > Math.Max(1, _options.HistorySize))
        {
            state.EvictedThrough = state.History.Dequeue().ResourceVersion;
        }

        foreach (var watch in state.Watches)
        {
            if (watch.Wants(stored)) watch.Items.Writer.TryWrite(change);
        }

        return rv;
    }

    // ---- loading documents -----------------------------------------------------------------------------------

    /// <summary>Loads a capture, List, folder... through the product's InputReader (<see cref="CaptureReader"/>); see
    /// <see cref="LoadDocuments(IEnumerable{SourceDocument}, bool)"/>. Returns the number of documents read.</summary>
    public int LoadCapture(string path, bool hold = false)
    {
        var problems = new List<string>();
        var count = LoadDocuments(CaptureReader.Read(path, problems.Add), hold);
        if (count == 0 && problems.Count > 0) throw new InvalidDataException($"{path}: {problems[0]}");
        return count;
    }

    /// <summary>Feeds documents in order: a new object is added, the same uid again modifies it, another uid under the
    /// same name replaces it (DELETED then ADDED), Deleted deletes it. With hold, they wait for <see cref="ReleaseNext"/>.
    /// Kinds the fake does not serve are skipped (<see cref="SkippedDocuments"/>). Returns the number of documents taken.</summary>
    internal int LoadDocuments(IEnumerable<SourceDocument> documents, bool hold = false)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var count = 0;
        foreach (var d in documents)
        {
            Enqueue(new PendingDocument(d.Kind, d.ApiVersion, JsonNode.Parse(d.Json.Span) ?? new JsonObject(), d.Deleted), hold);
            count++;
        }

        if (!hold) Signal();
        return count;
    }

    /// <summary>As <see cref="LoadDocuments(IEnumerable{SourceDocument}, bool)"/>, for raw JSON documents.</summary>
    public int LoadDocuments(IEnumerable<(string Kind, string? ApiVersion, byte[] Json)> documents, bool hold = false) =>
        LoadDocuments(documents.Select((d, i) => new SourceDocument(d.Kind, d.ApiVersion, d.Json, $"document {i + 1}")), hold);

    /// <summary>Applies the next <paramref name="n"/> held documents; returns how many were applied.</summary>
    public int ReleaseNext(int n)
    {
        var applied = 0;
        lock (_gate)
        {
            while (applied < n && _pending.TryDequeue(out var d))
            {
                ApplyDocument(d);
                applied++;
            }
        }

        Signal();
        return applied;
    }

    public int ReleaseAll() => ReleaseNext(int.MaxValue);

    private void Enqueue(PendingDocument document, bool hold)
    {
        lock (_gate)
        {
            if (hold) _pending.Enqueue(document);
            else ApplyDocument(document);
        }
    }

    private void ApplyDocument(PendingDocument d)
    {
        var state = TryResolve(d.Kind, d.ApiVersion ?? ApiVersionOf(d.Json));
        if (state is null || d.Json is not JsonObject obj || obj["metadata"]?["name"] is null)
        {
            _skippedDocuments++;
            return;
        }

        var metadata = obj["metadata"]!;
        var ns = state.Resource.Namespaced ? metadata["namespace"]?.GetValue<string>() ?? "default" : null;
        state.Objects.TryGetValue(Key(ns, metadata["name"]!.GetValue<string>()), out var existing);
        var uid = metadata["uid"]?.GetValue<string>();
        if (d.Deleted)
        {
            if (existing is not null) Apply(state, obj, WatchType.Deleted);
            return;
        }

        if (existing is null)
        {
            Apply(state, obj, WatchType.Added);
        }
        else if (uid is null || uid == existing.Uid)
        {
            Apply(state, obj, WatchType.Modified);
        }
        else
        {
            Apply(state, obj, WatchType.Deleted);
            Apply(state, obj, WatchType.Added);
        }
    }

    // ---- authentication and faults ---------------------------------------------------------------------------

    /// <summary>From now on requests need this token (null: none). Open watches are not touched, as on a real server.</summary>
    public void RotateToken(string? newToken)
    {
        lock (_gate) _requiredToken = newToken;
    }

    /// <summary>The next <paramref name="times"/> watches (of one resource, or any) write <paramref name="afterEvents"/> whole events, then half
    /// of the next event line, then abort the connection. A watch with nothing to send waits for an event.</summary>
    public void CutNextWatchMidEvent(string? kindOrPlural = null, int times = 1, int afterEvents = 0) => AddFault(_cuts, kindOrPlural, times, afterEvents);

    /// <summary>The next <paramref name="times"/> watches (of one resource, or any) get HTTP 200 with the 410 Expired ERROR event, then the end of the stream.</summary>
    public void ExpireNextWatch(string? kindOrPlural = null, int times = 1) => AddFault(_expiries, kindOrPlural, times, 0);

    /// <summary>The next <paramref name="times"/> watches (of one resource, or any) write a line of invalid JSON after <paramref name="afterEvents"/>
    /// events (0: as the first line), then go on normally.</summary>
    public void MalformedLineInNextWatch(string? kindOrPlural = null, int times = 1, int afterEvents = 0) => AddFault(_malformed, kindOrPlural, times, afterEvents);

    /// <summary>The next <paramref name="n"/> requests (for one resource, or any request at all, discovery included) are answered with
    /// <paramref name="status"/> and a Status body; later ones succeed again.</summary>
    public void FailNextRequests(int n, int status, string? kindOrPlural = null) => AddFault(_failures, kindOrPlural, n, status);

    /// <summary>Waits this long before writing each watch event (of one resource, or all); TimeSpan.Zero turns it off.</summary>
    public void SlowStream(TimeSpan delayPerEvent, string? kindOrPlural = null)
    {
        lock (_gate)
        {
            var key = kindOrPlural is null ? "" : Resolve(kindOrPlural, null).Resource.Name;
            if (delayPerEvent <= TimeSpan.Zero) _slow.Remove(key);
            else _slow[key] = delayPerEvent;
        }
    }

    /// <summary>Aborts every open watch connection (an API server restart). Returns how many.</summary>
    public int DropAllWatches() => EndWatches(WatchEnd.Drop);

    /// <summary>Ends every open watch cleanly (as a server-side timeout does). Returns how many.</summary>
    public int CloseAllWatches() => EndWatches(WatchEnd.Close);

    private int EndWatches(WatchEnd end)
    {
        var count = 0;
        lock (_gate)
        {
            foreach (var watch in _resources.SelectMany(r => r.Watches))
            {
                watch.Items.Writer.TryWrite(end);
                count++;
            }
        }

        return count;
    }

    /// <param name="value">The status of a failure, or the events to write before a cut or malformed line.</param>
    private void AddFault(List<CountedFault> faults, string? kindOrPlural, int times, int value)
    {
        if (times <= 0) return;
        lock (_gate)
        {
            var name = kindOrPlural is null ? null : Resolve(kindOrPlural, null).Resource.Name;
            faults.Add(new CountedFault(name, value) { Remaining = times });
        }
    }

    /// <summary>Under the lock: consumes one fault for this resource (or any), returning it, or null.</summary>
    private static CountedFault? TakeFault(List<CountedFault> faults, FakeResource? resource)
    {
        var fault = faults.FirstOrDefault(f => f.Resource is null || f.Resource == resource?.Name);
        if (fault is null) return null;
        if (--fault.Remaining == 0) faults.Remove(fault);
        return fault;
    }

    private void CountFault(FakeFault fault)
    {
        lock (_gate) _faultsFired[fault] = _faultsFired.GetValueOrDefault(fault) + 1;
    }

    // ---- waiting ---------------------------------------------------------------------------------------------

    /// <summary>Waits until <paramref name="condition"/> holds; it is checked after every request, watch start and end,
    /// change and fault. Throws TimeoutException after <paramref name="timeout"/> (default 5 s).</summary>
    public async Task WaitUntilAsync(Func<FakeKubeApiServer, bool> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            Task changed;
            lock (_gate) changed = _changed.Task;
            if (condition(this)) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("the fake API server never reached the awaited state");
            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> watches of the resource are open.</summary>
    public Task WaitForOpenWatchesAsync(string kindOrPlural, int count = 1, TimeSpan? timeout = null) =>
        WaitUntilAsync(s => s.OpenWatchesFor(kindOrPlural) >= count, timeout);

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = NewSignal();
        }

        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ---- client configuration --------------------------------------------------------------------------------

    /// <summary>Writes a kubeconfig (cluster server = this server, a user with the token, one context, current) and returns its path.
    /// The token defaults to <see cref="RequiredToken"/>, else "fake-token": KubernetesClient 21 refuses a kubeconfig user without
    /// credentials (KubeConfigException "does not have appropriate auth credentials").</summary>
    public string WriteKubeconfig(string directory, string contextName = "fake", string? token = null)
    {
        Directory.CreateDirectory(directory);
        token ??= RequiredToken ?? "fake-token";
        var user = $"  user:\n    token: \"{token}\"";
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {contextName}
              cluster:
                server: {_server}
            users:
            - name: {contextName}
            {user}
            contexts:
            - name: {contextName}
              context:
                cluster: {contextName}
                user: {contextName}
                namespace: default
            current-context: {contextName}

            """;
        var path = Path.Combine(directory, $"kubeconfig-{contextName}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>A client configuration for this server (token defaults to <see cref="RequiredToken"/>).</summary>
    public KubernetesClientConfiguration ClientConfig(string? token = null) =>
        new() { Host = _server, AccessToken = token ?? RequiredToken };

    // ---- store helpers ---------------------------------------------------------------------------------------

    private ResourceState Resolve(string kindOrPlural, string? apiVersion) =>
        TryResolve(kindOrPlural, apiVersion) ?? throw new ArgumentException($"the fake serves no resource '{kindOrPlural}'{(apiVersion is null ? "" : $" in {apiVersion}")}");

    /// <summary>By kind ("Pod"), plural ("pods") or plural.group ("replicasets.apps"); apiVersion narrows; else core first.</summary>
    private ResourceState? TryResolve(string kindOrPlural, string? apiVersion)
    {
        var candidates = _resources.Where(r => r.Resource.Kind == kindOrPlural || r.Resource.Plural == kindOrPlural || r.Resource.Name == kindOrPlural).ToList();
        if (apiVersion is not null && candidates.Count > 1 && candidates.Any(c => c.Resource.ApiVersion == apiVersion))
        {
            candidates = [.. candidates.Where(c => c.Resource.ApiVersion == apiVersion)];
        }
        else if (apiVersion is not null && candidates.Count == 1 && candidates[0].Resource.ApiVersion != apiVersion
                 && candidates[0].Resource.Kind == kindOrPlural)
        {
            return null;
        }

        return candidates.OrderBy(c => c.Resource.Group.Length == 0 ? 0 : 1).FirstOrDefault();
    }

    private static string? ApiVersionOf(JsonNode? obj) =>
        obj is JsonObject o && o["apiVersion"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Key(string? ns, string name) => ns is null ? name : $"{ns}/{name}";

    private enum WatchType
    {
        Added,
        Modified,
        Deleted,
    }

    private enum WatchEnd
    {
        Drop,
        Close,
    }

    /// <summary>An object as stored: parsed for selectors, and encoded with and without kind/apiVersion (list items have none).</summary>
    private sealed record StoredObject(string? Namespace, string Name, string Uid, JsonElement Element, byte[] Json, byte[] ItemJson)
    {
        public static StoredObject From(string? ns, string name, JsonObject node)
        {
            var json = Encoding.UTF8.GetBytes(node.ToJsonString());
            var item = node.DeepClone().AsObject();
            item.Remove("kind");
            item.Remove("apiVersion");
            using var doc = JsonDocument.Parse(json);
            var uid = node["metadata"]!["uid"]!.GetValue<string>();
            return new StoredObject(ns, name, uid, doc.RootElement.Clone(), json, Encoding.UTF8.GetBytes(item.ToJsonString()));
        }
    }

    private sealed record Change(long ResourceVersion, WatchType Type, StoredObject Object);

    private sealed record Bookmark(long ResourceVersion);

    private sealed record PendingDocument(string Kind, string? ApiVersion, JsonNode Json, bool Deleted);

    /// <param name="Value">The status of a failure, or the events to write before a cut or malformed line.</param>
    private sealed record CountedFault(string? Resource, int Value)
    {
        public int Remaining { get; set; }
    }

    private sealed record ListSnapshot(long ResourceVersion, IReadOnlyList<StoredObject> Items);

    private sealed class ResourceState(FakeResource resource)
    {
        public FakeResource Resource { get; } = resource;

        public SortedDictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

        public Queue<Change> History { get; } = new();

        /// <summary>The newest resourceVersion dropped from the history: a watch from an older one has missed events.</summary>
        public long EvictedThrough { get; set; }

        public List<WatchSession> Watches { get; } = [];

        public int ListsServed { get; set; }

        public int WatchesOpened { get; set; }
    }

    /// <summary>Watches accepted from one client (told apart by bearer token): how many, the first and the last.</summary>
    private sealed class ClientWatches(DateTimeOffset first)
    {
        public int Opened { get; set; }

        public DateTimeOffset First { get; } = first;

        public DateTimeOffset Last { get; set; } = first;
    }

    /// <summary>One open watch: what it wants, and its queue of changes, bookmarks and ends.</summary>
    private sealed class WatchSession(string? ns, Selectors.Selector labels, Selectors.Selector fields, string client = "")
    {
        /// <summary>Who opened it: its bearer token, "" without one.</summary>
        public string Client { get; } = client;

        public Channel<object> Items { get; } = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });

        public bool Wants(StoredObject o) => (ns is null || o.Namespace == ns) && labels.Matches(o.Element) && fields.Matches(o.Element);
    }
}
