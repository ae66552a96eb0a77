using System.Collections.Immutable;
using KSpanActors.Model;
using KSpanActors.Tracing;

namespace KSpanActors.Pipeline;

/// <summary>
/// A relocating actor's state, for its successor (the same entity id, hosted by another replica now): the span ids it
/// already exported, whether it had become top-level, its object, its owner when only the name index had said it, and
/// every fact it held (waiting for an owner, or its family's) with the path each came along. One message: the successor
/// merges it at once (<see cref="ObjectState.Restore"/>), and a region that drops it at hand-off drops all or nothing.
/// </summary>
internal sealed record ObjectHandOff(
    string EntityId,
    bool WasTop,
    ObjectRef? Identity,
    ImmutableArray<ulong> Emitted,
    ObjectObserved? Observed,
    string? OwnerUid,
    ObjectRef? Owner,
    ImmutableArray<CarriedFact> Facts) : IObjectMessage;
