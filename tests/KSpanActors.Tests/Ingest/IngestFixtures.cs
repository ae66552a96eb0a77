using System.Text;
using KSpanActors.Ingest;
using KSpanActors.Model;

namespace KSpanActors.Tests.Ingest;

internal static class IngestFixtures
{
    public const string Cluster = "test-cluster";

    public static string PathOf(params string[] parts)
        => Path.Combine([AppContext.BaseDirectory, "Fixtures", "ingest", .. parts]);

    public static SourceDocument Doc(string kind, string json, string? apiVersion = "v1", bool deleted = false)
        => new(kind, apiVersion, Encoding.UTF8.GetBytes(json), "inline", deleted);

    /// <summary>Reads a fixture and fails on any problem.</summary>
    public static List<SourceDocument> ReadClean(params string[] parts)
    {
        var problems = new List<InputProblem>();
        var docs = InputReader.Read(PathOf(parts), problems.Add).ToList();
        Assert.Empty(problems);
        return docs;
    }

    /// <summary>The five readable documents of capture.yaml (its 4th document is broken on purpose).</summary>
    public static List<SourceDocument> Capture() => InputReader.Read(PathOf("capture.yaml"), _ => { }).ToList();

    public static T Decode<T>(SourceDocument doc)
        where T : IFact
    {
        var ok = KubeDecoder.TryDecode(Cluster, doc, out var fact, out var error);
        Assert.True(ok, error);
        return Assert.IsType<T>(fact);
    }

    public static string Error(SourceDocument doc)
    {
        var ok = KubeDecoder.TryDecode(Cluster, doc, out var fact, out var error);
        Assert.False(ok);
        Assert.Null(fact);
        Assert.NotNull(error);
        return error;
    }

    public static long Nanos(string iso)
        => KubeDecoder.ToUnixNanos(DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));
}
