using Slim.Session;

namespace Slim.Client;

/// <summary>The two kinds of sessions (official <c>SessionType</c>).</summary>
public enum SlimSessionType
{
    /// <summary>Two apps: this one and one instance of the destination name, found by discovery.</summary>
    PointToPoint = 1,

    /// <summary>A moderator (this app) and the participants it invites, on a channel name.</summary>
    Group = 2,
}

/// <summary>
/// How a session created by this app behaves (official <c>SlimSessionConfig</c>). Participants take the moderator's
/// settings from the invitation.
/// </summary>
/// <remarks>
/// Data is reliable (acknowledged, retransmitted, delivered in order per sender, losses reported) when both
/// <see cref="MaxRetries"/> and <see cref="RetryInterval"/> are set, which is the default; set both to null for best
/// effort. A group is always reliable: official participants refuse groups without these settings.
/// </remarks>
public sealed record SlimSessionConfig
{
    /// <summary>A reliable point-to-point session without MLS (5 retries, 1 s apart).</summary>
    public static SlimSessionConfig PointToPoint { get; } = new();

    /// <summary>A reliable group session without MLS (5 retries, 1 s apart).</summary>
    public static SlimSessionConfig Group { get; } = new() { SessionType = SlimSessionType.Group };

    /// <summary>Point-to-point or group. Default point-to-point.</summary>
    public SlimSessionType SessionType { get; init; } = SlimSessionType.PointToPoint;

    /// <summary>
    /// Encrypt the session with MLS (RFC 9420, suite 0x0002 by default; see <see cref="SlimAppOptions.GroupSecurity"/>).
    /// An app created with <see cref="SlimAppOptions.DisableMls"/> fails with
    /// <see cref="Protocol.SlimErrorCode.GroupSecurityUnavailable"/>.
    /// </summary>
    public bool EnableMls { get; init; }

    /// <summary>Retransmissions of a message or request before giving up. Default 5.</summary>
    public int? MaxRetries { get; init; } = 5;

    /// <summary>Time between retransmissions. Default 1 s.</summary>
    public TimeSpan? RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>With MLS: the percentage (0–100) of received messages whose header is checked against the MLS data.</summary>
    public int HeaderIntegrityValidationPercent { get; init; }

    /// <summary>Session metadata, handed to every participant with its invitation.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    internal SessionConfig ToSessionConfig() => new()
    {
        Kind = SessionType == SlimSessionType.Group ? SessionKind.Group : SessionKind.PointToPoint,
        Interval = RetryInterval,
        MaxRetries = MaxRetries,
        MlsEnabled = EnableMls,
        HeaderIntegrityValidationPercent = HeaderIntegrityValidationPercent,
        Metadata = Metadata,
    };
}
