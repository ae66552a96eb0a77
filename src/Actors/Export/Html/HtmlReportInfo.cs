namespace KSpanActors.Export.Html;

/// <summary>What the report says about itself: where its traces came from, and what it does not hold.</summary>
/// <param name="Source">What was read (<c>replay capture.yaml</c>, <c>watch</c>, <c>demo</c>); shown in the title.</param>
/// <param name="Written">When the file was written.</param>
/// <param name="RewriteEvery">Set while a live command rewrites the file: the page says it is a snapshot.</param>
/// <param name="DroppedTraces">Traces no longer in the file (a live report keeps the latest ones only).</param>
/// <param name="DroppedSpans">Their spans.</param>
internal sealed record HtmlReportInfo(
    string Source, DateTimeOffset Written, TimeSpan? RewriteEvery = null, long DroppedTraces = 0, long DroppedSpans = 0);
