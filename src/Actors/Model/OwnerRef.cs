namespace KSpanActors.Model;

/// <summary>
/// An ownerReferences entry. A value: held inline in its snapshot's array (every pod's snapshot names one, and the
/// snapshots this process remembers are the largest group of objects a collection marks after the Events held).
/// </summary>
internal readonly record struct OwnerRef(string Kind, string Name, string Uid, bool Controller);
