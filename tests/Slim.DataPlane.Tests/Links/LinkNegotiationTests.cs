using Google.Protobuf;
using Slim.Crypto;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Tables;
using Slim.DataPlane.Tests.Infrastructure;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Tests.Links;

public sealed class LinkNegotiationTests(ITestOutputHelper output)
{
    private static readonly SlimName Alice = new("org", "ns", "alice", 1);

    private static LinkNegotiationPayload Request(string? linkId = null, bool key = true) => new()
    {
        LinkId = linkId ?? Guid.NewGuid().ToString(),
        SlimVersion = "2.0.0-alpha.8",
        IsReply = false,
        ConnectionType = LinkConnectionType.Edge,
        NodeId = "node-test",
        LinkEcdhPublicKey = key ? ByteString.CopyFrom(X25519.GetPublicKey(X25519.GeneratePrivateKey())) : ByteString.Empty,
    };

    // ---- acceptor -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(LinkConnectionType.Edge, ConnectionType.Edge)]
    [InlineData(LinkConnectionType.Remote, ConnectionType.Remote)]
    [InlineData(LinkConnectionType.Peer, ConnectionType.Peer)]
    public async Task Acceptor_answers_with_its_key_and_echoes_the_connection_type(LinkConnectionType requested, ConnectionType expected)
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        await using var peer = await TestPeer.ConnectAsync(processor, requested);

        Assert.True(peer.HasKey);
        Assert.Equal(32, peer.Reply.LinkEcdhPublicKey.Length);
        Assert.Equal(processor.NodeId, peer.Reply.NodeId);
        Assert.Equal(SlimConstants.WireVersion, peer.Reply.SlimVersion);

