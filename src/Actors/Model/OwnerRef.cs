namespace KSpanActors.Model;

/// <summary>An ownerReferences entry.</summary>
internal sealed record OwnerRef(string Kind, string Name, string Uid, bool Controller);
