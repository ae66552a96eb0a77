using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KSpanActors.Tests.Launch;

/// <summary>What a running kspan-actors answers on its HTTP port (127.0.0.1): /readyz and Prometheus /metrics; and free
/// ports to give it.</summary>
public static partial class KSpanHttp
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private static readonly HashSet<int> GivenPorts = [];

    /// <summary>/readyz: ready (200) or not, with what it answered (status and body, or the error) for messages.</summary>
    public static async Task<(bool Ready, string Answer)> ReadyzAsync(int port)
    {
        try
        {
            using var answer = await Http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
            return (answer.StatusCode == HttpStatusCode.OK, $"{(int)answer.StatusCode} {(await answer.Content.ReadAsStringAsync()).Trim()}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (false, e.Message);
        }
    }

    /// <summary>Polls <paramref name="process"/>'s /readyz on <paramref name="port"/> every 250 ms until 200. Throws
    /// InvalidOperationException when the process exits first, TimeoutException after <paramref name="timeout"/>; both
    /// with the last answer and the log's tail.</summary>
    public static async Task WaitReadyAsync(KSpanProcess process, int port, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(process);
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer yet";
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode} before it was ready\n{process.LogTail()}");
            (var ready, last) = await ReadyzAsync(port);
            if (ready) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{process.Name} did not answer /readyz 200 within {timeout.TotalSeconds:F0}s (last answer: {last})\n{process.LogTail()}");
            await Task.Delay(250);
        }
    }

    /// <summary>The kspan_* and dotnet_* series of /metrics, labelled ones summed by name; null when the process does not answer.</summary>
    public static async Task<IReadOnlyDictionary<string, double>?> MetricsAsync(int port)
    {
        string text;
        try
        {
            text = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match m in MetricLine().Matches(text))
        {
            if (double.TryParse(m.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                values[m.Groups["name"].Value] = values.GetValueOrDefault(m.Groups["name"].Value) + v;
            }
        }

        return values;
    }

    /// <summary>A port free on 127.0.0.1 now (the process binds it a moment later), never the same twice in one run.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (GivenPorts)
            {
                if (GivenPorts.Add(port)) return port;
            }
        }
    }

    [GeneratedRegex(@"^(?<name>(?:kspan|dotnet)_[a-z0-9_]+)(\{[^}]*\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
