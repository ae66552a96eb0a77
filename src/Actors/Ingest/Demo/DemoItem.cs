namespace KSpanActors.Ingest.Demo;

/// <summary>One generated document: an object snapshot or an Event occurrence, as a source would hand it on.</summary>
/// <param name="Cluster">The cluster name (demo-1...).</param>
/// <param name="TimeNs">When it happens, Unix nanoseconds (whole seconds, like Kubernetes timestamps).</param>
/// <param name="Document">Real Kubernetes JSON, read by the same decoder as captures and watches.</param>
internal sealed record DemoItem(string Cluster, long TimeNs, SourceDocument Document)
{
    public bool IsEvent => Document.Kind == "Event";
}
