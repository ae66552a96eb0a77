using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace KSpanActors.Bench;

/// <summary>
/// The benchmark's command line (System.CommandLine, as src/Host): every option of <see cref="BenchOptions"/> with its
/// help and default. <c>--help</c> prints them and exits 0; a wrong or unknown option prints one line and exits 2.
/// </summary>
internal static class BenchCli
{
    /// <summary>Exit code for wrong arguments (the same as kspan-actors').</summary>
    public const int UsageError = 2;

    private static readonly string[] Modes = ["pipeline", "watch", "replicas", "storm", "soak", "encode", "latency"];

    /// <summary>The options, or the exit code when there is nothing to run (help printed: 0; wrong arguments: 2, one line on stderr).</summary>
    public static (BenchOptions? Options, int ExitCode) Parse(string[] args)
    {
        var (root, bind) = Build();
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            var message = string.Join(' ', result.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Console.Error.WriteLine($"bench: {message} (see --help)");
            return (null, UsageError);
        }

        if (result.Action is not null) return (null, result.Invoke()); // --help
        return (bind(result), 0);
    }

    private static (RootCommand Root, Func<ParseResult, BenchOptions> Bind) Build()
    {
        var d = new BenchOptions();
        var root = new RootCommand(
            "KSpan Actors benchmark: drives generated Kubernetes activity (the demo generator's documents, written once to a " +
            "file under the temp folder and read back) through the real pipeline and prints its figures; the last line is one " +
            "JSON object. Run it as: dotnet run -c Release --project bench -- [options]");
        var binds = new List<Func<ParseResult, BenchOptions, BenchOptions>>();

        var mode = new Option<string>("--mode")
        {
            Description = "What to measure. pipeline: decode -> sharded actors -> spans -> OTLP/JSON, in process. watch: the real " +
                          "watch path against a fake API server streaming the input over HTTP. replicas: 1 vs 3 nodes in one process, " +
                          "then 1 vs 3 published kspan-actors processes. storm: a burst of pod creations. soak: a long run through " +
                          "busy objects (facts built directly). encode: span building, OTLP/JSON encoding and the replicas' serializer alone. latency: events at half the " +
                          "measured capacity, lag from a trace's last event fed to its root exported.",
            DefaultValueFactory = _ => d.Mode,
        };
        mode.AcceptOnlyFromAmong(Modes);
        root.Options.Add(mode);
        binds.Add((r, o) => o with { Mode = r.GetValue(mode)! });

        // Scale: the defaults depend on the mode, so these are nullable and resolved after parsing.
        var events = LongOption("--events", "Events in the generated scenario. Default 1,000,000 (replicas: 300,000; soak: 10,000,000).");
        var objects = LongOption("--objects", "Objects in the generated scenario. Default 100,000 (replicas: 30,000).");
        root.Options.Add(events);
        root.Options.Add(objects);
        binds.Add((r, o) => o with
        {
            Events = r.GetValue(events) ?? o.Mode switch { "soak" => 10_000_000, "replicas" => 300_000, _ => d.Events },
            Objects = r.GetValue(objects) ?? o.Mode switch { "replicas" => 30_000, _ => d.Objects },
        });

        Option<int> Int(string name, string help, int def, Func<BenchOptions, int, BenchOptions> set, int min = 1)
        {
            var option = Number(name, help, def, min, v => checked((int)v));
            root.Options.Add(option);
            binds.Add((r, o) => set(o, r.GetValue(option)));
            return option;
        }

        Option<long> Long(string name, string help, long def, Func<BenchOptions, long, BenchOptions> set, long min = 1)
        {
            var option = Number(name, help, def, min, v => v);
            root.Options.Add(option);
            binds.Add((r, o) => set(o, r.GetValue(option)));
            return option;
        }

        Option<bool> Flag(string name, string help, Func<BenchOptions, bool, BenchOptions> set)
        {
            var option = new Option<bool>(name) { Description = help };
            root.Options.Add(option);
            binds.Add((r, o) => set(o, r.GetValue(option)));
            return option;
        }

        // Pipeline settings.
        Int("--settle-ms", "Settle period (ms): a quiet top-level object exports its traces.", d.SettleMs, (o, v) => o with { SettleMs = v });
        Int("--passivate-ms", "Idle ObjectActors and name buckets stop after this long (ms).", d.PassivateMs, (o, v) => o with { PassivateMs = v });
        Int("--name-retention-s", "How long names and routes are kept after their last use (s); scaled down like settle and passivation.",
            d.NameRetentionSeconds, (o, v) => o with { NameRetentionSeconds = v });
        Int("--batch", "Spans per export batch.", d.BatchSize, (o, v) => o with { BatchSize = v });
        Int("--shards", "Shards of the watchers, and of the objects with --placement spread.", d.Shards, (o, v) => o with { Shards = v });
        Int("--shards-per-cluster", "Shards per cluster with --placement source.", d.ShardsPerCluster, (o, v) => o with { ShardsPerCluster = v });
        var placement = new Option<string>("--placement")
        {
            Description = "Where a cluster's object actors live among nodes (replicas mode): source (the node its facts come from, the service's default) or spread (all nodes, by hash).",
            DefaultValueFactory = _ => d.Placement.ToString().ToLowerInvariant(),
        };
        placement.AcceptOnlyFromAmong("source", "spread");
        root.Options.Add(placement);
        binds.Add((r, o) => o with { Placement = Enum.Parse<KSpanActors.Pipeline.ShardPlacement>(r.GetValue(placement)!, ignoreCase: true) });
        Long("--max-in-flight", "Tracked messages in flight before the input waits (back-pressure).", d.MaxInFlight, (o, v) => o with { MaxInFlight = v });

        // Input and decoding.
        Int("--decoders", "Threads decoding and feeding concurrently (pipeline mode).", d.Decoders, (o, v) => o with { Decoders = v });
        Int("--channel", "Batches of documents buffered between the file reader and the decoders.", d.ChannelCapacity, (o, v) => o with { ChannelCapacity = v });
        Int("--decode-sample", "Event decodes in the decode-only pass.", d.DecodeSample, (o, v) => o with { DecodeSample = v });
        Int("--decode-distinct", "Distinct event documents kept for the decode-only pass.", d.DecodeDistinct, (o, v) => o with { DecodeDistinct = v });
        Flag("--regenerate", "Rewrite the input file even when it is current.", (o, v) => o with { Regenerate = v });
        Long("--generator-sample", "When the input file is reused, events generated (not stored) to measure the generator alone.",
            d.GeneratorSample, (o, v) => o with { GeneratorSample = v }, min: 0);
        Long("--warm-up-docs", "Pipeline and watch modes: documents fed through a separate, untimed pipeline first (JIT warm-up; watch mode: through its own fake API server too); 0 for none.",
            d.WarmUpDocuments, (o, v) => o with { WarmUpDocuments = v }, min: 0);
        Int("--hold-ms", "After the drain, measure the live heap and keep the process up this long (for dotnet-gcdump).", d.HoldMs, (o, v) => o with { HoldMs = v }, min: 0);
        Int("--alloc-types", "Pipeline and watch modes: print the N types taking the most allocated bytes in the timed run (the runtime's allocation ticks, a sample); 0 for none.",
            d.AllocTypes, (o, v) => o with { AllocTypes = v }, min: 0);
        Flag("--gc-log", "Pipeline mode: print the timed run's garbage collections by generation and type (count, pauses, bytes promoted, reasons).",
            (o, v) => o with { GcLog = v });
        Flag("--jit-log", "Pipeline mode: print how many methods the JIT compiled in the timed run, by tier and by type.",
            (o, v) => o with { JitLog = v });

        // Storm mode.
        Int("--storm-pods", "Storm mode: pods created in one burst.", d.StormPods, (o, v) => o with { StormPods = v });
        Int("--storm-tail-s", "Storm mode: how long the crash loop and small rollouts go on after the burst (s).", d.StormTailSeconds,
            (o, v) => o with { StormTailSeconds = v }, min: 0);

        // Latency mode.
        Long("--rate", "Latency mode: events/s of the paced pass; 0 for half the capacity measured first.", d.Rate, (o, v) => o with { Rate = v }, min: 0);
        Long("--calibration-events", "Latency mode: events of the full-speed pass that measures the capacity (and warms up).", d.CalibrationEvents,
            (o, v) => o with { CalibrationEvents = v });
        Int("--latency-s", "Latency mode: how long the paced pass feeds (s), unless the input ends first.", d.LatencySeconds, (o, v) => o with { LatencySeconds = v });

        // Watch mode (and the fake clusters of the replicas mode).
        Int("--flush-lines", "Watch mode: watch lines the fake API server writes before a flush.", d.FlushLines, (o, v) => o with { FlushLines = v });
        Int("--kind-channel", "Watch mode: documents queued per kind between the file reader and that kind's watch response.", d.KindChannel,
            (o, v) => o with { KindChannel = v });
        Int("--timeout-s", "Watch and replicas modes: longest wait for a pass (events to arrive, drain), in seconds.", d.TimeoutSeconds,
            (o, v) => o with { TimeoutSeconds = v });

        // Replicas mode, processes pass.
        var kspanBin = new Option<string?>("--kspan-bin")
        {
            Description = "Replicas mode: a published kspan-actors (its folder, executable or .dll) instead of publishing src/Host (KSPAN_BIN works too).",
            HelpName = "PATH",
        };
        root.Options.Add(kspanBin);
        binds.Add((r, o) => o with { KspanBin = r.GetValue(kspanBin) });
        var processesOnly = Flag("--replica-processes-only", "Replicas mode: only the separate-processes pass.", (o, v) => o with { ReplicaProcessesOnly = v });
        var skipProcesses = Flag("--skip-replica-processes", "Replicas mode: only the in-process passes.", (o, v) => o with { SkipReplicaProcesses = v });
        var processEvents = Long("--process-events", "Replicas mode, processes pass: events over all fake clusters (each serves an equal share).", d.ProcessEvents,
            (o, v) => o with { ProcessEvents = v });
        var processClusters = Int("--process-clusters", "Replicas mode, processes pass: fake clusters, spread over the replicas' watchers.", d.ProcessClusters,
            (o, v) => o with { ProcessClusters = v });
        var replicaEnv = new Option<string[]>("--replica-env")
        {
            Description = "Replicas mode, processes pass: an extra environment variable for every replica (repeatable).",
            HelpName = "KEY=VALUE",
        };
        replicaEnv.Validators.Add(r =>
        {
            if (r.Tokens.FirstOrDefault(t => t.Value.IndexOf('=', StringComparison.Ordinal) < 1) is { } bad) r.AddError($"--replica-env {bad.Value}: expected KEY=VALUE");
        });
        root.Options.Add(replicaEnv);
        binds.Add((r, o) => o with { ReplicaEnv = r.GetValue(replicaEnv) ?? [] });

        root.Validators.Add(r =>
        {
            if (r.GetValue(processesOnly) && r.GetValue(skipProcesses))
            {
                r.AddError("--replica-processes-only and --skip-replica-processes exclude each other");
            }

            if (r.GetValue(processEvents) < r.GetValue(processClusters))
            {
                r.AddError("--process-events must be at least --process-clusters");
            }
        });

        return (root, r => binds.Aggregate(new BenchOptions(), (o, bind) => bind(r, o)));
    }

