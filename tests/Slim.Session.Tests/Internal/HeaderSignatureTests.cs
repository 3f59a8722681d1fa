using Slim.Identity;
using Slim.Identity.Signatures;
using Slim.Protocol.Wire;
using Slim.Session.Internal.Security;
using Slim.Session.Tests.Fakes;
using Slim.Testing;
using Slim.Testing.Capture;

namespace Slim.Session.Tests.Internal;

public sealed class HeaderSignatureTests
{
    private const string HarnessSecret = "realslim-harness-shared-secret-0123456789abcdef";

    [Theory]
    [InlineData(CaptureFile.GroupMls)]
    [InlineData(CaptureFile.GroupNoMls)]
    public async Task Every_signed_message_of_the_official_captures_passes_the_identity_gate_and_no_altered_one_does(string file)
    {
        var records = CaptureFile.LoadShared(file)
            .Select(r => Message.Parser.ParseFrom(r.Bytes))
            .Where(m => m.Publish?.Header?.HasE2EHeaderSig == true)
            .ToList();
        Assert.True(records.Count > 40);
        var issued = long.Parse(records[0].Publish.Header.Identity.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(issued));
        var gate = new IdentityGate(new TestVerifier(HarnessSecret, time));

        foreach (var message in records)
        {
            Assert.Null(await gate.CheckAsync(message.Publish, CancellationToken.None).WithTimeout());

            var altered = message.Clone();
            altered.Publish.Session.MessageId ^= 1;
            Assert.NotNull(await gate.CheckAsync(altered.Publish, CancellationToken.None).WithTimeout());
        }

        // A token from another secret, or one past its hour, is refused.
        var wrongSecret = new IdentityGate(new TestVerifier("another-secret-which-is-long-enough-00000", time));
        Assert.NotNull(await wrongSecret.CheckAsync(records[0].Publish, CancellationToken.None).WithTimeout());
        time.Advance(TimeSpan.FromHours(2));
        Assert.NotNull(await gate.CheckAsync(records[0].Publish, CancellationToken.None).WithTimeout());
    }

    [Fact]
    public void Our_signature_verifies_with_the_key_of_our_token_only()
    {
        var time = new ManualTimeProvider();
        using var identity = new TestIdentity("org/ns/me", HarnessSecret, time);
        using var other = new TestIdentity("org/ns/other", HarnessSecret, time);
        var message = WireMessage.CreatePublish(
            Slim.Protocol.SlimName.Parse("org/ns/me").WithId(1),
            Slim.Protocol.SlimName.Parse("org/ns/you"),
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 7, 9),
            new Content { CommandPayload = new CommandPayload { DiscoveryRequest = new DiscoveryRequestPayload() } });
        HeaderSignature.SignWithFreshToken(identity, message.Publish);

        Assert.False(string.IsNullOrEmpty(message.Publish.Header.Identity));
        Assert.True(HeaderSignature.Verify(message.Publish, WithKey(identity.PublicKey)).IsValid);
        Assert.False(HeaderSignature.Verify(message.Publish, WithKey(other.PublicKey)).IsValid);
        Assert.False(HeaderSignature.Verify(message.Publish, WithKey(new byte[65])).IsValid);
        Assert.False(HeaderSignature.Verify(message.Publish, WithKey(new byte[32])).IsValid);
        var forged = message.Clone();
        forged.Publish.Header.E2EHeaderSig = Google.Protobuf.ByteString.CopyFrom(1, 2, 3);
        Assert.False(HeaderSignature.Verify(forged.Publish, WithKey(identity.PublicKey)).IsValid);
    }

    private static VerifiedIdentity WithKey(ReadOnlyMemory<byte> publicKey) =>
        new("org/ns/me", DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, publicKey);
}
