using Slim.Session;

namespace Slim.Client;

/// <summary>Settings of a <see cref="SlimApp"/>.</summary>
public sealed record SlimAppOptions
{
    /// <summary>The defaults: no MLS, official session timers.</summary>
    public static SlimAppOptions Default { get; } = new();

    /// <summary>
    /// MLS for sessions created with <see cref="SlimSessionConfig.EnableMls"/>, and for invitations to MLS sessions:
    /// usually <c>new Slim.Session.Mls.MlsGroupSecurityFactory()</c>. Null: creating such a session fails with
    /// <see cref="Protocol.SlimErrorCode.GroupSecurityUnavailable"/>, and invitations to them are not answered. Takes
    /// precedence over <see cref="SessionLayerOptions.GroupSecurity"/> in <see cref="Sessions"/>.
    /// </summary>
    public IGroupSecurityFactory? GroupSecurity { get; init; }

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

    internal SessionLayerOptions EffectiveSessions =>
        GroupSecurity is null ? Sessions : Sessions with { GroupSecurity = GroupSecurity };

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Sessions, nameof(Sessions));
        ArgumentOutOfRangeException.ThrowIfLessThan(InboxCapacity, 1, nameof(InboxCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(CloseTimeout, TimeSpan.Zero, nameof(CloseTimeout));
        Sessions.Validate();
    }
}
