using Slim.Protocol;

namespace Slim.Session;

/// <summary>
/// How a session created by this app (as its moderator) behaves. Participants adopt the moderator's settings from
/// the join request.
/// </summary>
/// <remarks>
/// <para>
/// Data reliability (acks, retransmission, in-order delivery) is on when both <see cref="Interval"/> and
/// <see cref="MaxRetries"/> are set. Control requests (invite, remove, close, ...) are always retransmitted; they use
/// these values, or 1 s × 10 when unset.
/// </para>
/// <para>
/// A group is always reliable: official participants reject group join requests without timer settings, so a group
/// created with either value unset uses the control defaults for both.
/// </para>
/// </remarks>
public sealed record SessionConfig
{
    /// <summary>A best-effort point-to-point session without MLS.</summary>
    public static SessionConfig Default { get; } = new();

    /// <summary>Point-to-point or group.</summary>
    public SessionKind Kind { get; init; } = SessionKind.PointToPoint;

    /// <summary>Retransmission interval of data and control messages; null for the default (best effort data).</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Retransmissions before giving up; null for the default (best effort data).</summary>
    public int? MaxRetries { get; init; }

    /// <summary>Protect the session with MLS (needs a <see cref="SessionLayerOptions.GroupSecurity"/> implementation).</summary>
    public bool MlsEnabled { get; init; }

    /// <summary>
    /// With MLS, the percentage (0–100) of received data messages whose header is checked against the MLS
    /// authenticated data. Sent to participants in the join request.
    /// </summary>
    public int HeaderIntegrityValidationPercent { get; init; }

    /// <summary>Session metadata, sent to every participant with the join request.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>A group session configuration with the given reliability settings.</summary>
    public static SessionConfig ForGroup(TimeSpan interval, int maxRetries, bool mlsEnabled = false) =>
        new() { Kind = SessionKind.Group, Interval = interval, MaxRetries = maxRetries, MlsEnabled = mlsEnabled };

    /// <summary>A point-to-point configuration; reliable when both settings are given.</summary>
    public static SessionConfig ForPointToPoint(TimeSpan? interval = null, int? maxRetries = null, bool mlsEnabled = false) =>
        new() { Kind = SessionKind.PointToPoint, Interval = interval, MaxRetries = maxRetries, MlsEnabled = mlsEnabled };

    /// <summary>Checks the values.</summary>
    /// <exception cref="SlimSessionException">A value is out of range (<see cref="SlimErrorCode.InvalidSessionConfig"/>).</exception>
    public void Validate()
    {
        if (Kind is not SessionKind.PointToPoint and not SessionKind.Group)
        {
            throw Invalid($"Unknown session kind {Kind}.");
        }

        if (Interval is { } interval && (interval <= TimeSpan.Zero || interval.TotalMilliseconds > uint.MaxValue))
        {
            throw Invalid("The interval must be positive and at most u32::MAX milliseconds.");
        }

        if (MaxRetries is < 0)
        {
            throw Invalid("MaxRetries must not be negative.");
        }

        if (HeaderIntegrityValidationPercent is < 0 or > 100)
        {
            throw Invalid("HeaderIntegrityValidationPercent must be in [0, 100].");
        }

        ArgumentNullException.ThrowIfNull(Metadata);
    }

    private static SlimSessionException Invalid(string message) => new(SlimErrorCode.InvalidSessionConfig, message);
}
