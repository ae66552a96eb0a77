using KSpanActors.Tests.FakeKube;

namespace KSpanActors.Bench;

/// <summary>
/// The input file streamed by a fake API server (<see cref="FakeKubeApiServer"/> with a <see cref="FakeWatchFeed"/>): a
/// thread of its own reads the file once, from the first watch on, into the feed's per-kind queues, which the watch
/// responses drain. Lists are empty; each kind's first watch streams that kind's documents.
/// </summary>
internal sealed class InputFeed : IDisposable
{
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

    private void ReadFile()
    {
        try
        {
            var documents = 0L;
            foreach (var doc in InputFile.Read(_inputPath))
            {
                if (documents++ >= _maxDocuments) break;
                if (doc.IsEvent) Interlocked.Increment(ref _eventsWritten);
                var write = Feed.WriteAsync(doc.Document.Kind, doc.Document.Deleted, doc.Document.Json, _stopping.Token);
                if (!(write.IsCompletedSuccessfully ? write.Result : write.AsTask().GetAwaiter().GetResult())) return;
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

    public void Dispose()
    {
        _stopping.Cancel();
        if (Feed.FirstWatch.IsCompleted && !ReaderDone.Wait(TimeSpan.FromSeconds(10))) return; // a reader still running keeps the token
        _stopping.Dispose();
    }
}
