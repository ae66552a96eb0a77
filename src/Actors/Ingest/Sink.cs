namespace KSpanActors.Ingest;

/// <summary>Where the reader reports: problems always; documents that are not Kubernetes as problems, or as ignored when <paramref name="Quiet"/> (in a folder or an archive).</summary>
internal sealed record Sink(Action<InputProblem> OnProblem, Action<string>? OnIgnored, bool Quiet)
{
    public void NotKubernetes(string origin, string message)
    {
        if (Quiet) OnIgnored?.Invoke(origin);
        else OnProblem(new InputProblem(origin, message));
    }
}
