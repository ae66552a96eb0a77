using KSpanActors.Model;

namespace KSpanActors.Export.Waterfall;

/// <summary>One stretch of time that the events say something took: a pod waiting for a node, an image being pulled...</summary>
/// <param name="Label">What a user reads: <c>image pull</c>, <c>image pull failing</c>, <c>unschedulable: 0/3 nodes…</c>.</param>
/// <param name="Anchor">The span the phase belongs under in the tree: the create of its pod, the scaling or delete it follows.</param>
internal sealed record Phase(PhaseKind Kind, string Label, long StartNs, long EndNs, SpanId Anchor)
{
    public long Length => Math.Max(0, EndNs - StartNs);
}
