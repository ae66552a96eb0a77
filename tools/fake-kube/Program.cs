using System.Runtime.InteropServices;
using System.Text.Json;
using KSpanActors.Tests.FakeKube;
using KSpanActors.Tools.FakeKube;

var (options, error) = FakeKubeArgs.Parse(args);
if (error is not null)
{
    var help = error == FakeKubeArgs.Usage;
    (help ? Console.Out : Console.Error).WriteLine(help ? error : $"fake-kube: {error}\n\n{FakeKubeArgs.Usage}");
    return help ? 0 : 2;
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
if (options.ExitOnStdinClose)
{
    _ = Task.Run(async () =>
    {
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        await stop.CancelAsync();
    });
}

Directory.CreateDirectory(options.Dir);
var problems = new List<string>();
var expected = ExpectedOccurrences.From(CaptureReader.Read(options.Capture, problems.Add));
foreach (var p in problems) Console.Error.WriteLine($"fake-kube: {p}");

var servers = new List<(string Name, FakeKubeApiServer Server, string Kubeconfig)>();
try
{
    for (var i = 1; i <= options.Clusters; i++)
    {
        var name = $"fake-{i}";
        var server = await FakeKubeApiServer.StartAsync(new FakeKubeOptions { ClusterUid = $"00000000-0000-4000-8000-{i:D12}" });
        var loaded = server.LoadCapture(options.Capture, hold: true);
        var kubeconfig = Path.Combine(Path.GetFullPath(options.Dir), $"{name}.kubeconfig");
        File.Move(server.WriteKubeconfig(options.Dir, name), kubeconfig, overwrite: true);
        servers.Add((name, server, kubeconfig));
        Console.WriteLine($"{name} listening on {server.BaseAddress} with {loaded} documents held, kubeconfig {kubeconfig}");
    }

    var total = servers[0].Server.PendingDocuments;
    WriteAtomically(Path.Combine(options.Dir, "expected.json"), JsonSerializer.Serialize(new
    {
        capture = Path.GetFullPath(options.Capture),
        documents = total,
        clusters = servers.Select(s => s.Name),
        occurrences = expected.Select(o => new { uid = o.Uid, count = o.Count, name = o.Name }),
    }));
    WriteAtomically(Path.Combine(options.Dir, "servers.json"), JsonSerializer.Serialize(
        servers.Select(s => new { name = s.Name, url = s.Server.BaseAddress.ToString().TrimEnd('/'), kubeconfig = s.Kubeconfig, context = s.Name })));
    Console.WriteLine($"ready: {servers.Count} clusters, {total} documents each, {expected.Count} event occurrences expected per cluster");

    var initial = Math.Min(options.Initial, total);
    if (initial > 0)
    {
        foreach (var s in servers) s.Server.ReleaseNext(initial);
        Console.WriteLine($"released {initial} documents in every cluster before the stream");
    }

    using var ticks = new PeriodicTimer(options.Interval);
    var watches = servers.ToDictionary(s => s.Name, _ => (Opened: 0, Open: 0, Lists: 0));
    async Task<bool> TickAsync()
    {
        if (!await ticks.WaitForNextTickAsync(stop.Token)) return false;
        foreach (var (name, server, _) in servers)
        {
            var now = (server.WatchesOpened, server.OpenWatches, server.ListsServed);
            if (now != watches[name])
            {
                watches[name] = now;
                Console.WriteLine($"{name} watches opened={now.WatchesOpened} open={now.OpenWatches} lists={now.ListsServed}");
            }
        }

        return true;
    }

    if (options.GoFile is { } go)
    {
        Console.WriteLine($"waiting for {go} to start the stream");
        while (!File.Exists(go) && await TickAsync())
        {
        }
    }

    var started = DateTime.UtcNow;
    var released = initial;
    Console.WriteLine($"stream started: {total - initial} documents per cluster over {options.Duration.TotalSeconds:0.#} s");
    while (released < total)
    {
        var due = options.Duration <= TimeSpan.Zero ? total : initial + (int)((total - initial) * Math.Min(1, (DateTime.UtcNow - started) / options.Duration));
        if (due > released)
        {
            foreach (var s in servers) s.Server.ReleaseNext(due - released);
            released = due;
            Console.WriteLine($"released {released}/{total} documents in every cluster");
        }

        if (released < total && !await TickAsync()) break;
    }

    Console.WriteLine($"stream ended after {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
    while (await TickAsync())
    {
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
finally
{
    Console.WriteLine("stopping");
    foreach (var s in servers) await s.Server.DisposeAsync();
}

return 0;

static void WriteAtomically(string path, string text)
{
    var temp = path + ".tmp";
    File.WriteAllText(temp, text + "\n");
    File.Move(temp, path, overwrite: true);
}
