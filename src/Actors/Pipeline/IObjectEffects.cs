using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>What an <see cref="ObjectState"/> decides to do outside itself; the actor carries it out.</summary>
internal interface IObjectEffects
{
    /// <summary>A tracked message to another object's actor (through the object shard region).</summary>
    void ToObjects(IObjectMessage message);

    /// <summary>A tracked message to the name index (through the name shard region).</summary>
    void ToNames(INameMessage message);

    /// <summary>Traces to export (through the emitted-span ledger when replicas share it, else to the span emitter).</summary>
    void Export(List<TraceSpans> traces);

    /// <summary>Deliver a settle tick after <paramref name="delay"/> (<see cref="ObjectState.OnSettleTick"/>).</summary>
    void SettleIn(TimeSpan delay);

    /// <summary>Deliver an idle tick after <paramref name="delay"/> (<see cref="ObjectState.OnIdleTick"/>).</summary>
    void IdleIn(TimeSpan delay);

    /// <summary>Ask the shard to stop this entity (it is idle and holds nothing).</summary>
    void Passivate();

    void Warning(string text);

    void Debug(string text);
}
