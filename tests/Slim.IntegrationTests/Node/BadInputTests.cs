using Google.Protobuf;
using Slim.DataPlane.Links;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Testing;

namespace Slim.IntegrationTests.Node;

/// <summary>
/// Bad input sent over real HTTP/2 to a running node: each is a logged, counted drop, or a clean close of that one
/// connection; the node never crashes and the other connections never stall. Drops are proven by order: the sender's
/// messages are processed in sequence, so when the receiver's next message is the valid one sent after the bad ones,
/// the bad ones were not delivered.
/// </summary>
public sealed class BadInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly SlimName Alice = new("org", "bad", "alice", 0xA11CE);
    private static readonly SlimName Bob = new("org", "bad", "bob", 0xB0B);
    private static readonly SlimName Carol = new("org", "bad", "carol", 0xCA201);

    [Fact]
    public async Task Malformed_protobuf_and_empty_messages_are_dropped_and_the_connection_goes_on()
    {
        await using var scene = await Scene.StartAsync();

        await scene.Bob.SendPayloadAsync([0xFF, 0xFF, 0xFF], Ct).WithTimeout();     // a varint cut short
        await scene.Bob.SendPayloadAsync([0x0A, 0x05, 0x01], Ct).WithTimeout();     // a field longer than the message
        await scene.Bob.SendPayloadAsync([], Ct).WithTimeout();                     // parses, but has no message type
        await scene.AssertBobReachesAliceAsync("after the garbage");

        var metrics = scene.Node.Host.GetMetrics();
        Assert.Equal(2, metrics.Sum("slim.dataplane.messages.dropped", "reason", "malformed"));
        Assert.Equal(1, metrics.Sum("slim.dataplane.messages.dropped", "reason", "invalid"));
        await scene.Node.Log.WaitForEventAsync(3004).WithTimeout();
    }

    [Fact]
    public async Task Publishes_without_names_or_session_header_are_dropped()
    {
        await using var scene = await Scene.StartAsync();

        var noSource = RawSlimClient.TextPublish(Bob, Alice, "no source");
        noSource.Publish.Header.Source = null;
        var noEncodedDestination = RawSlimClient.TextPublish(Bob, Alice, "no encoded destination");
        noEncodedDestination.Publish.Header.Destination.Name_ = null;
        var noSession = RawSlimClient.TextPublish(Bob, Alice, "no session header");
        noSession.Publish.Session = null;
        var noHeader = RawSlimClient.TextPublish(Bob, Alice, "no header at all");
        noHeader.Publish.Header = null;
        foreach (var message in new[] { noSource, noEncodedDestination, noSession, noHeader })
        {
            await scene.Bob.SendAsync(message, cancellationToken: Ct).WithTimeout();
        }

        await scene.AssertBobReachesAliceAsync("after the invalid publishes");
        Assert.Equal(4, scene.Node.Host.GetMetrics().Sum("slim.dataplane.messages.dropped", "reason", "invalid"));
        await scene.Node.Log.WaitForEventAsync(3005).WithTimeout();
    }

    [Fact]
    public async Task A_ttl_of_zero_or_one_expires_at_the_node()
    {
        await using var scene = await Scene.StartAsync();

        await scene.Bob.SendAsync(RawSlimClient.TextPublish(Bob, Alice, "ttl 0", ttl: 0), cancellationToken: Ct).WithTimeout();
        await scene.Bob.SendAsync(RawSlimClient.TextPublish(Bob, Alice, "ttl 1", ttl: 1), cancellationToken: Ct).WithTimeout();
        var subscribeWithTtl0 = WireMessage.CreateSubscribe(Bob, Carol, 77);
        subscribeWithTtl0.Subscribe.Header.Ttl = 0;
        await scene.Bob.SendAsync(subscribeWithTtl0, cancellationToken: Ct).WithTimeout();
        await scene.AssertBobReachesAliceAsync("ttl 8");

        Assert.Equal(3, scene.Node.Host.GetMetrics().Sum("slim.dataplane.messages.dropped", "reason", "ttl_expired"));
    }

    [Fact]
    public async Task A_wrong_or_missing_header_mac_is_dropped_and_logged()
    {
        await using var scene = await Scene.StartAsync();

        var forged = RawSlimClient.TextPublish(Bob, Alice, "forged");
        forged.Publish.Header.HeaderMac = ByteString.CopyFrom(new byte[HeaderMac.TagSize]);
        await scene.Bob.SendAsync(forged, mac: false, cancellationToken: Ct).WithTimeout();
        await scene.Bob.SendAsync(RawSlimClient.TextPublish(Bob, Alice, "unsigned"), mac: false, cancellationToken: Ct).WithTimeout();
        var forgedSubscribe = WireMessage.CreateSubscribe(Bob, Carol, 78);
        forgedSubscribe.Subscribe.Header.HeaderMac = ByteString.CopyFrom(new byte[HeaderMac.TagSize]);
        await scene.Bob.SendAsync(forgedSubscribe, mac: false, cancellationToken: Ct).WithTimeout();
        await scene.AssertBobReachesAliceAsync("signed");

        var metrics = scene.Node.Host.GetMetrics();
        Assert.Equal(2, metrics.Sum("slim.dataplane.messages.dropped", "reason", "mac_invalid"));
        Assert.Equal(1, metrics.Sum("slim.dataplane.messages.dropped", "reason", "mac_missing"));
        await scene.Node.Log.WaitForEventAsync(3007, "header MAC").WithTimeout();
    }

    [Fact]
    public async Task A_message_above_max_frame_size_closes_only_its_connection()
    {
        await using var scene = await Scene.StartAsync("max_frame_size: 1");

        // Half a MiB passes, one and a half do not.
        var half = RawSlimClient.TextPublish(Bob, Alice, new string('h', 512 * 1024));
        await scene.Bob.SendAsync(half, cancellationToken: Ct).WithTimeout();
        Assert.Equal(512 * 1024, RawSlimClient.TextOf(await scene.Alice.ReceivePublishAsync(Ct).WithTimeout()).Length);

        var tooLarge = RawSlimClient.TextPublish(Bob, Alice, new string('x', 1536 * 1024));
        await scene.Bob.SendAsync(tooLarge, cancellationToken: Ct).WithTimeout();
        await scene.Bob.ReceiveUntilClosedAsync(Ct).WithTimeout(what: "the node closing the connection that sent too much");

        await using var carol = await scene.Node.ConnectAsync();
        await carol.SendAsync(RawSlimClient.TextPublish(Carol, Alice, "others carry on"), cancellationToken: Ct).WithTimeout();
        Assert.Equal("others carry on", RawSlimClient.TextOf(await scene.Alice.ReceivePublishAsync(Ct).WithTimeout()));
        Assert.Equal(1, scene.Node.Host.GetMetrics().Sum("slim.dataplane.connections.closed", "reason", "too_large"));
    }

    [Fact]
    public async Task A_stream_whose_first_message_is_not_a_link_negotiation_is_refused()
    {
        await using var scene = await Scene.StartAsync();

        await using (var stream = await GrpcStreamClient.ConnectAsync(new GrpcClientOptions { Endpoint = scene.Node.Endpoint }, Ct).WithTimeout())
        {
            await stream.WriteMessageAsync(WireMessage.CreateSubscribe(Carol, Carol, 5), Ct).WithTimeout();
            Assert.Null(await ReadOrEndAsync(stream).WithTimeout(what: "the node ending the stream"));
        }

        // A client without an X25519 key is refused by the (default, strict) node too.
        await Assert.ThrowsAnyAsync<Exception>(() => RawSlimClient.ConnectAsync(scene.Node.Endpoint, offerKey: false, cancellationToken: Ct)).WithTimeout();

        await scene.AssertBobReachesAliceAsync("still routing");
        Assert.Equal(2, scene.Node.Host.GetMetrics().Sum("slim.dataplane.negotiation.failures", "role", "acceptor"));
        await scene.Node.Log.WaitForEventAsync(3003).WithTimeout();
    }

    [Fact]
    public async Task A_peer_that_never_reads_is_disconnected_without_stalling_the_others()
    {
        await using var scene = await Scene.StartAsync(adjust: c => c with
        {
            DataPlane = c.DataPlane with { WriteStallTimeout = TimeSpan.FromSeconds(1), OutboundQueueCapacity = 64 },
        });

        // carol subscribes, then never reads again; her transport buffers little and grants the node a small window.
        var tiny = new GrpcClientOptions { MaxPendingReceiveBytes = 16 * 1024, InitialStreamWindowSize = 65_535 };
        await using var carol = await RawSlimClient.ConnectAsync(scene.Node.Endpoint, options: tiny, cancellationToken: Ct).WithTimeout();
        Assert.True((await carol.SubscribeAsync(Carol, Carol, 3, Ct).WithTimeout()).Success);

        // bob floods carol (16 MiB): the node queues what it can and drops the rest for carol only.
        var chunk = new string('f', 16 * 1024);
        for (var i = 0; i < 1024; i++)
        {
            await scene.Bob.SendAsync(RawSlimClient.TextPublish(Bob, Carol, chunk), cancellationToken: Ct).WithTimeout();
        }

        // Meanwhile alice is served at once, and carol's connection is closed once the stall timeout runs out.
        await scene.AssertBobReachesAliceAsync("not stuck behind carol");
        await scene.Node.Log.WaitForEventAsync(3012, "stopped reading").WithTimeout(what: "the stall detection");
        var metrics = scene.Node.Host.GetMetrics();
        Assert.True(metrics.Sum("slim.dataplane.messages.dropped", "reason", "queue_full") > 0, metrics.ToString());
        await scene.Node.Log.WaitForEventAsync(3002, "stalled").WithTimeout();
        Assert.Equal(1, scene.Node.Host.GetMetrics().Sum("slim.dataplane.connections.closed", "reason", "stalled"));
        await scene.AssertBobReachesAliceAsync("after carol is gone");
    }

    private static async Task<Message?> ReadOrEndAsync(IFrameStream stream)
    {
        try
        {
            return await stream.ReadMessageAsync(Ct);
        }
        catch (SlimTransportException)
        {
            return null;
        }
    }

    /// <summary>A node with alice and bob connected and subscribed.</summary>
    private sealed class Scene : IAsyncDisposable
    {
        private Scene(TestNode node, RawSlimClient alice, RawSlimClient bob)
        {
            Node = node;
            Alice = alice;
            Bob = bob;
        }

        public TestNode Node { get; }

        public RawSlimClient Alice { get; }

        public RawSlimClient Bob { get; }

        public static async Task<Scene> StartAsync(string serverKeys = "", Func<Slim.Node.Configuration.NodeConfiguration, Slim.Node.Configuration.NodeConfiguration>? adjust = null)
        {
            var node = await TestNode.StartInsecureAsync(serverKeys, adjust);
            var alice = await node.ConnectAsync();
            var bob = await node.ConnectAsync();
            Assert.True((await alice.SubscribeAsync(BadInputTests.Alice, BadInputTests.Alice, 1, Ct).WithTimeout()).Success);
            Assert.True((await bob.SubscribeAsync(BadInputTests.Bob, BadInputTests.Bob, 2, Ct).WithTimeout()).Success);
            return new Scene(node, alice, bob);
        }

        /// <summary>bob's next publish to alice is alice's next message: everything bob sent before was dropped.</summary>
        public async Task AssertBobReachesAliceAsync(string text)
        {
            await Bob.SendAsync(RawSlimClient.TextPublish(BadInputTests.Bob, BadInputTests.Alice, text), cancellationToken: Ct).WithTimeout();
            Assert.Equal(text, RawSlimClient.TextOf(await Alice.ReceivePublishAsync(Ct).WithTimeout(what: $"alice receiving '{text}'")));
        }

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bob.DisposeAsync();
            await Node.DisposeAsync();
        }
    }
}
