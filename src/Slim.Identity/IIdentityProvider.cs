namespace Slim.Identity;

/// <summary>
/// The local side of an identity: who this app is, the tokens it presents and the key it signs with.
/// </summary>
/// <remarks>
/// One provider per app. Its signature key is app-scoped: official SLIM uses the same P-256 key for the
/// end-to-end header signatures (<c>e2e_header_sig</c>) and as the MLS leaf signature key, and advertises its
/// public part in the token's <c>pubkey</c> claim. Implementations: shared secret, JWT (static or signed locally),
/// SPIFFE. Implementations are thread-safe.
/// </remarks>
public interface IIdentityProvider
{
    /// <summary>
    /// The provider's id (official <c>get_id()</c>): the app id is XXH3-128 of it. For a shared secret it is
    /// <c>"&lt;name&gt;_&lt;8 random alphanumerics&gt;"</c>; for JWT the <c>sub</c> claim; for SPIFFE the SPIFFE ID.
    /// </summary>
    string Id { get; }

    /// <summary>The signature algorithm of <see cref="Sign"/> and <see cref="PublicKey"/>.</summary>
    SignatureAlgorithm SignatureAlgorithm { get; }

    /// <summary>The public signature key as carried in the <c>pubkey</c> claim (P-256: 65-byte uncompressed point).</summary>
    ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>
    /// A token to put in <c>SLIMHeader.identity</c> and in MLS credentials. Official senders mint a fresh one
    /// (new timestamp and nonce) for each message batch; a provider may cache one until close to its expiry.
    /// </summary>
    string GetToken();

    /// <summary>Signs <paramref name="data"/> with the app's key (P-256: ECDSA over SHA-256, DER encoded).</summary>
    byte[] Sign(ReadOnlySpan<byte> data);
}

/// <summary>Signature algorithms an identity key may use.</summary>
public enum SignatureAlgorithm
{
    /// <summary>ECDSA on P-256 with SHA-256; signatures DER encoded (the official SLIM v2 default).</summary>
    EcdsaP256Sha256 = 0,

    /// <summary>Ed25519 (RFC 8032).</summary>
    Ed25519 = 1,
}
