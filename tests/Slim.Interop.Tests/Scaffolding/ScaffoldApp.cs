using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Slim.DataPlane.Connections;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Transport;
using Slim.Identity.SharedSecret;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session;
using Slim.Session.Mls;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests.Scaffolding;

/// <summary>
/// TEST SCAFFOLDING, not the SDK: one of our apps for the interop scenarios, made of the pieces the SDK will compose
/// (an in-process <see cref="MessageProcessor"/> with one outbound gRPC link to the node, a <see cref="LocalConnection"/>,
/// a <see cref="SessionLayer"/> with <see cref="MlsGroupSecurityFactory"/>, shared-secret identity). It exists so MLS
/// interop can be proven before the SDK's <see cref="IAppUnderTest"/> lands; the scenarios then move onto the SDK.
/// </summary>
internal sealed class ScaffoldApp : IAppUnderTest
{
    private readonly SharedSecretIdentityProvider _identity;
    private readonly SharedSecretIdentityVerifier _verifier;
    private readonly ScaffoldLog _log;
    private readonly ConcurrentQueue<ScaffoldSession> _incoming = new();
    private readonly SemaphoreSlim _incomingSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(uint SessionId, IGroupSecurity Security)> _groups = [];
    private MessageProcessor? _processor;
    private OutboundLink? _link;
    private LocalConnection? _local;
    private SessionLayer? _layer;
    private Task? _reader;
    private Task? _listener;
    private long _messageNumbers;

    public ScaffoldApp(string name, string sharedSecret)
    {
        Name = name;
        _identity = new SharedSecretIdentityProvider(name, sharedSecret);
        _verifier = new SharedSecretIdentityVerifier(sharedSecret);
        LocalName = SlimName.Parse(name).WithId(SlimIds.AppIdFromIdentity(_identity.Id));
        Id = SlimName.FormatInstanceId(LocalName.Id);
        _log = new ScaffoldLog(Description);
    }

    public string Name { get; }

    public string Id { get; }

    public string Description => $"scaffold app {Name}";

    /// <summary>The full name (with the app id).</summary>
    public SlimName LocalName { get; }

    /// <summary>Logged errors (a bug on our side, not a peer's fault).</summary>
    public IReadOnlyList<string> Errors => _log.Errors;

    /// <summary>Logged warnings and errors (dropped or refused messages, failed MLS operations).</summary>
    public IReadOnlyList<string> Warnings => _log.Warnings;

    /// <summary>The MLS state of a session (the latest one created for it).</summary>
    public IGroupSecurity Mls(uint sessionId)
    {
        lock (_groups)
        {
            return _groups.Last(g => g.SessionId == sessionId).Security;
        }
    }

    private SessionLayer Layer => _layer ?? throw new InvalidOperationException($"{Description} is not connected.");

