using System.Text;
using KSpanActors.Host;

Console.OutputEncoding = Encoding.UTF8;
return await Cli.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
