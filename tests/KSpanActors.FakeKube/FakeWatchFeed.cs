using System.Threading.Channels;

namespace KSpanActors.Tests.FakeKube;

/// <summary>
/// A load source for a <see cref="FakeKubeApiServer"/> (its <see cref="FakeKubeOptions.Feed"/>): documents written here
/// go straight to the first watch of their resource as watch lines, past the store (no resourceVersion, no history, no
/// selectors), so one fake can stream hundreds of thousands of events per second; the benchmark's watch and replicas
/// modes use it. Per kind, a bounded queue between the producer and that kind's watch response; the response writes
/// <c>{"type":"ADDED"|"DELETED","object":...}</c> lines and flushes every <see cref="FlushLines"/> lines or whenever the
/// queue is momentarily empty. Once the producer <see cref="Complete"/>s and a kind's queue is drained, that watch goes
/// on as an ordinary watch of the store (bookmarks, changes); a watch aborted mid-stream leaves the rest to the next
/// watch of the kind. With a release gate every watch sends its headers and then waits for it, so all watchers can be
/// in place before anything streams.
/// </summary>
public sealed class FakeWatchFeed
{
    private readonly Dictionary<string, KindQueue> _queues;
    private readonly TaskCompletionSource _firstWatch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action? _onFirstWatch;
    private int _started;
    private long _skipped;

    /// <param name="kinds">The kinds fed (each served by the first built-in resource of that kind: core/v1 for Event).</param>
    /// <param name="capacity">Documents queued per kind before <see cref="WriteAsync"/> waits.</param>
    /// <param name="flushLines">Watch lines written before a flush.</param>
    /// <param name="release">When given, watches stream nothing before it completes.</param>
    /// <param name="onFirstWatch">Called once, synchronously, when the first watch of a fed kind is about to stream (after the release).</param>
    public FakeWatchFeed(IEnumerable<string> kinds, int capacity = 4_096, int flushLines = 256, Task? release = null, Action? onFirstWatch = null)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(flushLines, 1);
        _queues = kinds.Distinct(StringComparer.Ordinal).ToDictionary(k => k, _ => new KindQueue(capacity), StringComparer.Ordinal);
        FlushLines = flushLines;
        Release = release ?? Task.CompletedTask;
        _onFirstWatch = onFirstWatch;
    }

    /// <summary>The kinds a kspan-actors watcher lists and watches (Events, Pods and the workload kinds).</summary>
    public static IReadOnlyList<string> WatchedKinds { get; } = ["Event", "Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

    public int FlushLines { get; }

    public Task Release { get; }

    /// <summary>Completes when the first watch of a fed kind starts streaming.</summary>
    public Task FirstWatch => _firstWatch.Task;

    /// <summary>How many kinds are fed: a watcher in place holds one watch of each.</summary>
    public int KindCount => _queues.Count;

    /// <summary>Watch lines written so far, all kinds.</summary>
    public long LinesSent => _queues.Values.Sum(q => q.Sent);

    /// <summary>Watch lines written so far, per kind.</summary>
    public IReadOnlyList<(string Kind, long Sent)> SentPerKind => [.. _queues.Select(q => (q.Key, q.Value.Sent))];

    /// <summary>Documents written and not yet sent to a watch.</summary>
    public long Queued => _queues.Values.Sum(q => q.Channel.Reader.Count);

    /// <summary>Documents of kinds not fed (dropped by <see cref="WriteAsync"/>).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Queues one document for the watch of its kind; waits while that queue is full. A kind not fed is counted in
    /// <see cref="Skipped"/> and dropped. False once the feed is completed.</summary>
    /// <param name="written">Called once the document's bytes were copied into a response (or at once when its kind is not
    /// fed): the caller may reuse <paramref name="json"/>'s memory from then on.</param>
    public async ValueTask<bool> WriteAsync(string kind, bool deleted, ReadOnlyMemory<byte> json, Action? written = null, CancellationToken cancellationToken = default)
    {
        if (!_queues.TryGetValue(kind, out var queue))
        {
            Interlocked.Increment(ref _skipped);
            written?.Invoke();
            return true;
        }

        var writer = queue.Channel.Writer;
        var line = new Line(deleted, json, written);
        while (!writer.TryWrite(line))
        {
            if (!await writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false)) return false;
        }

        return true;
    }

    /// <summary>No more documents: each kind's watch ends its stream once its queue is drained.</summary>
    public void Complete()
    {
        foreach (var q in _queues.Values) q.Channel.Writer.TryComplete();
    }

    internal bool Feeds(FakeResource resource) =>
        _queues.ContainsKey(resource.Kind) && FakeResource.BuiltIn.First(r => r.Kind == resource.Kind) == resource;

    /// <summary>For a watch of <paramref name="resource"/>: its queue when this watch is the one to stream it (the first, or the
    /// next after one aborted mid-stream), else null.</summary>
    internal KindQueue? Claim(FakeResource resource)
    {
        if (!Feeds(resource) || !_queues[resource.Kind].TryClaim()) return null;
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _onFirstWatch?.Invoke();
            _firstWatch.TrySetResult();
        }

        return _queues[resource.Kind];
    }

    internal readonly record struct Line(bool Deleted, ReadOnlyMemory<byte> Json, Action? Written);

    /// <summary>One kind's documents on their way to its watch response.</summary>
    internal sealed class KindQueue(int capacity)
    {
        private int _claimed;
        private long _sent;

        public Channel<Line> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<Line>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });

        public long Sent => Interlocked.Read(ref _sent);

        public bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

        /// <summary>Every document was written: later watches of the kind are ordinary watches.</summary>
        public void MarkExhausted() => Interlocked.Exchange(ref _claimed, 2);

        /// <summary>The streaming watch ended early: the next watch of the kind resumes with what is left.</summary>
        public void Unclaim() => Interlocked.CompareExchange(ref _claimed, 0, 1);

        public void CountSent(int lines) => Interlocked.Add(ref _sent, lines);
    }
}
