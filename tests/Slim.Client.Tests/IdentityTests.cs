using System.Security.Cryptography;
using Slim.Identity.Jwt;
using Slim.Protocol;
using Slim.Testing;

namespace Slim.Client.Tests;

/// <summary>Apps with any identity provider and verifier: here JWTs from an issuer key.</summary>
public sealed class IdentityTests : IDisposable
{
    private readonly ECDsa _issuer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _rogueIssuer = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _issuer.Dispose();
        _rogueIssuer.Dispose();
    }

    [Fact]
    public async Task Apps_with_jwt_identities_of_a_trusted_issuer_hold_sessions_and_others_cannot_invite_them()
    {
        using var trusted = JwtKeySource.FromPem(_issuer.ExportSubjectPublicKeyInfoPem());
        var verifier = new JwtIdentityVerifier(new JwtVerifierOptions { Keys = trusted, Audiences = ["slim"], RequirePublicKey = true });
        using var aliceKey = JwtSigningKey.FromPem(_issuer.ExportPkcs8PrivateKeyPem());
        using var alice = new JwtIdentityProvider(aliceKey, new JwtProviderOptions { Subject = "org/ns/alice", Audiences = ["slim"] });
        using var bobKey = JwtSigningKey.FromPem(_issuer.ExportPkcs8PrivateKeyPem());
        using var bob = new JwtIdentityProvider(bobKey, new JwtProviderOptions { Subject = "org/ns/bob", Audiences = ["slim"] });
        using var malloryKey = JwtSigningKey.FromPem(_rogueIssuer.ExportPkcs8PrivateKeyPem());
        using var mallory = new JwtIdentityProvider(malloryKey, new JwtProviderOptions { Subject = "org/ns/mallory", Audiences = ["slim"] });

        await using var service = new SlimService();
        var aliceApp = await service.CreateAppAsync(SlimName.Parse("org/ns/alice"), alice, verifier, cancellationToken: Cancellation).WithTimeout();
        var bobApp = await service.CreateAppAsync(SlimName.Parse("org/ns/bob"), bob, verifier, cancellationToken: Cancellation).WithTimeout();
        var malloryApp = await service.CreateAppAsync(SlimName.Parse("org/ns/mallory"), mallory, verifier, cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(SlimIds.AppIdFromIdentity("org/ns/alice"), aliceApp.Id);

        var session = await aliceApp.CreateSessionAsync(EmbeddedNodeTests.FastPointToPoint, SlimName.Parse("org/ns/bob"), Cancellation).WithTimeout();
        var peer = await bobApp.ListenForSessionAsync(cancellationToken: Cancellation).WithTimeout();
        await session.PublishAndWaitAsync("signed by a trusted issuer"u8.ToArray(), cancellationToken: Cancellation).WithTimeout();
        Assert.Equal(aliceApp.Name, (await peer.GetMessageAsync(cancellationToken: Cancellation).WithTimeout()).Source);

        // Bob does not trust mallory's issuer: its discovery is dropped, so the invitation goes unanswered.
        var refused = await Assert.ThrowsAsync<Slim.Session.SlimSessionException>(
            () => malloryApp.CreateSessionAsync(EmbeddedNodeTests.FastPointToPoint, SlimName.Parse("org/ns/bob"), Cancellation)).WithTimeout();
        Assert.Equal(SlimErrorCode.SessionTimeout, refused.ErrorCode);
    }
}
