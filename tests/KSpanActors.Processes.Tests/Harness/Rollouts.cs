using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using KSpanActors.Ingest;
using KSpanActors.Tests.FakeKube;

namespace KSpanActors.Processes.Tests.Harness;

/// <summary>
/// Copies of the recorded 2-pod rollout (tests/KSpanActors.Tests/Fixtures/replay/rollout.capture.yaml: a Deployment,
/// two ReplicaSets, pods, 18 Events): copy k lives in namespace "&lt;ns&gt;-k" and every uid is mapped to a new one
/// (derived from the copy and the old uid), so each copy is a distinct rollout with its own objects, names, traces and spans.
/// </summary>
internal static partial class Rollouts
{
    public static string CapturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "rollout.capture.yaml");

    private static readonly Lazy<IReadOnlyList<SourceDocument>> Original = new(() =>
    {
        var problems = new List<string>();
        var documents = CaptureReader.Read(CapturePath, problems.Add).ToList();
        if (documents.Count == 0) throw new InvalidDataException($"{CapturePath}: no documents ({string.Join("; ", problems)})");
        return documents;
    });

    /// <summary>The documents of copies <paramref name="first"/>..first+count-1, in order (copy after copy).</summary>
    public static List<SourceDocument> Copies(int count, int first = 1)
    {
        var result = new List<SourceDocument>(count * Original.Value.Count);
        for (var k = first; k < first + count; k++)
        {
            foreach (var d in Original.Value)
            {
                var json = Encoding.UTF8.GetString(d.Json.Span);
                var copy = k;
                json = Uid().Replace(json, m => NewUid(copy, m.Value));
                json = Namespace().Replace(json, m => $"{m.Groups[1].Value}\"{m.Groups[2].Value}-{copy}\"");
                result.Add(d with { Json = Encoding.UTF8.GetBytes(json), Origin = $"{d.Origin} (copy {k})" });
            }
        }

        return result;
    }

    private static string NewUid(int copy, string uid)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{copy}/{uid}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Uid();

    [GeneratedRegex("(\"namespace\"\\s*:\\s*)\"([^\"]+)\"")]
    private static partial Regex Namespace();
}
