using Slim.DataPlane.Connections;
using Slim.DataPlane.Links;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Transport;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Testing;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>
/// Our client side of a link against official nodes (checklist B): our engine's outbound link and our raw client
/// negotiate X25519, MAC every Subscribe and Publish, get SubscriptionAcks, and their messages are delivered, through
/// a strict official node (which drops bad MACs) and a lenient one.
/// </summary>
public sealed class OurLinksThroughOfficialNodeTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(OfficialNodeMode.Strict)]
    [InlineData(OfficialNodeMode.Lenient)]
    public async Task Our_engine_subscribes_and_publishes_through_an_official_node(OfficialNodeMode mode)
    {
        var environment = await OfficialSlim.GetAsync(Cancellation).WithTimeout();
        await using var node = await environment.StartNodeAsync(mode, Cancellation).WithTimeout();
        await using var alice = await EngineApp.ConnectAsync(node.Endpoint, new SlimName("org", "interop", "alice", 0xA11CE));
        await using var bob = await EngineApp.ConnectAsync(node.Endpoint, new SlimName("org", "interop", "bob", 0xB0B));
        Assert.True(alice.Link.HasHeaderMac, "the link must carry header MACs (we always offer a key)");

        // Both subscriptions are acknowledged by the official node: our MACs on Subscribe were accepted.
        await alice.App.SubscribeAsync(alice.Name, alice.Name, alice.Link.ConnectionId, "alice-token", Cancellation).WithTimeout(what: "alice's ack");
        await bob.App.SubscribeAsync(bob.Name, bob.Name, bob.Link.ConnectionId, "bob-token", Cancellation).WithTimeout(what: "bob's ack");

        // bob -> alice and back: our publish MACs were accepted, the node's MACs verified by our (strict) engine.
        await bob.App.SendAsync(RawSlimClient.TextPublish(bob.Name, alice.Name, "hello alice"), Cancellation).WithTimeout();
        var atAlice = await alice.ReceiveAsync();
        Assert.Equal("hello alice", RawSlimClient.TextOf(atAlice));
        Assert.Equal(bob.Name, SlimName.FromWire(atAlice.GetSlimHeader()!.Source));

        await alice.App.SendAsync(RawSlimClient.TextPublish(alice.Name, new SlimName("org", "interop", "bob"), "hello bob, any instance"), Cancellation).WithTimeout();
        Assert.Equal("hello bob, any instance", RawSlimClient.TextOf(await bob.ReceiveAsync()));
    }

    [Fact]
    public async Task A_strict_official_node_drops_bad_macs_and_accepts_ours()
    {
        var environment = await OfficialSlim.GetAsync(Cancellation).WithTimeout();
        await using var node = await environment.StartNodeAsync(OfficialNodeMode.Strict, Cancellation).WithTimeout();
        await using var alice = await RawSlimClient.ConnectAsync(node.Endpoint, cancellationToken: Cancellation).WithTimeout();
        await using var bob = await RawSlimClient.ConnectAsync(node.Endpoint, cancellationToken: Cancellation).WithTimeout();
        Assert.True(alice.HasKey);
        var aliceName = new SlimName("org", "interop", "alice", 0xA11CE);
        var bobName = new SlimName("org", "interop", "bob", 0xB0B);

        // A Subscribe with a corrupted MAC gets no ack; the next one, with our MAC, does, and is the first answer.
        var forged = WireMessage.CreateSubscribe(aliceName, aliceName, 1);
        forged.GetSlimHeader()!.HeaderMac = Google.Protobuf.ByteString.CopyFrom(new byte[HeaderMac.TagSize]);
        await alice.SendAsync(forged, mac: false, Cancellation).WithTimeout();
        var ack = await alice.SubscribeAsync(aliceName, aliceName, 2, Cancellation).WithTimeout(what: "the ack of the well-MACed subscribe");
        Assert.True(ack.Success, ack.Error);
        await bob.BarrierAsync(Cancellation).WithTimeout();

        // Same for publishes: the forged one is dropped, ours is delivered (with the node's valid MAC: ReceiveAsync checks it).
        var bad = RawSlimClient.TextPublish(bobName, aliceName, "forged");
        bad.GetSlimHeader()!.HeaderMac = Google.Protobuf.ByteString.CopyFrom(new byte[HeaderMac.TagSize]);
        await bob.SendAsync(bad, mac: false, Cancellation).WithTimeout();
        await bob.SendAsync(RawSlimClient.TextPublish(bobName, aliceName, "genuine"), cancellationToken: Cancellation).WithTimeout();
        var delivered = await alice.ReceivePublishAsync(Cancellation).WithTimeout(what: "alice receiving bob's publish");
        Assert.Equal("genuine", RawSlimClient.TextOf(delivered));
    }

    /// <summary>An app in its own <see cref="MessageProcessor"/> with one outbound link to the node, as an SDK runs.</summary>
    private sealed class EngineApp : IAsyncDisposable
    {
        private EngineApp(MessageProcessor processor, OutboundLink link, LocalConnection app, SlimName name)
        {
            Processor = processor;
            Link = link;
            App = app;
            Name = name;
        }

        public MessageProcessor Processor { get; }

        public OutboundLink Link { get; }

        public LocalConnection App { get; }

        public SlimName Name { get; }

        public static async Task<EngineApp> ConnectAsync(Uri endpoint, SlimName name)
        {
            var processor = new MessageProcessor(DataPlaneOptions.Default);
            try
            {
                var link = await processor.ConnectAsync(
                    async token => await GrpcStreamClient.ConnectAsync(new GrpcClientOptions { Endpoint = endpoint }, token),
                    new OutboundLinkOptions { UseAsDefaultRoute = true, Description = endpoint.ToString() },
                    Cancellation).WithTimeout(what: "our link to the official node");
                return new EngineApp(processor, link, processor.CreateLocalConnection(), name);
            }
            catch
            {
                await processor.DisposeAsync();
                throw;
            }
        }

        public async Task<Message> ReceiveAsync()
        {
            var delivery = await App.Reader.ReadAsync(Cancellation).AsTask().WithTimeout(what: $"{Name} receiving");
            return delivery.Message ?? throw new InvalidOperationException($"{Name} got a routing error: {delivery.Error}");
        }

        public async ValueTask DisposeAsync() => await Processor.DisposeAsync();
    }
}
