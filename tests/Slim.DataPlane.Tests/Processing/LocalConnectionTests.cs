using Google.Protobuf;
using Slim.DataPlane.Connections;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Tests.Infrastructure;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Processing;

/// <summary>In-process apps: the SDK side of the engine.</summary>
public sealed class LocalConnectionTests(ITestOutputHelper output)
{
    private static readonly SlimName Alice = new("org", "ns", "alice", 0xA1);
    private static readonly SlimName Bob = new("org", "ns", "bob", 0xB0B);
    private static readonly SlimName Chat = new("org", "ns", "chat", 0xC4A7);

    internal static async Task<LocalDelivery> NextAsync(LocalConnection local) =>
        await local.Reader.ReadAsync(Ct).AsTask().WithTimeout(what: "a local delivery");

    internal static async Task<Message> NextMessageAsync(LocalConnection local)
    {
        var delivery = await NextAsync(local);
        Assert.False(delivery.IsError, delivery.Error?.ToString());
        return delivery.Message!;
    }

    [Fact]
    public async Task Local_apps_exchange_messages_without_mac_or_ttl_change()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        await using var bob = processor.CreateLocalConnection();
        await bob.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();

        var sent = Messages.Publish(Alice, Bob, ttl: 3);
        sent.Publish.Header.HeaderMac = ByteString.CopyFrom(new byte[32]);
        await alice.SendAsync(sent, Ct).AsTask().WithTimeout();

