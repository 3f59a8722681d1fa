using Google.Protobuf;
using Slim.Client;
using Slim.DataPlane.Connections;
using Slim.Identity.SharedSecret;
using Slim.Identity.Signatures;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Testing;

namespace Slim.IntegrationTests.Sdk;

/// <summary>
/// A rogue party on the node sends our app forged and stray messages: each is dropped with a log, nothing crashes,
/// and the app's sessions carry on (end to end: node, link, embedded engine, session layer).
/// </summary>
public sealed class BadInputTests : IAsyncDisposable
{
    private readonly CollectingLoggerFactory _log = new();
    private readonly List<IAsyncDisposable> _owned = [];

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
    public async Task Forged_expired_stray_and_non_member_messages_are_dropped_with_a_log_and_the_app_carries_on()
    {
        var node = await OurNode.StartAsync();
        _owned.Add(node);
        var alice = await StartAppAsync(node.Endpoint(), "org/ns/alice");
        var bob = await StartAppAsync(node.Endpoint(), "org/ns/bob");
        var chat = SlimName.Parse("org/ns/chat");
        var group = await alice.CreateSessionAsync(SdkOverNodeTests.FastGroup, chat, Cancellation).WithTimeout();
        await group.InviteAsync(SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var session = await bob.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();

        // The rogue: an app on the node itself, with its own name subscribed so that it would see any reply.
        var rogueName = SlimName.Parse("org/ns/rogue").WithId(42);
        var rogue = node.Processor.CreateLocalConnection();
        _owned.Add(rogue);
        await rogue.SubscribeAsync(rogueName, rogueName, cancellationToken: Cancellation).WithTimeout();
        var bobAnyInstance = SlimName.Parse("org/ns/bob");

        // 1. Discovery with a token minted from another secret.
        using var outsider = new SharedSecretIdentityProvider("org/ns/rogue", "a-different-secret-nobody-else-knows-000");
        await rogue.SendAsync(Discovery(rogueName, bobAnyInstance, 101, outsider), Cancellation).WithTimeout();

        // 2. Discovery with a token of the right secret, but two hours old.
        var past = new ManualTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(2));
        using var stale = new SharedSecretIdentityProvider(
            "org/ns/rogue", SdkOverNodeTests.Secret, new SharedSecretProviderOptions { TimeProvider = past });
        await rogue.SendAsync(Discovery(rogueName, bobAnyInstance, 102, stale), Cancellation).WithTimeout();

        // 3. Discovery with a valid token whose signature was made for another message.
        using var insider = new SharedSecretIdentityProvider("org/ns/rogue", SdkOverNodeTests.Secret);
        var forged = Discovery(rogueName, bobAnyInstance, 103, insider);
        forged.Publish.Session.MessageId = 104;
        await rogue.SendAsync(forged, Cancellation).WithTimeout();

        // 4. Data for a session that does not exist.
        await rogue.SendAsync(Data(rogueName, bob.Name, SessionType.PointToPoint, 987_654, 1, 1), Cancellation).WithTimeout();

        // 5. Data into the group's channel from someone who is not a member.
        var (dataChannel, _) = SlimIds.ChannelIds(alice.Identity.Id, chat);
        await rogue.SendAsync(Data(rogueName, chat.WithId(dataChannel), SessionType.Multicast, group.Id, 1, 256), Cancellation).WithTimeout();

        // 6. Finally a proper discovery: its reply is the first (and only) answer the rogue gets.
        await rogue.SendAsync(Discovery(rogueName, bobAnyInstance, 105, insider), Cancellation).WithTimeout();
        var reply = await rogue.Reader.ReadAsync(Cancellation).AsTask().WithTimeout(what: "the reply to the valid discovery");
        Assert.Equal(SessionMessageType.DiscoveryReply, reply.Message!.Publish.Session.SessionMessageType);
        Assert.Equal(105u, reply.Message.Publish.Session.MessageId);

        // The group still works, and the stranger's message never reached the app.
        await group.PublishAndWaitAsync("still here"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        var next = await session.GetMessageAsync(cancellationToken: Cancellation).WithTimeout();
        Assert.Equal("still here", SdkOverNodeTests.Text(next));
        Assert.Equal(alice.Name, next.Source);

        var drops = _log.WithEventId(4020).Select(e => e.Message).ToList();
        Assert.Equal(3, drops.Count(m => m.Contains("bad_identity", StringComparison.Ordinal)));
        Assert.Contains(drops, m => m.Contains("bad_identity", StringComparison.Ordinal) && m.Contains("token rejected", StringComparison.Ordinal));
        Assert.Contains(drops, m => m.Contains("signature does not verify", StringComparison.Ordinal));
        Assert.Contains(drops, m => m.Contains("not_member", StringComparison.Ordinal));
        Assert.Contains(_log.WithEventId(4022), e => e.Message.Contains("987654", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains(insider.GetToken()[..20], StringComparison.Ordinal));
        _log.AssertNoErrors();
    }

    private static Message Discovery(SlimName source, SlimName destination, uint messageId, SharedSecretIdentityProvider identity)
    {
        var message = WireMessage.CreatePublish(
            source,
            destination,
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 555, messageId),
            new Content { CommandPayload = new CommandPayload { DiscoveryRequest = new DiscoveryRequestPayload() } });
        HeaderSignature.SignWithFreshToken(identity, message.Publish);
        return message;
    }

    private static Message Data(SlimName source, SlimName destination, SessionType type, uint sessionId, uint messageId, uint fanout) =>
        WireMessage.CreatePublish(
            source,
            destination,
            WireMessage.CreateSessionHeader(type, SessionMessageType.Msg, sessionId, messageId),
            new Content { AppPayload = new ApplicationPayload { PayloadType = "msg", Blob = ByteString.CopyFromUtf8("intruder") } },
            fanout);

    private async Task<SlimApp> StartAppAsync(string endpoint, string name)
    {
        var service = new SlimService(new SlimServiceOptions { LoggerFactory = _log });
        _owned.Add(service);
        await service.ConnectAsync(endpoint, Cancellation).WithTimeout();
        return await service.CreateAppAsync(SlimName.Parse(name), SdkOverNodeTests.Secret, cancellationToken: Cancellation).WithTimeout();
    }
}
