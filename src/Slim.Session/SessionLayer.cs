using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.Identity;
using Slim.Protocol;
using Slim.Session.Internal;
using Slim.Session.Internal.Security;

namespace Slim.Session;

/// <summary>
/// The sessions of one app: creates sessions as their moderator, accepts invitations as a participant, answers
/// discovery, and dispatches every inbound session message to its session.
/// </summary>
/// <remarks>
/// <para>
/// Feed it the Publish messages the data plane delivers for this app (<see cref="OnMessageAsync"/>); it sends through
/// an <see cref="ISessionTransport"/>. All timers run on the given <see cref="TimeProvider"/>.
/// </para>
/// <para>
/// Each session runs on its own serial loop; the layer itself runs discovery replies and session creation on another.
/// Peer input never throws: invalid, unverifiable or unexpected messages are logged, counted
/// (<c>slim.session.messages.dropped</c>) and dropped.
/// </para>
/// </remarks>
public sealed partial class SessionLayer : IAsyncDisposable
{
    private readonly SessionServices _services;
    private readonly SerialExecutor _executor;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, SessionEngine> _sessions = new();
    private readonly Channel<SessionHandle> _incoming;
    private readonly Lock _namesGate = new();
    private SlimName[] _localNames;
    private int _disposed;

    /// <summary>Creates the session layer of an app.</summary>
    /// <param name="localName">The app's full name: <c>org/namespace/app</c> with its instance id.</param>
    /// <param name="transport">Sends messages and manages subscriptions and routes.</param>
    /// <param name="identity">The app's identity: tokens for every message, and the key signing control messages.</param>
    /// <param name="verifier">Verifies peers' tokens (discovery requests always, MLS sessions' control messages).</param>
    /// <param name="options">Settings; null for <see cref="SessionLayerOptions.Default"/>.</param>
    /// <param name="timeProvider">The clock of every timer; null for the system clock.</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    /// <exception cref="ArgumentException">The local name has no instance id or no component strings.</exception>
    public SessionLayer(
        SlimName localName,
        ISessionTransport transport,
        IIdentityProvider identity,
        IIdentityVerifier verifier,
        SessionLayerOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
        : this(localName, transport, identity, verifier, options, timeProvider, loggerFactory, new WorkTracker())
    {
    }

    internal SessionLayer(
        SlimName localName,
        ISessionTransport transport,
        IIdentityProvider identity,
        IIdentityVerifier verifier,
        SessionLayerOptions? options,
        TimeProvider? timeProvider,
        ILoggerFactory? loggerFactory,
        WorkTracker tracker)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(verifier);
        if (localName.IsAnyInstance || SlimName.IsReservedId(localName.Id) || !localName.HasComponentStrings)
        {
            throw new ArgumentException("The local name needs its component strings and a (non-reserved) instance id.", nameof(localName));
        }

        options ??= SessionLayerOptions.Default;
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger("Slim.Session");
        _services = new SessionServices
        {
            Layer = this,
            Transport = transport,
            Identity = identity,
            Verifier = verifier,
            Gate = new IdentityGate(verifier),
            Time = timeProvider ?? TimeProvider.System,
            Options = options,
            LoggerFactory = loggerFactory,
            Metrics = new SessionMetrics(options.MeterFactory),
            Tracker = tracker,
            AppId = localName.Id,
            LocalName = localName,
        };
        _localNames = [localName];
        _incoming = Channel.CreateBounded<SessionHandle>(new BoundedChannelOptions(options.IncomingSessionCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
        _executor = new SerialExecutor(tracker, _logger, $"session layer of {localName}");
    }

    /// <summary>The app's full name (with its instance id).</summary>
    public SlimName LocalName => _services.LocalName;

    /// <summary>The app's instance id.</summary>
    public UInt128 AppId => _services.AppId;

    /// <summary>The settings.</summary>
    public SessionLayerOptions Options => _services.Options;

    /// <summary>The open sessions (a snapshot).</summary>
    public IReadOnlyCollection<SessionHandle> Sessions => _sessions.Values.Select(s => s.Handle).ToList();

    /// <summary>
    /// The names this app answers invitations for (their prefixes, with the app's id): its own name and those added with
    /// <see cref="AddLocalName"/>.
    /// </summary>
    public IReadOnlyList<SlimName> LocalNames
    {
        get
        {
            lock (_namesGate)
            {
                return _localNames;
            }
        }
    }

    internal WorkTracker Tracker => _services.Tracker;

    internal System.Diagnostics.Metrics.Meter Meter => _services.Metrics.Meter;

    /// <summary>
    /// Accepts discovery and invitations addressed to another name of this app, which the app has subscribed on its
    /// node (official SLIM ignores invitations for names the app did not subscribe).
    /// </summary>
    public void AddLocalName(SlimName name)
    {
        var full = name.WithId(AppId);
        lock (_namesGate)
        {
            if (!_localNames.Contains(full))
            {
                _localNames = [.. _localNames, full];
            }
        }
    }

    /// <summary>Stops accepting invitations for a name added with <see cref="AddLocalName"/>.</summary>
    public bool RemoveLocalName(SlimName name)
    {
        var full = name.WithId(AppId);
        lock (_namesGate)
        {
            if (full == LocalName || !_localNames.Contains(full))
            {
                return false;
            }

            _localNames = [.. _localNames.Where(n => n != full)];
            return true;
        }
    }

    /// <summary>The open session with this id, or null.</summary>
    public SessionHandle? GetSession(uint sessionId) => _sessions.TryGetValue(sessionId, out var engine) ? engine.Handle : null;

    /// <summary>
    /// Creates a session with this app as its moderator. A point-to-point session discovers an instance of
    /// <paramref name="destination"/>, invites it, and returns once it has joined. A group session on the channel
    /// <paramref name="destination"/> returns at once; add members with <see cref="SessionHandle.InviteAsync"/>.
    /// </summary>
    /// <exception cref="SlimSessionException">
    /// Invalid configuration, MLS requested without an implementation, or the peer did not join
    /// (<see cref="SlimErrorCode.SessionTimeout"/>).
    /// </exception>
    public Task<SessionHandle> CreateSessionAsync(
        SessionConfig config, SlimName destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ThrowIfDisposed();
        if (!destination.HasComponentStrings)
        {
            throw new ArgumentException("The destination needs its component strings.", nameof(destination));
        }

        if (config.MlsEnabled && Options.GroupSecurity is null)
        {
            throw new SlimSessionException(
                SlimErrorCode.GroupSecurityUnavailable, "MLS is enabled but no group security implementation is configured.");
        }

        SessionEngine engine;
        while (true)
        {
            var id = SlimIds.NewSessionId();
            if (_sessions.ContainsKey(id))
            {
                continue;
            }

            engine = SessionEngine.CreateModerator(_services, id, config, destination);
            if (_sessions.TryAdd(id, engine))
            {
                break;
            }
        }

        _services.Metrics.SessionCreated(config.Kind, moderator: true);
        Log.SessionCreated(_logger, engine.Id, config.Kind, "moderator", destination);
        if (config.Kind == SessionKind.Group)
        {
            return Task.FromResult(engine.Handle);
        }

        // The loop's own task is returned when nothing can cancel: it completes inside the loop, with no extra hop.
        var establishing = engine.EstablishAsync();
        return cancellationToken.CanBeCanceled ? WaitOrAbortAsync(engine, establishing, cancellationToken) : establishing;
    }

    private static async Task<SessionHandle> WaitOrAbortAsync(
        SessionEngine engine, Task<SessionHandle> establishing, CancellationToken cancellationToken)
    {
        try
        {
            return await establishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await engine.AbortAsync(SessionCloseReason.EstablishmentFailed).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits for the next session this app was invited to (announced once its welcome is processed).</summary>
    /// <param name="timeout">Gives up after this long (on the layer's clock); null waits until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.SessionTimeout"/> after <paramref name="timeout"/>; <see cref="SlimErrorCode.SessionClosed"/>
    /// when the layer is disposed.
    /// </exception>
    public async ValueTask<SessionHandle> ListenForSessionAsync(
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var timer = timeout is { } t ? new CancellationTokenSource(t, _services.Time) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer?.Token ?? CancellationToken.None);
        try
        {
            return await _incoming.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw new SlimSessionException(SlimErrorCode.SessionTimeout, $"No session arrived within {timeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new SlimSessionException(SlimErrorCode.SessionClosed, "The session layer is disposed.");
        }
    }

    /// <summary>The sessions this app is invited to, as they arrive (ends when the layer is disposed).</summary>
    public IAsyncEnumerable<SessionHandle> ReadIncomingSessionsAsync(CancellationToken cancellationToken = default) =>
        _incoming.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Ends every session at once without telling the peers (they notice through missed heartbeats) and stops the
    /// layer. Close sessions first (<see cref="SessionHandle.CloseAsync"/>) for a graceful shutdown.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _incoming.Writer.TryComplete();
        foreach (var engine in _sessions.Values.ToList())
        {
            await engine.AbortAsync(SessionCloseReason.LayerDisposed).ConfigureAwait(false);
            engine.Executor.Complete();
        }

        _sessions.Clear();
        _executor.Complete();
    }

    /// <summary>A participant session processed its welcome: hand it to the app.</summary>
    internal void Announce(SessionEngine engine)
    {
        if (!_incoming.Writer.TryWrite(engine.Handle))
        {
            Log.IncomingQueueFull(_logger, engine.Id);
            _services.Metrics.Dropped(DropReason.IncomingQueueFull);
            _ = engine.CloseAsync(CancellationToken.None);
        }
    }

    /// <summary>A session closed (called on its loop): forget it, but remember its id for a while.</summary>
    internal void OnSessionClosed(SessionEngine engine, IReadOnlyList<SlimName> peers)
    {
        _sessions.TryRemove(new KeyValuePair<uint, SessionEngine>(engine.Id, engine));
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var tombstone = new Tombstone(
            _services.Time.GetUtcNow() + Options.ClosedSessionLinger,
            engine.LocalName,
            engine.LocalWire,
            engine.Kind,
            engine.IsModerator,
            engine.IsModerator ? null : engine.ModeratorName,
            [.. peers]);
        _executor.Post(() => _tombstones[engine.Id] = tombstone);
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new SlimSessionException(SlimErrorCode.SessionClosed, "The session layer is disposed.");
        }
    }

    private bool IsLocalName(SlimName destination)
    {
        foreach (var name in LocalNames)
        {
            if (name.HasSamePrefix(destination) && (destination.IsAnyInstance || destination.Id == AppId))
            {
                return true;
            }
        }

        return false;
    }
}
