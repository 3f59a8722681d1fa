using System.CommandLine;
using System.CommandLine.Invocation;
using Slim.Node.Hosting.Internal;

namespace Slim.Node;

/// <summary>The <c>slim</c> command line: <c>slim [--config FILE]</c>, <c>slim --version</c>.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "Node configuration (YAML, as for the official SLIM node). Without it: one clear-text server on 127.0.0.1:46357.",
        };
        var root = new RootCommand("SLIM node (SLIM for .NET): routes SLIM v2 messages between apps and other nodes.") { config };
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersion();
        }

        root.SetAction((parse, _) => NodeRunner.RunAsync(parse.GetValue(config), Console.Error));

        // The node handles SIGTERM and SIGINT itself (graceful drain), so the parser's own handling is off.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(NodeVersion.Text);
            return 0;
        }
    }
}
