using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Slim.Node.Configuration;
using Slim.Protocol;

namespace Slim.Node.Hosting.Internal;

/// <summary>
/// What <c>slim [--config FILE]</c> does: load the configuration (or the embedded default), start the node, wait for
/// SIGTERM or SIGINT, stop it within the drain timeout. A second signal while draining exits at once.
/// </summary>
/// <remarks>Exit codes: 0 after a clean stop, 1 for an invalid configuration, 2 when the node cannot start, 130 on a forced exit.</remarks>
internal static class NodeRunner
{
    public const int ExitOk = 0;
    public const int ExitConfigurationInvalid = 1;
    public const int ExitStartFailed = 2;
    public const int ExitForced = 130;

    public static async Task<int> RunAsync(FileInfo? configFile, TextWriter error)
    {
        NodeConfiguration configuration;
        try
        {
            configuration = configFile is null ? NodeConfigurationLoader.Default() : NodeConfigurationLoader.Load(configFile.FullName);
        }
        catch (NodeConfigurationException ex)
        {
            await error.WriteLineAsync($"slim: invalid configuration: {ex.Message}").ConfigureAwait(false);
            return ExitConfigurationInvalid;
        }

        using var loggerFactory = NodeLogging.Create(configuration);
        var logger = loggerFactory.CreateLogger("Slim.Node");
        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            var name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
            if (!stop.TrySetResult(name))
            {
                NodeLog.ForcedExit(logger, name);
                loggerFactory.Dispose();
                Environment.Exit(ExitForced);
            }
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        SlimNodeHost host;
        try
        {
            host = await SlimNodeHost.StartAsync(configuration, loggerFactory).ConfigureAwait(false);
        }
        catch (SlimException ex)
        {
            NodeLog.StartFailed(logger, ex.Message);
            await error.WriteLineAsync($"slim: cannot start: {ex.Message}").ConfigureAwait(false);
            return ExitStartFailed;
        }

        var reason = await stop.Task.ConfigureAwait(false);
        await host.StopAsync(reason: reason).ConfigureAwait(false);
        return ExitOk;
    }
}
