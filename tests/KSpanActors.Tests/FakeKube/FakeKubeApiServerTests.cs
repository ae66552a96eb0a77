using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KSpanActors.Tests.FakeKube;

public sealed class FakeKubeApiServerTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fakekube-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private Kubernetes ClientFor(FakeKubeApiServer server, string? token = null) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.WriteKubeconfig(_dir, token: token)));

    private static JsonObject Pod(string ns, string name, string? app = null, string? phase = null, string? uid = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["namespace"] = ns,
            ["name"] = name,
            ["uid"] = uid,
            ["labels"] = app is null ? null : new JsonObject { ["app"] = app },
        },
        ["status"] = phase is null ? null : new JsonObject { ["phase"] = phase },
    };

    private static async Task<T> NextAsync<T>(IAsyncEnumerator<T> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Wait), "the watch ended");
        return events.Current;
    }

    private static async Task<(WatchEventType Type, T Object)> NextNonBookmarkAsync<T>(IAsyncEnumerator<(WatchEventType, T)> events)
    {
        while (true)
        {
            var e = await NextAsync(events);
            if (e.Item1 != WatchEventType.Bookmark) return e;
        }
    }

    [Fact]
    public async Task Pods_are_listed_in_all_namespaces_and_in_one_namespace_page_by_page_at_one_resource_version()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        for (var i = 0; i < 5; i++) server.Add("Pod", Pod("a", $"p{i}"));
        for (var i = 0; i < 3; i++) server.Add("pods", Pod("b", $"q{i}"));
        using var client = ClientFor(server);

        var first = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 3);
        server.Add("Pod", Pod("a", "late"));
        var pages = new List<V1PodList> { first };
        while (pages[^1].Metadata.ContinueProperty is { } token)
        {
            pages.Add(await client.CoreV1.ListPodForAllNamespacesAsync(limit: 3, continueParameter: token));
        }

        Assert.Equal([3, 3, 2], pages.Select(p => p.Items.Count));
        Assert.All(pages, p => Assert.Equal(first.Metadata.ResourceVersion, p.Metadata.ResourceVersion));
        Assert.Null(pages[^1].Metadata.ContinueProperty);
        Assert.Equal(["a/p0", "a/p1", "a/p2", "a/p3", "a/p4", "b/q0", "b/q1", "b/q2"],
            pages.SelectMany(p => p.Items).Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}"));

        var inA = await client.CoreV1.ListNamespacedPodAsync("a", limit: 4);
        var rest = await client.CoreV1.ListNamespacedPodAsync("a", limit: 4, continueParameter: inA.Metadata.ContinueProperty);
        Assert.Equal(6, inA.Items.Count + rest.Items.Count);
        Assert.Null(rest.Metadata.ContinueProperty);
        Assert.Equal(3, server.ListsServedFor("pods") - 2);
    }

    [Fact]
    public async Task List_items_carry_no_kind_and_the_list_names_its_kind()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        server.Add("Pod", Pod("a", "p"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var list = JsonNode.Parse(await http.GetStringAsync("/api/v1/pods"))!;

        Assert.Equal("PodList", (string?)list["kind"]);
        Assert.Equal("v1", (string?)list["apiVersion"]);
        Assert.Null(list["items"]![0]!["kind"]);
        Assert.Null(list["metadata"]!["continue"]);
        Assert.Equal(server.ResourceVersion.ToString(), (string?)list["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        server.Add("Pod", Pod("a", "web1", app: "web"));
        server.Add("Pod", Pod("a", "api1", app: "api"));
        server.Add("Pod", Pod("b", "web2", app: "web"));
        server.Add("Pod", Pod("b", "plain"));
        using var client = ClientFor(server);

        async Task<string[]> Names(string? labels = null, string? fields = null) =>
            [.. (await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: labels, fieldSelector: fields)).Items.Select(p => p.Metadata.Name)];

        Assert.Equal(["web1", "web2"], await Names("app=web"));
        Assert.Equal(["api1", "plain"], await Names("app!=web"));
        Assert.Equal(["api1", "web1", "web2"], await Names("app in (web,api)"));
        Assert.Equal(["plain"], await Names("!app"));
        Assert.Equal(["plain", "web2"], await Names(fields: "metadata.namespace=b"));
        Assert.Equal(["web2"], await Names("app==web", "metadata.namespace==b,metadata.name!=x"));
    }

    [Fact]
    public async Task A_watch_from_the_list_resource_version_receives_later_adds_modifies_and_deletes_in_order()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        server.Add("Pod", Pod("a", "before"));
        using var client = ClientFor(server);
        var list = await client.CoreV1.ListPodForAllNamespacesAsync();
        var errors = new List<Exception>();

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(
            resourceVersion: list.Metadata.ResourceVersion, onError: errors.Add).GetAsyncEnumerator();
        var moving = events.MoveNextAsync(); // the request goes out on the first MoveNextAsync
        await server.WaitForOpenWatchesAsync("pods");
        server.Add("Pod", Pod("a", "x", phase: "Pending"));
        server.Modify("Pod", Pod("a", "x", phase: "Running"));
        server.Delete("Pod", "a", "x");

        Assert.True(await moving.AsTask().WaitAsync(Wait));
        var seen = new List<(WatchEventType, V1Pod)> { events.Current, await NextAsync(events), await NextAsync(events) };
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], seen.Select(e => e.Item1));
        Assert.All(seen, e => Assert.Equal("x", e.Item2.Metadata.Name));
        Assert.Equal("Running", seen[1].Item2.Status.Phase);
        var rvs = seen.Select(e => long.Parse(e.Item2.Metadata.ResourceVersion)).ToList();
        Assert.Equal(rvs.Order(), rvs);
        Assert.True(rvs[0] > long.Parse(list.Metadata.ResourceVersion));
        Assert.Equal(rvs[1], rvs[2] - 1);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_watch_from_an_older_resource_version_replays_the_history_after_it()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var from = server.Add("Pod", Pod("a", "one"));
        server.Add("Pod", Pod("a", "two"));
        server.Modify("Pod", Pod("a", "one", phase: "Running"));
        using var client = ClientFor(server);

        await using var events = client.CoreV1.WatchListNamespacedPodAsync("a", resourceVersion: from.ToString()).GetAsyncEnumerator();

        var a = await NextAsync(events);
        var b = await NextAsync(events);
        Assert.Equal((WatchEventType.Added, "two"), (a.Item1, a.Item2.Metadata.Name));
        Assert.Equal((WatchEventType.Modified, "one"), (b.Item1, b.Item2.Metadata.Name));
    }

    [Fact]
    public async Task Bookmarks_arrive_when_the_watch_allows_them_and_carry_only_a_resource_version()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        server.Add("Event", new JsonObject { ["metadata"] = new JsonObject { ["namespace"] = "a", ["name"] = "e1" }, ["reason"] = "Pulled" });
        using var client = ClientFor(server);
        var list = await client.CoreV1.ListEventForAllNamespacesAsync();

        await using var events = client.CoreV1.WatchListEventForAllNamespacesAsync(
            resourceVersion: list.Metadata.ResourceVersion, allowWatchBookmarks: true).GetAsyncEnumerator();
        var (type, bookmark) = await NextAsync(events);

        Assert.Equal(WatchEventType.Bookmark, type);
        Assert.Equal(list.Metadata.ResourceVersion, bookmark.Metadata.ResourceVersion);
        Assert.Null(bookmark.Reason);
        Assert.Contains(server.Requests, r => r.PathAndQuery.Contains("allowWatchBookmarks=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_too_old_resource_version_reaches_onError_as_a_410_KubernetesException_and_the_stream_ends()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { HistorySize = 2 });
        var old = server.Add("Pod", Pod("a", "p0"));
        for (var i = 1; i < 5; i++) server.Add("Pod", Pod("a", $"p{i}"));
        using var client = ClientFor(server);
        var errors = new List<Exception>();

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: old.ToString(), onError: errors.Add).GetAsyncEnumerator();

        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Wait));
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.Equal(1, server.FaultsFired(FakeFault.Expired));
    }

    [Fact]
    public async Task An_injected_expiry_answers_the_next_watch_only()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = ClientFor(server);
        var rv = (await client.CoreV1.ListPodForAllNamespacesAsync()).Metadata.ResourceVersion;
        server.ExpireNextWatch("pods");
        var errors = new List<Exception>();

        await using (var expired = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv, onError: errors.Add).GetAsyncEnumerator())
        {
            Assert.False(await expired.MoveNextAsync().AsTask().WaitAsync(Wait));
        }

        await using var next = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv, onError: errors.Add).GetAsyncEnumerator();
        var moving = next.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("pods");
        server.Add("Pod", Pod("a", "p"));

        Assert.True(await moving.AsTask().WaitAsync(Wait));
        Assert.Equal(410, Assert.IsType<KubernetesException>(Assert.Single(errors)).Status.Code);
    }

    [Fact]
    public async Task A_stream_cut_mid_event_after_a_first_event_throws_HttpIOException_out_of_the_enumerator_without_calling_onError()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = ClientFor(server);
        var rv = (await client.CoreV1.ListPodForAllNamespacesAsync()).Metadata.ResourceVersion;
        server.CutNextWatchMidEvent("pods", afterEvents: 1);
        var errors = new List<Exception>();

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv, onError: errors.Add).GetAsyncEnumerator();
        var moving = events.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("pods");
        server.Add("Pod", Pod("a", "whole"));
        server.Add("Pod", Pod("a", "cut"));

        Assert.True(await moving.AsTask().WaitAsync(Wait));
        Assert.Equal("whole", events.Current.Item2.Metadata.Name);
        var thrown = await Assert.ThrowsAsync<HttpIOException>(async () => await events.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(HttpRequestError.ResponseEnded, thrown.HttpRequestError);
        Assert.Contains("ended prematurely", thrown.Message, StringComparison.Ordinal);
        Assert.Empty(errors);
        Assert.Equal(1, server.FaultsFired(FakeFault.CutMidEvent));
    }

    [Fact]
    public async Task A_stream_cut_in_its_first_line_throws_HttpRequestException_wrapping_HttpIOException_from_the_first_MoveNext()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = ClientFor(server);
        var rv = (await client.CoreV1.ListPodForAllNamespacesAsync()).Metadata.ResourceVersion;
        server.CutNextWatchMidEvent("pods");
        var errors = new List<Exception>();

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv, onError: errors.Add).GetAsyncEnumerator();
        var moving = events.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("pods");
        server.Add("Pod", Pod("a", "cut"));

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(async () => await moving.AsTask().WaitAsync(Wait));
        Assert.Equal("Error while copying content to a stream.", thrown.Message);
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(thrown.InnerException).HttpRequestError);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_connection_reset_surfaces_as_an_IOException_with_a_SocketException_inside()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { AbortWithReset = true });
        server.Add("Pod", Pod("a", "p"));
        using var client = ClientFor(server);
        server.CutNextWatchMidEvent("pods", afterEvents: 1);

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: "0").GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Wait));
        server.Add("Pod", Pod("a", "cut"));

        var thrown = await Assert.ThrowsAnyAsync<IOException>(async () => await events.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.IsType<System.Net.Sockets.SocketException>(thrown.InnerException);
    }

    [Fact]
    public async Task A_malformed_line_after_an_event_reaches_onError_as_a_JsonException_and_later_events_still_arrive()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = ClientFor(server);
        var rv = (await client.CoreV1.ListPodForAllNamespacesAsync()).Metadata.ResourceVersion;
        server.MalformedLineInNextWatch(afterEvents: 1);
        var errors = new List<Exception>();

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv, onError: errors.Add).GetAsyncEnumerator();
        var moving = events.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("pods");
        server.Add("Pod", Pod("a", "before"));
        server.Add("Pod", Pod("a", "after"));

        Assert.True(await moving.AsTask().WaitAsync(Wait));
        Assert.Equal("before", events.Current.Item2.Metadata.Name);
        Assert.Equal("after", (await NextAsync(events)).Item2.Metadata.Name);
        Assert.IsAssignableFrom<JsonException>(Assert.Single(errors));
        Assert.Equal(1, server.FaultsFired(FakeFault.MalformedLine));
    }

    [Fact]
    public async Task A_malformed_first_line_throws_a_JsonException_out_of_the_first_MoveNext_instead_of_calling_onError()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = ClientFor(server);
        server.MalformedLineInNextWatch("pods");
        var errors = new List<Exception>();

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: "0", onError: errors.Add).GetAsyncEnumerator();

        await Assert.ThrowsAnyAsync<JsonException>(async () => await events.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_first_MoveNext_of_a_watch_waits_for_the_first_line_even_past_the_client_timeout()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var config = server.ClientConfig();
        config.HttpClientTimeout = TimeSpan.FromMilliseconds(300);
        using var client = new Kubernetes(config);
        var rv = server.ResourceVersion.ToString();

        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv).GetAsyncEnumerator();
        var moving = events.MoveNextAsync().AsTask();
        await server.WaitForOpenWatchesAsync("pods");
        var quiet = await Task.WhenAny(moving, Task.Delay(500)); // a quiet window longer than the client's 300 ms timeout
        server.Add("Pod", Pod("a", "late"));

        Assert.NotSame(moving, quiet);
        Assert.True(await moving.WaitAsync(Wait));
        Assert.Equal("late", events.Current.Item2.Metadata.Name);
    }

    [Fact]
    public async Task Requests_without_the_required_token_get_401_and_a_rotated_token_takes_over()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { RequiredToken = "first" });
        using var anonymous = new Kubernetes(server.ClientConfig(token: "wrong"));
        using var authorized = ClientFor(server);

        var denied = await Assert.ThrowsAsync<HttpOperationException>(() => anonymous.CoreV1.ListPodForAllNamespacesAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, denied.Response.StatusCode);
        Assert.Contains("\"code\":401", denied.Response.Content, StringComparison.Ordinal);
        await authorized.CoreV1.ListPodForAllNamespacesAsync();

        var watchErrors = new List<Exception>();
        await using (var watch = anonymous.CoreV1.WatchListPodForAllNamespacesAsync(onError: watchErrors.Add).GetAsyncEnumerator())
        {
            var refused = await Assert.ThrowsAsync<HttpOperationException>(async () => await watch.MoveNextAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
        }

        server.RotateToken("second");
        var expired = await Assert.ThrowsAsync<HttpOperationException>(() => authorized.CoreV1.ListPodForAllNamespacesAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Response.StatusCode);
        using var renewed = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.WriteKubeconfig(_dir, "renewed")));
        await renewed.CoreV1.ListPodForAllNamespacesAsync();
        Assert.Empty(watchErrors);
        Assert.Equal(3, server.FaultsFired(FakeFault.Unauthorized));
    }

    [Fact]
    public async Task Injected_request_failures_answer_the_next_requests_then_the_server_recovers()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = ClientFor(server);
        server.FailNextRequests(2, 500, "pods");

        for (var i = 0; i < 2; i++)
        {
            var failed = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListPodForAllNamespacesAsync());
            Assert.Equal(HttpStatusCode.InternalServerError, failed.Response.StatusCode);
        }

        await client.CoreV1.ListPodForAllNamespacesAsync();
        Assert.Equal(2, server.FaultsFired(FakeFault.FailedRequest));
    }

    [Fact]
    public async Task Events_k8s_io_v1_is_served_only_when_enabled()
    {
        await using var plain = await FakeKubeApiServer.StartAsync();
        await using var modern = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { ServeEventsV1 = true });
        var ev = new JsonObject
        {
            ["apiVersion"] = "events.k8s.io/v1",
            ["metadata"] = new JsonObject { ["namespace"] = "a", ["name"] = "e" },
            ["reason"] = "Scheduled",
            ["eventTime"] = "2026-01-01T00:00:00.000000Z",
        };
        plain.Add("Event", ev);
        modern.Add("Event", ev);
        using var plainClient = ClientFor(plain);
        using var modernClient = ClientFor(modern);

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => plainClient.EventsV1.ListEventForAllNamespacesAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.DoesNotContain((await plainClient.Apis.GetAPIVersionsAsync()).Groups, g => g.Name == "events.k8s.io");
        Assert.Empty((await plainClient.CoreV1.ListEventForAllNamespacesAsync()).Items);

        Assert.Contains((await modernClient.Apis.GetAPIVersionsAsync()).Groups, g => g.Name == "events.k8s.io");
        Assert.Equal("Scheduled", Assert.Single((await modernClient.EventsV1.ListEventForAllNamespacesAsync()).Items).Reason);
        Assert.Contains((await modernClient.EventsV1.GetAPIResourcesAsync()).Resources, r => r.Name == "events");
    }

    [Fact]
    public async Task Discovery_version_and_the_kube_system_namespace_uid_are_served()
    {
        var options = new FakeKubeOptions { ClusterUid = "c1a55e-0001" };
        await using var server = await FakeKubeApiServer.StartAsync(options);
        using var client = ClientFor(server);

        Assert.Equal(options.GitVersion, (await client.Version.GetCodeAsync()).GitVersion);
        Assert.Contains("v1", (await client.Core.GetAPIVersionsAsync()).Versions);
        Assert.Contains((await client.CoreV1.GetAPIResourcesAsync()).Resources, r => r.Name == "pods" && r.Namespaced);
        Assert.Contains((await client.AppsV1.GetAPIResourcesAsync()).Resources, r => r.Name == "replicasets" && r.Kind == "ReplicaSet");
        Assert.Equal("c1a55e-0001", (await client.CoreV1.ReadNamespaceAsync("kube-system")).Metadata.Uid);
    }

    [Fact]
    public async Task A_custom_resource_is_listed_and_watched_through_CustomObjects()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        server.RegisterCustomResource("argoproj.io", "v1alpha1", "rollouts", "Rollout");
        JsonObject Rollout(string name, int replicas) => new()
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["metadata"] = new JsonObject { ["namespace"] = "shop", ["name"] = name },
            ["spec"] = new JsonObject { ["replicas"] = replicas },
        };
        server.Add("Rollout", Rollout("cart", 2));
        using var client = ClientFor(server);

        var list = (JsonElement)await client.CustomObjects.ListClusterCustomObjectAsync("argoproj.io", "v1alpha1", "rollouts");
        var rv = list.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        Assert.Equal("RolloutList", list.GetProperty("kind").GetString());
        Assert.Equal("cart", list.GetProperty("items")[0].GetProperty("metadata").GetProperty("name").GetString());

        await using var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
            "argoproj.io", "v1alpha1", "rollouts", resourceVersion: rv, allowWatchBookmarks: true).GetAsyncEnumerator();
        var moving = events.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("rollouts");
        server.Modify("Rollout", Rollout("cart", 5));

        Assert.True(await moving.AsTask().WaitAsync(Wait));
        var (type, obj) = events.Current.Item1 == WatchEventType.Bookmark ? await NextNonBookmarkAsync(events) : events.Current;
        Assert.Equal(WatchEventType.Modified, type);
        var rollout = Assert.IsType<JsonElement>(obj);
        Assert.Equal(5, rollout.GetProperty("spec").GetProperty("replicas").GetInt32());
        Assert.Equal("Rollout", rollout.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Dropping_all_watches_throws_out_of_the_enumerators_and_closing_them_ends_them_cleanly()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        server.Add("Pod", Pod("a", "p"));
        using var client = ClientFor(server);

        await using var dropped = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: "0").GetAsyncEnumerator();
        Assert.True(await dropped.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(1, server.DropAllWatches());
        var thrown = await Assert.ThrowsAsync<HttpIOException>(async () => await dropped.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(HttpRequestError.ResponseEnded, thrown.HttpRequestError);

        await using var closed = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: "0").GetAsyncEnumerator();
        Assert.True(await closed.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(1, server.CloseAllWatches());
        Assert.False(await closed.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(2, server.WatchesOpened);
        Assert.Equal(1, server.FaultsFired(FakeFault.DroppedWatch));
        Assert.Equal(1, server.FaultsFired(FakeFault.ClosedWatch));
    }

    [Fact]
    public async Task Loaded_documents_can_be_held_back_listed_in_part_then_streamed_through_the_watch()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        static byte[] Json(JsonObject o) => Encoding.UTF8.GetBytes(o.ToJsonString());
        var taken = server.LoadDocuments(
        [
            ("Pod", "v1", Json(Pod("a", "web", phase: "Pending", uid: "u1"))),
            ("Pod", "v1", Json(Pod("a", "web", phase: "Running", uid: "u1"))),
            ("Pod", "v1", Json(Pod("a", "web", phase: "Pending", uid: "u2"))),
            ("Node", "v1", Json(new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } })),
        ], hold: true);
        Assert.Equal(4, taken);
        Assert.Equal(1, server.ReleaseNext(1));
        using var client = ClientFor(server);
        var list = await client.CoreV1.ListNamespacedPodAsync("a");
        Assert.Equal("Pending", Assert.Single(list.Items).Status.Phase);

        await using var events = client.CoreV1.WatchListNamespacedPodAsync("a", resourceVersion: list.Metadata.ResourceVersion).GetAsyncEnumerator();
        var moving = events.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("pods");
        Assert.Equal(3, server.ReleaseAll());

        Assert.True(await moving.AsTask().WaitAsync(Wait));
        var seen = new[] { events.Current, await NextAsync(events), await NextAsync(events) };
        Assert.Equal(
            [(WatchEventType.Modified, "u1"), (WatchEventType.Deleted, "u1"), (WatchEventType.Added, "u2")],
            seen.Select(e => (e.Item1, e.Item2.Metadata.Uid)));
        Assert.Equal(1, server.SkippedDocuments);
        Assert.Equal(0, server.PendingDocuments);
    }

    [Fact]
    public async Task A_capture_is_loaded_in_order_with_modifications_and_deletions_and_its_own_resource_versions_replaced()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "fakekube", "capture.yaml");

        Assert.Equal(5, server.LoadCapture(path, hold: true));
        Assert.Equal(2, server.ReleaseNext(2));
        using var client = ClientFor(server);
        var deployments = await client.AppsV1.ListDeploymentForAllNamespacesAsync();
        var replicaSets = await client.AppsV1.ListReplicaSetForAllNamespacesAsync();
        Assert.Equal("web", Assert.Single(deployments.Items).Metadata.Name);
        Assert.NotEqual("900", deployments.Items[0].Metadata.ResourceVersion);
        Assert.Equal("rs-1", Assert.Single(replicaSets.Items).Metadata.Uid);

        await using var events = client.AppsV1.WatchListReplicaSetForAllNamespacesAsync(resourceVersion: replicaSets.Metadata.ResourceVersion).GetAsyncEnumerator();
        var moving = events.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("replicasets");
        Assert.Equal(3, server.ReleaseAll());

        Assert.True(await moving.AsTask().WaitAsync(Wait));
        Assert.Equal((WatchEventType.Modified, 1), (events.Current.Item1, events.Current.Item2.Status.ReadyReplicas));
        Assert.Equal(WatchEventType.Deleted, (await NextAsync(events)).Item1);
        Assert.Equal("ScalingReplicaSet", Assert.Single((await client.CoreV1.ListNamespacedEventAsync("shop")).Items).Reason);
        Assert.Empty(server.Objects("ReplicaSet"));
    }

    [Fact]
    public async Task The_status_endpoint_reports_watches_opened_and_open_per_client_token_and_lists_served_without_a_token_and_unrecorded()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { RequiredToken = "secret" });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using (var before = JsonDocument.Parse(await http.GetStringAsync(new Uri("fake/status", UriKind.Relative))))
        {
            Assert.Equal(0, before.RootElement.GetProperty("watchesOpened").GetInt32());
            Assert.Equal(JsonValueKind.Null, before.RootElement.GetProperty("lastWatchOpenedUtc").ValueKind);
        }

        using var client = ClientFor(server, "secret");
        var list = await client.CoreV1.ListPodForAllNamespacesAsync();
        var started = DateTimeOffset.UtcNow;
        await using var events = client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: list.Metadata.ResourceVersion).GetAsyncEnumerator();
        var moving = events.MoveNextAsync();
        await server.WaitForOpenWatchesAsync("pods");

        using var after = JsonDocument.Parse(await http.GetStringAsync(new Uri("fake/status", UriKind.Relative)));
        var root = after.RootElement;
        Assert.Equal((1, 1, 1), (root.GetProperty("watchesOpened").GetInt32(), root.GetProperty("openWatches").GetInt32(), root.GetProperty("listsServed").GetInt32()));
        Assert.Equal(1, root.GetProperty("resources").GetProperty("pods").GetProperty("openWatches").GetInt32());
        var byToken = root.GetProperty("clients").GetProperty("secret");
        Assert.Equal((1, 1), (byToken.GetProperty("watchesOpened").GetInt32(), byToken.GetProperty("openWatches").GetInt32()));
        var opened = DateTimeOffset.Parse(root.GetProperty("lastWatchOpenedUtc").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(opened, started.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Equal(server.LastWatchOpenedUtc, opened);
        Assert.DoesNotContain(server.Requests, r => r.PathAndQuery.StartsWith("/fake", StringComparison.Ordinal));
        server.Add("Pod", Pod("a", "p"));
        Assert.True(await moving.AsTask().WaitAsync(Wait));
    }
}
