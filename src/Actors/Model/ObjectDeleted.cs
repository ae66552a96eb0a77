namespace KSpanActors.Model;

/// <summary>An object was deleted (watch DELETED).</summary>
internal sealed record ObjectDeleted(string Cluster, string Uid, string Kind, string Namespace, string Name, long TimeNs) : IFact;
