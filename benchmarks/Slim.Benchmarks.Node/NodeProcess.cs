using System.Diagnostics;
using System.Globalization;

namespace Slim.Benchmarks.Node;

/// <summary>A node under measurement as a child process: started, awaited until it serves, stopped by PID.</summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string? _configFile;

    private NodeProcess(Process process, string? configFile, int port)
    {
        _process = process;
        _configFile = configFile;
        Endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Where apps connect.</summary>
    public Uri Endpoint { get; }

    /// <summary>CPU time the node process has used so far (user and system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        }
    }

    /// <summary>The official node of the interop harness, strict (as the stock binary), native log at error level.</summary>
    public static async Task<NodeProcess> StartOfficialAsync(string harness, int port)
    {
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { Path.Combine(harness, "node.mjs"), "--port", port.ToString(CultureInfo.InvariantCulture), "--mode", "strict", "--log-level", "error" },
            Environment = { ["NO_COLOR"] = "1" },
        };
        return await StartAsync(start, null, port, line => line.StartsWith("{\"event\":\"ready\"", StringComparison.Ordinal));
    }

    /// <summary>Our <c>slim</c> executable with a one-server configuration, logging warnings (and its start/stop lines).</summary>
    public static async Task<NodeProcess> StartOursAsync(string slim, int port)
    {
        var config = Path.Combine(Path.GetTempPath(), $"slim-bench-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"""
            tracing:
              log_level: warn
              filters:
                - Slim.Node=info
            services:
              slim/0:
                node_id: benchmark-node
                dataplane:
                  servers:
                    - endpoint: "127.0.0.1:{port}"
                      tls:
                        insecure: true
            """);
        var start = new ProcessStartInfo(slim) { ArgumentList = { "--config", config } };
        return await StartAsync(start, config, port, line => line.Contains("[641]", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Official node: end of stdin stops it; ours: SIGTERM. Both are then killed by PID if they linger.
            _process.StandardInput.Close();
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        if (_configFile is not null)
        {
            File.Delete(_configFile);
        }
    }

    private static async Task<NodeProcess> StartAsync(ProcessStartInfo start, string? config, int port, Func<string, bool> ready)
    {
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var node = new NodeProcess(process, config, port);
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ready(line))
            {
                serving.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(serving.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))) != serving.Task)
        {
            await node.DisposeAsync();
            throw new InvalidOperationException($"{start.FileName} did not start serving");
        }

        return node;
    }
}
