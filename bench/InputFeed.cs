using KSpanActors.Tests.FakeKube;

namespace KSpanActors.Bench;

/// <summary>
/// The input file streamed by a fake API server (<see cref="FakeKubeApiServer"/> with a <see cref="FakeWatchFeed"/>): a
/// thread of its own reads the file once, from the first watch on, into the feed's per-kind queues, which the watch
/// responses drain. Lists are empty; each kind's first watch streams that kind's documents.
/// </summary>
internal sealed class InputFeed : IDisposable
{
    /// <summary>Slabs below the large object heap's threshold, from a pool of the feed's own: the queues hold many at once.</summary>
    private const int SlabBytes = 64 * 1024;

    private static readonly System.Buffers.ArrayPool<byte> Slabs = System.Buffers.ArrayPool<byte>.Create(SlabBytes, 512);
    private readonly string _inputPath;
    private readonly long _maxDocuments;
    private long _eventsWritten;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _readerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="onFirstWatch">Called once, on the first watch that streams (after the release), before any document is read.</param>
    /// <param name="release">When given, watches stream nothing (and the file is not read) before it completes.</param>
    /// <param name="maxDocuments">Only the file's first documents (a warm-up).</param>
    public InputFeed(string inputPath, int kindCapacity, int flushLines, Action? onFirstWatch = null, Task? release = null, long maxDocuments = long.MaxValue)
    {
        _inputPath = inputPath;
        _maxDocuments = maxDocuments;
        Feed = new FakeWatchFeed(FakeWatchFeed.WatchedKinds, kindCapacity, flushLines, release, () =>
        {
            onFirstWatch?.Invoke();
            new Thread(ReadFile) { IsBackground = true, Name = "fake-apiserver-reader" }.Start();
        });
    }

    public FakeWatchFeed Feed { get; }

    /// <summary>Events the reader handed to the feed so far (all of them once <see cref="ReaderDone"/> completed).</summary>
    public long EventsWritten => Interlocked.Read(ref _eventsWritten);

    /// <summary>Completes when the reader thread has read the whole file (or stopped).</summary>
    public Task ReaderDone => _readerDone.Task;

    /// <summary>A fake API server streaming this input (dispose it before the feed).</summary>
    public Task<FakeKubeApiServer> StartServerAsync() => FakeKubeApiServer.StartAsync(new FakeKubeOptions { Feed = Feed });

    /// <summary>
    /// Reads the file in batches whose documents share one pooled slab (<see cref="InputFile.ReadBatches"/>), as an API
    /// server writes from buffers it reuses: a batch goes back to the pool once its last document was written to a
    /// response. An array per document (~900 bytes, held in the queues) was half of what the watch bench allocated, and
    /// its garbage collections counted in the CPU measured.
    /// </summary>
    private void ReadFile()
    {
        try
        {
            var documents = 0L;
            foreach (var batch in InputFile.ReadBatches(_inputPath, SlabBytes, maxDocs: 128, Slabs))
            {
                var docs = batch.Docs;
                var take = (int)Math.Min(docs.Length, _maxDocuments - documents);
                if (take <= 0)
                {
                    batch.Dispose();
                    return;
                }
                var release = new BatchRelease(batch, take);
                for (var i = 0; i < take; i++)
                {
                    documents++;
                    var doc = docs[i];
                    if (doc.IsEvent) Interlocked.Increment(ref _eventsWritten);
                    var write = Feed.WriteAsync(doc.Document.Kind, doc.Document.Deleted, doc.Document.Json, release.Written, _stopping.Token);
                    if (!(write.IsCompletedSuccessfully ? write.Result : write.AsTask().GetAwaiter().GetResult())) return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            Feed.Complete();
            _readerDone.TrySetResult();
        }
    }

    /// <summary>Returns a batch to the pool when each of its documents was written (a batch left behind is collected).</summary>
    private sealed class BatchRelease
    {
        private readonly InputBatch _batch;
        private int _left;

        public BatchRelease(InputBatch batch, int documents)
        {
            _batch = batch;
            _left = documents;
            Written = Release;
        }

        public Action Written { get; }

        private void Release()
        {
            if (Interlocked.Decrement(ref _left) == 0) _batch.Dispose();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        if (Feed.FirstWatch.IsCompleted && !ReaderDone.Wait(TimeSpan.FromSeconds(10))) return; // a reader still running keeps the token
        _stopping.Dispose();
    }
}
