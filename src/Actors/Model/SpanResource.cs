namespace KSpanActors.Model;

/// <summary>The OTLP resource of a span: who reported it, in which cluster. Instances are shared.</summary>
internal sealed record SpanResource(string ServiceName, string? ServiceInstanceId, string ClusterName, string? ClusterUid);
