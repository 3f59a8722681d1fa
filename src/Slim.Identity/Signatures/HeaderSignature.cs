using System.Buffers;
using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Identity.Signatures;

/// <summary>
/// End-to-end header signatures (<c>SLIMHeader.e2e_header_sig</c>): the sender's app key signs the header-integrity
/// AAD bytes of a command message; the receiver checks it with the <c>pubkey</c> of the sender's verified token.
/// </summary>
/// <remarks>
/// <para>
/// The AAD covers source, destination, identity token, session type, message type, session id, message id and
/// payload type (see <see cref="HeaderIntegrity"/>), so set <c>identity</c> and every one of those fields before
/// signing, and do not change them after. TTL, fanout and the per-link header MAC are not covered.
/// </para>
/// <para>
/// Official SLIM v2 signs every command (types 5-20) with ECDSA P-256 over SHA-256, DER encoded; it verifies token and
/// signature on every DISCOVERY_REQUEST and on all commands of MLS sessions. Verification never throws.
/// </para>
/// </remarks>
public static class HeaderSignature
{
    /// <summary>Signs the AAD of <paramref name="publish"/> with <paramref name="provider"/> and stores the signature in its header.</summary>
    /// <returns>The signature (also set as <c>publish.Header.E2EHeaderSig</c>).</returns>
    /// <exception cref="SlimProtocolException">The publish has no header or no session header.</exception>
    public static byte[] Sign(IIdentityProvider provider, Publish publish)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var aad = HeaderIntegrity.CreateAad(publish);
        var size = aad.CalculateSize();
        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var bytes = rented.AsSpan(0, size);
            aad.WriteTo(bytes);
            var signature = provider.Sign(bytes);
            publish.Header.E2EHeaderSig = UnsafeByteOperations.UnsafeWrap(signature);
            return signature;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Puts a fresh identity token from <paramref name="provider"/> in the header of <paramref name="publish"/>, then
    /// signs it (<see cref="Sign"/>): what official SLIM does for every command message it sends. The token comes
    /// first because the signed AAD covers it.
    /// </summary>
    /// <returns>The signature (also set as <c>publish.Header.E2EHeaderSig</c>).</returns>
    /// <exception cref="SlimProtocolException">The publish has no header or no session header.</exception>
    public static byte[] SignWithFreshToken(IIdentityProvider provider, Publish publish)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(publish);
        if (publish.Header is null)
        {
            throw new SlimProtocolException(SlimErrorCode.MissingField, "The publish has no header.");
        }

        publish.Header.Identity = provider.GetToken();
        return Sign(provider, publish);
    }

    /// <summary>
    /// Checks the <c>e2e_header_sig</c> of <paramref name="publish"/> against the public key of
    /// <paramref name="identity"/> (the sender's verified token).
    /// </summary>
    /// <returns>Success with <paramref name="identity"/>, or a failure whose reason is
    /// <see cref="IdentityFailureReason.MissingSignature"/>, <see cref="IdentityFailureReason.MissingPublicKey"/>,
    /// <see cref="IdentityFailureReason.UnsupportedAlgorithm"/>, <see cref="IdentityFailureReason.Malformed"/> or
    /// <see cref="IdentityFailureReason.InvalidSignature"/>.</returns>
    public static IdentityVerification Verify(Publish publish, VerifiedIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(publish);
        ArgumentNullException.ThrowIfNull(identity);
        if (publish.Header is null || publish.Session is null)
        {
            return IdentityVerification.Failure(
                IdentityFailureReason.Malformed, "e2e signature: the message has no header or no session header");
        }

        if (!publish.Header.HasE2EHeaderSig || publish.Header.E2EHeaderSig.IsEmpty)
        {
            return IdentityVerification.Failure(IdentityFailureReason.MissingSignature, "e2e signature: the message is not signed");
        }

        var publicKey = identity.PublicKey.Span;
        if (publicKey.IsEmpty)
        {
            return IdentityVerification.Failure(
                IdentityFailureReason.MissingPublicKey, "e2e signature: the sender's token carries no pubkey");
        }

        if (!SignatureVerifier.TryDetectAlgorithm(publicKey, out var algorithm))
        {
            return IdentityVerification.Failure(
                IdentityFailureReason.MissingPublicKey, "e2e signature: the sender's pubkey is neither a P-256 point nor an Ed25519 key");
        }

        if (!SignatureVerifier.IsSupported(algorithm))
        {
            return IdentityVerification.Failure(
                IdentityFailureReason.UnsupportedAlgorithm, $"e2e signature: {algorithm} is not available in this build");
        }

        var aad = HeaderIntegrity.CreateAad(publish.Header, publish.Session, publish.GetPayloadType());
        var size = aad.CalculateSize();
        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var bytes = rented.AsSpan(0, size);
            aad.WriteTo(bytes);
            return SignatureVerifier.Verify(algorithm, publicKey, bytes, publish.Header.E2EHeaderSig.Span)
                ? IdentityVerification.Success(identity)
                : IdentityVerification.Failure(
                    IdentityFailureReason.InvalidSignature, "e2e signature: the signature does not match the header");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Verifies the sender's token (<c>SLIMHeader.identity</c>) with <paramref name="verifier"/>, then the
    /// <c>e2e_header_sig</c> with the token's public key: what an official app does for a DISCOVERY_REQUEST and for
    /// every command of an MLS session.
    /// </summary>
    /// <returns>The verified identity, or the first failure.</returns>
    public static async ValueTask<IdentityVerification> VerifyAsync(
        Publish publish, IIdentityVerifier verifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publish);
        ArgumentNullException.ThrowIfNull(verifier);
        if (publish.Header is null || string.IsNullOrEmpty(publish.Header.Identity))
        {
            return IdentityVerification.Failure(IdentityFailureReason.Malformed, "the message carries no identity token");
        }

        var token = await verifier.VerifyAsync(publish.Header.Identity, cancellationToken).ConfigureAwait(false);
        return token.IsValid ? Verify(publish, token.Identity!) : token;
    }
}
