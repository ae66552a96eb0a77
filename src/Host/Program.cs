using System.Text;
using KSpanActors.Host;

Console.OutputEncoding = Encoding.UTF8;
return await Cli.InvokeAsync(args).ConfigureAwait(false);
