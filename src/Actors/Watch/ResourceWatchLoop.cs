using System.Net;
using System.Text;
using System.Text.Json;
using KSpanActors.Ingest;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Watch;

/// <summary>
/// The list-then-watch loop of one resource in one cluster (optionally one namespace), as KubeOps' ResourceWatcher does
/// it: keep the resourceVersion, ask for bookmarks, relist on 410 Gone, back off with jitter on errors (reset after a
/// healthy stream), get fresh credentials after a 401, log and skip a malformed line. Runs as background work; the
/// actor that owns it only starts and stops it.
/// </summary>
internal sealed class ResourceWatchLoop(
    string cluster,
    WatchedResource resource,
    string? ns,
    string? labelSelector,
    WatchSettings settings,
    Func<KubeApi> client,
    Action refreshCredentials,
    IWatchSink sink,
    ILogger log,
    WatchFailureLog? failures = null)
{
    private readonly Backoff _backoff = new(settings.BackoffMin, settings.BackoffMax);
    private string? _resourceVersion;
    private bool _listedOnce;

    private string Where => ns is null ? $"cluster {cluster} {resource}" : $"cluster {cluster} {resource} namespace {ns}";

    public async Task RunAsync(CancellationToken ct)
    {
        failures?.Register();
        try
        {
            await LoopAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            failures?.Unregister();
        }
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        string? failed = null;
        while (!ct.IsCancellationRequested)
        {
            failed = null;
            try
            {
                if (_resourceVersion is null) await ListAsync(ct).ConfigureAwait(false);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var received = await WatchAsync(ct).ConfigureAwait(false);
                if (received > 0 || System.Diagnostics.Stopwatch.GetElapsedTime(started) > QuickEnd)
                {
                    _backoff.Reset();
                    continue; // a healthy session: resume from the last resourceVersion at once
                }
                // The server ended an empty watch at once: wait before asking again instead of spinning.
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                sink.OnProblem(cluster, resource, "unauthorized");
                log.LogWarning("{Where}: {Error}; re-reading credentials", Where, e.Message);
                refreshCredentials();
            }
            catch (KubeApiException e) when (e.Status == HttpStatusCode.Gone)
            {
                sink.OnProblem(cluster, resource, "relist");
                log.LogInformation("{Where}: resourceVersion {Rv} expired (410); relisting", Where, _resourceVersion);
                _resourceVersion = null;
            }
            catch (KubeApiException e) when (e.Status == HttpStatusCode.NotFound && !_listedOnce)
            {
                log.LogWarning("{Where}: not served by this API server ({Error}); not watched", Where, e.Message);
                return;
            }
            catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or JsonException or TaskCanceledException)
            {
                sink.OnProblem(cluster, resource, "watch-restart");
                if (failures is null) log.LogWarning("{Where}: {Error}; retrying", Where, TextLine.Of(e.Message));
                else failed = TextLine.Of(e.Message);
            }
            catch (Exception e)
            {
                // Anything else (a bug, memory exhausted for a moment) must not end this resource's watch silently while
                // the other loops go on: log it with the exception, count it, and resume from the last resourceVersion.
                sink.OnProblem(cluster, resource, "error");
                log.LogError(e, "{Where}: unexpected {Type}: {Error}; retrying", Where, e.GetType().Name, TextLine.Of(e.Message));
            }

            var delay = _backoff.Next();
            if (failed is not null) failures!.Failed(ns is null ? resource.ToString() : $"{resource} namespace {ns}", _backoff.Failures, failed, delay);
            log.LogDebug("{Where}: waiting {Delay} before retry {N}", Where, delay, _backoff.Failures);
            try
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string Query(params (string Key, string? Value)[] parameters)
    {
        var sb = new StringBuilder(resource.Path(ns));
        var first = true;
        foreach (var (key, value) in parameters)
        {
            if (value is null) continue;
            sb.Append(first ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
            first = false;
        }
        return sb.ToString();
    }

    private async Task ListAsync(CancellationToken ct)
    {
        string? cont = null;
        string? listRv = null;
        var items = 0;
        var relist = _listedOnce;
        do
        {
            var api = client();
            using var response = await api.GetAsync(Query(
                ("limit", settings.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("continue", cont),
                ("labelSelector", resource.Kind == "Event" ? null : labelSelector)), ct).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            var page = KubeJson.ParseList(bytes);
            listRv ??= page.ResourceVersion;
            foreach (var item in page.Items)
            {
                items++;
                sink.OnDocument(cluster, resource, new SourceDocument(resource.Kind, resource.ApiVersion, item, $"{cluster} list {resource.Plural} item {items}"), fromList: true);
            }
            cont = page.Continue;
            sink.Flush();
            await sink.WaitForRoomAsync(ct).ConfigureAwait(false); // one page (PageSize items) at a time
        }
        while (cont is not null);
        _resourceVersion = listRv;
        _listedOnce = true;
        sink.OnListed(cluster, resource, ns, items, relist);
        log.LogDebug("{Where}: listed {Items} items at resourceVersion {Rv}", Where, items, listRv);
    }

    /// <summary>A watch that ends sooner than this with nothing in it does not count as a healthy session.</summary>
    private static readonly TimeSpan QuickEnd = TimeSpan.FromSeconds(1);

    /// <summary>One watch request until the server ends it cleanly; returns the number of events and bookmarks received.</summary>
    private async Task<int> WatchAsync(CancellationToken ct)
    {
        var api = client();
        using var response = await api.GetAsync(Query(
            ("watch", "true"),
            ("resourceVersion", _resourceVersion),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", ((int)settings.WatchTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("labelSelector", resource.Kind == "Event" ? null : labelSelector)), ct).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var lines = new LineReader(stream);
        var received = 0;
        var watchOrigin = $"{cluster} watch {resource.Plural}"; // one per watch request; each event adds its resourceVersion
        try
        {
            while (true)
            {
                if (!lines.HasLine) sink.Flush(); // the next read waits for the network: what was read goes on first
                if (await lines.ReadLineAsync(ct).ConfigureAwait(false) is not { } line) break; // valid until the next read
                WatchLine evt;
                try
                {
                    evt = KubeJson.ParseWatchLine(line);
                }
                catch (JsonException e)
                {
                    sink.OnProblem(cluster, resource, "malformed");
                    log.LogWarning("{Where}: skipped a malformed watch line ({Error}): {Line}", Where, TextLine.Of(e.Message), Preview(line));
                    continue;
                }
                switch (evt.Type)
                {
                    case "BOOKMARK":
                        received++;
                        if (evt.ResourceVersion is not null) _resourceVersion = evt.ResourceVersion;
                        break;
                    case "ERROR":
                        var (code, reason, message) = KubeJson.ParseStatus(evt.Object.Span);
                        if (code == 410) throw new KubeApiException(HttpStatusCode.Gone, $"watch expired: {reason} {message}");
                        throw new KubeApiException((HttpStatusCode)(code == 0 ? 500 : code), $"watch error {code} {reason}: {message}");
                    case "ADDED":
                    case "MODIFIED":
                    case "DELETED":
                        received++;
                        sink.OnDocument(cluster, resource,
                            new SourceDocument(resource.Kind, resource.ApiVersion, evt.Object, watchOrigin, evt.Type == "DELETED", evt.ResourceVersion),
                            fromList: false);
                        if (evt.ResourceVersion is not null) _resourceVersion = evt.ResourceVersion;
                        await sink.WaitForRoomAsync(ct).ConfigureAwait(false);
                        break;
                    default:
                        sink.OnProblem(cluster, resource, "malformed");
                        log.LogWarning("{Where}: skipped a watch event of unknown type {Type}", Where, evt.Type);
                        break;
                }
            }
        }
        finally
        {
            sink.Flush(); // a watch that broke off still hands on what it read
        }
        log.LogDebug("{Where}: watch ended after {Received} events and bookmarks; resuming at {Rv}", Where, received, _resourceVersion);
        return received;
    }

    private static string Preview(ReadOnlyMemory<byte> line) => TextLine.Of(Encoding.UTF8.GetString(line.Span[..Math.Min(line.Length, 200)]));

}
