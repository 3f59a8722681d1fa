using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slim.Testing.Interop.Internal;

namespace Slim.Testing.Interop;

/// <summary>An app of the official package in its own process (tests/interop/app.mjs), driven over JSON lines.</summary>
public sealed class OfficialApp : IAppUnderTest
{
    private readonly ConcurrentDictionary<string, OfficialSession> _sessions = new(StringComparer.Ordinal);
    private readonly Mailbox<OfficialSession> _incoming = new();
    private HarnessProcess? _process;

    private OfficialApp(string name)
    {
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Id { get; private set; } = string.Empty;

    /// <inheritdoc />
    public string Description => $"official app {Name}";

    /// <summary>The app process id.</summary>
    public int ProcessId => Process.Pid;

    private HarnessProcess Process => _process ?? throw new InvalidOperationException("The app process is not started.");

    /// <inheritdoc />
    public async Task ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await SendCommandAsync("connect", new JsonObject { ["endpoint"] = endpoint.GetLeftPart(UriPartial.Authority) }, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task SubscribeAsync(string? name = null, CancellationToken cancellationToken = default) =>
        SendCommandAsync("subscribe", name is null ? null : new JsonObject { ["name"] = name }, cancellationToken);

    /// <inheritdoc />
    public Task UnsubscribeAsync(string? name = null, CancellationToken cancellationToken = default) =>
        SendCommandAsync("unsubscribe", name is null ? null : new JsonObject { ["name"] = name }, cancellationToken);

    /// <inheritdoc />
    public Task SetRouteAsync(string name, CancellationToken cancellationToken = default) =>
        SendCommandAsync("set_route", new JsonObject { ["name"] = name }, cancellationToken);

    /// <summary>Removes a route set with <see cref="SetRouteAsync"/>.</summary>
    public Task RemoveRouteAsync(string name, CancellationToken cancellationToken = default) =>
        SendCommandAsync("remove_route", new JsonObject { ["name"] = name }, cancellationToken);

    /// <inheritdoc />
    public async Task<ISessionUnderTest> CreateSessionAsync(
        string destination, TestSessionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arguments = new JsonObject
        {
            ["destination"] = destination,
            ["type"] = options.Kind == TestSessionKind.Group ? "group" : "p2p",
            ["mls"] = options.Mls,
            ["maxRetries"] = options.MaxRetries,
            ["intervalMs"] = options.MaxRetries is null
                ? null
                : (int)(options.Interval ?? TestSessionOptions.DefaultInterval).TotalMilliseconds,
        };
        if (options.HeaderIntegrityPercent is { } percent)
        {
            arguments["headerIntegrityPercent"] = percent;
        }

        if (options.Metadata is { } metadata)
        {
            arguments["metadata"] = ToJson(metadata);
        }

        var result = await SendCommandAsync("create_session", arguments, cancellationToken).ConfigureAwait(false);
        var session = SessionFor(result.GetProperty("session").GetString()!);
        session.Describe(result);
        return session;
    }

    /// <inheritdoc />
    public async Task<ISessionUnderTest> WaitForSessionAsync(
        TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await _incoming.WaitAsync(
            _ => true,
            consume: true,
            timeout ?? OfficialSlim.CommandTimeout,
            $"{Description}: waiting for an incoming session",
            RecentDiagnostics,
            cancellationToken).ConfigureAwait(false);

    /// <summary>Checks that the process answers (and reports the bindings' version).</summary>
    public async Task<string> PingAsync(CancellationToken cancellationToken = default)
    {
        var result = await SendCommandAsync("ping", null, cancellationToken).ConfigureAwait(false);
        return result.GetProperty("version").GetString() ?? string.Empty;
    }

    /// <summary>
    /// Sends any harness command (see docs/interop.md) and returns its "result" object; a failed command throws
    /// <see cref="InteropCommandException"/>. For commands without a typed helper.
    /// </summary>
    public Task<JsonElement> SendCommandAsync(
        string command, JsonObject? arguments, CancellationToken cancellationToken = default) =>
        Process.SendAsync(command, arguments, OfficialSlim.CommandTimeout, cancellationToken);

    /// <inheritdoc />
    public string RecentDiagnostics() => _process?.RecentDiagnostics() ?? $"{Description}: not started";

    /// <summary>Ends the app process (end of stdin, then a kill by PID if it lingers).</summary>
    public ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;

    internal static async Task<OfficialApp> StartAsync(
        OfficialSlim environment, string name, string sharedSecret, CancellationToken cancellationToken)
    {
        var app = new OfficialApp(name);
        app._process = HarnessProcess.Start($"official app {name}", environment, "app.mjs", [], app.OnEvent, app.OnExit);
        try
        {
            await app.Process.WaitForEventAsync("ready", null, OfficialSlim.CommandTimeout, cancellationToken).ConfigureAwait(false);
            var created = await app.SendCommandAsync(
                "create_app", new JsonObject { ["name"] = name, ["secret"] = sharedSecret }, cancellationToken).ConfigureAwait(false);
            app.Id = created.GetProperty("id").GetString() ?? string.Empty;
            return app;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal static JsonObject ToJson(IReadOnlyDictionary<string, string> values)
    {
        var json = new JsonObject();
        foreach (var (key, value) in values)
        {
            json[key] = value;
        }

        return json;
    }

    internal OfficialSession SessionFor(string handle) =>
        _sessions.GetOrAdd(handle, h => new OfficialSession(this, h));

    private void OnEvent(HarnessEvent e)
    {
        if (!e.Data.TryGetProperty("session", out var handleElement) || handleElement.GetString() is not { } handle)
        {
            return; // ready, listen_error: kept in the process's event log and transcript only.
        }

        var session = SessionFor(handle);
        switch (e.Kind)
        {
            case "session":
                session.Describe(e.Data);
                _incoming.Add(session);
                break;
            case "message":
                session.OnMessage(e.Data);
                break;
            case "session_closed":
                session.OnClosed(e.Data);
                break;
            case "session_error":
                session.OnError(e.Data);
                break;
            default:
                break;
        }
    }

    private void OnExit(Exception failure)
    {
        _incoming.Fail(failure);
        foreach (var session in _sessions.Values)
        {
            session.Fail(failure);
        }
    }
}
