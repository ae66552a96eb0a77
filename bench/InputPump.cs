using System.Threading.Channels;
using KSpanActors.Ingest;
using KSpanActors.Model;

namespace KSpanActors.Bench;

/// <summary>
/// The input side every feeding mode shares: a producer thread reads the input file in batches (pooled slabs) into a
/// bounded channel, and decoder threads decode each document with <see cref="KubeDecoder"/> and hand the fact on.
/// Dedicated threads, not thread-pool tasks: a decoding loop that rarely awaits would hold a pool thread and starve the
/// actors (Akka's dispatcher runs on the pool) on 2 cores.
/// </summary>
internal static class InputPump
{
    /// <summary>What one decoder thread did.</summary>
    internal sealed record DecoderStats(long Fed, long Events, long Objects, long Errors, long DecodeTicks, long FeedTicks, long StarveTicks);

    /// <summary>Starts the producer thread; the channel completes at end of input (or with the read error), or when <paramref name="cancel"/> fires.</summary>
    /// <param name="maxDocuments">Only the first batches, until they hold this many documents (a warm-up).</param>
    public static ChannelReader<InputBatch> Start(string path, int capacityBatches, CancellationToken cancel, long maxDocuments = long.MaxValue)
    {
        var channel = Channel.CreateBounded<InputBatch>(new BoundedChannelOptions(capacityBatches)
        {
            SingleReader = false,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var producer = new Thread(() =>
        {
            try
            {
                var writer = channel.Writer;
                var documents = 0L;
                foreach (var batch in InputFile.ReadBatches(path))
                {
                    if (cancel.IsCancellationRequested || documents >= maxDocuments)
                    {
                        batch.Dispose();
                        break;
                    }
                    documents += batch.Count;
                    while (!writer.TryWrite(batch))
                    {
                        if (!writer.WaitToWriteAsync(cancel).AsTask().GetAwaiter().GetResult()) return;
                    }
                }
                writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        })
        { IsBackground = true, Name = "bench-producer" };
        producer.Start();
        return channel.Reader;
    }

    /// <summary>
    /// Runs <paramref name="decoders"/> threads that decode every document and call <paramref name="feed"/> with the fact
    /// (after <paramref name="waitForRoom"/>, the back-pressure), then <paramref name="endOfBatch"/> with the worker's
    /// number after each batch of documents (a source flushes what it batched before it waits); completes when the input
    /// ends, or when <paramref name="cancel"/> fires (each thread stops before its next document; what is left in the
    /// channel is not decoded).
    /// </summary>
    public static Task<DecoderStats[]> DecodeAsync(
        ChannelReader<InputBatch> reader, int decoders, Action<IFact, int> feed, Action waitForRoom, Action? onEvent = null, Action<int>? endOfBatch = null,
        CancellationToken cancel = default)
    {
        var tasks = Enumerable.Range(0, decoders).Select(worker =>
        {
            var done = new TaskCompletionSource<DecoderStats>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                long fed = 0, events = 0, objects = 0, errors = 0, decodeTicks = 0, feedTicks = 0, starveTicks = 0;
                try
                {
                    while (!cancel.IsCancellationRequested)
                    {
                        var w0 = System.Diagnostics.Stopwatch.GetTimestamp();
                        if (!reader.TryPeek(out _) && !reader.WaitToReadAsync(cancel).AsTask().GetAwaiter().GetResult()) break;
                        starveTicks += System.Diagnostics.Stopwatch.GetTimestamp() - w0;
                        while (!cancel.IsCancellationRequested && reader.TryRead(out var batch))
                        {
                            using (batch)
                            {
                                foreach (var input in batch.Docs)
                                {
                                    if (cancel.IsCancellationRequested) break;
                                    var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                                    if (!KubeDecoder.TryDecode(input.Cluster, input.Document, out var fact, out _))
                                    {
                                        errors++;
                                        continue;
                                    }
                                    var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
                                    decodeTicks += t1 - t0;
                                    waitForRoom();
                                    feed(fact, worker);
                                    feedTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t1;
                                    fed++;
                                    if (input.IsEvent)
                                    {
                                        events++;
                                        onEvent?.Invoke();
                                    }
                                    else objects++;
                                }
                            }
                            endOfBatch?.Invoke(worker);
                        }
                    }
                    done.SetResult(new DecoderStats(fed, events, objects, errors, decodeTicks, feedTicks, starveTicks));
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    done.SetResult(new DecoderStats(fed, events, objects, errors, decodeTicks, feedTicks, starveTicks)); // stopped while waiting for input
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            })
            { IsBackground = true, Name = $"bench-decoder-{worker}" };
            thread.Start();
            return done.Task;
        }).ToArray();
        return Task.WhenAll(tasks);
    }
}
