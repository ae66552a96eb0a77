using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

/// <summary>The (cluster, uid) keys of the object tables: ordinal equality, and a hash that spreads real uids.</summary>
public sealed class ObjectKeyComparerTests
{
    private static readonly ObjectKeyComparer C = ObjectKeyComparer.Instance;

    [Fact]
    public void Equal_keys_in_different_instances_are_equal_and_hash_alike_and_any_difference_makes_them_differ()
    {
        var uid = Guid.NewGuid().ToString();
        var a = ("prod-eu", uid);
        var b = (new string("prod-eu".AsSpan()), new string(uid.AsSpan()));
        Assert.True(C.Equals(a, b));
        Assert.Equal(C.GetHashCode(a), C.GetHashCode(b));
        Assert.False(C.Equals(a, ("prod-us", uid)));
        Assert.False(C.Equals(a, ("prod-eu", uid.ToUpperInvariant())));
        Assert.False(C.Equals(("ab", "c"), ("a", "bc")));
        Assert.Equal(C.GetHashCode(("", "")), C.GetHashCode((string.Empty, new string(' ', 0))));
    }

    [Fact]
    public void Uids_and_names_that_differ_in_one_character_spread_over_the_buckets_of_a_table()
    {
        // Random uids, sequential ones (as fakes and tests make them) and names that differ only at the end.
        var keys = Enumerable.Range(0, 20_000).Select(_ => ("c", Guid.NewGuid().ToString()))
            .Concat(Enumerable.Range(0, 20_000).Select(i => ("c", $"00000000-0000-0000-0000-{i:D12}")))
            .Concat(Enumerable.Range(0, 20_000).Select(i => ($"cluster-{i % 7}", $"pod-{i}")))
            .ToList();
        const int buckets = 1 << 16;
        var used = keys.Select(k => (uint)C.GetHashCode(k) % buckets).Distinct().Count();
        // 60,000 keys thrown at random into 65,536 buckets fill about 60 % of them; a weak hash fills far fewer.
        Assert.True(used > buckets * 0.55, $"{used} of {buckets} buckets used");
        Assert.True(keys.Select(k => C.GetHashCode(k)).Distinct().Count() > keys.Count - 10, "32-bit hashes of 60,000 keys collide about once");
    }
}
