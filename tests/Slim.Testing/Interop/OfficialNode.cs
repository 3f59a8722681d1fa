using System.Globalization;
using Slim.Testing.Interop.Internal;

namespace Slim.Testing.Interop;

/// <summary>How the official node is built; the two differ in what they demand of a client's link.</summary>
public enum OfficialNodeMode
{
    /// <summary>
    /// The server is declared in the service configuration, as a stock <c>slim</c> node does: a client must offer an
    /// X25519 key during link negotiation and every Subscribe/Unsubscribe/Publish must carry a valid header MAC.
    /// </summary>
    Strict,

    /// <summary>An app-style server (<c>runServer</c>): link crypto is optional, used only when the client offers a key.</summary>
    Lenient,
}

/// <summary>An official SLIM node (tests/interop/node.mjs) listening on 127.0.0.1.</summary>
public sealed class OfficialNode : INodeUnderTest
{
    private readonly HarnessProcess _process;

    private OfficialNode(HarnessProcess process, OfficialNodeMode mode, int port, string version)
    {
        _process = process;
        Mode = mode;
        Port = port;
        Version = version;
        Endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Strict or lenient.</summary>
    public OfficialNodeMode Mode { get; }

    /// <summary>The TCP port it listens on.</summary>
    public int Port { get; }

    /// <summary>The official bindings' version string (e.g. 2.0.0-alpha.10).</summary>
    public string Version { get; }

    /// <summary>The node process id.</summary>
    public int ProcessId => _process.Pid;

    /// <inheritdoc />
    public Uri Endpoint { get; }

    /// <inheritdoc />
    public string Description => $"official {Mode.ToString().ToLowerInvariant()} node on 127.0.0.1:{Port}";

    /// <inheritdoc />
    public string RecentDiagnostics() => _process.RecentDiagnostics();

    /// <summary>Stops the node (end of stdin, then a kill by PID if it lingers).</summary>
    public ValueTask DisposeAsync() => _process.DisposeAsync();

    internal static async Task<OfficialNode> StartAsync(
        OfficialSlim environment, OfficialNodeMode mode, int port, CancellationToken cancellationToken)
    {
        var modeText = mode == OfficialNodeMode.Strict ? "strict" : "lenient";
        var process = HarnessProcess.Start(
            $"official {modeText} node :{port}",
            environment,
            "node.mjs",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--mode", modeText]);
        try
        {
            var outcome = await process.Events.WaitAsync(
                e => e.Kind is "ready" or "failed",
                consume: false,
                OfficialSlim.CommandTimeout,
                $"{process.Label}: waiting for it to serve",
                process.RecentDiagnostics,
                cancellationToken).ConfigureAwait(false);
            if (outcome.Kind == "failed")
            {
                var error = outcome.Data.TryGetProperty("error", out var e) ? e.GetString() : "unknown error";
                throw new InteropHarnessException($"{process.Label} could not start: {error}{Environment.NewLine}{process.RecentDiagnostics()}");
            }

            var version = outcome.Data.TryGetProperty("version", out var v) ? v.GetString() ?? string.Empty : string.Empty;
            return new OfficialNode(process, mode, port, version);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
