using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace KSpanActors.Tests.FakeKube;

/// <summary>The HTTP side: routing, discovery, list, get, watch.</summary>
public sealed partial class FakeKubeApiServer
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private async Task HandleAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        if (HttpMethods.IsGet(request.Method) && request.Path == "/fake/status")
        {
            // the harness's view, not a Kubernetes request: no authentication, no faults, not recorded
            await WriteJsonAsync(ctx, 200, StatusJson());
            return;
        }

        var auth = request.Headers.Authorization.ToString();
        var hadToken = auth.StartsWith("Bearer ", StringComparison.Ordinal);
        var status = 200;
        ctx.Items[RecordedKey] = hadToken;
        try
        {
            var required = RequiredToken;
            if (required is not null && auth != $"Bearer {required}")
            {
                CountFault(FakeFault.Unauthorized);
                status = await WriteStatusAsync(ctx, 401, "Unauthorized", "Unauthorized");
                return;
            }

            var segments = request.Path.Value!.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            var route = Route(segments);
            CountedFault? failure;
            lock (_gate) failure = TakeFault(_failures, route.Resource);
            if (failure is not null)
            {
                CountFault(FakeFault.FailedRequest);
                status = await WriteStatusAsync(ctx, failure.Value, ReasonFor(failure.Value), $"injected failure {failure.Value}");
                return;
            }

            if (!HttpMethods.IsGet(request.Method))
            {
                status = await WriteStatusAsync(ctx, 405, "MethodNotAllowed", "the fake API server only reads");
                return;
            }

            status = route switch
            {
                { Discovery: { } body } => await WriteJsonAsync(ctx, 200, body),
                { Resource: { } r, Name: null } when IsWatch(request.Query["watch"]) => await WatchAsync(ctx, r, route.Namespace),
                { Resource: { } r, Name: null } => await ListAsync(ctx, r, route.Namespace),
                { Resource: { } r, Name: { } name } => await GetAsync(ctx, r, route.Namespace, name),
                _ => await WriteStatusAsync(ctx, 404, "NotFound", "the server could not find the requested resource"),
            };
        }
        finally
        {
            Record(ctx, status);
        }
    }

    private const string RecordedKey = "fake-kube-unrecorded";

    /// <summary>Records the request once: watches when their stream starts, others when answered.</summary>
    private void Record(HttpContext ctx, int status)
    {
        if (ctx.Items.Remove(RecordedKey, out var hadToken))
        {
            var auth = ctx.Request.Headers.Authorization.ToString();
            var token = auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth["Bearer ".Length..] : null;
            lock (_gate) _requests.Add(new FakeRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString, status, (bool)hadToken!, token, DateTimeOffset.UtcNow));
        }

        Signal();
    }

    private static bool IsWatch(string? value) => value is "true" or "1" or "True";

    private sealed record RouteResult(byte[]? Discovery = null, FakeResource? Resource = null, string? Namespace = null, string? Name = null);

    private RouteResult Route(string[] s)
    {
        List<FakeResource> served;
        lock (_gate) served = [.. _resources.Select(r => r.Resource).Where(IsServed)];

        switch (s)
        {
            case ["version"]:
                return new(Json(w =>
                {
                    w.WriteString("major", "1");
                    w.WriteString("minor", "31");
                    w.WriteString("gitVersion", _options.GitVersion);
                    w.WriteString("platform", "linux/amd64");
                }));
            case ["api"]:
                return new(Json(w =>
                {
                    w.WriteString("kind", "APIVersions");
                    w.WriteStartArray("versions");
                    w.WriteStringValue("v1");
                    w.WriteEndArray();
                    w.WriteStartArray("serverAddressByClientCIDRs");
                    w.WriteStartObject();
                    w.WriteString("clientCIDR", "0.0.0.0/0");
                    w.WriteString("serverAddress", _server["http://".Length..]);
                    w.WriteEndObject();
                    w.WriteEndArray();
                }));
            case ["api", "v1"]:
                return new(ResourceList("v1", served.Where(r => r.Group.Length == 0)));
            case ["apis"]:
                return new(Json(w =>
                {
                    w.WriteString("kind", "APIGroupList");
                    w.WriteString("apiVersion", "v1");
                    w.WriteStartArray("groups");
                    foreach (var g in served.Where(r => r.Group.Length > 0).GroupBy(r => r.Group))
                    {
                        w.WriteStartObject();
                        WriteGroup(w, g.Key, [.. g.Select(r => r.Version).Distinct()]);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }));
            case ["apis", var group]:
                var versions = served.Where(r => r.Group == group).Select(r => r.Version).Distinct().ToList();
                return versions.Count == 0 ? new() : new(Json(w =>
                {
                    w.WriteString("kind", "APIGroup");
                    w.WriteString("apiVersion", "v1");
                    WriteGroup(w, group, versions);
                }));
            case ["apis", var group, var version]:
                var inGroup = served.Where(r => r.Group == group && r.Version == version).ToList();
                return inGroup.Count == 0 ? new() : new(ResourceList($"{group}/{version}", inGroup));
            case ["api", "v1", .. var rest]:
                return ResourceRoute(served, "", "v1", rest);
            case ["apis", var group, var version, .. var rest]:
                return ResourceRoute(served, group, version, rest);
            default:
                return new();
        }
    }

    private static RouteResult ResourceRoute(List<FakeResource> served, string group, string version, string[] rest)
    {
        string? ns = null, name;
        string plural;
        if (rest is ["namespaces", var n, var p, .. var tail] && tail.Length <= 1)
        {
            (ns, plural, name) = (n, p, tail.Length == 1 ? tail[0] : null);
        }
        else if (rest.Length is 1 or 2)
        {
            (plural, name) = (rest[0], rest.Length == 2 ? rest[1] : null);
        }
        else
        {
            return new();
        }

        var resource = served.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);
        if (resource is null || (ns is not null && !resource.Namespaced)) return new();
        return new(Resource: resource, Namespace: ns, Name: name);
    }

    private bool IsServed(FakeResource r) => _options.ServeEventsV1 || r.Group != "events.k8s.io";

    private static void WriteGroup(Utf8JsonWriter w, string group, List<string> versions)
    {
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        foreach (var v in versions)
        {
            w.WriteStartObject();
            w.WriteString("groupVersion", $"{group}/{v}");
            w.WriteString("version", v);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", $"{group}/{versions[0]}");
        w.WriteString("version", versions[0]);
        w.WriteEndObject();
    }

    private static byte[] ResourceList(string groupVersion, IEnumerable<FakeResource> resources) => Json(w =>
    {
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", groupVersion);
        w.WriteStartArray("resources");
        foreach (var r in resources)
        {
            w.WriteStartObject();
            w.WriteString("name", r.Plural);
            w.WriteString("singularName", r.Kind.ToLowerInvariant());
            w.WriteBoolean("namespaced", r.Namespaced);
            w.WriteString("kind", r.Kind);
            w.WriteStartArray("verbs");
            foreach (var verb in new[] { "get", "list", "watch" }) w.WriteStringValue(verb);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    /// <summary>GET /fake/status (not a Kubernetes path; for harnesses in other processes): watchesOpened, openWatches,
    /// listsServed, lastWatchOpenedUtc (ISO 8601 or null), resourceVersion, pendingDocuments; per resource
    /// (by plural.group) its watchesOpened, openWatches and listsServed; per client (bearer token, "" for none) its
    /// watchesOpened, openWatches, firstWatchOpenedUtc and lastWatchOpenedUtc: processes given different tokens can be told apart.</summary>
    private byte[] StatusJson()
    {
        lock (_gate)
        {
            return Json(w =>
            {
                w.WriteNumber("watchesOpened", _watchesOpened);
                w.WriteNumber("openWatches", _resources.Sum(r => r.Watches.Count));
                w.WriteNumber("listsServed", _listsServed);
                if (_lastWatchOpened is { } last) w.WriteString("lastWatchOpenedUtc", last.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                else w.WriteNull("lastWatchOpenedUtc");
                w.WriteNumber("resourceVersion", _resourceVersion);
                w.WriteNumber("pendingDocuments", _pending.Count);
                w.WriteStartObject("resources");
                foreach (var r in _resources.Where(r => IsServed(r.Resource)))
                {
                    w.WriteStartObject(r.Resource.Name);
                    w.WriteNumber("watchesOpened", r.WatchesOpened);
                    w.WriteNumber("openWatches", r.Watches.Count);
                    w.WriteNumber("listsServed", r.ListsServed);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteStartObject("clients");
                foreach (var (client, c) in _clients.OrderBy(c => c.Key, StringComparer.Ordinal))
                {
                    w.WriteStartObject(client);
                    w.WriteNumber("watchesOpened", c.Opened);
                    w.WriteNumber("openWatches", _resources.Sum(r => r.Watches.Count(x => x.Client == client)));
                    w.WriteString("firstWatchOpenedUtc", c.First.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                    w.WriteString("lastWatchOpenedUtc", c.Last.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            });
        }
    }

    // ---- get and list ----------------------------------------------------------------------------------------

    private async Task<int> GetAsync(HttpContext ctx, FakeResource resource, string? ns, string name)
    {
        StoredObject? found;
        lock (_gate) State(resource).Objects.TryGetValue(Key(resource.Namespaced ? ns ?? "default" : null, name), out found);
        return found is null
            ? await WriteStatusAsync(ctx, 404, "NotFound", $"{resource.Name} \"{name}\" not found")
            : await WriteJsonAsync(ctx, 200, found.Json);
    }

    private async Task<int> ListAsync(HttpContext ctx, FakeResource resource, string? ns)
    {
        var query = ctx.Request.Query;
        ListSnapshot snapshot;
        var offset = 0;
        var continueToken = query["continue"].ToString();
        lock (_gate)
        {
            if (continueToken.Length > 0)
            {
                var parts = continueToken.Split(':');
                if (parts.Length != 2 || !_snapshots.TryGetValue(parts[0], out snapshot!) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out offset))
                {
                    snapshot = null!;
                }
            }
            else
            {
                Selectors.Selector labels, fields;
                try
                {
                    (labels, fields) = (Selectors.ParseLabels(query["labelSelector"]), Selectors.ParseFields(query["fieldSelector"]));
                }
                catch (FormatException)
                {
                    labels = fields = null!;
                }

                var session = labels is null ? null : new WatchSession(ns, labels, fields);
                snapshot = session is null ? null! : new ListSnapshot(_resourceVersion, [.. State(resource).Objects.Values.Where(session.Wants)]);
            }

            if (snapshot is not null)
            {
                State(resource).ListsServed++;
                _listsServed++;
            }
        }

        if (snapshot is null)
        {
            return continueToken.Length > 0
                ? await WriteStatusAsync(ctx, 410, "Expired", "The provided continue parameter is too old to display a consistent list result.")
                : await WriteStatusAsync(ctx, 400, "BadRequest", "unable to parse requirement");
        }

        var limit = int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        var page = snapshot.Items.Skip(offset).Take(limit).ToList();
        string? next = null;
        if (offset + page.Count < snapshot.Items.Count)
        {
            var id = Guid.NewGuid().ToString("N");
            lock (_gate)
            {
                if (_snapshots.Count >= 1000) _snapshots.Clear(); // old continue tokens then get 410, as after etcd compaction
                _snapshots[id] = snapshot;
            }
            next = $"{id}:{offset + page.Count}";
        }

        var body = Json(w =>
        {
            w.WriteString("kind", resource.Kind + "List");
            w.WriteString("apiVersion", resource.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", snapshot.ResourceVersion.ToString(CultureInfo.InvariantCulture));
            if (next is not null)
            {
                w.WriteString("continue", next);
                w.WriteNumber("remainingItemCount", snapshot.Items.Count - offset - page.Count);
            }

            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in page) w.WriteRawValue(item.ItemJson, skipInputValidation: true);
            w.WriteEndArray();
        });
        return await WriteJsonAsync(ctx, 200, body);
    }

    // ---- watch -----------------------------------------------------------------------------------------------

    private async Task<int> WatchAsync(HttpContext ctx, FakeResource resource, string? ns)
    {
        var query = ctx.Request.Query;
        Selectors.Selector labels, fields;
        try
        {
            (labels, fields) = (Selectors.ParseLabels(query["labelSelector"]), Selectors.ParseFields(query["fieldSelector"]));
        }
        catch (FormatException)
        {
            return await WriteStatusAsync(ctx, 400, "BadRequest", "unable to parse requirement");
        }

        var rvText = query["resourceVersion"].ToString();
        long from = 0;
        if (rvText.Length > 0 && !long.TryParse(rvText, CultureInfo.InvariantCulture, out from))
        {
            return await WriteStatusAsync(ctx, 400, "BadRequest", $"invalid resource version \"{rvText}\"");
        }

        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1" or "True";
        var auth = ctx.Request.Headers.Authorization.ToString();
        var client = auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth["Bearer ".Length..] : "";
        var session = new WatchSession(ns, labels, fields, client);
        bool expired;
        int? cutAfter, malformedAfter;
        TimeSpan slow;
        lock (_gate)
        {
            var state = State(resource);
            state.WatchesOpened++;
            _watchesOpened++;
            var now = DateTimeOffset.UtcNow;
            _lastWatchOpened = now;
            if (!_clients.TryGetValue(client, out var watchesOfClient)) _clients[client] = watchesOfClient = new ClientWatches(now);
            watchesOfClient.Opened++;
            watchesOfClient.Last = now;
            expired = TakeFault(_expiries, resource) is not null || (from > 0 && from < state.EvictedThrough);
            cutAfter = expired ? null : TakeFault(_cuts, resource)?.Value;
            malformedAfter = expired ? null : TakeFault(_malformed, resource)?.Value;
            slow = _slow.GetValueOrDefault(resource.Name, _slow.GetValueOrDefault(""));
            if (!expired)
            {
                if (from == 0)
                {
                    foreach (var o in state.Objects.Values.Where(session.Wants))
                    {
                        session.Items.Writer.TryWrite(new Change(long.Parse(o.Element.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, CultureInfo.InvariantCulture), WatchType.Added, o));
                    }
                }
                else
                {
                    foreach (var c in state.History.Where(c => c.ResourceVersion > from && session.Wants(c.Object))) session.Items.Writer.TryWrite(c);
                }

                state.Watches.Add(session);
            }
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.StartAsync();
        Record(ctx, 200);
        var aborted = ctx.RequestAborted;
        if (expired)
        {
            CountFault(FakeFault.Expired);
            await WriteLineAsync(ctx, """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version","reason":"Expired","code":410}}"""u8.ToArray());
            return 200;
        }

        var timeoutSeconds = int.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var t) && t > 0 ? TimeSpan.FromSeconds(t) : _options.DefaultWatchTimeout;
        using var timeout = timeoutSeconds is { } span ? new CancellationTokenSource(span) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted, timeout.Token, _stopping.Token);
        using var bookmarkTimer = bookmarks
            ? new Timer(_ => { lock (_gate) session.Items.Writer.TryWrite(new Bookmark(_resourceVersion)); }, null, _options.BookmarkInterval, _options.BookmarkInterval)
            : null;
        try
        {
            if (_options.Feed is { } feed && feed.Feeds(resource) && !await StreamFeedAsync(ctx, feed, resource, stop.Token)) return 200;
            var written = 0;
            async Task MalformedLineWhenDueAsync()
            {
                if (malformedAfter != written) return;
                malformedAfter = null;
                CountFault(FakeFault.MalformedLine);
                await WriteLineAsync(ctx, """{"type":"ADDED","object":{"kind": this is not JSON"""u8.ToArray());
            }

            await MalformedLineWhenDueAsync();
            await foreach (var item in session.Items.Reader.ReadAllAsync(stop.Token))
            {
                switch (item)
                {
                    case Change change:
                        if (slow > TimeSpan.Zero) await Task.Delay(slow, stop.Token);
                        var line = EventLine(change);
                        if (cutAfter == written)
                        {
                            CountFault(FakeFault.CutMidEvent);
                            await ctx.Response.Body.WriteAsync(line.AsMemory(0, line.Length / 2), stop.Token);
                            await ctx.Response.Body.FlushAsync(stop.Token);
                            await Task.Delay(50, stop.Token); // let the half line leave before the connection goes
                            ctx.Abort();
                            return 200;
                        }

                        await WriteLineAsync(ctx, line);
                        written++;
                        await MalformedLineWhenDueAsync();
                        break;
                    case Bookmark bookmark:
                        await WriteLineAsync(ctx, BookmarkLine(resource, bookmark.ResourceVersion));
                        break;
                    case WatchEnd.Drop:
                        CountFault(FakeFault.DroppedWatch);
                        ctx.Abort();
                        return 200;
                    case WatchEnd.Close:
                        CountFault(FakeFault.ClosedWatch);
                        return 200;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // client went away, or timeoutSeconds passed: the stream ends cleanly
        }
        catch (IOException)
        {
            // client went away mid-write
        }
        finally
        {
            lock (_gate) State(resource).Watches.Remove(session);
            Signal();
        }

        return 200;
    }

    private static readonly byte[] AddedPrefix = "{\"type\":\"ADDED\",\"object\":"u8.ToArray();
    private static readonly byte[] DeletedPrefix = "{\"type\":\"DELETED\",\"object\":"u8.ToArray();
    private static readonly byte[] LineEnd = "}\n"u8.ToArray();

    /// <summary>A watch of a fed resource: waits for the feed's release, then, if this watch is the one to stream the kind,
    /// writes its documents until the feed is complete and drained. True: go on as an ordinary watch; false: the client is gone.</summary>
    private static async Task<bool> StreamFeedAsync(HttpContext ctx, FakeWatchFeed feed, FakeResource resource, CancellationToken ct)
    {
        await feed.Release.WaitAsync(ct);
        if (feed.Claim(resource) is not { } queue) return true;
        var reader = queue.Channel.Reader;
        var body = ctx.Response.BodyWriter;
        var pending = 0;
        var exhausted = false;
        try
        {
            while (true)
            {
                while (reader.TryRead(out var line))
                {
                    body.Write(line.Deleted ? DeletedPrefix : AddedPrefix);
                    body.Write(line.Json.Span);
                    line.Written?.Invoke(); // copied into the response
                    body.Write(LineEnd);
                    if (++pending >= feed.FlushLines && !await FlushAsync()) return false;
                }

                if (pending > 0 && !await FlushAsync()) return false;
                if (!await reader.WaitToReadAsync(ct)) return exhausted = true;
            }
        }
        finally
        {
            if (exhausted) queue.MarkExhausted();
            else queue.Unclaim(); // the next watch of the kind resumes with what is left
        }

        async Task<bool> FlushAsync()
        {
            queue.CountSent(pending);
            pending = 0;
            var flushed = await body.FlushAsync(ct);
            return !flushed.IsCompleted && !flushed.IsCanceled;
        }
    }

    private static byte[] EventLine(Change change)
    {
        var type = change.Type switch
        {
            WatchType.Added => "ADDED"u8,
            WatchType.Modified => "MODIFIED"u8,
            _ => "DELETED"u8,
        };
        return [.. "{\"type\":\""u8, .. type, .. "\",\"object\":"u8, .. change.Object.Json, .. "}"u8];
    }

    private static byte[] BookmarkLine(FakeResource resource, long rv) => Json(w =>
    {
        w.WriteString("type", "BOOKMARK");
        w.WriteStartObject("object");
        w.WriteString("kind", resource.Kind);
        w.WriteString("apiVersion", resource.ApiVersion);
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", rv.ToString(CultureInfo.InvariantCulture));
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static async Task WriteLineAsync(HttpContext ctx, byte[] line)
    {
        await ctx.Response.Body.WriteAsync(line, ctx.RequestAborted);
        await ctx.Response.Body.WriteAsync(NewLine, ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private ResourceState State(FakeResource resource) => _resources.First(r => r.Resource == resource);

    private static async Task<int> WriteJsonAsync(HttpContext ctx, int status, byte[] body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
        return status;
    }

    private static Task<int> WriteStatusAsync(HttpContext ctx, int code, string reason, string message) =>
        WriteJsonAsync(ctx, code, Json(w =>
        {
            w.WriteString("kind", "Status");
            w.WriteString("apiVersion", "v1");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteString("status", "Failure");
            w.WriteString("message", message);
            w.WriteString("reason", reason);
            w.WriteNumber("code", code);
        }));

    private static string ReasonFor(int status) => status switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    };

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
