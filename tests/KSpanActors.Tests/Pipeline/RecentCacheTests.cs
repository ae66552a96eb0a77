using KSpanActors.Pipeline;

namespace KSpanActors.Tests.Pipeline;

public sealed class RecentCacheTests
{
    [Fact]
    public void Holds_at_most_two_generations_of_entries()
    {
        var cache = new RecentCache<int, int>(capacity: 100, window: TimeSpan.FromHours(1));
        for (var i = 0; i < 10_000; i++) cache.Set(i, i);

        Assert.InRange(cache.Count, 100, 200);
        Assert.True(cache.TryGet(9_999, out var newest));
        Assert.Equal(9_999, newest);
        Assert.False(cache.TryGet(0, out _));
    }

    [Fact]
    public void An_entry_in_use_survives_while_others_are_retired()
    {
        var cache = new RecentCache<int, string>(capacity: 10, window: TimeSpan.FromHours(1));
        cache.Set(-1, "hot");
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(cache.TryGet(-1, out var hot), $"lost after {i} other entries");
            Assert.Equal("hot", hot);
            cache.Set(i, "cold");
        }
    }

    [Fact]
    public void A_generation_older_than_the_window_is_retired_on_the_next_write()
    {
        long now = 0;
        var cache = new RecentCache<string, int>(capacity: 1_000, window: TimeSpan.FromSeconds(10), StringComparer.Ordinal, () => now);
        cache.Set("a", 1);
        now += 9_000;
        cache.Set("b", 2); // same generation as "a"
        now += 2_000;
        cache.Set("c", 3); // the window has passed: "a" and "b" become the previous generation (still readable)
        Assert.True(cache.TryGet("a", out _)); // in use: moves forward, next to "c"
        now += 11_000;
        cache.Set("d", 4); // retires the generation of "c" and "a"; the one of "b" is dropped

        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out var c));
        Assert.Equal(3, c);
        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("d", out _));
    }
}
