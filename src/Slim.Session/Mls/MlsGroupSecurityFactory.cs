using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.Mls;
using Slim.Mls.CipherSuites;
using Slim.Protocol;
using Slim.Session.Mls.Internal;

namespace Slim.Session.Mls;

/// <summary>
/// MLS (RFC 9420) for SLIM sessions, over <c>Slim.Mls</c>, interoperable with official SLIM v2: plug it into
/// <see cref="SessionLayerOptions.GroupSecurity"/> and sessions whose configuration (or join request) enables MLS get one
/// MLS group each.
/// </summary>
/// <remarks>
/// <para>
/// The app's identity is the MLS identity: every credential is a Basic credential holding a freshly minted token of the
/// session's <see cref="GroupSecurityContext.Identity"/>, the leaf signature key is that provider's key (it signs through
/// <c>IIdentityProvider.Sign</c>; the private key never leaves the provider), and other members' credentials are checked
/// by an <see cref="IdentityCredentialValidator"/> over the session's <see cref="GroupSecurityContext.Verifier"/>.
/// See <c>docs/mls-sessions.md</c> for who commits what, and when.
/// </para>
/// <para>
/// Metrics are published on the meter <c>Slim.Session.Mls</c> (the MLS library's own counters are on <c>Slim.Mls</c>);
/// logs use the category <c>Slim.Session.Mls</c> and event ids 4100–4119. Thread-safe.
/// </para>
/// </remarks>
public sealed class MlsGroupSecurityFactory : IGroupSecurityFactory
{
    private readonly CipherSuite _suite;
    private readonly MlsSessionMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Creates the factory.</summary>
    /// <param name="options">Settings; <see cref="MlsGroupSecurityOptions.Default"/> when null.</param>
    /// <param name="loggerFactory">Logging; nothing is logged when null.</param>
    /// <param name="meterFactory">Creates the <c>Slim.Session.Mls</c> meter; a process-wide meter when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MlsGroupSecurityFactory(MlsGroupSecurityOptions? options = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        Options = options ?? MlsGroupSecurityOptions.Default;
        Options.Validate();
        _suite = CipherSuite.Get(Options.CipherSuite);
        _metrics = new MlsSessionMetrics(meterFactory);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(MlsLog.Category);
    }

    /// <summary>The settings in use.</summary>
    public MlsGroupSecurityOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="SlimSessionException">
    /// <see cref="SlimErrorCode.GroupSecurityUnavailable"/> when the identity key cannot sign for the configured suite
    /// (official SLIM: an ECDSA P-256 key for suite 0x0002).
    /// </exception>
    public IGroupSecurity Create(GroupSecurityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(context.Identity);
        ArgumentNullException.ThrowIfNull(context.Verifier);
        var scheme = IdentitySignatureKey.SchemeFor(context.Identity.SignatureAlgorithm);
        if (scheme != _suite.SignatureScheme.Id)
        {
            throw new SlimSessionException(
                SlimErrorCode.GroupSecurityUnavailable,
                $"The identity key ({context.Identity.SignatureAlgorithm}) cannot sign for MLS suite {_suite.Id} ({_suite.SignatureScheme.Id}).");
        }

        try
        {
            // The key must be one MLS peers can parse, or every member would refuse our leaf.
            _suite.SignatureScheme.ImportPublicKey(context.Identity.PublicKey.Span).Dispose();
        }
        catch (MlsException ex)
        {
            throw new SlimSessionException(SlimErrorCode.GroupSecurityUnavailable, "The identity's public key is not a valid MLS signature key.", ex);
        }

        return new MlsGroupSecurity(context, Options, _suite, _metrics, _logger);
    }
}
