namespace KSpanActors.Export.Waterfall;

/// <summary>How the terminal waterfall is drawn.</summary>
internal sealed record WaterfallOptions
{
    public static WaterfallOptions Default { get; } = new();

    /// <summary>Write ANSI colours (see <see cref="WaterfallExporter.ShouldUseColor"/>).</summary>
    public bool Color { get; init; }

    /// <summary>Columns a line may take in total (lines only exceed it when it is too small for the fixed columns).</summary>
    public int Width { get; init; } = 100;

    /// <summary>Columns of the time bar, between its brackets.</summary>
    public int BarWidth { get; init; } = 30;
}
