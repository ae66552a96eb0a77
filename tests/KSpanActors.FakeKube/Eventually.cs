namespace KSpanActors.Tests.FakeKube;

/// <summary>
/// The one way tests wait for something asynchronous: poll a condition until it holds, or fail after a timeout with
/// a message saying what was awaited (a probe, never a fixed sleep). Shared by every test project.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string>? what = null, TimeSpan? every = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what, every);

    /// <summary>The same with an asynchronous condition.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string>? what = null, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"not true within {timeout.TotalSeconds:0.#} s: {what?.Invoke() ?? "the awaited condition"}");
            }
            await Task.Delay(every ?? DefaultEvery).ConfigureAwait(false);
        }
    }
}
