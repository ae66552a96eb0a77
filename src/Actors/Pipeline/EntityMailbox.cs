using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace KSpanActors.Pipeline;

/// <summary>
/// The mailbox of the sharded entities (one per object): an unbounded FIFO like Akka's default, but one that costs
/// nothing while empty. Akka's default queue (a ConcurrentQueue) allocates a 32-slot segment (about 1 KB) per actor
/// up front and keeps it for the actor's life; with tens of thousands of live entities that is tens of megabytes of
/// long-lived heap that every full collection walks, for actors that mostly hold zero or one message.
/// </summary>
/// <remarks>
/// A ring buffer under a lock: producers are the shard and the scheduler, the consumer is the actor, and a lock that
/// is almost never contended costs about what ConcurrentQueue's interlocked operations do. The buffer starts at 4
/// slots, doubles when full, and is dropped once drained when it had grown beyond <see cref="KeptSlots"/> (an actor
/// that gets a few messages at a time keeps its small buffer), so a burst leaves no large array behind.
/// </remarks>
internal sealed class EntityMailbox : MailboxType, IProducesMessageQueue<EntityMessageQueue>
{
    /// <summary>The HOCON id under which the pipeline registers this mailbox.</summary>
    public const string Id = "kspan-entity-mailbox";

    /// <summary>The HOCON that registers it.</summary>
    public static readonly string Hocon = $"{Id}.mailbox-type = \"{typeof(EntityMailbox).AssemblyQualifiedName}\"";

    public EntityMailbox(Settings settings, Config config)
        : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new EntityMessageQueue();
}
