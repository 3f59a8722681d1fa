using Slim.Identity;
using Slim.Identity.Signatures;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal.Security;

/// <summary>
/// Checks a received command message the way official SLIM does before trusting it: the header's identity token must
/// verify, carry a <c>pubkey</c> claim, and that key must have signed the message's header-integrity AAD.
/// </summary>
internal sealed class IdentityGate
{
    private readonly IIdentityVerifier _verifier;

    public IdentityGate(IIdentityVerifier verifier)
    {
        _verifier = verifier;
    }

    /// <summary>Null when the message passes; otherwise why it does not (never contains the token).</summary>
    public async ValueTask<string?> CheckAsync(Publish publish, CancellationToken cancellationToken)
    {
        var header = publish.Header;
        if (string.IsNullOrEmpty(header.Identity))
        {
            return "no identity token";
        }

        if (!header.HasE2EHeaderSig || header.E2EHeaderSig.IsEmpty)
        {
            return "no e2e header signature";
        }

        IdentityVerification verification;
        try
        {
            verification = await _verifier.VerifyAsync(header.Identity, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            return $"token verifier failed ({ex.GetType().Name})";
        }

        if (verification.Identity is not { } identity)
        {
            return $"token rejected: {verification.Error}";
        }

        if (identity.PublicKey.IsEmpty)
        {
            return "token has no pubkey claim";
        }

        return HeaderSignature.Verify(publish, identity).IsValid
            ? null
            : "e2e header signature does not verify with the token's key";
    }
}
