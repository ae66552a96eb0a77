using KSpanActors.Model;
using KSpanActors.Pipeline;
using KSpanActors.Tracing;
using static KSpanActors.Tests.Support.F;

namespace KSpanActors.Tests.Pipeline;

/// <summary>
/// <see cref="ObjectMemory.TryResolveTop"/>: where an object's facts end up, worked out from the snapshots this process
/// saw, so a source sends them there in one hop instead of a relay per owner.
/// </summary>
public sealed class ObjectMemoryTests
{
    private const int Depth = 32;

    private static ObjectMemory Rollout(bool withReplicaSet = true, bool withDeployment = true)
    {
        var memory = new ObjectMemory(TimeSpan.FromMinutes(10));
        memory.Remember(Obj("pod", "Pod", "web-a", "10:00:00", Owner("ReplicaSet", "web", "rs")));
        if (withReplicaSet) memory.Remember(Obj("rs", "ReplicaSet", "web", "10:00:00", Owner("Deployment", "web", "dep")));
        if (withDeployment) memory.Remember(Obj("dep", "Deployment", "web", "10:00:00"));
        return memory;
    }

    [Fact]
    public void A_pod_whose_whole_owner_chain_was_seen_goes_straight_to_the_deployment_with_the_relays_path()
    {
        Assert.True(Rollout().TryResolveTop(Cluster, "pod", Depth, out var uid, out var target, out var path));
        Assert.Equal("dep", uid);
        Assert.Equal(new ObjectRef("Deployment", "default", "web"), target);
        Assert.Equal(["pod", "rs"], path.ToArray());
    }

    [Fact]
    public void An_owner_not_seen_yet_is_the_target_and_relays_on_itself()
    {
        Assert.True(Rollout(withReplicaSet: false).TryResolveTop(Cluster, "pod", Depth, out var uid, out var target, out var path));
        Assert.Equal("rs", uid);
        Assert.Equal(new ObjectRef("ReplicaSet", "default", "web"), target);
        Assert.Equal(["pod"], path.ToArray());
    }

    [Fact]
    public void An_object_without_a_snapshot_or_without_an_owner_takes_the_normal_path()
    {
        var memory = Rollout();
        Assert.False(memory.TryResolveTop(Cluster, "unknown-pod", Depth, out _, out _, out _));
        Assert.False(memory.TryResolveTop(Cluster, "dep", Depth, out _, out _, out _));
        Assert.False(memory.TryResolveTop("another-cluster", "pod", Depth, out _, out _, out _));
    }

    [Fact]
    public void An_owner_cycle_or_a_chain_deeper_than_the_limit_is_left_to_the_relays()
    {
        var cycle = new ObjectMemory(TimeSpan.FromMinutes(10));
        cycle.Remember(Obj("a", "Thing", "a", "10:00:00", Owner("Thing", "b", "b")));
        cycle.Remember(Obj("b", "Thing", "b", "10:00:00", Owner("Thing", "a", "a")));
        Assert.False(cycle.TryResolveTop(Cluster, "a", Depth, out _, out _, out _));

        var deep = new ObjectMemory(TimeSpan.FromMinutes(10));
        for (var i = 0; i < 10; i++) deep.Remember(Obj($"o{i}", "Thing", $"o{i}", "10:00:00", Owner("Thing", $"o{i + 1}", $"o{i + 1}")));
        deep.Remember(Obj("o10", "Thing", "o10", "10:00:00"));
        Assert.True(deep.TryResolveTop(Cluster, "o0", Depth, out var top, out _, out var path));
        Assert.Equal("o10", top);
        Assert.Equal(10, path.Length);
        Assert.False(deep.TryResolveTop(Cluster, "o0", maxDepth: 5, out _, out _, out _));
    }

    [Fact]
    public void An_older_snapshot_does_not_replace_a_newer_one()
    {
        var memory = new ObjectMemory(TimeSpan.FromMinutes(10));
        var adopted = Obj("pod", "Pod", "web-a", "10:00:00", Owner("ReplicaSet", "web", "rs")) with { ResourceVersion = 20 };
        var orphaned = adopted with { Owners = [], ResourceVersion = 10 };
        memory.Remember(adopted);
        memory.Remember(orphaned);

        Assert.True(memory.TryResolveTop(Cluster, "pod", Depth, out var uid, out _, out _));
        Assert.Equal("rs", uid);
    }
}
