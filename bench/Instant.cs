using System.Diagnostics;

namespace KSpanActors.Bench;

/// <summary>Stopwatch timestamp and process CPU at one instant.</summary>
internal readonly record struct Instant(long Timestamp, TimeSpan Cpu)
{
    public static Instant Now(ProcessSampler sampler) => new(Stopwatch.GetTimestamp(), sampler.CpuTime());
}
