using Microsoft.Extensions.Logging;
using Slim.Identity;
using Slim.Protocol;
using Slim.Session.Internal.Security;

namespace Slim.Session.Internal;

/// <summary>What every session of a layer shares: transport, identity, time, options, logging, metrics.</summary>
internal sealed class SessionServices
{
    public required SessionLayer Layer { get; init; }

    public required ISessionTransport Transport { get; init; }

    public required IIdentityProvider Identity { get; init; }

    public required IdentityGate Gate { get; init; }

    public required IIdentityVerifier Verifier { get; init; }

    public required TimeProvider Time { get; init; }

    public required SessionLayerOptions Options { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public required SessionMetrics Metrics { get; init; }

    public required WorkTracker Tracker { get; init; }

    /// <summary>This app's instance id (the id of its full names).</summary>
    public required UInt128 AppId { get; init; }

    /// <summary>This app's primary full name.</summary>
    public required SlimName LocalName { get; init; }
}
