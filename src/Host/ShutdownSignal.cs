using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;

namespace KSpanActors.Host;

/// <summary>
/// The one way every command stops on a signal. Nothing else in the process reacts to SIGINT or SIGTERM (Akka's CLR
/// shutdown hook is off, the pipeline's host has no console lifetime, System.CommandLine's handler is not enabled).
/// <list type="bullet">
/// <item>The first SIGINT or SIGTERM cancels <see cref="Stopping"/>: sources and watchers stop, what is held is exported.</item>
/// <item><see cref="ExportDeadline"/> is cancelled <see cref="ExportBudget"/> after it: whatever is still held is then
/// dropped and counted, and the command exits non-zero.</item>
/// <item><see cref="Limit"/> after the signal the process exits (128 + the signal number) if it still runs.</item>
/// <item>A second signal exits at once with 128 + the signal number (130 for SIGINT, 143 for SIGTERM).</item>
/// </list>
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    /// <summary>Default of <c>KSpan:Shutdown:Deadline</c>: the process is gone this long after the first signal at the latest.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(25);

    /// <summary>What is kept, of the limit, for stopping the actor system, closing the exporters and the summary.</summary>
    public static readonly TimeSpan StopReserve = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _exportDeadline = new();
    private readonly Action<int> _exit;
    private readonly TextWriter _stderr;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly CancellationTokenRegistration _external;
    private Timer? _limitTimer;
    private int _signals;
    private DateTime? _exportDeadlineUtc;
    private readonly TimeSpan _reserve;

    /// <param name="limit">How long after the first signal the process may still run.</param>
    /// <param name="external">Also stops (as a first signal would) when cancelled: the command line's token.</param>
    /// <param name="exit">Ends the process (tests pass their own).</param>
    /// <param name="stderr">Where the lines said on a forced exit go (tests pass their own).</param>
    /// <param name="stopReserve">What is kept of the limit for stopping (<see cref="StopReserve"/>; tests pass less).</param>
    public ShutdownSignal(TimeSpan limit, Action<int>? exit = null, TextWriter? stderr = null, TimeSpan? stopReserve = null, CancellationToken external = default)
    {
        _reserve = stopReserve ?? StopReserve;
        if (limit <= _reserve) throw new ArgumentOutOfRangeException(nameof(limit), limit, $"must be more than {_reserve.TotalSeconds} s");
        Limit = limit;
        _exit = exit ?? Environment.Exit;
        _stderr = stderr ?? Console.Error;
        _external = external.Register(() => Begin(null));
    }

    /// <summary>
    /// Registers SIGINT and SIGTERM (cancelling their default, which ends the process at once); <paramref name="log"/>
    /// says when the first one arrives.
    /// </summary>
    public static ShutdownSignal Listen(TimeSpan limit, Microsoft.Extensions.Logging.ILogger log, CancellationToken external, string doing = "exporting what is held")
    {
        var shutdown = new ShutdownSignal(limit, external: external);
        shutdown.Stopping.Register(() => Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(log,
            "Stopping on {Signal}: {Doing} (within {Budget} s; the process is gone after {Limit} s at the latest; a second signal exits at once)",
            shutdown.What, doing, (int)shutdown.ExportBudget.TotalSeconds, (int)shutdown.Limit.TotalSeconds));
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            shutdown._registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                shutdown.Raise(context.Signal);
            }));
        }
        return shutdown;
    }

    /// <summary><c>KSpan:Shutdown:Deadline</c> (a TimeSpan, more than 5 s), else <see cref="DefaultLimit"/>; an error names the key.</summary>
    public static (TimeSpan Limit, string? Error) LimitFrom(IConfiguration config)
    {
        var text = config["KSpan:Shutdown:Deadline"];
        if (text is null) return (DefaultLimit, null);
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var limit) && limit > StopReserve
            ? (limit, null)
            : (DefaultLimit, $"KSpan:Shutdown:Deadline '{text}' must be a TimeSpan of more than {StopReserve.TotalSeconds:0} s (00:00:25)");
    }

    /// <summary>The process is gone this long after the first signal at the latest.</summary>
    public TimeSpan Limit { get; }

    /// <summary>How long after the first signal held spans may still be exported (<see cref="Limit"/> less <see cref="StopReserve"/>).</summary>
    public TimeSpan ExportBudget => Limit - _reserve;

    /// <summary>Cancelled by the first signal (or the command line's token).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Cancelled <see cref="ExportBudget"/> after the first signal: stop waiting for exports.</summary>
    public CancellationToken ExportDeadline => _exportDeadline.Token;

    /// <summary>When <see cref="ExportDeadline"/> passes (UTC); null before any signal.</summary>
    public DateTime? ExportDeadlineUtc
    {
        get
        {
            lock (_stopping) return _exportDeadlineUtc;
        }
    }

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>"SIGTERM", "SIGINT", or "cancellation" (the command line's token).</summary>
    public string What => Signal switch
    {
        PosixSignal.SIGINT => "SIGINT",
        PosixSignal.SIGTERM => "SIGTERM",
        { } other => other.ToString(),
        null => "cancellation",
    };

    /// <summary>128 + the signal number: what a shell reports for a process a signal ended (130 for SIGINT, 143 for SIGTERM).</summary>
    public static int ExitCodeFor(PosixSignal? signal) => signal switch
    {
        PosixSignal.SIGINT => 130,
        PosixSignal.SIGTERM => 143,
        PosixSignal.SIGQUIT => 131,
        PosixSignal.SIGHUP => 129,
        _ => 1,
    };

    /// <summary>A signal arrived (the registrations call this; tests call it directly).</summary>
    internal void Raise(PosixSignal signal)
    {
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Signal = signal;
            Begin(signal);
            return;
        }
        var code = ExitCodeFor(signal);
        Say($"kspan-actors: second signal ({Name(signal)}): exiting now with {code}, without exporting what is still held");
        _exit(code);
    }

    private void Begin(PosixSignal? signal)
    {
        lock (_stopping)
        {
            if (_exportDeadlineUtc is not null) return;
            _exportDeadlineUtc = DateTime.UtcNow + ExportBudget;
            _exportDeadline.CancelAfter(ExportBudget);
            _limitTimer = new Timer(_ =>
            {
                var code = ExitCodeFor(signal);
                Say($"kspan-actors: still running {Limit.TotalSeconds:0} s after {What} (KSpan:Shutdown:Deadline): exiting now with {code}");
                _exit(code);
            }, null, Limit, Timeout.InfiniteTimeSpan);
        }
        _stopping.Cancel();
    }

    private void Say(string line)
    {
        try
        {
            _stderr.WriteLine(line);
            _stderr.Flush();
        }
        catch (IOException)
        {
            // stderr closed: exit anyway.
        }
    }

    private static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => "SIGINT",
        PosixSignal.SIGTERM => "SIGTERM",
        _ => signal.ToString(),
    };

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _external.Dispose();
        _limitTimer?.Dispose();
        _stopping.Dispose();
        _exportDeadline.Dispose();
    }
}
