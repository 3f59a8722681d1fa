using Google.Protobuf;
using Slim.Identity.SharedSecret;
using Slim.Identity.Signatures;
using Slim.Identity.Tests.Support;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Testing;
using Slim.Testing.Capture;

namespace Slim.Identity.Tests.Signatures;

public sealed class HeaderSignatureTests
{
    public static TheoryData<string> Captures => new() { CaptureFile.GroupMls, CaptureFile.GroupNoMls };

    [Theory]
    [MemberData(nameof(Captures))]
    public async Task Every_signed_command_of_the_official_capture_verifies_with_its_token_pubkey(string file)
    {
        using var verifier = CaptureVerifier();
        var signed = 0;
        foreach (var publish in Publishes(file))
        {
            var type = publish.Session.SessionMessageType;
            Assert.Equal(type.IsCommand(), publish.Header.HasE2EHeaderSig);
            if (!publish.Header.HasE2EHeaderSig)
            {
                continue;
            }

            var result = await HeaderSignature.VerifyAsync(publish, verifier, TestContext.Current.CancellationToken).WithTimeout();
            Assert.True(result.IsValid, $"{type}: {result.Error}");
            Assert.StartsWith("org/ns/", result.Identity!.Subject, StringComparison.Ordinal);
            signed++;
        }

        // Every command of the scenario, each hop counted (app->node and node->app): discovery request/reply 4+4,
        // join request/reply 4+4, welcome 4, group ack 12, group update 5, leave request/reply 2+2, group close 2.
        Assert.Equal(43, signed);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public async Task A_flipped_bit_anywhere_in_the_signature_or_the_signed_header_fails(string file)
    {
        using var verifier = CaptureVerifier();
        var random = new Random(7);
        foreach (var original in Publishes(file).Where(p => p.Header.HasE2EHeaderSig))
        {
            var token = await verifier.VerifyAsync(original.Header.Identity, TestContext.Current.CancellationToken).WithTimeout();
            Assert.True(token.IsValid, token.Error);

            var signature = original.Header.E2EHeaderSig.ToByteArray();
            signature[random.Next(signature.Length)] ^= (byte)(1 << random.Next(8));
            var badSignature = original.Clone();
            badSignature.Header.E2EHeaderSig = ByteString.CopyFrom(signature);
            Assert.Equal(IdentityFailureReason.InvalidSignature, HeaderSignature.Verify(badSignature, token.Identity!).Reason);

            var otherMessageId = original.Clone();
            otherMessageId.Session.MessageId ^= 1u << random.Next(32);
            Assert.Equal(IdentityFailureReason.InvalidSignature, HeaderSignature.Verify(otherMessageId, token.Identity!).Reason);

            var otherDestination = original.Clone();
            otherDestination.Header.Destination.Name_.NameId.Id1 ^= 1;
            Assert.Equal(IdentityFailureReason.InvalidSignature, HeaderSignature.Verify(otherDestination, token.Identity!).Reason);

            // The unsigned routing fields are outside the AAD: a relay may change them.
            var relayed = original.Clone();
            relayed.Header.Ttl -= 1;
            relayed.Header.HeaderMac = ByteString.CopyFrom(new byte[32]);
            Assert.True(HeaderSignature.Verify(relayed, token.Identity!).IsValid);
        }
    }

    [Fact]
    public async Task Another_apps_token_on_a_signed_command_fails()
    {
        using var verifier = CaptureVerifier();
        var signed = Publishes(CaptureFile.GroupMls).Where(p => p.Header.HasE2EHeaderSig).ToList();
        var moderator = signed.First(p => p.Header.Identity.StartsWith("org/ns/moderator_", StringComparison.Ordinal));
        var client = signed.First(p => p.Header.Identity.StartsWith("org/ns/client-1_", StringComparison.Ordinal));

        // The client's token in the moderator's message: the token verifies, the signature (over a different AAD,
        // with another key) does not.
        var forged = moderator.Clone();
        forged.Header.Identity = client.Header.Identity;
        var result = await HeaderSignature.VerifyAsync(forged, verifier, TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(IdentityFailureReason.InvalidSignature, result.Reason);
    }

    [Fact]
    public async Task Our_signed_commands_verify_and_unsigned_ones_are_reported()
    {
        var clock = new ManualTimeProvider(TestTokens.CaptureClock);
        using var provider = new SharedSecretIdentityProvider("org/ns/alice", TestTokens.Secret, new SharedSecretProviderOptions { TimeProvider = clock });
        using var verifier = new SharedSecretIdentityVerifier(TestTokens.Secret, new SharedSecretVerifierOptions { TimeProvider = clock });
        var publish = DiscoveryRequest(provider.GetToken());

        var signature = HeaderSignature.Sign(provider, publish);
        Assert.InRange(signature.Length, 8, 72);
        Assert.Equal(signature, publish.Header.E2EHeaderSig.ToByteArray());
        Assert.True(SignatureVerifier.Verify(
            SignatureAlgorithm.EcdsaP256Sha256, provider.PublicKey.Span, HeaderIntegrity.ComputeAad(publish), signature));

        var ok = await HeaderSignature.VerifyAsync(publish, verifier, TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(ok.IsValid, ok.Error);
        Assert.Equal(provider.Id, ok.Identity!.Subject);

        var unsigned = publish.Clone();
        unsigned.Header.ClearE2EHeaderSig();
        Assert.Equal(
            IdentityFailureReason.MissingSignature,
            (await HeaderSignature.VerifyAsync(unsigned, verifier, TestContext.Current.CancellationToken).WithTimeout()).Reason);

        var noToken = publish.Clone();
        noToken.Header.Identity = string.Empty;
        Assert.Equal(
            IdentityFailureReason.Malformed,
            (await HeaderSignature.VerifyAsync(noToken, verifier, TestContext.Current.CancellationToken).WithTimeout()).Reason);

        // A bad token fails before the signature is looked at.
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(
            IdentityFailureReason.Expired,
            (await HeaderSignature.VerifyAsync(publish, verifier, TestContext.Current.CancellationToken).WithTimeout()).Reason);
    }

    [Fact]
    public void The_identity_key_decides_what_can_be_checked()
    {
        using var provider = new SharedSecretIdentityProvider("org/ns/alice", TestTokens.Secret);
        var publish = DiscoveryRequest("token");
        HeaderSignature.Sign(provider, publish);
        var now = DateTimeOffset.UnixEpoch;

        Assert.Equal(
            IdentityFailureReason.MissingPublicKey,
            HeaderSignature.Verify(publish, new VerifiedIdentity("s", now, now, ReadOnlyMemory<byte>.Empty)).Reason);
        Assert.Equal(
            IdentityFailureReason.MissingPublicKey,
            HeaderSignature.Verify(publish, new VerifiedIdentity("s", now, now, new byte[10])).Reason);
        Assert.Equal(
            IdentityFailureReason.UnsupportedAlgorithm,
            HeaderSignature.Verify(publish, new VerifiedIdentity("s", now, now, new byte[32])).Reason);

        using var otherKey = SigningKey.GenerateEcdsaP256();
        Assert.Equal(
            IdentityFailureReason.InvalidSignature,
            HeaderSignature.Verify(publish, new VerifiedIdentity("s", now, now, otherKey.PublicKey)).Reason);
        Assert.True(HeaderSignature.Verify(publish, new VerifiedIdentity("s", now, now, provider.PublicKey)).IsValid);

        var headless = new Publish { Session = publish.Session.Clone() };
        Assert.Equal(IdentityFailureReason.Malformed, HeaderSignature.Verify(headless, new VerifiedIdentity("s", now, now, provider.PublicKey)).Reason);
        Assert.Throws<SlimProtocolException>(() => HeaderSignature.Sign(provider, headless));
    }

    internal static SharedSecretIdentityVerifier CaptureVerifier() =>
        new(TestTokens.HarnessSecret, new SharedSecretVerifierOptions { TimeProvider = new ManualTimeProvider(TestTokens.CaptureClock) });

    internal static IEnumerable<Publish> Publishes(string file) =>
        CaptureFile.LoadShared(file)
            .Select(r => Message.Parser.ParseFrom(r.Bytes))
            .Where(m => m.Kind() == MessageKind.Publish)
            .Select(m => m.Publish);

    private static Publish DiscoveryRequest(string token) =>
        WireMessage.CreatePublish(
            SlimName.Parse("org/ns/alice/979bbda1-cd06-67c2-2c25-f742fc4a6513"),
            SlimName.Parse("org/ns/bob"),
            WireMessage.CreateSessionHeader(SessionType.PointToPoint, SessionMessageType.DiscoveryRequest, 7, 9),
            new Content { CommandPayload = new CommandPayload { DiscoveryRequest = new DiscoveryRequestPayload() } },
            identity: token).Publish;
}
