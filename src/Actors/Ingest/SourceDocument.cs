namespace KSpanActors.Ingest;

/// <summary>
/// One Kubernetes object or Event as a source read it, still encoded as JSON (UTF-8): a capture document,
/// a List item, a watch event's object, or a generated demo object. <see cref="KubeDecoder"/> turns it into facts.
/// </summary>
/// <param name="Kind">The object's kind (Event, Pod, ReplicaSet, Deployment...), from the document, the List or the capture header.</param>
/// <param name="ApiVersion">The object's apiVersion when known (v1, events.k8s.io/v1, apps/v1), else null.</param>
/// <param name="Json">The object as JSON.</param>
/// <param name="Origin">Where it came from, for messages: "capture.yaml document 12", "events/velero.json item 3".</param>
/// <param name="Deleted">A watch DELETED (or a capture document recorded as a deletion).</param>
/// <param name="ResourceVersion">The watch event's resourceVersion, said apart from <paramref name="Origin"/> (one origin
/// string per watch, not one per event) and put together only for a message (<see cref="Describe"/>).</param>
/// <remarks>A struct: a watch or a replay makes one per document, and nothing keeps it beyond the decoding.</remarks>
internal readonly record struct SourceDocument(string Kind, string? ApiVersion, ReadOnlyMemory<byte> Json, string Origin, bool Deleted = false, string? ResourceVersion = null)
{
    /// <summary>Where the document came from, for a message: the origin, and the watch event's resourceVersion when there is one.</summary>
    public string Describe() => ResourceVersion is null ? Origin : $"{Origin} rv {ResourceVersion}";
}
