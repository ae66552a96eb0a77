using KSpanActors.Model;
using Microsoft.Extensions.Logging;

namespace KSpanActors.Ingest;

/// <summary>
/// Reads a capture, a List, a folder of them or an archive (a support bundle as it is on disk) into facts. Every unreadable file or document is logged with its
/// origin and counted, and the rest is still read. Facts come back sorted by event time (stable), because
/// recordings are not always in order.
/// </summary>
internal static class ReplayLoader
{
    public static ReplayInput Load(string path, string cluster, ILogger log, Pipeline.PipelineMetrics? metrics = null)
    {
        var facts = new List<IFact>();
        var documents = 0;
        var problems = 0;
        var files = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        foreach (var doc in InputReader.ReadInput(
                     path,
                     p =>
                     {
                         problems++;
                         metrics?.DecodeError();
                         log.LogWarning("Skipped {Origin}: {Problem}", p.Origin, p.Message);
                     },
                     origin =>
                     {
                         ignored.Add(origin);
                         log.LogDebug("Ignored {Origin}: not a Kubernetes object or List", origin);
                     }))
        {
            documents++;
            var space = doc.Origin.LastIndexOf(" document ", StringComparison.Ordinal);
            if (space < 0) space = doc.Origin.LastIndexOf(" item ", StringComparison.Ordinal);
            files.Add(space < 0 ? doc.Origin : doc.Origin[..space]);
            if (KubeDecoder.TryDecode(cluster, doc, out var fact, out var error))
            {
                facts.Add(fact);
            }
            else
            {
                problems++;
                metrics?.DecodeError();
                log.LogWarning("Skipped {Origin} (cluster {Cluster}, kind {Kind}): {Problem}", doc.Origin, cluster, doc.Kind, error);
            }
        }

        if (ignored.Count > 0)
        {
            log.LogInformation(
                "Ignored {Count} files or documents of {Path} that are not Kubernetes objects or Lists (such as {Example})",
                ignored.Count, path, string.Join(", ", ignored.Take(3)));
        }

        // Stable: equal times keep file order.
        var ordered = facts.Select((f, i) => (f, i)).OrderBy(x => x.f.TimeNs).ThenBy(x => x.i).Select(x => x.f).ToList();
        return new ReplayInput(ordered, documents, problems, files.Count) { Ignored = ignored.Count };
    }
}
