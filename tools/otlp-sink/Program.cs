using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Grpc.Core;
using KSpanActors.Otlp.Proto.Collector;
using KSpanActors.Tools.OtlpSink;
using Microsoft.AspNetCore.Server.Kestrel.Core;

const string Usage = """
    otlp-sink --out SPANS.jsonl [--port 0] [--ready-file PATH]

    An OTLP/gRPC trace receiver on 127.0.0.1 (h2c). Appends every received span to --out as one JSON line
    {trace, span, parent, name, service, cluster, event_uid, count, start, end}, flushed after each request. With
    --ready-file, writes its endpoint (http://127.0.0.1:PORT) there once it listens. Stops on SIGTERM or Ctrl+C.
    """;

var port = 0;
string? output = null, readyFile = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--help" or "-h")
    {
        Console.WriteLine(Usage);
        return 0;
    }

    if (i + 1 >= args.Length) return Fail($"{args[i]}: a value is missing");
    var value = args[++i];
    switch (args[i - 1])
    {
        case "--port" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535:
            port = p;
            break;
        case "--out":
            output = value;
            break;
        case "--ready-file":
            readyFile = value;
            break;
        default:
            return Fail($"{args[i - 1]} {value}: unknown flag or bad value");
    }
}

if (output is null) return Fail("--out is required");

using var spans = new SpanFile(output);
ListenOptions? listen = null;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => { o.Protocols = HttpProtocols.Http2; listen = o; }));
builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
builder.Services.AddSingleton(spans);
var app = builder.Build();
app.MapGrpcService<TraceReceiver>();

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
await app.StartAsync();
var endpoint = $"http://127.0.0.1:{listen!.IPEndPoint!.Port}";
if (readyFile is not null)
{
    File.WriteAllText(readyFile + ".tmp", endpoint + "\n");
    File.Move(readyFile + ".tmp", readyFile, overwrite: true);
}

Console.WriteLine($"otlp-sink listening on {endpoint} (gRPC), writing {Path.GetFullPath(output)}");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
{
    try
    {
        await app.StopAsync(grace.Token);
    }
    catch (OperationCanceledException)
    {
    }
}

await app.DisposeAsync();
Console.WriteLine($"otlp-sink stopped: {spans.Spans} spans in {spans.Requests} requests");
return 0;

static int Fail(string message)
{
    Console.Error.WriteLine($"otlp-sink: {message}\n\n{Usage}");
    return 2;
}

/// <summary>The TraceService: writes the request's spans, answers full success.</summary>
internal sealed class TraceReceiver(SpanFile spans) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        spans.Append(SpanLines.From(request).ToList());
        return Task.FromResult(new ExportTraceServiceResponse());
    }
}
