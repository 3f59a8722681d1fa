using System.Diagnostics.Metrics;
using Slim.Protocol;

namespace Slim.Session;

/// <summary>Settings of a <see cref="SessionLayer"/>. The defaults match official SLIM v2.</summary>
public sealed record SessionLayerOptions
{
    /// <summary>The defaults.</summary>
    public static SessionLayerOptions Default { get; } = new();

    /// <summary>
    /// MLS for sessions that enable it; null when this app does not support MLS (such sessions are then refused:
    /// join requests asking for MLS are dropped and creating one fails).
    /// </summary>
    public IGroupSecurityFactory? GroupSecurity { get; init; }

    /// <summary>
    /// Incoming sessions waiting for <see cref="SessionLayer.ListenForSessionAsync"/>. While the queue is full, new join
    /// requests are not answered (the moderator's invite then times out) and are counted as dropped.
    /// </summary>
    public int IncomingSessionCapacity { get; init; } = 64;

    /// <summary>
    /// Received messages waiting for the app, per session. When the app does not keep up and the queue is full, the
    /// newest message is dropped, logged and counted (<c>slim.session.messages.dropped</c>, reason <c>receive_queue_full</c>):
    /// protocol processing (acks, heartbeats) never waits for the app.
    /// </summary>
    public int ReceiveCapacity { get; init; } = 4096;

    /// <summary>Notifications (lost messages, members joining, leaving, going offline) kept per session; the oldest are dropped.</summary>
    public int NotificationCapacity { get; init; } = 1024;

    /// <summary>Heartbeat period (official: 10 s).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = SlimConstants.HeartbeatInterval;

    /// <summary>Heartbeat ticks without hearing from a member before it is marked offline (official: 3).</summary>
    public int MissedHeartbeatsBeforeOffline { get; init; } = SlimConstants.HeartbeatMissedTicksOffline;

    /// <summary>Control retransmission interval when the session configuration leaves it unset (official: 1 s).</summary>
    public TimeSpan DefaultControlInterval { get; init; } = SlimConstants.DefaultControlInterval;

    /// <summary>Control retransmissions when the session configuration leaves them unset (official: 10).</summary>
    public int DefaultControlMaxRetries { get; init; } = SlimConstants.DefaultControlMaxRetries;

    /// <summary>Senders remembered by the control-message replay cache (official: 100, least recently used evicted).</summary>
    public int ReplayCacheSenders { get; init; } = 100;

    /// <summary>Message ids remembered per sender by the replay cache (official: 1000).</summary>
    public int ReplayCacheIdsPerSender { get; init; } = 1000;

    /// <summary>Messages a sender keeps for retransmission requests (official: 512).</summary>
    public int ProducerBufferSize { get; init; } = SlimConstants.ProducerBufferSize;

    /// <summary>
    /// How long a closed session's id is remembered to answer a retransmitted LEAVE_REQUEST or GROUP_CLOSE whose first
    /// reply was lost (otherwise the moderator's task would fail after its retries).
    /// </summary>
    public TimeSpan ClosedSessionLinger { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a participant session created by a join request waits for its GROUP_WELCOME before it is discarded.
    /// </summary>
    public TimeSpan WelcomeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Creates the <c>Slim.Session</c> meter; null uses a process-wide meter.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(IncomingSessionCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(NotificationCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MissedHeartbeatsBeforeOffline, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DefaultControlInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultControlMaxRetries, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReplayCacheSenders, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReplayCacheIdsPerSender, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ProducerBufferSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ClosedSessionLinger, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(WelcomeTimeout, TimeSpan.Zero);
    }
}
