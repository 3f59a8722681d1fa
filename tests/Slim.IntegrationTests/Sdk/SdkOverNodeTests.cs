using System.Text;
using Slim.Client;
using Slim.IntegrationTests.Transport;
using Slim.Node.Hosting;
using Slim.Protocol;
using Slim.Session;
using Slim.Testing;

namespace Slim.IntegrationTests.Sdk;

/// <summary>Apps of different services (each its own embedded engine) through our node over real HTTP/2.</summary>
public sealed class SdkOverNodeTests : IAsyncDisposable
{
    internal const string Secret = "sdk-integration-shared-secret-0123456789";

    private readonly CollectingLoggerFactory _log = new();
    private readonly List<IAsyncDisposable> _owned = [];

    internal static SlimSessionConfig FastGroup { get; } = SlimSessionConfig.Group with
    {
        RetryInterval = TimeSpan.FromMilliseconds(200),
        MaxRetries = 5,
    };

    internal static SlimSessionConfig FastPointToPoint { get; } = SlimSessionConfig.PointToPoint with
    {
        RetryInterval = TimeSpan.FromMilliseconds(200),
        MaxRetries = 5,
    };

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        try
        {
            for (var i = _owned.Count - 1; i >= 0; i--)
            {
                await _owned[i].DisposeAsync().AsTask().WithTimeout(what: $"disposing {_owned[i]}");
            }
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(_log.Dump());
        }
    }

    [Fact]
    public async Task Apps_of_separate_services_hold_point_to_point_and_group_sessions_through_the_node()
    {
        var node = await StartNodeAsync();
        var moderator = await StartAppAsync(node.Endpoint(), "org/ns/moderator");
        var p1 = await StartAppAsync(node.Endpoint(), "org/ns/p1");
        var p2 = await StartAppAsync(node.Endpoint(), "org/ns/p2");

        // Point to point, with an explicit route as official apps need (ours would use the default route anyway).
        await moderator.SetRouteAsync(SlimName.Parse("org/ns/p1"), cancellationToken: Cancellation).WithTimeout();
        var direct = await moderator.CreateSessionAsync(FastPointToPoint, SlimName.Parse("org/ns/p1"), Cancellation).WithTimeout();
        var directPeer = await p1.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await direct.PublishAndWaitAsync("question"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        var question = await directPeer.GetMessageAsync(cancellationToken: Cancellation).WithTimeout();
        await directPeer.PublishToAndWaitAsync(question, "answer"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("answer", Text(await direct.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        await direct.DeleteAsync(Cancellation).WithTimeout();
        Assert.Equal(SessionCloseReason.ClosedByModerator, await directPeer.Completion.WithTimeout());

        // A group across three services.
        var group = await moderator.CreateSessionAsync(FastGroup, SlimName.Parse("org/ns/chat"), Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/p1"), Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/p2"), Cancellation).WithTimeout();
        var s1 = await p1.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        var s2 = await p2.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await s1.PublishAndWaitAsync("from p1"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("from p1", Text(await group.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        Assert.Equal("from p1", Text(await s2.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        await group.RemoveAsync(SlimName.Parse("org/ns/p2"), Cancellation).WithTimeout();
        Assert.Equal(SessionCloseReason.Removed, await s2.Completion.WithTimeout());
        await group.PublishAndWaitAsync("after the removal"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("after the removal", Text(await s1.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        await group.DeleteAsync(Cancellation).WithTimeout();
        Assert.Equal(SessionCloseReason.ClosedByModerator, await s1.Completion.WithTimeout());
        _log.AssertNoErrors();
    }

    [Fact]
    public async Task A_restarted_node_is_reconnected_with_backoff_and_the_session_carries_on()
    {
        var node = await StartNodeAsync();
        var port = node.Port();
        var reconnecting = new SlimConnectionOptions
        {
            Endpoint = node.Endpoint(),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
        };
        var (aliceService, alice) = await StartServiceAsync(reconnecting, "org/ns/alice");
        var (_, bob) = await StartServiceAsync(reconnecting, "org/ns/bob");
        var connection = aliceService.DefaultConnection!;
        var states = new List<SlimConnectionState>();
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.StateChanged += (_, change) =>
        {
            lock (states)
            {
                states.Add(change.State);
            }

            (change.State == SlimConnectionState.Reconnecting ? lost : back).TrySetResult();
        };

        var session = await alice.CreateSessionAsync(FastPointToPoint, SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var peer = await bob.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await session.PublishAndWaitAsync("before"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("before", Text(await peer.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));

        await node.StopAsync().WithTimeout(what: "stopping the node");
        await lost.Task.WithTimeout(what: "the connection noticing the node is gone");
        Assert.Equal(SlimConnectionState.Reconnecting, connection.State);

        var restarted = await OurNode.StartAsync(_log, port);
        _owned.Add(restarted);
        await back.Task.WithTimeout(what: "reconnecting to the restarted node");
        Assert.Equal(SlimConnectionState.Connected, connection.State);
        Assert.True(connection.ConnectCount >= 2);

        // The restarted node learned the names again from the replayed subscriptions: the session goes on.
        await session.PublishAndWaitAsync("after"u8.ToArray(), cancellationToken: Cancellation).WithTimeout(what: "delivery after the reconnect");
        Assert.Equal("after", Text(await peer.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        await peer.PublishAndWaitAsync("and back"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("and back", Text(await session.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        lock (states)
        {
            Assert.Equal([SlimConnectionState.Reconnecting, SlimConnectionState.Connected], states);
        }
    }

    [Fact]
    public async Task An_app_connects_over_tls_with_the_official_json_configuration()
    {
        using var pki = new TestPki();
        var node = await StartNodeAsync(new GrpcServerTlsOptions { CertificateFile = pki.ServerCertificateFile, KeyFile = pki.ServerKeyFile });
        var json = $$$"""
            {"endpoint": "{{{node.Endpoint()}}}", "tls": {"ca_file": "{{{pki.CaFile}}}", "include_system_ca_certs_pool": false}}
            """;
        var (_, alice) = await StartServiceAsync(SlimConnectionOptions.FromJson(json), "org/ns/alice");
        var (_, bob) = await StartServiceAsync(SlimConnectionOptions.FromJson(json), "org/ns/bob");

        var session = await alice.CreateSessionAsync(FastPointToPoint, SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var peer = await bob.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await session.PublishAndWaitAsync("over tls"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("over tls", Text(await peer.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));

        // Without the CA the node's certificate is refused.
        await using var stranger = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        var refused = await Assert.ThrowsAnyAsync<SlimException>(
            () => stranger.ConnectAsync(new SlimConnectionOptions { Endpoint = node.Endpoint(), Tls = new SlimTlsOptions { IncludeSystemCaCertificates = false } }, Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.ConnectFailed, refused.ErrorCode);
    }

    [Fact]
    public async Task An_app_created_before_the_service_connects_is_subscribed_on_the_node_once_it_does()
    {
        var node = await StartNodeAsync();
        var early = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        _owned.Add(early);
        var bob = await early.CreateAppAsync(SlimName.Parse("org/ns/bob"), Secret, cancellationToken: Cancellation).WithTimeout();
        await early.ConnectAsync(node.Endpoint(), Cancellation).WithTimeout();
        var alice = await StartAppAsync(node.Endpoint(), "org/ns/alice");

        var session = await alice.CreateSessionAsync(FastPointToPoint, SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var peer = await bob.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(session.Id, peer.Id);
    }

    [Fact]
    public async Task A_group_started_on_the_embedded_node_alone_reaches_members_through_the_node_once_connected()
    {
        var node = await StartNodeAsync();
        var early = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        _owned.Add(early);
        var moderator = await early.CreateAppAsync(SlimName.Parse("org/ns/moderator"), Secret, cancellationToken: Cancellation).WithTimeout();
        var local = await early.CreateAppAsync(SlimName.Parse("org/ns/local"), Secret, cancellationToken: Cancellation).WithTimeout();
        var group = await moderator.CreateSessionAsync(FastGroup, SlimName.Parse("org/ns/chat"), Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/local"), Cancellation).WithTimeout();
        var localSession = await local.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();

        // Connecting forwards the group's two channels (subscribed on the embedded node alone) to the node.
        await early.ConnectAsync(node.Endpoint(), Cancellation).WithTimeout();
        Assert.Equal(2, node.Processor.GetSubscriptions().Count(e => e.Name.HasSamePrefix(SlimName.Parse("org/ns/chat"))));
        var remote = await StartAppAsync(node.Endpoint(), "org/ns/remote");
        await group.InviteAsync(SlimName.Parse("org/ns/remote"), Cancellation).WithTimeout();
        var remoteSession = await remote.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();

        // The remote member's message reaches both apps of the early service: their channel subscriptions, made
        // before the service had a node, were forwarded to the node when it connected.
        await remoteSession.PublishAndWaitAsync("from afar"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("from afar", Text(await group.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        Assert.Equal("from afar", Text(await localSession.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        await localSession.PublishAndWaitAsync("from here"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("from here", Text(await remoteSession.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()));
        _log.AssertNoErrors();
    }

    internal static string Text(SessionMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    private async Task<SlimNodeHost> StartNodeAsync(GrpcServerTlsOptions? tls = null)
    {
        var node = await OurNode.StartAsync(_log, tls: tls);
        _owned.Add(node);
        return node;
    }

    private async Task<SlimApp> StartAppAsync(string endpoint, string name) =>
        (await StartServiceAsync(SlimConnectionOptions.ForEndpoint(endpoint), name)).App;

    private async Task<(SlimService Service, SlimApp App)> StartServiceAsync(SlimConnectionOptions connection, string name)
    {
        var service = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        _owned.Add(service);
        await service.ConnectAsync(connection, Cancellation).WithTimeout(what: $"connecting {name}");
        var app = await service.CreateAppAsync(SlimName.Parse(name), Secret, cancellationToken: Cancellation).WithTimeout();
        return (service, app);
    }
}
