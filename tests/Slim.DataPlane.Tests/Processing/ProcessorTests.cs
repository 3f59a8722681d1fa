using Google.Protobuf;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Tests.Infrastructure;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Processing;

/// <summary>The processor pipeline with official-app-like peers on in-memory streams.</summary>
public sealed class ProcessorTests(ITestOutputHelper output)
{
    private static readonly SlimName Alice = new("org", "ns", "alice", 0xA1);
    private static readonly SlimName Bob = new("org", "ns", "bob", 0xB0B);
    private static readonly SlimName Carol = new("org", "ns", "carol", 0xCA);
    private static readonly SlimName Chat = new("org", "ns", "chat", 0xC4A7);

    [Fact]
    public async Task Subscriptions_with_an_id_are_acknowledged_and_id_zero_is_not()
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        await using var alice = await TestPeer.ConnectAsync(processor);

        var ack = await alice.SubscribeAsync(Alice, Alice, 42, "token");
        Assert.True(ack.Success);
        Assert.Equal(string.Empty, ack.Error);

        await alice.SendAsync(WireMessage.CreateSubscribe(Alice, Chat, 0));
        await alice.BarrierAsync();

        var entry = Assert.Single(processor.GetSubscriptions(), e => e.Name == Chat);
        Assert.Equal([new SubscriptionReference(0, SubscriptionKind.Learned)], entry.References);
        Assert.Contains(processor.GetSubscriptions(), e => e.Name == Alice && e.ConnectionType == ConnectionType.Edge);
        log.AssertNoErrors();
    }

    [Fact]
    public async Task Unsubscribing_something_unknown_is_acknowledged_with_an_error()
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);

        var ack = await alice.UnsubscribeAsync(Alice, Chat, 9);

        Assert.False(ack.Success);
        Assert.Contains("not found", ack.Error, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Get("slim.dataplane.subscription.operations", "result", "error"));

        Assert.True((await alice.SubscribeAsync(Alice, Chat, 10)).Success);
        Assert.True((await alice.UnsubscribeAsync(Alice, Chat, 10)).Success);
        Assert.DoesNotContain(processor.GetSubscriptions(), e => e.Name == Chat);
    }

    [Fact]
    public async Task A_publish_is_forwarded_byte_for_byte_except_the_routing_fields()
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);

        var sent = Messages.Publish(Alice, Bob);
        sent.Publish.Header.E2EHeaderSig = ByteString.CopyFrom([1, 2, 3]);
        sent.Publish.Header.IncomingConn = 77;
        sent.Metadata.Add("k1", "v1");
        var original = sent.Clone();
        await alice.SendAsync(sent);

        var received = await bob.ReceiveAsync();

        var aliceConnection = processor.GetConnections().Single(c => c.LinkId == alice.LinkId).Id;
        Assert.Equal(aliceConnection, received.Publish.Header.IncomingConn);
        Assert.Equal(7u, received.Publish.Header.Ttl);
        Assert.True(received.Publish.Header.HasHeaderMac);
        Assert.NotEqual(sent.Publish.Header.HeaderMac, received.Publish.Header.HeaderMac);

        // Everything else is identical.
        received.Publish.Header.ClearHeaderMac();
        received.Publish.Header.IncomingConn = 77;
        received.Publish.Header.Ttl = 8;
        Assert.Equal(original.ToByteArray(), received.ToByteArray());
        log.AssertNoErrors();
    }

    [Fact]
    public async Task Anycast_reaches_one_subscriber_and_broadcast_reaches_all_but_the_sender()
    {
        await using var processor = new MessageProcessor();
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await using var carol = await TestPeer.ConnectAsync(processor);
        foreach (var (peer, name) in new[] { (alice, Alice), (bob, Bob), (carol, Carol) })
        {
            await peer.SubscribeAsync(name, Chat, 100);
        }

        await alice.SendAsync(Messages.Publish(Alice, Chat, SlimConstants.GroupFanout, text: "to all"));
        Assert.Equal("to all", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal("to all", Messages.Text(await carol.ReceiveAsync()));

        // The sender is never a target: its next message is the barrier's ack.
        await alice.BarrierAsync();

        // Anycast to the prefix (no id): exactly one of the others.
        await alice.SendAsync(Messages.Publish(Alice, Chat.WithoutId(), text: "to one"));
        await alice.SendAsync(Messages.Publish(Alice, Chat.WithoutId(), text: "to one"));
        var first = await Task.WhenAny(bob.ReceiveAsync(), carol.ReceiveAsync()).WithTimeout();
        Assert.Equal("to one", Messages.Text(await first));
    }

    [Fact]
    public async Task Group_messages_reach_each_member_with_their_own_mac()
    {
        await using var processor = new MessageProcessor();
        var members = new List<TestPeer>();
        for (var i = 0; i < 4; i++)
        {
            var member = await TestPeer.ConnectAsync(processor);
            await member.SubscribeAsync(Chat, Chat, (ulong)(i + 1));
            members.Add(member);
        }

        for (var round = 0; round < 10; round++)
        {
            await members[0].SendAsync(Messages.Publish(Alice, Chat, SlimConstants.GroupFanout, text: $"round {round}"));
        }

        foreach (var member in members.Skip(1))
        {
            for (var round = 0; round < 10; round++)
            {
                Assert.Equal($"round {round}", Messages.Text(await member.ReceiveAsync()));
            }
        }

        foreach (var member in members)
        {
            await member.DisposeAsync();
        }
    }

    [Fact]
    public async Task No_route_is_silent_for_a_remote_sender_and_counted()
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);

        await alice.SendAsync(Messages.Publish(Alice, Bob));
        await alice.BarrierAsync();

        Assert.Equal(1, metrics.Dropped("no_route"));
        log.AssertNoErrors();
    }

    [Fact]
    public async Task A_remote_peer_cannot_steer_the_processor_with_local_flags()
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        var bobConnection = processor.GetConnections().Single(c => c.LinkId == bob.LinkId).Id;

        var steered = Messages.Publish(Alice, Carol);
        steered.Publish.Header.ForwardTo = bobConnection;
        await alice.SendAsync(steered);
        var route = WireMessage.CreateSubscribe(Alice, Carol, 5);
        route.Subscribe.Header.RecvFrom = bobConnection;
        await alice.SendAsync(route);
        Assert.True((await alice.ExpectAckAsync(5)).Success);

        // The Subscribe was taken as alice's own (recv_from ignored): carol's name now routes to alice, not bob.
        Assert.Equal(1, metrics.Dropped("no_route"));
        var entry = Assert.Single(processor.GetSubscriptions(), e => e.Name == Carol);
        Assert.NotEqual(bobConnection, entry.ConnectionId);
        await bob.BarrierAsync();
    }

    [Theory]
    [InlineData(0u, false)]
    [InlineData(1u, false)]
    [InlineData(2u, true)]
    public async Task Ttl_is_decremented_and_zero_is_dropped(uint ttl, bool delivered)
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);

        await alice.SendAsync(Messages.Publish(Alice, Bob, ttl: ttl, text: "probe"));
        await alice.SendAsync(Messages.Publish(Alice, Bob, ttl: 8, text: "after"));

        var first = await bob.ReceiveAsync();
        if (delivered)
        {
            Assert.Equal("probe", Messages.Text(first));
            Assert.Equal(ttl - 1, first.Publish.Header.Ttl);
            first = await bob.ReceiveAsync();
        }

        Assert.Equal("after", Messages.Text(first));
        Assert.Equal(delivered ? 0 : 1, metrics.Dropped("ttl_expired"));
    }

    [Fact]
    public async Task A_subscribe_with_ttl_zero_is_dropped_without_ack()
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);

        var subscribe = WireMessage.CreateSubscribe(Alice, Alice, 3);
        subscribe.Subscribe.Header.Ttl = 0;
        await alice.SendAsync(subscribe);
        await alice.BarrierAsync();

        Assert.Equal(1, metrics.Dropped("ttl_expired"));
        Assert.DoesNotContain(processor.GetSubscriptions(), e => e.Name == Alice);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("invalid")]
    public async Task Bad_header_macs_are_dropped_logged_and_counted(string kind)
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);

        var bad = Messages.Publish(Alice, Bob, text: "bad");
        if (kind == "invalid")
        {
            bad.Publish.Header.HeaderMac = ByteString.CopyFrom(new byte[32]);
        }

        await alice.SendAsync(bad, mac: false);
        await alice.SendAsync(Messages.Publish(Alice, Bob, text: "good"));

        Assert.Equal("good", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal(1, metrics.Get("slim.dataplane.header_mac.failures", "reason", kind));
        Assert.Equal(1, metrics.Dropped(kind == "missing" ? "mac_missing" : "mac_invalid"));
        Assert.Equal(1, log.Count(3007));
    }

    [Theory]
    [InlineData("ttl")]
    [InlineData("destination")]
    [InlineData("identity")]
    [InlineData("name_id")]
    public async Task A_mac_over_a_modified_header_does_not_verify(string field)
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);
        await bob.SubscribeAsync(Carol, Carol, 2);

        var message = Messages.Publish(Alice, Bob, text: "bad");
        alice.Sign(message);
        var header = message.Publish.Header;
        switch (field)
        {
            case "ttl":
                header.Ttl = 5;
                break;
            case "destination":
                header.Destination = Carol.ToWire();
                break;
            case "identity":
                header.Identity = "someone else";
                break;
            default:
                header.Destination.Name_.NameId = null;
                break;
        }

        await alice.SendAsync(message, mac: false);
        await alice.SendAsync(Messages.Publish(Alice, Bob, text: "good"));

        Assert.Equal("good", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal(1, metrics.Dropped("mac_invalid"));
    }

    [Fact]
    public async Task Malformed_and_invalid_messages_are_dropped_and_the_connection_survives()
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);

        // A frame whose payload is not protobuf.
        await alice.Stream.WriteRawAsync([0, 0, 0, 0, 4, 0x0A, 0xFF, 0xFF, 0xFF], Ct).WithTimeout();

        // A message without message_type, a publish without names, a publish without session header.
        await alice.SendAsync(new Message());
        var noNames = Messages.Publish(Alice, Bob);
        noNames.Publish.Header.Source = null;
        await alice.SendAsync(noNames);
        var noEncoded = Messages.Publish(Alice, Bob);
        noEncoded.Publish.Header.Destination.Name_ = null;
        await alice.SendAsync(noEncoded);
        var noSession = Messages.Publish(Alice, Bob);
        noSession.Publish.Session = null;
        await alice.SendAsync(noSession);
        await alice.SendAsync(new Message { Subscribe = new Subscribe { SubscriptionId = 5 } });

        await alice.SendAsync(Messages.Publish(Alice, Bob, text: "still here"));
        Assert.Equal("still here", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal(1, metrics.Dropped("malformed"));
        Assert.Equal(5, metrics.Dropped("invalid"));
        log.AssertNoErrors();
    }

    [Fact]
    public async Task An_oversized_message_closes_that_connection_only()
    {
        await using var processor = new MessageProcessor(DataPlaneOptions.Default with { MaxMessageSize = 4096 });
        using var metrics = new MetricCollector(processor.Meter);
        await using var alice = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await using var carol = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);

        await alice.SendAsync(Messages.Publish(Alice, Bob, text: new string('x', 5000)));

        Assert.Empty(await alice.ReceiveUntilClosedAsync());
        await alice.Accepted.WithTimeout();
        Assert.Equal(1, metrics.Get("slim.dataplane.connections.closed", "reason", "too_large"));

        await carol.SendAsync(Messages.Publish(Carol, Bob, text: "fine"));
        Assert.Equal("fine", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal(2, processor.GetConnections().Count);
    }

    [Fact]
    public async Task A_transport_error_closes_that_connection_without_an_error_log()
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(processor.Meter);
        var alice = await TestPeer.ConnectAsync(processor);
        await alice.SubscribeAsync(Alice, Alice, 1);

        // What the HTTP/2 transports do on a reset or a lost connection: the input throws a transport exception.
        await alice.Stream.Output.CompleteAsync(new Slim.DataPlane.Transport.SlimTransportException(
            SlimErrorCode.TransportFailed, Slim.DataPlane.Transport.GrpcStatusCode.Unavailable, "connection lost"));
        await alice.Accepted.WithTimeout();

        Assert.Equal(1, metrics.Get("slim.dataplane.connections.closed", "reason", "transport_error"));
        Assert.Empty(processor.GetSubscriptions());
        log.AssertNoErrors();
        await alice.Stream.Input.CompleteAsync();
    }

    [Fact]
    public async Task Random_payloads_in_valid_frames_are_only_ever_dropped()
    {
        var log = new TestLog();
        await using var processor = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(processor.Meter);
        await using var fuzzer = await TestPeer.ConnectAsync(processor);
        await using var bob = await TestPeer.ConnectAsync(processor);
        await bob.SubscribeAsync(Bob, Bob, 1);

        var random = new Random(1234);
        for (var i = 0; i < 500; i++)
        {
            var payload = new byte[random.Next(0, 200)];
            random.NextBytes(payload);
            var frame = new byte[payload.Length + 5];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
            payload.CopyTo(frame, 5);
            await fuzzer.Stream.WriteRawAsync(frame, Ct).WithTimeout();
        }

        await fuzzer.SendAsync(Messages.Publish(Alice, Bob, text: "survived"));
        Assert.Equal("survived", Messages.Text(await bob.ReceiveAsync()));
        Assert.Equal(502, metrics.Get("slim.dataplane.messages.received"));
        log.AssertNoErrors();
    }

    [Fact]
    public async Task Random_bytes_on_the_stream_close_that_connection_cleanly()
    {
        var log = new TestLog();
        await using var processor = new MessageProcessor(loggerFactory: log);
        var random = new Random(99);
        for (var i = 0; i < 20; i++)
        {
            var peer = await TestPeer.ConnectAsync(processor);
            var garbage = new byte[random.Next(5, 64)];
            random.NextBytes(garbage);
            garbage[0] = (byte)(2 + (garbage[0] % 250));
            await peer.Stream.WriteRawAsync(garbage, Ct).WithTimeout();
            Assert.Empty(await peer.ReceiveUntilClosedAsync());
            await peer.DisposeAsync();
        }

        Assert.Empty(processor.GetConnections());
        log.AssertNoErrors();
    }
}
