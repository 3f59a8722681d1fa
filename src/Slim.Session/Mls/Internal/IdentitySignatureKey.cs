using Slim.Identity;
using Slim.Mls.CipherSuites;

namespace Slim.Session.Mls.Internal;

/// <summary>
/// The app's identity key as an MLS signer: MLS hands it the labelled content to sign and it calls
/// <see cref="IIdentityProvider.Sign"/>, which hashes and signs exactly as the suite's scheme does (P-256: ECDSA over
/// SHA-256, DER). The private key never leaves the provider, so hardware-backed or externally managed keys work too.
/// </summary>
internal sealed class IdentitySignatureKey : SignaturePrivateKey
{
    private readonly IIdentityProvider _identity;
    private readonly byte[] _publicKey;

    public IdentitySignatureKey(IIdentityProvider identity, SignatureSchemeId scheme)
    {
        _identity = identity;
        _publicKey = identity.PublicKey.ToArray();
        Scheme = scheme;
    }

    public override SignatureSchemeId Scheme { get; }

    public override ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>The signature scheme that signs like <paramref name="algorithm"/>, or null when MLS has none.</summary>
    public static SignatureSchemeId? SchemeFor(SignatureAlgorithm algorithm) => algorithm switch
    {
        SignatureAlgorithm.EcdsaP256Sha256 => SignatureSchemeId.EcdsaSecp256r1Sha256,
        SignatureAlgorithm.Ed25519 => SignatureSchemeId.Ed25519,
        _ => null,
    };

    public override byte[] Sign(ReadOnlySpan<byte> message) => _identity.Sign(message);

    // The key belongs to the identity provider, which outlives the sessions.
    protected override void Dispose(bool disposing)
    {
    }
}
