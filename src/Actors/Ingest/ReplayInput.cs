using KSpanActors.Model;

namespace KSpanActors.Ingest;

/// <summary>What a replay read: facts in event-time order, and what it could not read.</summary>
internal sealed record ReplayInput(List<IFact> Facts, int Documents, int Problems, int Files)
{
    /// <summary>Files (or documents) of a folder or archive passed over because they are not Kubernetes objects or Lists.</summary>
    public int Ignored { get; init; }
}
