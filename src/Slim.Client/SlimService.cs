using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.Client.Internal;
using Slim.DataPlane.Connections;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Transport;
using Slim.Identity;
using Slim.Identity.SharedSecret;
using Slim.Protocol;
using Slim.Session;
using Slim.Session.Mls;

namespace Slim.Client;

/// <summary>
/// The SLIM runtime of a process (official <c>Service</c>): an embedded routing engine that its apps share, and its
/// connections to SLIM nodes.
/// </summary>
/// <remarks>
/// <para>
/// Apps created on one service reach each other directly, in process, with no server at all: the service is an
/// embedded node. Connect it to a node (<see cref="ConnectAsync(SlimConnectionOptions, CancellationToken)"/>) to
/// reach apps elsewhere: every app's name and session channels are then subscribed on the node too, and whatever no
/// local app is subscribed to goes to the node (its first connection).
/// </para>
/// <para>Dispose the service to close its apps (gracefully), its connections and the engine.</para>
/// </remarks>
public sealed class SlimService : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<SlimConnection> _connections = [];
    private readonly List<SlimApp> _apps = [];
    private readonly ILogger _logger;
    private int _disposed;
    private IGroupSecurityFactory? _builtInMls;

    /// <summary>Creates a service with its embedded node; nothing is connected yet.</summary>
    public SlimService(SlimServiceOptions? options = null)
    {
        Options = options ?? SlimServiceOptions.Default;
        ArgumentNullException.ThrowIfNull(Options.TimeProvider, nameof(options));
        LoggerFactory = Options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger("Slim.Client");
        Processor = new MessageProcessor(Options.DataPlane, LoggerFactory, Options.TimeProvider, Options.MeterFactory);
    }

    /// <summary>The settings.</summary>
    public SlimServiceOptions Options { get; }

    /// <summary>
    /// The embedded routing engine. Serve it to other processes by handing it accepted streams
    /// (<see cref="MessageProcessor.AcceptAsync"/>, for example from <c>Slim.Node.Hosting.GrpcStreamServer</c>).
    /// </summary>
    public MessageProcessor Processor { get; }

    /// <summary>The open connections to nodes, oldest first.</summary>
    public IReadOnlyList<SlimConnection> Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>
    /// The connection used when an operation names none: the oldest open one. Null when the service is not connected
    /// (apps then only reach apps of this service).
    /// </summary>
    public SlimConnection? DefaultConnection
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count > 0 ? _connections[0] : null;
            }
        }
    }

    /// <summary>The open apps.</summary>
    public IReadOnlyList<SlimApp> Apps
    {
        get
        {
            lock (_gate)
            {
                return [.. _apps];
            }
        }
    }

    internal ILoggerFactory LoggerFactory { get; }

    internal TimeProvider Time => Options.TimeProvider;

    /// <summary>The MLS implementation apps get unless their options name another one; created on first use.</summary>
    internal IGroupSecurityFactory BuiltInMls => LazyInitializer.EnsureInitialized(
        ref _builtInMls,
        () => new MlsGroupSecurityFactory(
            MlsGroupSecurityOptions.Default with { TimeProvider = Time }, LoggerFactory, Options.MeterFactory));

    /// <summary>Connects to a node at <paramref name="endpoint"/> (<c>http://host:port</c> in clear text, or <c>https://host:port</c>).</summary>
    /// <exception cref="SlimException">
    /// <see cref="SlimErrorCode.ClientConfigurationInvalid"/>, or the link could not be opened or negotiated
    /// (<see cref="SlimErrorCode.ConnectFailed"/>, <see cref="SlimErrorCode.LinkNegotiationFailed"/>, ...).
    /// </exception>
    public Task<SlimConnection> ConnectAsync(string endpoint, CancellationToken cancellationToken = default) =>
        ConnectAsync(SlimConnectionOptions.ForEndpoint(endpoint), cancellationToken);

    /// <summary>
    /// Connects to a node, and returns once the link is negotiated. The first connection becomes the
    /// <see cref="DefaultConnection"/>: the names the service's apps subscribed are then subscribed on the node too.
    /// </summary>
    /// <exception cref="SlimException">
    /// <see cref="SlimErrorCode.ClientConfigurationInvalid"/>, or the link could not be opened or negotiated
    /// (<see cref="SlimErrorCode.ConnectFailed"/>, <see cref="SlimErrorCode.LinkNegotiationFailed"/>, ...).
    /// </exception>
    public Task<SlimConnection> ConnectAsync(SlimConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var grpc = options.ToGrpcOptions(Time, LoggerFactory);
        return ConnectCoreAsync(
            async token => await GrpcStreamClient.ConnectAsync(grpc, token).ConfigureAwait(false),
            options,
            grpc.Endpoint.ToString(),
            cancellationToken);
    }

    /// <summary>
    /// Connects to a node through a stream of your own (a custom transport, an in-memory pipe, a test wrapper). The
    /// factory is called again on every reconnect.
    /// </summary>
    /// <param name="openStream">Opens a new <c>OpenChannel</c> stream to the node.</param>
    /// <param name="options">Reconnect settings (the endpoint is only used in logs).</param>
    /// <param name="cancellationToken">Cancels the first attempt.</param>
    public Task<SlimConnection> ConnectAsync(
        Func<CancellationToken, ValueTask<IFrameStream>> openStream,
        SlimConnectionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openStream);
        options ??= SlimConnectionOptions.Default;
        return ConnectCoreAsync(openStream, options, options.Endpoint, cancellationToken);
    }

    /// <summary>
    /// Creates an app whose identity is a shared secret (official <c>create_app_with_secret</c>): tokens MACed with the
    /// secret, a fresh P-256 signature key, and an id derived from <paramref name="name"/> plus a random suffix. Its
    /// name is subscribed at once (on the node too when connected).
    /// </summary>
    /// <param name="name">The app name, <c>org/namespace/app</c> without id.</param>
    /// <param name="sharedSecret">The secret every app of the deployment shares: at least 32 bytes of UTF-8.</param>
    /// <param name="options">App settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels waiting for the node to acknowledge the app's subscription.</param>
    /// <exception cref="SlimIdentityException"><see cref="SlimErrorCode.IdentitySecretTooShort"/> for a secret under 32 bytes.</exception>
    public async Task<SlimApp> CreateAppAsync(
        SlimName name, string sharedSecret, SlimAppOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sharedSecret);
        ValidateAppName(name);
        var provider = new SharedSecretIdentityProvider(
            name.ToString(), sharedSecret, new SharedSecretProviderOptions { TimeProvider = Time });
        SharedSecretIdentityVerifier verifier;
        try
        {
            verifier = new SharedSecretIdentityVerifier(sharedSecret, new SharedSecretVerifierOptions { TimeProvider = Time });
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return await CreateAppCoreAsync(name, provider, verifier, ownsIdentity: true, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates an app with any identity: JWT (<c>JwtIdentityProvider</c> / <c>JwtIdentityVerifier</c>), SPIFFE, or
    /// your own. The app id is derived from <see cref="IIdentityProvider.Id"/> as in official SLIM. The caller keeps
    /// ownership of the provider and verifier. The app's name is subscribed at once (on the node too when connected).
    /// </summary>
    /// <param name="name">The app name, <c>org/namespace/app</c> without id.</param>
    /// <param name="provider">Mints this app's tokens and signs its control messages.</param>
    /// <param name="verifier">Verifies other apps' tokens.</param>
    /// <param name="options">App settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels waiting for the node to acknowledge the app's subscription.</param>
    public Task<SlimApp> CreateAppAsync(
        SlimName name,
        IIdentityProvider provider,
        IIdentityVerifier verifier,
        SlimAppOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(verifier);
        ValidateAppName(name);
        return CreateAppCoreAsync(name, provider, verifier, ownsIdentity: false, options, cancellationToken);
    }

    /// <summary>Closes every app (gracefully, see <see cref="SlimApp.DisposeAsync"/>), every connection and the engine.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(Apps.Select(a => a.DisposeAsync().AsTask())).ConfigureAwait(false);
        foreach (var connection in Connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        await Processor.DisposeAsync().ConfigureAwait(false);
    }

    internal bool IsAppConnection(ulong connectionId)
    {
        lock (_gate)
        {
            return _apps.Any(a => a.ConnectionId == connectionId);
        }
    }

    internal void OnAppClosed(SlimApp app)
    {
        lock (_gate)
        {
            _apps.Remove(app);
        }
    }

    internal void OnConnectionClosed(SlimConnection connection)
    {
        SlimConnection? next;
        lock (_gate)
        {
            if (!_connections.Remove(connection))
            {
                return;
            }

            next = _connections.Count > 0 ? _connections[0] : null;
        }

        Log.Disconnected(_logger, connection.Id, connection.Endpoint);
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                Processor.DefaultRoute = next?.Id;
            }
            catch (ArgumentException)
            {
                // The next connection closed meanwhile; its own removal settles the default route.
            }
        }
    }

    internal void OnConnectionStateChanged(SlimConnection connection, SlimConnectionState state) =>
        Log.ConnectionState(_logger, connection.Id, connection.Endpoint, state);

    internal void OnStateHandlerFailed(SlimConnection connection, Exception exception) =>
        Log.StateHandlerFailed(_logger, connection.Id, exception);

    internal void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new SlimException(SlimErrorCode.AppClosed, "The SLIM service is disposed.");
        }
    }

    private static void ValidateAppName(SlimName name)
    {
        if (!name.HasComponentStrings)
        {
            throw new ArgumentException("The app name needs its three components (org/namespace/app).", nameof(name));
        }

        if (!name.IsAnyInstance)
        {
            throw new ArgumentException(
                "The app name must not carry an id: the id is derived from the app's identity.", nameof(name));
        }
    }

    private async Task<SlimConnection> ConnectCoreAsync(
        Func<CancellationToken, ValueTask<IFrameStream>> openStream,
        SlimConnectionOptions options,
        string description,
        CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var link = await Processor.ConnectAsync(
            openStream,
            new OutboundLinkOptions
            {
                Description = description,
                ReconnectInitialDelay = options.ReconnectInitialDelay,
                ReconnectMaxDelay = options.ReconnectMaxDelay,
                MaxReconnectAttempts = options.MaxReconnectAttempts,
            },
            cancellationToken).ConfigureAwait(false);
        var connection = new SlimConnection(this, link, description);
        bool isDefault;
        lock (_gate)
        {
            _connections.Add(connection);
            isDefault = _connections.Count == 1;
        }

        _ = link.Completion.ContinueWith(
            static (_, state) => ((SlimConnection)state!).DisposeAsync().AsTask(),
            connection,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Log.Connected(_logger, connection.Id, description, isDefault);
        if (isDefault)
        {
            Processor.DefaultRoute = connection.Id;
            foreach (var app in Apps)
            {
                await app.SubscribeDefaultNamesAsync(connection, cancellationToken).ConfigureAwait(false);
            }
        }

        return connection;
    }

    private async Task<SlimApp> CreateAppCoreAsync(
        SlimName name,
        IIdentityProvider provider,
        IIdentityVerifier verifier,
        bool ownsIdentity,
        SlimAppOptions? options,
        CancellationToken cancellationToken)
    {
        options ??= SlimAppOptions.Default;
        SlimApp? app = null;
        try
        {
            ThrowIfDisposed();
            options.Validate();
            var local = Processor.CreateLocalConnection(new LocalConnectionOptions
            {
                QueueCapacity = options.InboxCapacity,
                Description = $"app {name}",
            });
            app = new SlimApp(this, name, local, provider, verifier, ownsIdentity, options);
            lock (_gate)
            {
                _apps.Add(app);
            }

            await app.StartAsync(DefaultConnection, cancellationToken).ConfigureAwait(false);
            Log.AppCreated(_logger, app.Name);
            return app;
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            else if (ownsIdentity)
            {
                (provider as IDisposable)?.Dispose();
                (verifier as IDisposable)?.Dispose();
            }

            throw;
        }
    }
}
