namespace KSpanActors.Ingest.Demo;

/// <summary>A pod as the stories know it.</summary>
internal sealed record DemoPod(
    string Namespace,
    string Name,
    string Uid,
    string OwnerKind,
    string OwnerName,
    string OwnerUid,
    string Node,
    string Image,
    long CreatedNs,
    IDictionary<string, string> Labels);
