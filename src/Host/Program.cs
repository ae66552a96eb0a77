using System.Text;
using KSpanActors.Host;

Console.OutputEncoding = Encoding.UTF8;
// ProcessTerminationTimeout stays null: System.CommandLine then registers no signal handler of its own (in 2.0.0 it
// is null by default, whatever its documentation says). Every command stops on SIGINT/SIGTERM through ShutdownSignal.
return await Cli.Build().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
