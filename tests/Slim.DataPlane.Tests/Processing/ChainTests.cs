using Slim.DataPlane.Connections;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Tests.Infrastructure;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Processing;

/// <summary>Several processors linked in memory: node chains, SDK-to-node, reconnects.</summary>
public sealed class ChainTests(ITestOutputHelper output)
{
    private static readonly SlimName Alice = new("org", "ns", "alice", 0xA1);
    private static readonly SlimName Bob = new("org", "ns", "bob", 0xB0B);
    private static readonly SlimName Carol = new("org", "ns", "carol", 0xCA);
    private static readonly SlimName Chat = new("org", "ns", "chat", 0xC4A7);

    private static Task<Message> NextAsync(LocalConnection local) => LocalConnectionTests.NextMessageAsync(local);

    private static Task SendAsync(LocalConnection local, Message message) => local.SendAsync(message, Ct).AsTask().WithTimeout();

    [Fact]
    public async Task Two_nodes_on_a_peer_link_route_both_ways_and_broadcast()
    {
        var log = new TestLog(output);
        await using var a = new MessageProcessor(loggerFactory: log);
        await using var b = new MessageProcessor(loggerFactory: log);
        await using var alice = a.CreateLocalConnection();
        await using var bob = b.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(a, b, ConnectionType.Peer);

        // Each subscribe completes once the other node acknowledged the propagated announcement.
        await bob.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        await alice.SubscribeAsync(Alice, Alice, cancellationToken: Ct).WithTimeout();

        await SendAsync(alice, Messages.Publish(Alice, Bob, text: "a to b"));
        var atBob = await NextAsync(bob);
        Assert.Equal("a to b", Messages.Text(atBob));
        Assert.Equal(7u, atBob.Publish.Header.Ttl);

        await SendAsync(bob, Messages.Publish(Bob, Alice, text: "b to a"));
        Assert.Equal("b to a", Messages.Text(await NextAsync(alice)));

        // A channel with members on both nodes.
        await alice.SubscribeAsync(Alice, Chat, cancellationToken: Ct).WithTimeout();
        await bob.SubscribeAsync(Bob, Chat, cancellationToken: Ct).WithTimeout();
        await using var carol = a.CreateLocalConnection();
        await carol.SubscribeAsync(Carol, Chat, cancellationToken: Ct).WithTimeout();

        await SendAsync(bob, Messages.Publish(Bob, Chat, SlimConstants.GroupFanout, text: "to the group"));
        Assert.Equal("to the group", Messages.Text(await NextAsync(alice)));
        Assert.Equal("to the group", Messages.Text(await NextAsync(carol)));

        await SendAsync(alice, Messages.Publish(Alice, Chat, SlimConstants.GroupFanout, text: "from a"));
        Assert.Equal("from a", Messages.Text(await NextAsync(bob)));
        Assert.Equal("from a", Messages.Text(await NextAsync(carol)));

        // The sender got nothing back: its next delivery is this probe.
        await SendAsync(bob, Messages.Publish(Bob, Alice, text: "probe"));
        Assert.Equal("probe", Messages.Text(await NextAsync(alice)));
        log.AssertNoErrors();
    }

    [Fact]
    public async Task Unsubscribing_withdraws_the_name_from_the_peer()
    {
        await using var a = new MessageProcessor();
        await using var b = new MessageProcessor();
        await using var alice = a.CreateLocalConnection();
        await using var bob = b.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(a, b, ConnectionType.Peer);

        await bob.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        Assert.Contains(a.GetSubscriptions(), e => e.Name == Bob && e.ConnectionType == ConnectionType.Peer);

        await bob.UnsubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        Assert.DoesNotContain(a.GetSubscriptions(), e => e.Name == Bob);

        await SendAsync(alice, Messages.Publish(Alice, Bob));
        var delivery = await LocalConnectionTests.NextAsync(alice);
        Assert.Equal(SlimErrorCode.NoRoute, delivery.Error!.Code);
    }

