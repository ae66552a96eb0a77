namespace KSpanActors.Export.Waterfall;

/// <summary>How the terminal waterfall is drawn.</summary>
internal sealed record WaterfallOptions
{
    /// <summary>A <see cref="Width"/> that cuts nothing (output to a file or a pipe).</summary>
    public const int Unlimited = int.MaxValue;

    /// <summary>What <see cref="TraceUrl"/> has replaced by the 32-hex trace id.</summary>
    public const string TraceIdPlaceholder = "{traceId}";

    public static WaterfallOptions Default { get; } = new();

    /// <summary>Write ANSI colours (see <see cref="WaterfallExporter.ShouldUseColor"/>).</summary>
    public bool Color { get; init; }

    /// <summary>
    /// Columns a line may take in total (lines only exceed it when it is too small for the fixed columns; the verdict,
    /// the trace id and the link are never cut); <see cref="Unlimited"/> cuts nothing.
    /// </summary>
    public int Width { get; init; } = 100;

    /// <summary>Columns of the time bar, between its brackets (fewer when <see cref="Width"/> is short of room).</summary>
    public int BarWidth { get; init; } = 30;

    /// <summary>A link printed under each trace header, <see cref="TraceIdPlaceholder"/> replaced (<c>KSPAN_TRACE_URL</c>).</summary>
    public string? TraceUrl { get; init; }

    /// <summary>
    /// Hold every trace until the exporter is disposed, then draw them all by start time (<see cref="WaterfallExporter"/>):
    /// for a replay or a finite demo, so the order does not depend on when each trace settled.
    /// </summary>
    public bool SortAtEnd { get; init; }
}
