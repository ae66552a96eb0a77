using Akka.Event;

namespace KSpanActors.Pipeline;

/// <summary>Another node processed <paramref name="Count"/> tracked messages this node sent (see <see cref="PipelineTracker"/>).</summary>
internal sealed record FlowCredit(long Count) : IKSpanMessage, IDeadLetterSuppression;
