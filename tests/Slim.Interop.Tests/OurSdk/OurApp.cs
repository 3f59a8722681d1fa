using Microsoft.Extensions.Logging;
using Slim.Client;
using Slim.Protocol;
using Slim.Session;
using Slim.Session.Mls;
using Slim.Testing;
using Slim.Testing.Interop;
using Slim.Testing.Interop.Internal;

namespace Slim.Interop.Tests.OurSdk;

/// <summary>Starts apps of our SDK, each in its own <see cref="SlimService"/> (as an official app has its own process).</summary>
public sealed class OurAppFactory : IAppFactory
{
    /// <summary>The one instance.</summary>
    public static readonly OurAppFactory Instance = new();

    private OurAppFactory()
    {
    }

    /// <inheritdoc />
    public string Description => "ours";

    /// <inheritdoc />
    public async Task<IAppUnderTest> StartAsync(string name, string sharedSecret, CancellationToken cancellationToken = default) =>
        await OurApp.StartAsync(name, sharedSecret, cancellationToken).ConfigureAwait(false);
}

/// <summary>
/// An app of our SDK behind the interop interfaces, with what MLS interop tests look at besides: the MLS group of each
/// of its sessions (<see cref="Mls"/>) and the warnings it logged (<see cref="Warnings"/>).
/// </summary>
public sealed class OurApp : IAppUnderTest
{
    private readonly SlimService _service;
    private readonly CollectingLoggerFactory _log;
    private readonly RecordingGroupSecurityFactory _mls;
    private readonly SessionTraffic _traffic;
    private readonly Mailbox<OurSession> _incoming = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _listener;
    private long _nextMessage;

    private OurApp(SlimService service, SlimApp app, CollectingLoggerFactory log, RecordingGroupSecurityFactory mls, SessionTraffic traffic)
    {
        _service = service;
        App = app;
        _log = log;
        _mls = mls;
        _traffic = traffic;
        Name = app.Name.ToString("P");
        Id = SlimName.FormatInstanceId(app.Id);
        _listener = Task.Run(ListenAsync);
    }

    /// <summary>The SDK app.</summary>
    public SlimApp App { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public string Description => $"our app {Name}";

    /// <summary>What the app logged at warning level and above (dropped or refused messages, failed MLS operations, ...).</summary>
    public IReadOnlyList<CollectingLoggerFactory.LogEntry> Warnings => _log.AtLeast(LogLevel.Warning);

    /// <summary>Starts an app (not connected yet).</summary>
    public static async Task<OurApp> StartAsync(string name, string sharedSecret, CancellationToken cancellationToken)
    {
        var log = new CollectingLoggerFactory();
        var traffic = new SessionTraffic();
        var service = new SlimService(new SlimServiceOptions { LoggerFactory = log, MeterFactory = traffic });
        try
        {
            // MLS as official apps have it (MLS sessions can be created and joined), through the SDK's GroupSecurity
            // option so that tests can read each session's group.
            var mls = new RecordingGroupSecurityFactory(new MlsGroupSecurityFactory(loggerFactory: log));
            var options = new SlimAppOptions { GroupSecurity = mls };
            var app = await service.CreateAppAsync(SlimName.Parse(name), sharedSecret, options, cancellationToken).ConfigureAwait(false);
            return new OurApp(service, app, log, mls, traffic);
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            traffic.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await _service.ConnectAsync(endpoint.GetLeftPart(UriPartial.Authority), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task SubscribeAsync(string? name = null, CancellationToken cancellationToken = default) =>
        App.SubscribeAsync(name is null ? App.Name : SlimName.Parse(name), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task UnsubscribeAsync(string? name = null, CancellationToken cancellationToken = default) =>
        App.UnsubscribeAsync(name is null ? App.Name : SlimName.Parse(name), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task SetRouteAsync(string name, CancellationToken cancellationToken = default) =>
        App.SetRouteAsync(SlimName.Parse(name), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task<ISessionUnderTest> CreateSessionAsync(
        string destination, TestSessionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new SlimSessionConfig
        {
            SessionType = options.Kind == TestSessionKind.Group ? SlimSessionType.Group : SlimSessionType.PointToPoint,
            EnableMls = options.Mls,
            MaxRetries = options.MaxRetries,
            RetryInterval = options.MaxRetries is null ? null : options.Interval ?? TestSessionOptions.DefaultInterval,
            // As the official app of the harness (app.mjs): with MLS, every received header is checked unless told otherwise.
            HeaderIntegrityValidationPercent = options.Mls ? options.HeaderIntegrityPercent ?? 100 : 0,
            Metadata = options.Metadata ?? new Dictionary<string, string>(),
        };
        var session = await App.CreateSessionAsync(config, SlimName.Parse(destination), cancellationToken).ConfigureAwait(false);
        return new OurSession(this, session);
    }

    /// <inheritdoc />
    public async Task<ISessionUnderTest> WaitForSessionAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await _incoming.WaitAsync(
            _ => true,
            consume: true,
            timeout ?? OfficialSlim.CommandTimeout,
            $"{Description}: waiting for a session",
            RecentDiagnostics,
            cancellationToken).ConfigureAwait(false);

    /// <summary>How many session messages of <paramref name="type"/> (<c>heartbeat</c>, <c>msg</c>, ...) the app sent or received so far.</summary>
    public long SessionMessages(TrafficDirection direction, string type) => _traffic.Count(direction, type);

    /// <summary>
    /// Waits until the app has sent or received its <paramref name="ordinal"/>-th session message of
    /// <paramref name="type"/> (counted per app, over all its sessions).
    /// </summary>
    public Task<SessionTrafficEvent> WaitForSessionMessageAsync(
        TrafficDirection direction, string type, long ordinal, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _traffic.WaitForAsync(direction, type, ordinal, timeout, RecentDiagnostics, cancellationToken);

    /// <summary>The MLS group of session <paramref name="sessionId"/> (the latest one this app created for it).</summary>
    public IGroupSecurity Mls(uint sessionId) => _mls.Latest(sessionId);

    /// <inheritdoc />
    public string RecentDiagnostics() => string.Join(Environment.NewLine, _log.Entries.TakeLast(200));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _service.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _listener.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
        _traffic.Dispose();
    }

    internal long NextMessageNumber() => Interlocked.Increment(ref _nextMessage);

    private async Task ListenAsync()
    {
        await foreach (var session in App.ListenForSessionsAsync(_stop.Token).ConfigureAwait(false))
        {
            _incoming.Add(new OurSession(this, session));
        }
    }

    /// <summary>Hands the session layer the real MLS glue and remembers what it created, per session.</summary>
    private sealed class RecordingGroupSecurityFactory(IGroupSecurityFactory inner) : IGroupSecurityFactory
    {
        private readonly List<(uint SessionId, IGroupSecurity Security)> _created = [];

        public IGroupSecurity Create(GroupSecurityContext context)
        {
            var security = inner.Create(context);
            lock (_created)
            {
                _created.Add((context.SessionId, security));
            }

            return security;
        }

        public IGroupSecurity Latest(uint sessionId)
        {
            lock (_created)
            {
                for (var i = _created.Count - 1; i >= 0; i--)
                {
                    if (_created[i].SessionId == sessionId)
                    {
                        return _created[i].Security;
                    }
                }
            }

            throw new InvalidOperationException($"No MLS group was created for session {sessionId}.");
        }
    }
}
