using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

public class EntityMailboxTests
{
    private static Envelope Message(int n) => new(n, ActorRefs.NoSender);

    [Fact]
    public void Messages_come_out_in_order_across_growth_and_wrap_around()
    {
        var queue = new EntityMessageQueue();
        var next = 0;
        var expected = 0;
        // Interleave so the ring wraps at every size it grows through.
        for (var round = 0; round < 50; round++)
        {
            for (var i = 0; i < round % 23 + 1; i++) queue.Enqueue(ActorRefs.Nobody, Message(next++));
            for (var i = 0; i < round % 7 + 1 && queue.TryDequeue(out var e); i++) Assert.Equal(expected++, e.Message);
        }
        while (queue.TryDequeue(out var e)) Assert.Equal(expected++, e.Message);
        Assert.Equal(next, expected);
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void An_empty_queue_holds_no_buffer_after_a_burst()
    {
        var queue = new EntityMessageQueue();
        Assert.Equal(0, queue.Capacity);
        for (var i = 0; i < 1000; i++) queue.Enqueue(ActorRefs.Nobody, Message(i));
        Assert.Equal(1000, queue.Count);
        Assert.True(queue.Capacity >= 1000);
        while (queue.TryDequeue(out _)) { }
        Assert.Equal(0, queue.Capacity);
    }

    [Fact]
    public void Clean_up_hands_what_is_left_to_dead_letters_in_order()
    {
        var queue = new EntityMessageQueue();
        for (var i = 0; i < 10; i++) queue.Enqueue(ActorRefs.Nobody, Message(i));
        var dead = new UnboundedMessageQueue();
        queue.CleanUp(ActorRefs.Nobody, dead);
        Assert.False(queue.HasMessages);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(dead.TryDequeue(out var e));
            Assert.Equal(i, e.Message);
        }
    }

    [Fact]
    public async Task Concurrent_producers_lose_nothing_and_keep_each_producers_order()
    {
        const int Producers = 4;
        const int PerProducer = 50_000;
        var queue = new EntityMessageQueue();
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++) queue.Enqueue(ActorRefs.Nobody, Message(p * PerProducer + i));
        })).ToArray();
        var last = Enumerable.Repeat(-1, Producers).ToArray();
        var received = 0;
        var consumer = Task.Run(() =>
        {
            while (received < Producers * PerProducer)
            {
                if (!queue.TryDequeue(out var e)) continue;
                var n = (int)e.Message;
                var p = n / PerProducer;
                if (n % PerProducer <= last[p]) throw new InvalidOperationException($"producer {p} out of order at {n}");
                last[p] = n % PerProducer;
                received++;
            }
        });
        await Task.WhenAll(producers);
        await consumer.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(Producers * PerProducer, received);
        Assert.All(last, l => Assert.Equal(PerProducer - 1, l));
    }
}
