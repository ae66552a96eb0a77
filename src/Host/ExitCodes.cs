namespace KSpanActors.Host;

/// <summary>The exit codes of every command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Nothing could be read (replay), generator documents not decoded (demo), the actor system stopped under a watch.</summary>
    public const int Failed = 1;

    /// <summary>Wrong arguments or configuration.</summary>
    public const int Usage = 2;

    /// <summary>Spans were dropped (an exporter unreachable or too slow, or the shutdown deadline cut the export).</summary>
    public const int SpansDropped = 3;

    // A second SIGINT/SIGTERM, or the shutdown deadline passed with the process still running: 128 + the signal
    // number (130, 143), see ShutdownSignal.
}
