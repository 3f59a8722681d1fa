using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Slim.Testing.Interop.Internal;

/// <summary>Something a harness script reported on its own (a line with an "event" field).</summary>
/// <param name="Kind">The event name, e.g. "ready", "message".</param>
/// <param name="Data">The whole line.</param>
internal sealed record HarnessEvent(string Kind, JsonElement Data);

/// <summary>
/// One Node.js harness script (tests/interop/*.mjs) as a child process speaking JSON lines: commands on stdin, results
/// and events on stdout, diagnostics on stderr. The script is started through <c>/bin/sh</c> so that its protocol
/// descriptor (fd 3) becomes our stdout while the native core's log (fd 1) joins stderr. Disposal closes stdin, waits
/// briefly, then kills the process (by its PID) if it is still there.
/// </summary>
internal sealed class HarnessProcess : IAsyncDisposable
{
    private static readonly TimeSpan GracefulExit = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly Action<HarnessEvent>? _onEvent;
    private readonly Action<Exception>? _onExit;
    private readonly object _gate = new();
    private readonly Dictionary<long, TaskCompletionSource<JsonElement>> _pending = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private long _nextId;
    private Exception? _exitFailure;
    private int _disposed;

    private HarnessProcess(string label, Process process, Action<HarnessEvent>? onEvent, Action<Exception>? onExit)
    {
        Label = label;
        _process = process;
        _onEvent = onEvent;
        _onExit = onExit;
        Pid = process.Id;
        _stdoutPump = Task.Run(PumpStdoutAsync);
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    /// <summary>Name used in messages, e.g. "official app org/ns/alice".</summary>
    public string Label { get; }

    public int Pid { get; }

    /// <summary>Every event so far; waits peek (events are not consumed).</summary>
    public Mailbox<HarnessEvent> Events { get; } = new();

    public DiagnosticsLog Stderr { get; } = new(600);

    public DiagnosticsLog Transcript { get; } = new(400);

    public bool HasExited => _exited.Task.IsCompleted;

    public static HarnessProcess Start(
        string label,
        OfficialSlim environment,
        string script,
        IEnumerable<string> arguments,
        Action<HarnessEvent>? onEvent = null,
        Action<Exception>? onExit = null)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = environment.HarnessDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // exec keeps the PID: the process we own is node itself.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" 3>&1 1>&2");
        start.ArgumentList.Add(environment.NodeExecutable);
        start.ArgumentList.Add(Path.Combine(environment.HarnessDirectory, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SLIM_HARNESS_OUT_FD"] = "3";
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("NODE_OPTIONS");

        var process = new Process { StartInfo = start };
        try
        {
            if (!process.Start())
            {
                throw new InteropHarnessException($"{label}: the process did not start.");
            }
        }
        catch (Exception ex) when (ex is not InteropHarnessException)
        {
            process.Dispose();
            throw new InteropHarnessException($"{label}: could not start {environment.NodeExecutable} {script}: {ex.Message}", ex);
        }

        return new HarnessProcess(label, process, onEvent, onExit);
    }

    /// <summary>Sends one command and returns its "result" object; a failed command throws <see cref="InteropCommandException"/>.</summary>
    public async Task<JsonElement> SendAsync(
        string command, JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var line = new JsonObject { ["id"] = id, ["cmd"] = command };
        if (arguments is not null)
        {
            foreach (var (key, value) in arguments)
            {
                line[key] = value?.DeepClone();
            }
        }

        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_exitFailure is not null)
            {
                throw new InteropHarnessException($"{Label}: cannot send {command}: {_exitFailure.Message}", _exitFailure);
            }

            _pending.Add(id, completion);
        }

        var text = line.ToJsonString();
        Transcript.Add($"-> {text}");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteAsync((text + "\n").AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Forget(id);
            throw new InteropHarnessException($"{Label}: cannot send {command}: {ex.Message}{Environment.NewLine}{RecentDiagnostics()}", ex);
        }
        finally
        {
            _writeLock.Release();
        }

        JsonElement reply;
        try
        {
            reply = await completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Forget(id);
            throw new TimeoutException(
                $"{Label}: {command} got no answer within {timeout.TotalSeconds:0.###} s.{Environment.NewLine}{RecentDiagnostics()}");
        }
        catch (OperationCanceledException)
        {
            Forget(id);
            throw;
        }

        if (reply.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
        {
            return reply.TryGetProperty("result", out var result) ? result : default;
        }

        throw new InteropCommandException(
            command,
            reply.TryGetProperty("errorType", out var type) ? type.GetString() ?? "Unknown" : "Unknown",
            reply.TryGetProperty("error", out var error) ? error.GetString() ?? string.Empty : string.Empty,
            $"{Label} (pid {Pid}):{Environment.NewLine}{Stderr.Tail(30)}");
    }

    /// <summary>Waits for an event (old or new) of <paramref name="kind"/> matching <paramref name="match"/>.</summary>
    public Task<HarnessEvent> WaitForEventAsync(
        string kind, Func<HarnessEvent, bool>? match, TimeSpan timeout, CancellationToken cancellationToken) =>
        Events.WaitAsync(
            e => e.Kind == kind && (match is null || match(e)),
            consume: false,
            timeout,
            $"{Label}: waiting for \"{kind}\"",
            RecentDiagnostics,
            cancellationToken);

    /// <summary>The tail of the process's stderr and of the protocol transcript.</summary>
    public string RecentDiagnostics() =>
        $"--- {Label} (pid {Pid}{(HasExited ? ", exited" : string.Empty)}) stderr:{Environment.NewLine}{Stderr.Tail(60)}" +
        $"--- {Label} protocol:{Environment.NewLine}{Transcript.Tail(40)}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!HasExited)
        {
            try
            {
                // The scripts exit on end of stdin.
                _process.StandardInput.Close();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                Stderr.Add($"(closing stdin failed: {ex.Message})");
            }

            await Task.WhenAny(_exited.Task, Task.Delay(GracefulExit)).ConfigureAwait(false);
        }

        if (!HasExited)
        {
            Kill();
        }

        await Task.WhenAny(Task.WhenAll(_stdoutPump, _stderrPump), Task.Delay(GracefulExit)).ConfigureAwait(false);
        _process.Dispose();
        _writeLock.Dispose();
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            Stderr.Add($"(killed pid {Pid})");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Stderr.Add($"(kill of pid {Pid} failed: {ex.Message})");
        }
    }

    private void Forget(long id)
    {
        lock (_gate)
        {
            _pending.Remove(id);
        }
    }

    private async Task PumpStdoutAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                Transcript.Add($"<- {line}");
                Dispatch(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Stderr.Add($"(stdout read failed: {ex.Message})");
        }

        await OnStdoutClosedAsync().ConfigureAwait(false);
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                Stderr.Add(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Stderr.Add($"(stderr read failed: {ex.Message})");
        }
    }

    private void Dispatch(string line)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            Stderr.Add($"(stdout, not JSON) {line}");
            return;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            Stderr.Add($"(stdout, not an object) {line}");
            return;
        }

        if (root.TryGetProperty("event", out var kind) && kind.ValueKind == JsonValueKind.String)
        {
            var harnessEvent = new HarnessEvent(kind.GetString()!, root);
            try
            {
                _onEvent?.Invoke(harnessEvent);
            }
#pragma warning disable CA1031 // A faulty event handler must not stop the pump that every other wait depends on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Stderr.Add($"(event handler failed on {line}: {ex})");
            }

            Events.Add(harnessEvent);
            return;
        }

        if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number &&
            idElement.TryGetInt64(out var id))
        {
            TaskCompletionSource<JsonElement>? completion;
            lock (_gate)
            {
                _pending.Remove(id, out completion);
            }

            if (completion is null)
            {
                Stderr.Add($"(result for an unknown or abandoned command) {line}");
            }

            completion?.TrySetResult(root);
            return;
        }

        Stderr.Add($"(stdout, neither result nor event) {line}");
    }

    private async Task OnStdoutClosedAsync()
    {
        string exit;
        try
        {
            using var wait = new CancellationTokenSource(GracefulExit);
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            exit = $"exited with code {_process.ExitCode.ToString(CultureInfo.InvariantCulture)}";
        }
        catch (OperationCanceledException)
        {
            exit = "closed its output but is still running";
        }

        await Task.WhenAny(_stderrPump, Task.Delay(TimeSpan.FromMilliseconds(500))).ConfigureAwait(false);
        var failure = new InteropHarnessException(
            $"{Label} (pid {Pid}) {exit}.{Environment.NewLine}{RecentDiagnostics()}");
        List<TaskCompletionSource<JsonElement>> pending;
        lock (_gate)
        {
            _exitFailure = failure;
            pending = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (var completion in pending)
        {
            completion.TrySetException(failure);
        }

        Events.Fail(failure);
        try
        {
            _onExit?.Invoke(failure);
        }
#pragma warning disable CA1031 // Same reason as in Dispatch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Stderr.Add($"(exit handler failed: {ex})");
        }

        _exited.TrySetResult();
    }
}