    public async Task ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        _processor = new MessageProcessor(loggerFactory: _log);
        _link = await _processor.ConnectAsync(
            ct => new ValueTask<IFrameStream>(GrpcStreamClient.ConnectAsync(new GrpcClientOptions { Endpoint = endpoint, LoggerFactory = _log }, ct)),
            new OutboundLinkOptions { UseAsDefaultRoute = true, Description = Description },
            cancellationToken);
        _local = _processor.CreateLocalConnection(new LocalConnectionOptions { Description = Description });
        var options = SessionLayerOptions.Default with { GroupSecurity = new RecordingFactory(new MlsGroupSecurityFactory(null, _log), _groups) };
        _layer = new SessionLayer(LocalName, new Transport(_processor, _local, _link.ConnectionId), _identity, _verifier, options, TimeProvider.System, _log);
        _reader = Task.Run(ReadAsync, CancellationToken.None);
        _listener = Task.Run(ListenAsync, CancellationToken.None);
    }

    public Task SubscribeAsync(string? name = null, CancellationToken cancellationToken = default) =>
        _local!.SubscribeAsync(LocalName, name is null ? LocalName : SlimName.Parse(name), _link!.ConnectionId, _identity.GetToken(), cancellationToken);

    public Task UnsubscribeAsync(string? name = null, CancellationToken cancellationToken = default) =>
        _local!.UnsubscribeAsync(LocalName, name is null ? LocalName : SlimName.Parse(name), _link!.ConnectionId, _identity.GetToken(), cancellationToken);

    public Task SetRouteAsync(string name, CancellationToken cancellationToken = default)
    {
        _processor!.AddRoute(SlimName.Parse(name), _link!.ConnectionId);
        return Task.CompletedTask;
    }

    public async Task<ISessionUnderTest> CreateSessionAsync(string destination, TestSessionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new SessionConfig
        {
            Kind = options.Kind == TestSessionKind.Group ? SessionKind.Group : SessionKind.PointToPoint,
            Interval = options.MaxRetries is null ? null : options.Interval ?? TestSessionOptions.DefaultInterval,
            MaxRetries = options.MaxRetries,
            MlsEnabled = options.Mls,
            HeaderIntegrityValidationPercent = options.Mls ? options.HeaderIntegrityPercent ?? 100 : 0,
            Metadata = options.Metadata ?? new Dictionary<string, string>(),
        };
        var handle = await Layer.CreateSessionAsync(config, SlimName.Parse(destination), cancellationToken);
        return new ScaffoldSession(this, handle);
    }

    public async Task<ISessionUnderTest> WaitForSessionAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!await _incomingSignal.WaitAsync(timeout ?? OfficialSlim.CommandTimeout, cancellationToken))
        {
            throw new TimeoutException($"{Description}: no incoming session.\n{RecentDiagnostics()}");
        }

        _incoming.TryDequeue(out var session);
        return session!;
    }

    public string RecentDiagnostics() => _log.Recent();

    public long NextMessageNumber() => Interlocked.Increment(ref _messageNumbers);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_layer is not null)
        {
            await _layer.DisposeAsync();
        }

        if (_local is not null)
        {
            await _local.DisposeAsync();
        }

        await Task.WhenAll(new[] { _reader, _listener }.OfType<Task>()).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        if (_link is not null)
        {
            await _link.DisposeAsync();
        }

        if (_processor is not null)
        {
            await _processor.DisposeAsync();
        }

        _identity.Dispose();
        _verifier.Dispose();
        _stop.Dispose();
        _incomingSignal.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var delivery in _local!.ReadAllAsync(_stop.Token))
            {
                if (delivery.Message is { } message)
                {
                    await _layer!.OnMessageAsync(message);
                }
                else
                {
                    _log.Note($"routing error: {delivery.Error}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ListenAsync()
    {
        try
        {
            await foreach (var handle in _layer!.ReadIncomingSessionsAsync(_stop.Token))
            {
                _incoming.Enqueue(new ScaffoldSession(this, handle));
                _incomingSignal.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The session layer's view of the data plane: one local connection, subscriptions forwarded on the link.</summary>
    private sealed class Transport(MessageProcessor processor, LocalConnection local, ulong link) : ISessionTransport
    {
        public ValueTask SendAsync(Message message, CancellationToken cancellationToken) => local.SendAsync(message, cancellationToken);

        public ValueTask SubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken) =>
            new(local.SubscribeAsync(subscriber, name, link, string.Empty, cancellationToken));

        public ValueTask UnsubscribeAsync(SlimName name, SlimName subscriber, CancellationToken cancellationToken) =>
            new(local.UnsubscribeAsync(subscriber, name, link, string.Empty, cancellationToken));

        public ValueTask SetRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken)
        {
            processor.AddRoute(name, connectionId);
            return ValueTask.CompletedTask;
        }

        public ValueTask RemoveRouteAsync(SlimName name, ulong connectionId, CancellationToken cancellationToken)
        {
            processor.RemoveRoute(name, connectionId);
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>TEST SCAFFOLDING: remembers the group securities it creates, so tests can read their epochs.</summary>
internal sealed class RecordingFactory(IGroupSecurityFactory inner, List<(uint SessionId, IGroupSecurity Security)> created) : IGroupSecurityFactory
{
    public IGroupSecurity Create(GroupSecurityContext context)
    {
        var security = inner.Create(context);
        lock (created)
        {
            created.Add((context.SessionId, security));
        }

        return security;
    }
}

/// <summary>TEST SCAFFOLDING: starts <see cref="ScaffoldApp"/>s.</summary>
internal sealed class ScaffoldAppFactory : IAppFactory
{
    public static readonly ScaffoldAppFactory Instance = new();

    public string Description => "scaffold (SessionLayer + MLS glue)";

    public Task<IAppUnderTest> StartAsync(string name, string sharedSecret, CancellationToken cancellationToken = default) =>
        Task.FromResult<IAppUnderTest>(new ScaffoldApp(name, sharedSecret));
}

/// <summary>TEST SCAFFOLDING: keeps the recent log lines of one scaffold app (warnings and errors separately).</summary>
internal sealed class ScaffoldLog(string owner) : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _warnings = new();

    public IReadOnlyList<string> Errors => [.. _errors];

    public IReadOnlyList<string> Warnings => [.. _warnings];

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {eventId.Id}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.Message)}";
        Note(line);
        if (logLevel >= LogLevel.Warning)
        {
            _warnings.Enqueue(line);
        }

        if (logLevel >= LogLevel.Error)
        {
            _errors.Enqueue(line);
        }
    }

    public void Note(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > 200 && _lines.TryDequeue(out _))
        {
        }
    }

    public string Recent() => $"--- {owner}\n" + string.Join('\n', _lines);

    public void Dispose()
    {
    }
}
