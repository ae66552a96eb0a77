using KSpanActors.Model;
using KSpanActors.Tests.Support;
using KSpanActors.Tracing;

namespace KSpanActors.Tests.Tracing;

public sealed class TraceFamilyPoolTests
{
    [Fact]
    public void A_family_given_back_and_rented_again_knows_nothing_of_the_object_it_served()
    {
        var pool = new BoundedPool<TraceFamily>(4);
        var (facts, _) = Scenarios.Rollout();
        var old = TraceFamily.Rent(pool, "c1", "dep", new ObjectRef("Deployment", "default", "web"));
        foreach (var f in facts) old.Add(f);
        Assert.NotEmpty(old.Occurrences);
        Assert.NotEmpty(old.Generations);
        old.Return(pool);

        var again = TraceFamily.Rent(pool, "c2", "other", new ObjectRef("StatefulSet", "db", "pg"));
        Assert.Same(old, again);
        Assert.Equal(("c2", "other", new ObjectRef("StatefulSet", "db", "pg")), (again.Cluster, again.TopUid, again.Top));
        Assert.Empty(again.Objects);
        Assert.Empty(again.Occurrences);
        Assert.Empty(again.Generations);
        Assert.Equal(long.MaxValue, again.LowestCountSeen(CompactUid.Of("e1")));

        // It takes the same facts as a new family does, and says the same of them.
        again.Return(pool);
        var reused = TraceFamily.Rent(pool, "c2", "dep", new ObjectRef("Deployment", "default", "web"));
        var fresh = new TraceFamily("c2", "dep", new ObjectRef("Deployment", "default", "web"));
        foreach (var f in facts) Assert.Equal(fresh.Add(f), reused.Add(f));
        Assert.Equal(fresh.Occurrences.Select(e => (e.EventUid, e.Count)).Order(), reused.Occurrences.Select(e => (e.EventUid, e.Count)).Order());
        Assert.Equal(fresh.Top, reused.Top);
        Assert.Equal(fresh.LowestCountSeen(CompactUid.Of("e1")), reused.LowestCountSeen(CompactUid.Of("e1")));
    }

    [Fact]
    public void A_full_pool_leaves_what_comes_back_to_the_collector()
    {
        var pool = new BoundedPool<TraceFamily>(1);
        var a = new TraceFamily("c", "a", new ObjectRef("Deployment", "default", "a"));
        var b = new TraceFamily("c", "b", new ObjectRef("Deployment", "default", "b"));
        a.Return(pool);
        b.Return(pool);
        Assert.Equal(1, pool.Count);
        Assert.Same(a, pool.TryRent());
        Assert.Null(pool.TryRent());
    }
}
