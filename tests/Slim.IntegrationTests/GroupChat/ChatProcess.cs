using System.Diagnostics;
using System.Text;

namespace Slim.IntegrationTests.GroupChat;

/// <summary>
/// The group chat sample as a real process with piped stdin and stdout, as a person would use it. Waits look at the
/// output lines; a process still running at dispose is killed by its PID.
/// </summary>
internal sealed class ChatProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChatProcess(Process process, string label)
    {
        _process = process;
        Label = label;
    }

    public string Label { get; }

    public int ProcessId => _process.Id;

    /// <summary>Every stdout line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static ChatProcess Start(string label, params string[] arguments)
    {
        var sample = Path.Combine(AppContext.BaseDirectory, "GroupChat.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(sample);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var chat = new ChatProcess(process, label);
        process.OutputDataReceived += (_, e) => chat.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (chat._stderr)
                {
                    chat._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return chat;
    }

    /// <summary>Types a line.</summary>
    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Closes stdin (end of input, like Ctrl+D).</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>The first output line (old or new) that matches.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan? timeout = null)
    {
        TaskCompletionSource<string> found;
        lock (_lines)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
        }

        var limit = timeout ?? Slim.Testing.TaskTimeoutExtensions.DefaultTimeout;
        try
        {
            return await found.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Label}: no line {what} within {limit.TotalSeconds:0} s.{Environment.NewLine}{Transcript()}");
        }
    }

    /// <summary>A line exactly equal to <paramref name="text"/>.</summary>
    public Task<string> WaitForLineAsync(string text) => WaitForLineAsync(l => l == text, $"'{text}'");

    /// <summary>Waits for the process to exit on its own and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? Slim.Testing.TaskTimeoutExtensions.DefaultTimeout;
        try
        {
            await _process.WaitForExitAsync().WaitAsync(limit);
            await _outputClosed.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Label} did not exit within {limit.TotalSeconds:0} s.{Environment.NewLine}{Transcript()}");
        }

        return _process.ExitCode;
    }

    public string Transcript()
    {
        lock (_stderr)
        {
            return $"--- {Label} stdout:{Environment.NewLine}{string.Join(Environment.NewLine, Lines)}{Environment.NewLine}--- {Label} stderr:{Environment.NewLine}{_stderr}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _outputClosed.TrySetResult();
            return;
        }

        List<TaskCompletionSource<string>> completed = [];
        lock (_lines)
        {
            _lines.Add(line);
            for (var i = 0; i < _waiters.Count; i++)
            {
                if (_waiters[i].Match(line))
                {
                    completed.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i--);
                }
            }
        }

        foreach (var waiter in completed)
        {
            waiter.TrySetResult(line);
        }
    }
}
