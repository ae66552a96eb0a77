using System.Diagnostics;
using System.Globalization;
using KSpanActors.Ingest.Demo;

namespace KSpanActors.Bench;

/// <summary>What the input file holds: documents and events, and documents per kind.</summary>
internal sealed record InputSummary(string Path, DemoScenario Scenario, long Documents, long Events, long Bytes, IReadOnlyDictionary<string, long> PerKind)
{
    public long Objects => Documents - Events;
}

/// <summary>
/// The input of the watch and replicas modes: the same cached file as the pipeline mode (written when missing or stale),
/// read back once to count it (which also puts it in the page cache, as the pipeline mode's read-back does).
/// </summary>
internal static class BenchInput
{
    /// <param name="clusters">Clusters the scenario's Deployments are spread over (demo-1, demo-2...), the same in all.</param>
    public static InputSummary Prepare(BenchOptions options, int clusters = 1)
    {
        var culture = CultureInfo.InvariantCulture;
        var scenario = DemoScenario.ForScale(options.Events, options.Objects);
        if (clusters > 1) scenario = scenario with { Clusters = clusters, DeploymentsPerCluster = Math.Max(1, scenario.DeploymentsPerCluster / clusters) };
        Console.WriteLine(string.Create(culture,
            $"scenario: {scenario.Clusters} cluster(s) x {scenario.DeploymentsPerCluster} deployments x {scenario.Replicas} replicas, {scenario.Rollouts} rollouts, {scenario.ProbeFailuresPerPod} probe failures/pod; ~{scenario.EstimatedEvents:N0} events, ~{scenario.EstimatedObjects:N0} objects"));
        var path = InputFile.PathFor(scenario);
        var fingerprint = InputFile.Fingerprint(scenario);
        if (!options.Regenerate && InputFile.IsCurrent(path, fingerprint))
        {
            Console.WriteLine(string.Create(culture, $"input: reusing {path} ({new FileInfo(path).Length / 1e6:N0} MB)"));
        }
        else
        {
            var gen = InputFile.Write(scenario, path, fingerprint);
            Console.WriteLine(string.Create(culture,
                $"input: wrote {path}: {gen.Documents:N0} documents ({gen.Events:N0} events), {gen.Bytes / 1e6:N0} MB JSON; generator alone {gen.Seconds:N1} s = {gen.EventsPerSecond:N0} events/s"));
        }

        long docs = 0, events = 0, bytes = 0;
        var perKind = new Dictionary<string, long>(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        foreach (var doc in InputFile.Read(path))
        {
            docs++;
            bytes += doc.Document.Json.Length;
            if (doc.IsEvent) events++;
            perKind[doc.Document.Kind] = perKind.GetValueOrDefault(doc.Document.Kind) + 1;
        }
        Console.WriteLine(string.Create(culture,
            $"input: read back {docs:N0} documents ({events:N0} events, {docs - events:N0} objects, {bytes / 1e6:N0} MB JSON) in {sw.Elapsed.TotalSeconds:N2} s; per kind: {string.Join(", ", perKind.OrderByDescending(kv => kv.Value).Select(kv => string.Create(culture, $"{kv.Key} {kv.Value:N0}")))}"));
        return new InputSummary(path, scenario, docs, events, bytes, perKind);
    }
}
