using Slim.Session;

namespace Slim.Client;

/// <summary>Settings of a <see cref="SlimApp"/>.</summary>
public sealed record SlimAppOptions
{
    /// <summary>The defaults: MLS available (suite 0x0002, as official SLIM), official session timers.</summary>
    public static SlimAppOptions Default { get; } = new();

    /// <summary>
    /// MLS for sessions created with <see cref="SlimSessionConfig.EnableMls"/>, and for invitations to MLS sessions.
    /// Null (the default): the service's built-in <c>Slim.Session.Mls.MlsGroupSecurityFactory</c> (suite 0x0002, the
    /// official SLIM default), created with the service's clock, logging and metrics. Set it to use other MLS options.
    /// Takes precedence over <see cref="SessionLayerOptions.GroupSecurity"/> in <see cref="Sessions"/>.
    /// </summary>
    public IGroupSecurityFactory? GroupSecurity { get; init; }

    /// <summary>
    /// True: the app takes part in no MLS session. Creating one fails with
    /// <see cref="Protocol.SlimErrorCode.GroupSecurityUnavailable"/> and invitations to them are not answered.
    /// </summary>
    public bool DisableMls { get; init; }

    /// <summary>Session-layer tuning: queue sizes, heartbeat period, control defaults, replay cache.</summary>
    public SessionLayerOptions Sessions { get; init; } = SessionLayerOptions.Default;

    /// <summary>
    /// Messages delivered by the embedded node that wait for the app's session layer. When the app falls this far
    /// behind, further deliveries are dropped and counted (reliable sessions recover them).
    /// </summary>
    public int InboxCapacity { get; init; } = 4096;

    /// <summary>
    /// How long <see cref="SlimApp.DisposeAsync"/> waits for its sessions to close gracefully (a moderator's delete, a
    /// participant's leave) before it ends the rest without telling their peers.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal SessionLayerOptions ResolveSessions(Func<IGroupSecurityFactory> builtInMls) =>
        DisableMls ? Sessions with { GroupSecurity = null }
        : GroupSecurity is not null ? Sessions with { GroupSecurity = GroupSecurity }
        : Sessions.GroupSecurity is not null ? Sessions
        : Sessions with { GroupSecurity = builtInMls() };

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Sessions, nameof(Sessions));
        ArgumentOutOfRangeException.ThrowIfLessThan(InboxCapacity, 1, nameof(InboxCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(CloseTimeout, TimeSpan.Zero, nameof(CloseTimeout));
        Sessions.Validate();
    }
}
