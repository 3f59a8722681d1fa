using System.Security.Cryptography;
using Slim.Identity.Internal;
using Slim.Protocol;

namespace Slim.Identity.Signatures;

/// <summary>
/// An app's signature key pair: it signs the end-to-end header signatures (<c>e2e_header_sig</c>) and is the MLS leaf
/// signature key; its public part travels in the identity token's <c>pubkey</c> claim.
/// </summary>
/// <remarks>
/// Official SLIM v2 uses ECDSA P-256 (65-byte uncompressed public point, DER signatures over SHA-256). The type is a
/// closed hierarchy so that an Ed25519 key (32-byte public key, 64-byte signatures) can be added beside it without
/// changing callers: they only see <see cref="Algorithm"/>, <see cref="PublicKey"/> and <see cref="Sign"/>.
/// Instances are thread-safe. Dispose them when the app stops.
/// </remarks>
public abstract class SigningKey : IDisposable
{
    private protected SigningKey()
    {
    }

    /// <summary>The signature algorithm.</summary>
    public abstract SignatureAlgorithm Algorithm { get; }

    /// <summary>The public key in its <c>pubkey</c> claim encoding (P-256: 65-byte uncompressed point <c>04 || X || Y</c>).</summary>
    public abstract ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>Signs <paramref name="data"/> (P-256: ECDSA over SHA-256, DER encoded, 70 to 72 bytes).</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public abstract byte[] Sign(ReadOnlySpan<byte> data);

    /// <summary>
    /// The raw private key (P-256: the 32-byte big-endian scalar), for handing the same key to an MLS signer.
    /// The caller owns the copy and should wipe it with <see cref="CryptographicOperations.ZeroMemory"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public abstract byte[] ExportPrivateKey();

    /// <summary>Creates a fresh random ECDSA P-256 key (what official SLIM v2 generates per app).</summary>
    public static SigningKey GenerateEcdsaP256() => EcdsaP256SigningKey.CreateRandom();

    /// <summary>Imports an ECDSA P-256 key from its raw 32-byte private scalar (as <see cref="ExportPrivateKey"/> returns).</summary>
    /// <exception cref="SlimIdentityException">The bytes are not a valid P-256 private key (<see cref="SlimErrorCode.IdentityKeyInvalid"/>).</exception>
    public static SigningKey ImportEcdsaP256(ReadOnlySpan<byte> privateKey) => EcdsaP256SigningKey.CreateFromScalar(privateKey);

    /// <summary>
    /// Reads an ECDSA P-256 private key from PEM text (<c>EC PRIVATE KEY</c> or unencrypted PKCS#8 <c>PRIVATE KEY</c>).
    /// </summary>
    /// <exception cref="SlimIdentityException">The PEM holds no P-256 private key (<see cref="SlimErrorCode.IdentityKeyInvalid"/>).</exception>
    public static SigningKey FromPem(string pem) => EcdsaP256SigningKey.CreateFromPem(pem);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the key material.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
