using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Slim.Client.Internal;
using Slim.DataPlane.Connections;
using Slim.Identity;
using Slim.Protocol;
using Slim.Session;

namespace Slim.Client;

/// <summary>
/// A SLIM app (official <c>App</c>): a name with an identity, the sessions it creates as moderator, and the sessions it
/// is invited to. Create it with <see cref="SlimService.CreateAppAsync(SlimName, string, SlimAppOptions?, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// <para>
/// The app's full name is its name plus an id derived from its identity (<see cref="Id"/>). It is subscribed when the
/// app is created, so other apps can invite it right away; on the node too when the service is connected.
/// </para>
/// <para>
/// Thread-safe. Disposing the app closes its sessions gracefully (a moderator deletes its sessions, a participant
/// leaves), bounded by <see cref="SlimAppOptions.CloseTimeout"/>, and withdraws its subscriptions.
/// </para>
/// </remarks>
public sealed class SlimApp : IAsyncDisposable
{
    private readonly SlimService _service;
    private readonly LocalConnection _local;
    private readonly IIdentityVerifier _verifier;
    private readonly bool _ownsIdentity;
    private readonly SlimAppOptions _options;
    private readonly SessionLayer _layer;
    private readonly AppTransport _transport;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, SlimSession> _sessions = [];

    // Names subscribed without naming a connection: they follow the service's default connection, so they are
    // subscribed on the node once the service connects.
    private readonly HashSet<SlimName> _defaultNames = [];
    private Task _pump = Task.CompletedTask;
    private Task? _disposing;

    internal SlimApp(
        SlimService service,
        SlimName name,
        LocalConnection local,
        IIdentityProvider provider,
        IIdentityVerifier verifier,
        bool ownsIdentity,
        SlimAppOptions options)
    {
        _service = service;
        _local = local;
        Identity = provider;
        _verifier = verifier;
        _ownsIdentity = ownsIdentity;
        _options = options;
        Name = name.WithId(SlimIds.AppIdFromIdentity(provider.Id));
        _logger = service.LoggerFactory.CreateLogger("Slim.Client");
        var sessions = options.ResolveSessions(() => service.BuiltInMls);
        if (sessions.MeterFactory is null && service.Options.MeterFactory is { } meters)
        {
            sessions = sessions with { MeterFactory = meters };
        }

        _transport = new AppTransport(service, local);
        _layer = new SessionLayer(Name, _transport, provider, verifier, sessions, service.Time, service.LoggerFactory);
    }

    /// <summary>The app's full name: <c>org/namespace/app</c> with its id.</summary>
    public SlimName Name { get; }

    /// <summary>The app's id (the fourth name component), derived from its identity.</summary>
    public UInt128 Id => Name.Id;

    internal ulong ConnectionId => _local.Id;

    /// <summary>The service (embedded node) this app lives in.</summary>
    public SlimService Service => _service;

    /// <summary>The app's identity: its tokens, and the key signing its control messages.</summary>
    public IIdentityProvider Identity { get; }

    /// <summary>The open sessions, created or joined.</summary>
    public IReadOnlyList<SlimSession> Sessions
    {
        get
        {
            lock (_gate)
            {
                return [.. _sessions.Values.Where(s => s.State != SessionState.Closed)];
            }
        }
    }

    /// <summary>
    /// Receives messages for <paramref name="name"/> (official <c>subscribe</c>), and accepts invitations addressed to
    /// it. A name without id is subscribed with this app's id, so both discovery (addressed to the name) and session
    /// traffic (addressed to the name with this id) reach this app.
    /// </summary>
    /// <param name="name">The name to receive.</param>
    /// <param name="connection">
    /// The node connection to subscribe on; null for the service's default connection, now or once it connects
    /// (only the embedded node when the service is not connected).
    /// </param>
    /// <param name="cancellationToken">Cancels waiting for the node's acknowledgement.</param>
    /// <exception cref="SlimException">The node refused or did not acknowledge the subscription (<see cref="SlimErrorCode.SubscriptionFailed"/>, <see cref="SlimErrorCode.SubscriptionAckTimeout"/>).</exception>
    public async Task SubscribeAsync(SlimName name, SlimConnection? connection = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var full = Resolve(name);
        if (connection is null)
        {
            lock (_gate)
            {
                _defaultNames.Add(full);
            }
        }

        var via = connection ?? _service.DefaultConnection;
        await _local.SubscribeAsync(Name, full, via?.Id, TokenFor(full), cancellationToken).ConfigureAwait(false);
        if (full.Id == Id && full != Name)
        {
            _layer.AddLocalName(full);
        }
    }

