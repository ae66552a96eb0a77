using Akka.Actor;

namespace KSpanActors.Pipeline;

/// <summary>
/// Creates sharded entities with a plain constructor call: Props.Create(() => new ...) builds an expression tree, walks
/// it and invokes the constructor by reflection on every creation, and sharding creates an entity per object.
/// </summary>
internal sealed class EntityProducer<TActor>(Func<TActor> create) : IIndirectActorProducer
    where TActor : ActorBase
{
    public Type ActorType => typeof(TActor);

    public ActorBase Produce() => create();

    public void Release(ActorBase actor)
    {
    }
}