    [Fact]
    public async Task A_message_crosses_a_chain_of_three_nodes()
    {
        var log = new TestLog(output);
        await using var a = new MessageProcessor(loggerFactory: log);
        await using var b = new MessageProcessor(loggerFactory: log);
        await using var c = new MessageProcessor(loggerFactory: log);
        await using var alice = a.CreateLocalConnection();
        await using var carol = c.CreateLocalConnection();

        // A and C both dial B: A - B - C.
        await using var ab = await InMemoryLink.ConnectAsync(a, b, ConnectionType.Peer);
        await using var cb = await InMemoryLink.ConnectAsync(c, b, ConnectionType.Peer);

        await carol.SubscribeAsync(Carol, Carol, cancellationToken: Ct).WithTimeout();
        await alice.SubscribeAsync(Alice, Alice, cancellationToken: Ct).WithTimeout();

        await SendAsync(alice, Messages.Publish(Alice, Carol, text: "across"));
        var atCarol = await NextAsync(carol);
        Assert.Equal("across", Messages.Text(atCarol));
        Assert.Equal(6u, atCarol.Publish.Header.Ttl);

        await SendAsync(carol, Messages.Publish(Carol, Alice, text: "back"));
        Assert.Equal("back", Messages.Text(await NextAsync(alice)));

        // A name subscribed before the link existed reaches a node that joins later (full sync on connect).
        await using var d = new MessageProcessor(loggerFactory: log);
        await using var dave = d.CreateLocalConnection();
        await using var db = await InMemoryLink.ConnectAsync(d, b, ConnectionType.Peer);
        await dave.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        await SendAsync(dave, Messages.Publish(Bob, Carol, text: "late joiner"));
        Assert.Equal("late joiner", Messages.Text(await NextAsync(carol)));
        log.AssertNoErrors();
    }

    [Fact]
    public async Task A_loop_of_peers_does_not_loop_subscriptions()
    {
        var log = new TestLog(output);
        await using var a = new MessageProcessor(loggerFactory: log);
        await using var b = new MessageProcessor(loggerFactory: log);
        await using var c = new MessageProcessor(loggerFactory: log);
        await using var ab = await InMemoryLink.ConnectAsync(a, b, ConnectionType.Peer);
        await using var bc = await InMemoryLink.ConnectAsync(b, c, ConnectionType.Peer);
        await using var ca = await InMemoryLink.ConnectAsync(c, a, ConnectionType.Peer);
        await using var alice = a.CreateLocalConnection();
        await using var carol = c.CreateLocalConnection();

        await carol.SubscribeAsync(Carol, Carol, cancellationToken: Ct).WithTimeout();
        await alice.SubscribeAsync(Alice, Alice, cancellationToken: Ct).WithTimeout();

        // Every node knows each name once per path at most, and the announcements stopped (acks completed).
        foreach (var node in new[] { a, b, c })
        {
            Assert.All(node.GetSubscriptions().GroupBy(e => (e.Name, e.ConnectionId)), g => Assert.Single(g));
        }

        await SendAsync(alice, Messages.Publish(Alice, Carol, text: "around"));
        Assert.Equal("around", Messages.Text(await NextAsync(carol)));
        await SendAsync(carol, Messages.Publish(Carol, Alice, text: "probe"));
        Assert.Equal("probe", Messages.Text(await NextAsync(alice)));
        log.AssertNoErrors();
    }

    [Fact]
    public async Task Remote_links_carry_traffic_but_no_subscriptions()
    {
        await using var a = new MessageProcessor();
        await using var b = new MessageProcessor();
        await using var alice = a.CreateLocalConnection();
        await using var bob = b.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(a, b, ConnectionType.Remote);

        await bob.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        Assert.Empty(a.GetSubscriptions());

        // A static route makes it reachable.
        a.AddRoute(Bob, link.Link.ConnectionId);
        await SendAsync(alice, Messages.Publish(Alice, Bob, text: "routed"));
        Assert.Equal("routed", Messages.Text(await NextAsync(bob)));
    }

