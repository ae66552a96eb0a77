namespace KSpanActors.Ingest;

/// <summary>Something in the input that could not be read; reading goes on.</summary>
/// <param name="Origin">The file and position: "capture.yaml document 7", "events/velero.json item 12", or the file alone.</param>
/// <param name="Message">What was wrong, one line.</param>
internal sealed record InputProblem(string Origin, string Message);