    /// <summary>A whole-number option that also takes thousands separators (1,000,000), at least <paramref name="min"/>.</summary>
    private static Option<T> Number<T>(string name, string help, T def, long min, Func<long, T> convert) => new(name)
    {
        Description = help,
        DefaultValueFactory = _ => def,
        HelpName = "N",
        CustomParser = r => ParseLong(r, min) is { } v ? Convert(r, v, convert) : default!,
    };

    private static Option<long?> LongOption(string name, string help) => new(name)
    {
        Description = help,
        HelpName = "N",
        CustomParser = r => ParseLong(r, 1),
    };

    private static T Convert<T>(ArgumentResult r, long value, Func<long, T> convert)
    {
        try
        {
            return convert(value);
        }
        catch (OverflowException)
        {
            r.AddError($"{Name(r)} {value}: too large");
            return default!;
        }
    }

    private static long? ParseLong(ArgumentResult r, long min)
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (!long.TryParse(text, NumberStyles.AllowThousands | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            r.AddError($"{Name(r)} {text}: expected a whole number");
            return null;
        }

        if (v < min)
        {
            r.AddError($"{Name(r)} {text}: must be at least {min}");
            return null;
        }

        return v;
    }

    private static string Name(ArgumentResult r) => (r.Parent as OptionResult)?.Option.Name ?? "value";
}
