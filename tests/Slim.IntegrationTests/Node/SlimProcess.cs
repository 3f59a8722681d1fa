using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Slim.IntegrationTests.Node;

/// <summary>
/// The real <c>slim</c> executable as a child process: its output lines can be awaited, signals sent to it by PID,
/// and it is killed (by PID) on dispose if it is still running.
/// </summary>
internal sealed partial class SlimProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly object _gate = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SlimProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Stdout => string.Join(Environment.NewLine, _stdout);

    public string Stderr => string.Join(Environment.NewLine, _stderr);

    /// <summary>Starts <c>slim</c> with <paramref name="arguments"/> from the test's output folder.</summary>
    public static SlimProcess Start(params string[] arguments)
    {
        var folder = AppContext.BaseDirectory;
        var apphost = Path.Combine(folder, OperatingSystem.IsWindows() ? "slim.exe" : "slim");
        var start = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo("dotnet") { ArgumentList = { "exec", Path.Combine(folder, "slim.dll") } };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        start.WorkingDirectory = folder;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var slim = new SlimProcess(process);
        process.OutputDataReceived += (_, e) => slim.OnLine(e.Data, slim._stdout, slim._stdoutClosed);
        process.ErrorDataReceived += (_, e) => slim.OnLine(e.Data, slim._stderr, slim._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return slim;
    }

    /// <summary>The first stdout line (already printed or still to come) matching <paramref name="match"/>.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        lock (_gate)
        {
            if (_stdout.FirstOrDefault(match) is { } line)
            {
                return Task.FromResult(line);
            }

            var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task;
        }
    }

    /// <summary>Waits for the line "SLIM gRPC server listening on http://127.0.0.1:PORT" and returns the endpoint.</summary>
    public async Task<Uri> WaitForEndpointAsync()
    {
        var line = await WaitForLineAsync(l => l.Contains("[620]", StringComparison.Ordinal)).ConfigureAwait(false);
        return new Uri(Listening().Match(line).Groups["endpoint"].Value);
    }

    /// <summary>Waits for the process to exit and for its output to be read to the end; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (SIGTERM 15, SIGINT 2) to the process by its PID (with the system's kill command).</summary>
    public async Task SignalAsync(int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { $"-{signal.ToString(System.Globalization.CultureInfo.InvariantCulture)}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("kill did not start");
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} failed with exit code {kill.ExitCode}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    public override string ToString() => $"stdout:{Environment.NewLine}{Stdout}{Environment.NewLine}stderr:{Environment.NewLine}{Stderr}";

    private void OnLine(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            lines.Enqueue(line);
            if (!ReferenceEquals(lines, _stdout))
            {
                return;
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Done.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    [GeneratedRegex(@"listening on (?<endpoint>https?://\S+)")]
    private static partial Regex Listening();
}