    [Theory]
    [InlineData(0u, false)]
    [InlineData(1u, false)]
    [InlineData(2u, false)]
    [InlineData(3u, true)]
    public async Task App_to_node_to_app_needs_a_ttl_of_three(uint ttl, bool delivered)
    {
        await using var node = new MessageProcessor();
        await using var sdkA = new MessageProcessor();
        await using var sdkB = new MessageProcessor();
        using var metricsNode = new MetricCollector(node.Meter);
        using var metricsB = new MetricCollector(sdkB.Meter);
        await using var alice = sdkA.CreateLocalConnection();
        await using var bob = sdkB.CreateLocalConnection();
        await using var linkA = await InMemoryLink.ConnectAsync(sdkA, node, ConnectionType.Edge);
        await using var linkB = await InMemoryLink.ConnectAsync(sdkB, node, ConnectionType.Edge);
        await bob.SubscribeAsync(Bob, Bob, linkB.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        sdkA.AddRoute(Bob, linkA.Link.ConnectionId);

        await SendAsync(alice, Messages.Publish(Alice, Bob, ttl: ttl, text: "probe"));
        await SendAsync(alice, Messages.Publish(Alice, Bob, ttl: 8, text: "after"));

        var first = await NextAsync(bob);
        if (delivered)
        {
            Assert.Equal("probe", Messages.Text(first));
            Assert.Equal(1u, first.Publish.Header.Ttl);
            first = await NextAsync(bob);
        }

        Assert.Equal("after", Messages.Text(first));
        Assert.Equal(6u, first.Publish.Header.Ttl);
        var droppedAtNode = metricsNode.Dropped("ttl_expired");
        var droppedAtSdk = metricsB.Dropped("ttl_expired");
        Assert.Equal(ttl <= 1 ? 1 : 0, droppedAtNode);
        Assert.Equal(ttl == 2 ? 1 : 0, droppedAtSdk);
    }

    [Fact]
    public async Task An_sdk_link_reconnects_with_the_same_ids_and_replays_its_subscriptions()
    {
        var log = new TestLog(output);
        await using var node = new MessageProcessor(loggerFactory: log);
        await using var sdk = new MessageProcessor(loggerFactory: log);
        await using var nodeApp = node.CreateLocalConnection();
        await using var app = sdk.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(sdk, node, ConnectionType.Edge, InMemoryLink.FastReconnect with { UseAsDefaultRoute = true });
        await app.SubscribeAsync(Alice, Alice, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        await app.SubscribeAsync(Alice, Chat, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        var connectionId = link.Link.ConnectionId;
        var linkId = link.Link.LinkId;
        var states = new List<OutboundLinkState>();
        link.Link.StateChanged += (_, state) =>
        {
            lock (states)
            {
                states.Add(state);
            }
        };

        link.Break();
        await link.WaitForConnectCountAsync(2);

        // The node notices the broken stream on its own schedule, possibly after the new stream's replay: only once
        // it has dropped the old connection does its table hold exactly what the replay put there.
        await link.WaitForServerEndAsync(1);
        Assert.Equal(connectionId, link.Link.ConnectionId);
        Assert.Equal(linkId, link.Link.LinkId);
        Assert.Single(node.GetConnections(), c => c.Type == ConnectionType.Edge && c.LinkId == linkId && c.IsConnected);
        lock (states)
        {
            Assert.Equal([OutboundLinkState.Reconnecting, OutboundLinkState.Connected], states);
        }

        // A forwarded subscription after the replay: the node has processed the replay once it acknowledges this.
        await app.SubscribeAsync(Alice, Carol, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        var replayed = node.GetSubscriptions().Where(e => e.Name == Alice || e.Name == Chat).ToList();
        Assert.Equal(2, replayed.Count);
        Assert.All(replayed, e => Assert.Equal(0UL, Assert.Single(e.References).SubscriptionId));
        Assert.False(log.Has(3019), "the node must not acknowledge replayed subscriptions");

        await SendAsync(nodeApp, Messages.Publish(Bob, Alice, text: "after reconnect"));
        Assert.Equal("after reconnect", Messages.Text(await NextAsync(app)));

        // The original id still removes the replayed subscription on the node.
        await app.UnsubscribeAsync(Alice, Chat, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        Assert.DoesNotContain(node.GetSubscriptions(), e => e.Name == Chat);
        log.AssertNoErrors();
    }

    [Fact]
    public async Task A_closing_app_withdraws_what_it_had_forwarded_to_the_node()
    {
        await using var node = new MessageProcessor();
        await using var sdk = new MessageProcessor();
        await using var link = await InMemoryLink.ConnectAsync(sdk, node, ConnectionType.Edge);
        var leaving = sdk.CreateLocalConnection();
        await using var staying = sdk.CreateLocalConnection();
        await leaving.SubscribeAsync(Alice, Alice, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        await staying.SubscribeAsync(Bob, Chat, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        await leaving.SubscribeAsync(Alice, Chat, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();

        await leaving.DisposeAsync();

        // The withdrawal travels on the same link as this later subscription, so the node has applied it by now.
        await staying.SubscribeAsync(Bob, Bob, link.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        Assert.DoesNotContain(node.GetSubscriptions(), e => e.Name == Alice);
        var chat = Assert.Single(node.GetSubscriptions(), e => e.Name == Chat);
        Assert.Single(chat.References);
        Assert.Contains(sdk.GetSubscriptions(), e => e.Name == Chat && e.ConnectionId == staying.Id);
    }

    [Fact]
    public async Task Messages_sent_while_a_link_is_down_are_delivered_after_it_reconnects()
    {
        await using var node = new MessageProcessor();
        await using var sdk = new MessageProcessor();
        await using var nodeApp = node.CreateLocalConnection();
        await nodeApp.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();
        await using var app = sdk.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(sdk, node, ConnectionType.Edge, InMemoryLink.FastReconnect with { UseAsDefaultRoute = true });

        link.RefuseWith = new IOException("node down");
        link.Break();
        await WaitForStateAsync(link.Link, OutboundLinkState.Reconnecting);
        await SendAsync(app, Messages.Publish(Alice, Bob, text: "queued"));
        link.RefuseWith = null;
        await link.WaitForConnectCountAsync(2);

        Assert.Equal("queued", Messages.Text(await NextAsync(nodeApp)));
        Assert.True(link.Attempts >= 2);
    }

    [Fact]
    public async Task A_peer_link_reconnects_and_relearns_the_other_side()
    {
        var log = new TestLog(output);
        await using var a = new MessageProcessor(loggerFactory: log);
        await using var b = new MessageProcessor(loggerFactory: log);
        await using var alice = a.CreateLocalConnection();
        await using var bob = b.CreateLocalConnection();
        await using var link = await InMemoryLink.ConnectAsync(a, b, ConnectionType.Peer);
        await bob.SubscribeAsync(Bob, Bob, cancellationToken: Ct).WithTimeout();

        link.Break();
        await link.WaitForConnectCountAsync(2);

        // An announcement from A after the reconnect: when B acknowledges it, A has read B's full sync before it.
        await alice.SubscribeAsync(Alice, Alice, cancellationToken: Ct).WithTimeout();
        Assert.Contains(a.GetSubscriptions(), e => e.Name == Bob);

        await SendAsync(alice, Messages.Publish(Alice, Bob, text: "after reconnect"));
        Assert.Equal("after reconnect", Messages.Text(await NextAsync(bob)));
        await SendAsync(bob, Messages.Publish(Bob, Alice, text: "and back"));
        Assert.Equal("and back", Messages.Text(await NextAsync(alice)));
        log.AssertNoErrors();
    }

    [Fact]
    public async Task A_link_that_cannot_reconnect_gives_up_after_its_attempts()
    {
        await using var node = new MessageProcessor();
        await using var sdk = new MessageProcessor();
        await using var link = await InMemoryLink.ConnectAsync(
            sdk, node, ConnectionType.Edge, InMemoryLink.FastReconnect with { MaxReconnectAttempts = 3 });

        link.RefuseWith = new IOException("gone");
        link.Break();
        await link.Link.Completion.WithTimeout();

        Assert.Equal(OutboundLinkState.Closed, link.Link.State);
        Assert.Equal(4, link.Attempts);
        Assert.Empty(sdk.GetConnections());
    }

    [Fact]
    public async Task Reconnect_delays_grow_exponentially_with_jitter_up_to_the_cap()
    {
        var time = new ManualTimeProvider();
        await using var node = new MessageProcessor();
        await using var sdk = new MessageProcessor(loggerFactory: new TestLog(output), timeProvider: time);
        var options = new OutboundLinkOptions
        {
            ReconnectInitialDelay = TimeSpan.FromSeconds(1),
            ReconnectMultiplier = 2,
            ReconnectMaxDelay = TimeSpan.FromSeconds(4),
            MaxReconnectAttempts = 5,
        };
        await using var link = await InMemoryLink.ConnectAsync(sdk, node, ConnectionType.Edge, options);
        link.RefuseWith = new IOException("node down");

        // Backoff delays are between 0.5 s and 4 s; negotiation (5 s) and stall (30 s) timers are not.
        // (A timer that fired is no longer armed, so each wait finds the next delay, armed during or after Advance.)
        link.Break();
        var delays = new List<TimeSpan>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var delay = await time.WhenTimerArmedAsync(IsBackoff).WithTimeout(what: $"reconnect delay #{attempt + 1}");
            delays.Add(delay);
            time.Advance(delay);
        }

        await link.Link.Completion.WithTimeout();
        double[] nominal = [1, 2, 4, 4, 4];
        for (var i = 0; i < nominal.Length; i++)
        {
            Assert.InRange(delays[i].TotalSeconds, nominal[i] / 2, nominal[i]);
        }

        Assert.Equal(6, link.Attempts);
        Assert.Equal(OutboundLinkState.Closed, link.Link.State);

        static bool IsBackoff(TimeSpan due) => due >= TimeSpan.FromSeconds(0.5) && due <= TimeSpan.FromSeconds(4);
    }

    [Fact]
    public async Task Closing_a_node_connection_removes_its_names_and_tells_peers()
    {
        await using var a = new MessageProcessor();
        await using var b = new MessageProcessor();
        await using var link = await InMemoryLink.ConnectAsync(a, b, ConnectionType.Peer);
        await using var sdk = new MessageProcessor();
        await using var app = sdk.CreateLocalConnection();
        var edge = await InMemoryLink.ConnectAsync(sdk, b, ConnectionType.Edge);
        await app.SubscribeAsync(Bob, Bob, edge.Link.ConnectionId, cancellationToken: Ct).WithTimeout();
        Assert.Contains(a.GetSubscriptions(), e => e.Name == Bob);

        await edge.DisposeAsync();

        // B withdrew the name from A when the SDK's connection closed; a probe through the same link proves A read it.
        await using var alice = a.CreateLocalConnection();
        await alice.SubscribeAsync(Alice, Alice, cancellationToken: Ct).WithTimeout();
        Assert.DoesNotContain(b.GetSubscriptions(), e => e.Name == Bob);
        Assert.DoesNotContain(a.GetSubscriptions(), e => e.Name == Bob);
    }

    private static Task WaitForStateAsync(OutboundLink link, OutboundLinkState state)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.StateChanged += (_, s) =>
        {
            if (s == state)
            {
                done.TrySetResult();
            }
        };
        if (link.State == state)
        {
            done.TrySetResult();
        }

        return done.Task.WithTimeout(what: $"link state {state}");
    }
}
