using System.Diagnostics;

namespace KSpanActors.Bench;

/// <summary>Samples the process working set every 100 ms (Process.Refresh), keeping the peak overall and since the last mark.</summary>
internal sealed class ProcessSampler : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly Timer _timer;
    private readonly object _gate = new();
    private long _peak;
    private long _phasePeak;

    public ProcessSampler()
    {
        Sample();
        _timer = new Timer(_ => Sample(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public long PeakBytes
    {
        get { lock (_gate) return _peak; }
    }

    public long PhasePeakBytes
    {
        get { lock (_gate) return _phasePeak; }
    }

    /// <summary>Starts a new phase: its peak starts at the current working set.</summary>
    public void Mark()
    {
        var now = Current();
        lock (_gate)
        {
            _phasePeak = now;
            _peak = Math.Max(_peak, now);
        }
    }

    public long Current()
    {
        lock (_process)
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public TimeSpan CpuTime()
    {
        lock (_process)
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    private void Sample()
    {
        var ws = Current();
        lock (_gate)
        {
            _peak = Math.Max(_peak, ws);
            _phasePeak = Math.Max(_phasePeak, ws);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Sample();
        _process.Dispose();
    }
}