        var received = await NextMessageAsync(bob);
        Assert.Equal(3u, received.Publish.Header.Ttl);
        Assert.False(received.Publish.Header.HasHeaderMac);
        Assert.Equal(alice.Id, received.Publish.Header.IncomingConn);
    }

    [Fact]
    public async Task Local_app_to_remote_peer_keeps_the_ttl_and_gets_a_mac()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        await using var bob = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);

        await alice.SendAsync(Messages.Publish(Alice, Bob), Ct).AsTask().WithTimeout();

        var received = await bob.ReceiveAsync();
        Assert.Equal(8u, received.Publish.Header.Ttl);
        Assert.True(received.Publish.Header.HasHeaderMac);

        // And back: the remote hop decrements.
        await alice.SubscribeAsync(Alice, Alice, cancellationToken: Ct).WithTimeout();
        await bob.SendAsync(Messages.Publish(Bob, Alice));
        Assert.Equal(7u, (await NextMessageAsync(alice)).Publish.Header.Ttl);
    }

    [Fact]
    public async Task No_route_comes_back_to_the_local_sender_as_a_typed_error()
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = processor.CreateLocalConnection();

        await alice.SendAsync(Messages.Publish(Alice, Bob, messageId: 77), Ct).AsTask().WithTimeout();

        var delivery = await NextAsync(alice);
        Assert.True(delivery.IsError);
        Assert.Equal(SlimErrorCode.NoRoute, delivery.Error!.Code);
        Assert.Equal(7u, delivery.Error.SessionId);
        Assert.Equal(77u, delivery.Error.MessageId);
        Assert.Equal(SessionMessageType.Msg, delivery.Error.SessionMessageType);
        Assert.Contains("org/ns/bob", delivery.Error.Reason, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Dropped("no_route"));
    }

    [Fact]
    public async Task Invalid_messages_from_a_local_app_throw()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        var noSession = Messages.Publish(Alice, Bob);
        noSession.Publish.Session = null;

        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(() => alice.SendAsync(noSession, Ct).AsTask()).WithTimeout();
        Assert.Equal(SlimErrorCode.MissingField, error.ErrorCode);
    }

    [Fact]
    public async Task A_full_inbox_drops_instead_of_blocking_the_processor()
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var slow = processor.CreateLocalConnection(new LocalConnectionOptions { QueueCapacity = 4 });
        await using var fast = processor.CreateLocalConnection();
        await using var sender = await TestPeer.ConnectAsync(processor);
        await slow.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        await fast.SubscribeAsync(Alice, Alice, cancellationToken: Ct).WithTimeout();

        for (var i = 0; i < 10; i++)
        {
            await sender.SendAsync(Messages.Publish(Alice, Bob, text: $"m{i}"));
        }

        await sender.SendAsync(Messages.Publish(Bob, Alice, text: "others flow"));
        Assert.Equal("others flow", Messages.Text(await NextMessageAsync(fast)));
        Assert.Equal(6, metrics.Dropped("queue_full"));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"m{i}", Messages.Text(await NextMessageAsync(slow)));
        }
    }

    [Fact]
    public async Task Disposing_a_local_connection_removes_its_subscriptions()
    {
        await using var processor = new MessageProcessor();
        var bob = processor.CreateLocalConnection();
        await bob.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        Assert.Contains(processor.GetSubscriptions(), e => e.Name == Bob);

        await bob.DisposeAsync();

        Assert.Empty(processor.GetSubscriptions());
        Assert.Empty(processor.GetConnections());
        await Assert.ThrowsAsync<SlimDataPlaneException>(() => bob.SendAsync(Messages.Publish(Bob, Alice), Ct).AsTask()).WithTimeout();
        Assert.False(await bob.Reader.WaitToReadAsync(Ct).AsTask().WithTimeout());
    }

    [Fact]
    public async Task Unsubscribing_a_name_never_subscribed_fails()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(
            () => alice.UnsubscribeAsync(Alice, Bob, cancellationToken: Ct)).WithTimeout();
        Assert.Equal(SlimErrorCode.SubscriptionFailed, error.ErrorCode);

        await alice.SubscribeAsync(Alice, Bob, cancellationToken: Ct).WithTimeout();
        await alice.SubscribeAsync(Alice, Bob, cancellationToken: Ct).WithTimeout();
        await alice.UnsubscribeAsync(Alice, Bob, cancellationToken: Ct).WithTimeout();
        Assert.Empty(processor.GetSubscriptions());
    }

    [Fact]
    public async Task Routes_send_a_name_out_on_a_connection_and_can_be_removed()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        await using var bob = await TestPeer.ConnectAsync(processor);
        var bobConnection = processor.GetConnections().Single(c => c.Type == ConnectionType.Edge).Id;

        processor.AddRoute(Bob.WithoutId(), bobConnection);
        await alice.SendAsync(Messages.Publish(Alice, Bob.WithoutId(), text: "routed"), Ct).AsTask().WithTimeout();
        Assert.Equal("routed", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal(
            SubscriptionKind.Route,
            Assert.Single(Assert.Single(processor.GetSubscriptions()).References).Kind);

        // An id-less route does not catch a message for a specific instance.
        await alice.SendAsync(Messages.Publish(Alice, Bob), Ct).AsTask().WithTimeout();
        Assert.True((await NextAsync(alice)).IsError);

        Assert.True(processor.RemoveRoute(Bob.WithoutId(), bobConnection));
        Assert.False(processor.RemoveRoute(Bob.WithoutId(), bobConnection));
        await alice.SendAsync(Messages.Publish(Alice, Bob.WithoutId()), Ct).AsTask().WithTimeout();
        Assert.True((await NextAsync(alice)).IsError);
        Assert.Throws<SlimDataPlaneException>(() => processor.AddRoute(Bob, 999));
    }

    [Fact]
    public async Task A_subscribe_message_with_recv_from_installs_a_route()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        await using var bob = await TestPeer.ConnectAsync(processor);
        var bobConnection = processor.GetConnections().Single(c => c.Type == ConnectionType.Edge).Id;

        var route = WireMessage.CreateSubscribe(Alice, Bob, 0);
        route.Subscribe.Header.RecvFrom = bobConnection;
        await alice.SendAsync(route, Ct).AsTask().WithTimeout();

        var entry = Assert.Single(processor.GetSubscriptions());
        Assert.Equal(bobConnection, entry.ConnectionId);
        Assert.Equal(SubscriptionKind.Route, entry.References[0].Kind);
        await alice.SendAsync(Messages.Publish(Alice, Bob, text: "via route"), Ct).AsTask().WithTimeout();
        Assert.Equal("via route", Messages.Text(await bob.ReceiveAsync()));
    }

    [Fact]
    public async Task Forward_to_sends_straight_to_a_connection()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        await using var bob = await TestPeer.ConnectAsync(processor);
        var bobConnection = processor.GetConnections().Single(c => c.Type == ConnectionType.Edge).Id;

        var reply = Messages.Publish(Alice, Bob, text: "direct");
        reply.Publish.Header.ForwardTo = bobConnection;
        await alice.SendAsync(reply, Ct).AsTask().WithTimeout();

        var received = await bob.ReceiveAsync();
        Assert.Equal("direct", Messages.Text(received));
        Assert.False(received.Publish.Header.HasForwardTo);
        Assert.False(received.Publish.Header.HasRecvFrom);
    }

    [Fact]
    public async Task A_local_apps_message_is_never_modified_so_it_can_be_sent_again()
    {
        await using var processor = new MessageProcessor();
        await using var alice = processor.CreateLocalConnection();
        await using var carol = processor.CreateLocalConnection();
        await using var bob = await TestPeer.ConnectAsync(processor);
        await carol.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        var bobConnection = processor.GetConnections().Single(c => c.Type == ConnectionType.Edge).Id;

        // A reply pinned to a connection (forward_to), as a session sends it, retransmitted with the same object.
        var reply = Messages.Publish(Alice, Bob, text: "reply");
        reply.Publish.Header.ForwardTo = bobConnection;
        var before = reply.Clone();
        await alice.SendAsync(reply, Ct).AsTask().WithTimeout();
        await alice.SendAsync(reply, Ct).AsTask().WithTimeout();

        Assert.Equal(before, reply);
        Assert.Equal("reply", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal("reply", Messages.Text(await bob.ReceiveAsync()));

        // Broadcast to a local and a remote member, twice.
        await bob.SubscribeAsync(Bob, Chat, 7);
        await carol.SubscribeAsync(Bob, Chat, cancellationToken: Ct).WithTimeout();
        var group = Messages.Publish(Alice, Chat, SlimConstants.GroupFanout, text: "group");
        before = group.Clone();
        await alice.SendAsync(group, Ct).AsTask().WithTimeout();
        await alice.SendAsync(group, Ct).AsTask().WithTimeout();

        Assert.Equal(before, group);
        for (var i = 0; i < 2; i++)
        {
            var remote = await bob.ReceiveAsync();
            Assert.Equal(alice.Id, remote.Publish.Header.IncomingConn);
            var local = await NextMessageAsync(carol);
            Assert.Equal(alice.Id, local.Publish.Header.IncomingConn);
            Assert.NotSame(group, local);
        }
    }

    [Fact]
    public async Task The_default_route_takes_unmatched_local_publishes()
    {
        await using var node = new MessageProcessor();
        await using var nodeApp = node.CreateLocalConnection();
        await nodeApp.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        await using var sdk = new MessageProcessor();
        await using var app = sdk.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(sdk, node, ConnectionType.Edge, InMemoryLink.FastReconnect with { UseAsDefaultRoute = true });
        Assert.Equal(link.Link.ConnectionId, sdk.DefaultRoute);

        await app.SendAsync(Messages.Publish(Alice, Bob, text: "upstream"), Ct).AsTask().WithTimeout();

        Assert.Equal("upstream", Messages.Text(await NextMessageAsync(nodeApp)));
        Assert.Throws<ArgumentException>(() => sdk.DefaultRoute = 12345);
    }

    [Fact]
    public async Task Forwarded_subscriptions_complete_when_the_node_acknowledges()
    {
        var log = new TestLog(output);
        await using var node = new MessageProcessor(loggerFactory: log);
        await using var sdk = new MessageProcessor(loggerFactory: log);
        await using var app = sdk.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(sdk, node, ConnectionType.Edge);

        await app.SubscribeAsync(Alice, Alice, link.Link.ConnectionId, "token", Ct).WithTimeout();

        var onNode = Assert.Single(node.GetSubscriptions());
        Assert.Equal(Alice, onNode.Name);
        Assert.Equal(ConnectionType.Edge, onNode.ConnectionType);
        Assert.NotEqual(0UL, onNode.References[0].SubscriptionId);
        var onSdk = Assert.Single(sdk.GetSubscriptions());
        Assert.Equal(app.Id, onSdk.ConnectionId);

        await app.UnsubscribeAsync(Alice, Alice, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        Assert.Empty(node.GetSubscriptions());
        Assert.Empty(sdk.GetSubscriptions());
        log.AssertNoErrors();
    }

    [Fact]
    public async Task A_refused_forwarded_subscription_surfaces_the_nodes_error()
    {
        await using var sdk = new MessageProcessor();
        await using var app = sdk.CreateLocalConnection();
        await using var server = new ScriptedNode(request => request.MessageTypeCase == Message.MessageTypeOneofCase.Subscribe
            ? WireMessage.CreateSubscriptionAck(request.Subscribe.SubscriptionId, false, "quota exceeded")
            : null);
        await using var link = await sdk.ConnectAsync(server.ConnectAsync, cancellationToken: Ct).WithTimeout();

        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(
            () => app.SubscribeAsync(Alice, Alice, link.ConnectionId, cancellationToken: Ct)).WithTimeout();

        Assert.Equal(SlimErrorCode.SubscriptionFailed, error.ErrorCode);
        Assert.Equal("quota exceeded", error.Message);
    }

    [Fact]
    public async Task An_unacknowledged_forwarded_subscription_is_resent_then_fails()
    {
        var time = new ManualTimeProvider();
        var options = DataPlaneOptions.Default with { SubscriptionAckTimeout = TimeSpan.FromSeconds(3), SubscriptionAckRetries = 3 };
        await using var sdk = new MessageProcessor(options, timeProvider: time);
        await using var app = sdk.CreateLocalConnection(new LocalConnectionOptions { SubscriptionAckTimeout = TimeSpan.FromMinutes(1) });
        await using var server = new ScriptedNode(_ => null);
        await using var link = await sdk.ConnectAsync(server.ConnectAsync, cancellationToken: Ct).WithTimeout();

        var subscribing = app.SubscribeAsync(Alice, Alice, link.ConnectionId, cancellationToken: Ct);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await time.WhenTimerArmedAsync(TimeSpan.FromSeconds(3)).WithTimeout();
            time.Advance(TimeSpan.FromSeconds(3));
        }

        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(() => subscribing).WithTimeout();
        Assert.Equal(SlimErrorCode.SubscriptionFailed, error.ErrorCode);
        Assert.Contains("no acknowledgement", error.Message, StringComparison.Ordinal);
        var subscribes = await server.WaitForAsync(4, m => m.MessageTypeCase == Message.MessageTypeOneofCase.Subscribe);
        Assert.Single(subscribes.Select(m => m.Subscribe.SubscriptionId).Distinct());
    }

    [Fact]
    public async Task The_app_gives_up_waiting_after_its_own_timeout()
    {
        var time = new ManualTimeProvider();
        await using var sdk = new MessageProcessor(timeProvider: time);
        await using var app = sdk.CreateLocalConnection(new LocalConnectionOptions { SubscriptionAckTimeout = TimeSpan.FromSeconds(10) });
        await using var server = new ScriptedNode(_ => null);
        await using var link = await sdk.ConnectAsync(server.ConnectAsync, cancellationToken: Ct).WithTimeout();

        var subscribing = app.SubscribeAsync(Alice, Alice, link.ConnectionId, cancellationToken: Ct);
        await time.WhenTimerArmedAsync(TimeSpan.FromSeconds(10)).WithTimeout();
        await time.WhenTimerArmedAsync(TimeSpan.FromSeconds(5)).WithTimeout();
        time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(() => subscribing).WithTimeout();
        Assert.Equal(SlimErrorCode.SubscriptionAckTimeout, error.ErrorCode);
    }
}
