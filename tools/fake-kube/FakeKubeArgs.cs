using System.Globalization;

namespace KSpanActors.Tools.FakeKube;

/// <summary>The command line of fake-kube; <see cref="Parse"/> returns an error naming the flag.</summary>
internal sealed record FakeKubeArgs
{
    public const string Usage = """
        fake-kube --capture PATH --dir OUTDIR [--clusters 5] [--stream-interval-ms 200] [--duration-s 25]
                  [--initial 0] [--go-file PATH] [--exit-on-stdin-close]

        Starts N fake Kubernetes API servers on 127.0.0.1 (fake-1..fake-N), each holding the documents of the capture.
        Writes OUTDIR/<name>.kubeconfig (context <name>), OUTDIR/servers.json and OUTDIR/expected.json (the Event
        occurrences, uid and count, every cluster must turn into spans), then releases the documents evenly over
        --duration-s (checked every --stream-interval-ms), in every cluster at once. With --go-file, the stream starts
        when that file exists (the first --initial documents are released at start-up). Each server answers
        GET /fake/status. Prints one line per change; stops on SIGTERM, Ctrl+C or (with --exit-on-stdin-close) the end of stdin.
        """;

    public int Clusters { get; init; } = 5;

    public string Capture { get; init; } = "";

    public string Dir { get; init; } = "";

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(25);

    public int Initial { get; init; }

    public string? GoFile { get; init; }

    public bool ExitOnStdinClose { get; init; }

    public static (FakeKubeArgs Args, string? Error) Parse(IReadOnlyList<string> argv)
    {
        var args = new FakeKubeArgs();
        for (var i = 0; i < argv.Count; i++)
        {
            var flag = argv[i];
            if (flag == "--exit-on-stdin-close")
            {
                args = args with { ExitOnStdinClose = true };
                continue;
            }

            if (flag is "--help" or "-h") return (args, Usage);
            if (i + 1 >= argv.Count) return (args, $"{flag}: a value is missing");
            var value = argv[++i];
            int Number(int min)
            {
                if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min) throw new FormatException($"{flag}: '{value}' is not a whole number >= {min}");
                return n;
            }

            try
            {
                args = flag switch
                {
                    "--clusters" => args with { Clusters = Number(1) },
                    "--capture" => args with { Capture = value },
                    "--dir" => args with { Dir = value },
                    "--stream-interval-ms" => args with { Interval = TimeSpan.FromMilliseconds(Number(10)) },
                    "--duration-s" => args with { Duration = TimeSpan.FromSeconds(Number(0)) },
                    "--initial" => args with { Initial = Number(0) },
                    "--go-file" => args with { GoFile = value },
                    _ => throw new FormatException($"unknown flag {flag}"),
                };
            }
            catch (FormatException e)
            {
                return (args, e.Message);
            }
        }

        if (args.Capture.Length == 0) return (args, "--capture is required");
        if (!File.Exists(args.Capture) && !Directory.Exists(args.Capture)) return (args, $"--capture {args.Capture}: no such file or folder");
        if (args.Dir.Length == 0) return (args, "--dir is required");
        return (args, null);
    }
}
