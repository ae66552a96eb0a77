using KSpanActors.Ingest;

namespace KSpanActors.Watch;

/// <summary>Where a watch loop delivers what it reads.</summary>
internal interface IWatchSink
{
    /// <summary>An object or Event as listed ("initial") or watched ("watch"), or a deletion.</summary>
    void OnDocument(string cluster, WatchedResource resource, SourceDocument document, bool fromList);

    /// <summary>A full list of the resource finished (every item delivered): a relist is complete.</summary>
    void OnListed(string cluster, WatchedResource resource, string? ns, int items, bool relist);

    /// <summary>Something went wrong and the loop recovers: kind is "watch-restart", "relist", "malformed", "unauthorized", "error".</summary>
    void OnProblem(string cluster, WatchedResource resource, string kind);

    /// <summary>The loop is about to wait (for the network, or for room): what the sink holds goes on now.</summary>
    void Flush()
    {
    }

    /// <summary>Completes when the sink can take more documents (back-pressure: the loop reads on only then).</summary>
    ValueTask WaitForRoomAsync(CancellationToken ct) => ValueTask.CompletedTask;
}
