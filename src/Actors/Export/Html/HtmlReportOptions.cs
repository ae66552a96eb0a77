namespace KSpanActors.Export.Html;

/// <summary>How an <see cref="HtmlReportExporter"/> keeps its file.</summary>
internal sealed record HtmlReportOptions
{
    /// <summary>Said in the page's title: <c>replay capture.yaml</c>, <c>watch</c>, <c>demo</c>.</summary>
    public string Source { get; init; } = "kspan-actors";

    /// <summary>
    /// Null for a finite command (replay, demo): the report is written once, when the exporter is disposed. Set for a
    /// command that runs until stopped (watch, demo --follow): the file is rewritten, whole, at most this often while
    /// new spans arrive, and once more at the end.
    /// </summary>
    public TimeSpan? RewriteEvery { get; init; }

    /// <summary>
    /// The most traces the report holds; beyond it the ones that arrived first leave it (said in the page). Unbounded
    /// for a finite command: every span of every trace is in its report.
    /// </summary>
    public int MaxTraces { get; init; } = int.MaxValue;

    /// <summary>When pages are written (tests pin it).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