        // The derived keys agree: a MACed subscribe is accepted and acknowledged with a MACed... ack (acks carry no MAC).
        Assert.True((await peer.SubscribeAsync(Alice, Alice, 5)).Success);
        var connection = Assert.Single(processor.GetConnections());
        Assert.Equal(expected, connection.Type);
        Assert.Equal(peer.LinkId, connection.LinkId);
        Assert.True(connection.HasHeaderMac);
        Assert.True(log.Has(3001));
    }

    [Fact]
    public async Task Strict_acceptor_refuses_a_peer_without_key()
    {
        var log = new TestLog(output);
        await using var processor = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(processor.Meter);
        var (client, server) = InMemoryFrameStream.CreatePair();

        var accepted = processor.AcceptAsync(server, Ct);
        await client.WriteMessageAsync(WireMessage.CreateLink(Request(key: false)), Ct).WithTimeout();

        Assert.Null(await client.ReadMessageAsync(Ct).WithTimeout());
        await accepted.WithTimeout();
        var error = Assert.IsType<SlimDataPlaneException>(server.CompletionError);
        Assert.Equal(SlimErrorCode.LinkNegotiationFailed, error.ErrorCode);
        Assert.Equal(1, metrics.Get("slim.dataplane.negotiation.failures", "reason", "missing_key"));
        Assert.Empty(processor.GetConnections());
        Assert.True(log.Has(3003));
    }

    [Fact]
    public async Task Lenient_acceptor_accepts_a_peer_without_key_and_runs_without_mac()
    {
        await using var processor = new MessageProcessor(DataPlaneOptions.Default with { RequireHeaderMac = false });
        await using var peer = await TestPeer.ConnectAsync(processor, sendKey: false);

        Assert.False(peer.HasKey);
        Assert.Equal(0, peer.Reply.LinkEcdhPublicKey.Length);
        Assert.True((await peer.SubscribeAsync(Alice, Alice, 5)).Success);
        Assert.False(Assert.Single(processor.GetConnections()).HasHeaderMac);
    }

    [Fact]
    public async Task Lenient_acceptor_still_requires_macs_from_a_peer_that_sent_a_key()
    {
        await using var processor = new MessageProcessor(DataPlaneOptions.Default with { RequireHeaderMac = false });
        using var metrics = new MetricCollector(processor.Meter);
        await using var peer = await TestPeer.ConnectAsync(processor, sendKey: true);

        await peer.SendAsync(WireMessage.CreateSubscribe(Alice, Alice, 5), mac: false);
        await peer.BarrierAsync();

        Assert.Equal(1, metrics.Get("slim.dataplane.header_mac.failures", "reason", "missing"));
        Assert.DoesNotContain(processor.GetSubscriptions(), s => s.Name == Alice);
    }

    public static TheoryData<string, string> BadFirstMessages() => new()
    {
        { "subscribe", "not_link" },
        { "reply", "wrong_role" },
        { "version", "bad_version" },
        { "empty-version", "bad_version" },
        { "link-id", "empty_link_id" },
        { "key-length", "bad_key" },
        { "empty-link", "not_link" },
        { "malformed", "malformed" },
        { "type", "bad_connection_type" },
    };

    [Theory]
    [MemberData(nameof(BadFirstMessages))]
    public async Task Acceptor_closes_the_stream_on_a_bad_first_message(string kind, string reason)
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        var (client, server) = InMemoryFrameStream.CreatePair();
        var accepted = processor.AcceptAsync(server, Ct);

        var request = Request();
        switch (kind)
        {
            case "subscribe":
                await client.WriteMessageAsync(WireMessage.CreateSubscribe(Alice, Alice, 1), Ct).WithTimeout();
                break;
            case "reply":
                request.IsReply = true;
                break;
            case "version":
                request.SlimVersion = "banana";
                break;
            case "empty-version":
                request.SlimVersion = string.Empty;
                break;
            case "link-id":
                request.LinkId = string.Empty;
                break;
            case "key-length":
                request.LinkEcdhPublicKey = ByteString.CopyFrom(new byte[31]);
                break;
            case "empty-link":
                await client.WriteMessageAsync(new Message { Link = new Link() }, Ct).WithTimeout();
                break;
            case "malformed":
                await client.WriteRawAsync([0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF], Ct).WithTimeout();
                break;
            case "type":
                request.ConnectionType = (LinkConnectionType)17;
                break;
        }

        if (kind is "reply" or "version" or "empty-version" or "link-id" or "key-length" or "type")
        {
            await client.WriteMessageAsync(WireMessage.CreateLink(request), Ct).WithTimeout();
        }

        Assert.Null(await client.ReadMessageAsync(Ct).WithTimeout());
        await accepted.WithTimeout();
        Assert.NotNull(server.CompletionError);
        Assert.Equal(1, metrics.Get("slim.dataplane.negotiation.failures", "reason", reason));
        Assert.Empty(processor.GetConnections());
    }

    [Fact]
    public async Task Random_first_messages_only_ever_fail_negotiation()
    {
        var log = new TestLog();
        await using var processor = new MessageProcessor(loggerFactory: log);
        using var metrics = new MetricCollector(processor.Meter);
        var random = new Random(21);
        for (var i = 0; i < 50; i++)
        {
            var (client, server) = InMemoryFrameStream.CreatePair();
            var accepted = processor.AcceptAsync(server, Ct);
            var payload = new byte[random.Next(0, 120)];
            random.NextBytes(payload);
            if (i % 2 == 0 && payload.Length > 2)
            {
                // Look like a Link message so the decoder goes further.
                payload[0] = 0x2A;
                payload[1] = (byte)(payload.Length - 2);
            }

            var frame = new byte[payload.Length + 5];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
            payload.CopyTo(frame, 5);
            await client.WriteRawAsync(frame, Ct).WithTimeout();

            Assert.Null(await client.ReadMessageAsync(Ct).WithTimeout());
            await accepted.WithTimeout();
        }

        Assert.Equal(50, metrics.Get("slim.dataplane.negotiation.failures"));
        Assert.Empty(processor.GetConnections());
        log.AssertNoErrors();
    }

    [Fact]
    public async Task Acceptor_refuses_a_low_order_public_key()
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        var (client, server) = InMemoryFrameStream.CreatePair();
        var accepted = processor.AcceptAsync(server, Ct);
        var request = Request();
        request.LinkEcdhPublicKey = ByteString.CopyFrom(new byte[32]);

        await client.WriteMessageAsync(WireMessage.CreateLink(request), Ct).WithTimeout();

        Assert.Null(await client.ReadMessageAsync(Ct).WithTimeout());
        await accepted.WithTimeout();
        Assert.Equal(1, metrics.Get("slim.dataplane.negotiation.failures", "reason", "bad_key"));
    }

    [Fact]
    public async Task Acceptor_closes_when_the_peer_ends_the_stream_before_negotiating()
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        var (client, server) = InMemoryFrameStream.CreatePair();
        var accepted = processor.AcceptAsync(server, Ct);

        await client.CompleteAsync();

        await accepted.WithTimeout();
        Assert.Equal(1, metrics.Get("slim.dataplane.negotiation.failures", "reason", "stream_closed"));
    }

    [Fact]
    public async Task Acceptor_times_out_a_silent_peer()
    {
        var time = new ManualTimeProvider();
        await using var processor = new MessageProcessor(DataPlaneOptions.Default with { NegotiationTimeout = TimeSpan.FromSeconds(5) }, timeProvider: time);
        using var metrics = new MetricCollector(processor.Meter);
        var (client, server) = InMemoryFrameStream.CreatePair();

        var armed = time.WhenTimerArmedAsync(TimeSpan.FromSeconds(5));
        var accepted = processor.AcceptAsync(server, Ct);
        await armed.WithTimeout();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(accepted.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        await accepted.WithTimeout();
        Assert.Equal(SlimErrorCode.LinkNegotiationTimeout, Assert.IsType<SlimDataPlaneException>(server.CompletionError).ErrorCode);
        Assert.Equal(1, metrics.Get("slim.dataplane.negotiation.failures", "reason", "timeout"));
        Assert.Null(await client.ReadMessageAsync(Ct).WithTimeout());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_second_link_message_is_dropped_and_the_connection_keeps_working(bool asReply)
    {
        await using var processor = new MessageProcessor();
        using var metrics = new MetricCollector(processor.Meter);
        await using var peer = await TestPeer.ConnectAsync(processor);

        var again = Request(peer.LinkId);
        again.IsReply = asReply;
        await peer.SendAsync(WireMessage.CreateLink(again));
        await peer.BarrierAsync();

        Assert.Equal(1, metrics.Dropped("link_repeated"));
        Assert.Single(processor.GetConnections());
    }

    [Fact]
    public async Task Peer_links_from_this_node_itself_or_another_deployment_are_refused()
    {
        await using var processor = new MessageProcessor(DataPlaneOptions.Default with { NodeId = "node-a", DeploymentName = "prod" });
        using var metrics = new MetricCollector(processor.Meter);

        foreach (var (nodeId, deployment, reason) in new[] { ("node-a", "prod", "self_connection"), ("node-b", "test", "deployment_mismatch") })
        {
            var (client, server) = InMemoryFrameStream.CreatePair();
            var accepted = processor.AcceptAsync(server, Ct);
            var request = Request();
            request.ConnectionType = LinkConnectionType.Peer;
            request.NodeId = nodeId;
            request.DeploymentName = deployment;
            await client.WriteMessageAsync(WireMessage.CreateLink(request), Ct).WithTimeout();
            Assert.Null(await client.ReadMessageAsync(Ct).WithTimeout());
            await accepted.WithTimeout();
            Assert.Equal(1, metrics.Get("slim.dataplane.negotiation.failures", "reason", reason));
        }

        // The same deployment from another node is a valid peer.
        await using var peer = await TestPeer.ConnectAsync(processor, LinkConnectionType.Peer, nodeId: "node-b", deploymentName: "prod");
        Assert.Equal("prod", peer.Reply.DeploymentName);
    }

    // ---- initiator ----------------------------------------------------------------------------------------------

    /// <summary>A scripted server: answers the processor's Link request with whatever <paramref name="answer"/> returns.</summary>
    private static Func<CancellationToken, ValueTask<Slim.DataPlane.Transport.IFrameStream>> ScriptedServer(
        Func<LinkNegotiationPayload, Message?> answer, List<LinkNegotiationPayload> requests, List<InMemoryFrameStream> servers)
    {
        return token =>
        {
            var (client, server) = InMemoryFrameStream.CreatePair();
            servers.Add(server);
            _ = Task.Run(async () =>
            {
                var first = await server.ReadMessageAsync(token);
                if (first?.Link?.LinkNegotiation is not { } request)
                {
                    return;
                }

                requests.Add(request);
                if (answer(request) is { } reply)
                {
                    await server.WriteMessageAsync(reply, token);
                }
                else
                {
                    await server.CompleteAsync();
                }
            }, token);
            return ValueTask.FromResult<Slim.DataPlane.Transport.IFrameStream>(client);
        };
    }

    private static Message Reply(LinkNegotiationPayload request, bool key = true, Action<LinkNegotiationPayload>? change = null)
    {
        var reply = new LinkNegotiationPayload
        {
            LinkId = request.LinkId,
            SlimVersion = "2.0.0-alpha.8",
            IsReply = true,
            ConnectionType = request.ConnectionType,
            NodeId = "node-server",
            LinkEcdhPublicKey = key ? ByteString.CopyFrom(X25519.GetPublicKey(X25519.GeneratePrivateKey())) : ByteString.Empty,
        };
        change?.Invoke(reply);
        return WireMessage.CreateLink(reply);
    }

    [Fact]
    public async Task Initiator_sends_the_official_request_and_accepts_a_keyed_reply()
    {
        await using var processor = new MessageProcessor();
        List<LinkNegotiationPayload> requests = [];
        List<InMemoryFrameStream> servers = [];

        await using var link = await processor.ConnectAsync(
            ScriptedServer(r => Reply(r), requests, servers),
            new OutboundLinkOptions { LinkId = "my-link", ConnectionType = ConnectionType.Peer },
            Ct).WithTimeout();

        var request = Assert.Single(requests);
        Assert.Equal("my-link", request.LinkId);
        Assert.False(request.IsReply);
        Assert.Equal(32, request.LinkEcdhPublicKey.Length);
        Assert.Equal(LinkConnectionType.Peer, request.ConnectionType);
        Assert.Equal(processor.NodeId, request.NodeId);
        Assert.Equal(SlimConstants.WireVersion, request.SlimVersion);
        Assert.Equal(OutboundLinkState.Connected, link.State);
        Assert.True(link.HasHeaderMac);
        Assert.Equal("node-server", link.RemoteNodeId);
    }

    public static TheoryData<string, SlimErrorCode> BadReplies() => new()
    {
        { "no-key", SlimErrorCode.LinkNegotiationFailed },
        { "short-key", SlimErrorCode.LinkNegotiationFailed },
        { "link-id", SlimErrorCode.LinkNegotiationFailed },
        { "version", SlimErrorCode.LinkNegotiationFailed },
        { "request", SlimErrorCode.LinkNegotiationFailed },
        { "not-link", SlimErrorCode.LinkNegotiationFailed },
        { "closed", SlimErrorCode.ConnectionClosed },
    };

    [Theory]
    [MemberData(nameof(BadReplies))]
    public async Task Initiator_refuses_a_bad_reply(string kind, SlimErrorCode code)
    {
        await using var processor = new MessageProcessor();
        List<LinkNegotiationPayload> requests = [];
        List<InMemoryFrameStream> servers = [];
        Message? Answer(LinkNegotiationPayload r) => kind switch
        {
            "no-key" => Reply(r, key: false),
            "short-key" => Reply(r, change: p => p.LinkEcdhPublicKey = ByteString.CopyFrom(new byte[16])),
            "link-id" => Reply(r, change: p => p.LinkId = "other"),
            "version" => Reply(r, change: p => p.SlimVersion = "2.0"),
            "request" => Reply(r, change: p => p.IsReply = false),
            "not-link" => WireMessage.CreateSubscribe(Alice, Alice, 1),
            _ => null,
        };

        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(
            () => processor.ConnectAsync(ScriptedServer(Answer, requests, servers), cancellationToken: Ct)).WithTimeout();

        Assert.Equal(code, error.ErrorCode);
        Assert.Empty(processor.GetConnections());
    }

    [Fact]
    public async Task Lenient_initiator_accepts_a_reply_without_key()
    {
        await using var processor = new MessageProcessor(DataPlaneOptions.Default with { RequireHeaderMac = false });
        List<LinkNegotiationPayload> requests = [];
        List<InMemoryFrameStream> servers = [];

        await using var link = await processor.ConnectAsync(ScriptedServer(r => Reply(r, key: false), requests, servers), cancellationToken: Ct).WithTimeout();

        Assert.False(link.HasHeaderMac);
        Assert.Equal(32, Assert.Single(requests).LinkEcdhPublicKey.Length);
    }

    [Fact]
    public async Task Initiator_times_out_a_silent_server()
    {
        var time = new ManualTimeProvider();
        await using var processor = new MessageProcessor(timeProvider: time);
        var (client, server) = InMemoryFrameStream.CreatePair();

        var armed = time.WhenTimerArmedAsync(SlimConstants.LinkNegotiationTimeout);
        var connecting = processor.ConnectAsync(_ => ValueTask.FromResult<Slim.DataPlane.Transport.IFrameStream>(client), cancellationToken: Ct);
        await armed.WithTimeout();
        time.Advance(SlimConstants.LinkNegotiationTimeout);

        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(() => connecting).WithTimeout();
        Assert.Equal(SlimErrorCode.LinkNegotiationTimeout, error.ErrorCode);
        Assert.NotNull(await server.ReadMessageAsync(Ct).WithTimeout());
    }

    [Fact]
    public async Task Initiator_reports_a_transport_that_cannot_connect()
    {
        await using var processor = new MessageProcessor();
        var error = await Assert.ThrowsAsync<SlimDataPlaneException>(
            () => processor.ConnectAsync(_ => throw new IOException("connection refused"), cancellationToken: Ct)).WithTimeout();
        Assert.Equal(SlimErrorCode.TransportFailed, error.ErrorCode);
    }

    [Fact]
    public async Task Two_processors_negotiate_with_each_other_in_both_roles()
    {
        await using var server = new MessageProcessor();
        await using var client = new MessageProcessor();
        var accepted = new List<Task>();

        await using var link = await client.ConnectAsync(_ =>
        {
            var (c, s) = InMemoryFrameStream.CreatePair();
            accepted.Add(server.AcceptAsync(s, Ct));
            return ValueTask.FromResult<Slim.DataPlane.Transport.IFrameStream>(c);
        }, new OutboundLinkOptions { ConnectionType = ConnectionType.Remote }, Ct).WithTimeout();

        var seen = Assert.Single(server.GetConnections());
        Assert.Equal(link.LinkId, seen.LinkId);
        Assert.Equal(ConnectionType.Remote, seen.Type);
        Assert.Equal(client.NodeId, seen.RemoteNodeId);
        Assert.True(seen.HasHeaderMac);
        Assert.Equal(server.NodeId, link.RemoteNodeId);
    }
}