    /// <summary>Stops receiving messages for <paramref name="name"/> (official <c>unsubscribe</c>).</summary>
    /// <param name="name">A name given to <see cref="SubscribeAsync"/>.</param>
    /// <param name="connection">The connection it was subscribed on (null: as subscribed without one).</param>
    /// <param name="cancellationToken">Cancels waiting for the node's acknowledgement.</param>
    /// <exception cref="SlimException">The name was not subscribed (<see cref="SlimErrorCode.SubscriptionFailed"/>), or no acknowledgement came.</exception>
    public async Task UnsubscribeAsync(SlimName name, SlimConnection? connection = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var full = Resolve(name);
        if (connection is null)
        {
            lock (_gate)
            {
                _defaultNames.Remove(full);
            }
        }

        if (full.Id == Id && full != Name)
        {
            _layer.RemoveLocalName(full);
        }

        var via = connection ?? _service.DefaultConnection;
        await _local.UnsubscribeAsync(Name, full, via?.Id, TokenFor(full), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends traffic for <paramref name="name"/> (an app name, or a full name) to a node connection (official
    /// <c>set_route</c>). Rarely needed here: whatever no local app subscribed goes to the default connection anyway.
    /// Routes belong to the service: every app of the service uses them.
    /// </summary>
    /// <exception cref="SlimException"><see cref="SlimErrorCode.NotConnected"/> when no connection is given and the service has none.</exception>
    public Task SetRouteAsync(SlimName name, SlimConnection? connection = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        _service.Processor.AddRoute(name, RouteConnection(connection).Id);
        return Task.CompletedTask;
    }

    /// <summary>Removes a route added with <see cref="SetRouteAsync"/> (official <c>remove_route</c>); nothing happens if there was none.</summary>
    /// <exception cref="SlimException"><see cref="SlimErrorCode.NotConnected"/> when no connection is given and the service has none.</exception>
    public Task RemoveRouteAsync(SlimName name, SlimConnection? connection = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        _service.Processor.RemoveRoute(name, RouteConnection(connection).Id);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Creates a session with this app as its moderator. Point-to-point: finds an instance of
    /// <paramref name="destination"/>, invites it, and completes once it joined. Group: <paramref name="destination"/>
    /// is the channel name; completes at once, then add members with <see cref="SlimSession.InviteAsync"/>.
    /// </summary>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.SessionTimeout"/> (nobody answered), <see cref="SlimErrorCode.GroupSecurityUnavailable"/>
    /// (MLS requested by an app created with <see cref="SlimAppOptions.DisableMls"/>), <see cref="SlimErrorCode.InvalidSessionConfig"/>.
    /// </exception>
    public async Task<SlimSession> CreateSessionAsync(
        SlimSessionConfig config, SlimName destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ThrowIfDisposed();
        if (config.EnableMls && _layer.Options.GroupSecurity is null)
        {
            throw new SlimSessionException(
                SlimErrorCode.GroupSecurityUnavailable,
                "EnableMls is refused: this app was created with SlimAppOptions.DisableMls.");
        }

        var handle = await _layer.CreateSessionAsync(config.ToSessionConfig(), destination, cancellationToken).ConfigureAwait(false);
        return Track(handle);
    }

    /// <summary>Waits for the next session another app invited this one to (official <c>listen_for_session</c>).</summary>
    /// <param name="timeout">Gives up after this long; null waits until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.SessionTimeout"/> after <paramref name="timeout"/>; <see cref="SlimErrorCode.SessionClosed"/>
    /// when the app is closed.
    /// </exception>
    public async ValueTask<SlimSession> ListenForSessionAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var handle = await _layer.ListenForSessionAsync(timeout, cancellationToken).ConfigureAwait(false);
        return Track(handle);
    }

    /// <summary>The sessions this app is invited to, as they arrive; ends when the app is closed.</summary>
    public async IAsyncEnumerable<SlimSession> ListenForSessionsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var handle in _layer.ReadIncomingSessionsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Track(handle);
        }
    }

    /// <summary>
    /// Closes a session (official <c>delete_session</c>): a moderator deletes it for everyone, a participant leaves it.
    /// </summary>
    public Task DeleteSessionAsync(SlimSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.DeleteAsync(cancellationToken);
    }

    /// <summary>
    /// Closes the app: its sessions close gracefully (within <see cref="SlimAppOptions.CloseTimeout"/>), then its
    /// subscriptions are withdrawn, here and on the node.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposing ??= Task.Run(DisposeCoreAsync);
            return new ValueTask(_disposing);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"app {Name}";

    internal async Task StartAsync(SlimConnection? connection, CancellationToken cancellationToken)
    {
        _pump = Task.Run(PumpAsync, CancellationToken.None);
        lock (_gate)
        {
            _defaultNames.Add(Name);
        }

        await _local.SubscribeAsync(Name, Name, connection?.Id, TokenFor(Name), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The service connected its first node: subscribe there what this app (and its sessions) subscribed without a
    /// connection.
    /// </summary>
    internal async Task SubscribeDefaultNamesAsync(SlimConnection connection, CancellationToken cancellationToken)
    {
        SlimName[] names;
        lock (_gate)
        {
            if (_disposing is not null)
            {
                return;
            }

            names = [.. _defaultNames];
        }

        foreach (var name in names)
        {
            try
            {
                await _local.SubscribeAsync(Name, name, connection.Id, TokenFor(name), cancellationToken).ConfigureAwait(false);
            }
            catch (SlimException ex)
            {
                Log.SubscriptionFailed(_logger, Name, name, connection.Id, ex);
            }
        }

        try
        {
            await _transport.ForwardLocalSubscriptionsAsync(connection.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (SlimException ex)
        {
            Log.SubscriptionFailed(_logger, Name, Name, connection.Id, ex);
        }
    }

    internal void OnSessionClosed(SlimSession session)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(session.Id, out var current) && ReferenceEquals(current, session))
            {
                _sessions.Remove(session.Id);
            }
        }
    }

    private SlimSession Track(SessionHandle handle)
    {
        SlimSession session;
        lock (_gate)
        {
            if (_sessions.TryGetValue(handle.Id, out var known) && known.Handle == handle)
            {
                return known;
            }

            session = new SlimSession(this, handle);
            _sessions[handle.Id] = session;
        }

        _ = handle.Completion.ContinueWith(
            static (_, state) => ((SlimSession)state!).OnClosed(),
            session,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return session;
    }

    private SlimName Resolve(SlimName name)
    {
        if (!name.HasComponentStrings)
        {
            throw new ArgumentException("The name needs its three components (org/namespace/app).", nameof(name));
        }

        return name.IsAnyInstance ? name.WithId(Id) : name;
    }

    // Official apps put their token on the subscription of their own name (nodes may use it); other names go without.
    private string TokenFor(SlimName name) => name == Name ? Identity.GetToken() : string.Empty;

    private SlimConnection RouteConnection(SlimConnection? connection) =>
        connection ?? _service.DefaultConnection ?? throw new SlimException(
            SlimErrorCode.NotConnected,
            "The service has no connection to a node; apps of one service reach each other without routes.");

    private async Task PumpAsync()
    {
        await foreach (var delivery in _local.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (delivery.Message is { } message)
            {
                try
                {
                    await _layer.OnMessageAsync(message).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The session layer never throws for bad input; anything else is a defect, and it must not stop
                    // the app from receiving.
                    Log.DispatchFailed(_logger, Name, ex);
                }
            }
            else if (delivery.Error is { } error)
            {
                Log.RoutingError(_logger, Name, error.Code, error.Reason, error.SessionId, error.SessionMessageType);
            }
        }
    }

    private async Task DisposeCoreAsync()
    {
        // Every session of the layer, including invitations the app never picked up with ListenForSessionAsync.
        var sessions = _layer.Sessions;
        if (sessions.Count > 0)
        {
            var closing = sessions.Select(CloseQuietlyAsync).ToArray();
            try
            {
                await Task.WhenAll(closing).WaitAsync(_options.CloseTimeout, _service.Time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.SessionsAbandoned(_logger, Name, closing.Count(t => !t.IsCompleted), _options.CloseTimeout);
            }
        }

        await _layer.DisposeAsync().ConfigureAwait(false);
        await _local.DisposeAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _service.OnAppClosed(this);
        if (_ownsIdentity)
        {
            (Identity as IDisposable)?.Dispose();
            (_verifier as IDisposable)?.Dispose();
        }

        Log.AppClosed(_logger, Name);
    }

    private async Task CloseQuietlyAsync(SessionHandle session)
    {
        try
        {
            await session.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SlimException or OperationCanceledException)
        {
            // The peers may be gone or closing too: the session ends either way.
            Log.SessionCloseFailed(_logger, Name, session.Id, ex);
        }
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposing) is not null)
        {
            throw new SlimException(SlimErrorCode.AppClosed, $"The app {Name} is closed.");
        }
    }
}
