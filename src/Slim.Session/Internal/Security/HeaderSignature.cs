using System.Security.Cryptography;
using Google.Protobuf;
using Slim.Identity;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal.Security;

/// <summary>
/// The end-to-end header signature official SLIM puts on every command message: <c>e2e_header_sig</c> = the app key's
/// signature (ECDSA P-256 / SHA-256, DER) over the header-integrity AAD of the message as sent.
/// </summary>
internal static class HeaderSignature
{
    /// <summary>Length of an uncompressed P-256 point (0x04 ‖ X ‖ Y), the form of the token's <c>pubkey</c> claim.</summary>
    public const int P256PublicKeyLength = 65;

    /// <summary>
    /// Sets a fresh identity token and signs the message. The token must be set first: it is part of the AAD.
    /// </summary>
    public static void Sign(Publish publish, IIdentityProvider identity)
    {
        publish.Header.Identity = identity.GetToken();
        publish.Header.E2EHeaderSig = ByteString.Empty;
        var aad = HeaderIntegrity.ComputeAad(publish);
        publish.Header.E2EHeaderSig = ByteString.CopyFrom(identity.Sign(aad));
    }

    /// <summary>
    /// Verifies <paramref name="signature"/> over the message's AAD with a P-256 public key (65-byte uncompressed
    /// point). Any other key form, or a malformed key or signature, does not verify.
    /// </summary>
    public static bool Verify(Publish publish, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != P256PublicKeyLength || publicKey[0] != 0x04 || signature.IsEmpty)
        {
            return false;
        }

        var aad = HeaderIntegrity.ComputeAad(publish);
        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = publicKey[1..33].ToArray(), Y = publicKey[33..].ToArray() },
            });
            return ecdsa.VerifyData(aad, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            // Not a point on the curve, or an undecodable signature.
            return false;
        }
    }
}
