using System.Diagnostics;
using System.Diagnostics.Metrics;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

/// <summary>
/// The <c>Slim.Session</c> meter: sessions, messages sent/received/retransmitted/lost/dropped, acks. Tags use the
/// official enum names in lower case (<c>msg</c>, <c>group_ack</c>, ...).
/// </summary>
internal sealed class SessionMetrics
{
    public const string MeterName = "Slim.Session";

    private static readonly Meter SharedMeter = new(MeterName);

    private readonly Counter<long> _sessionsCreated;
    private readonly Counter<long> _sessionsClosed;
    private readonly UpDownCounter<long> _sessionsActive;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _received;
    private readonly Counter<long> _retransmitted;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _acksSent;
    private readonly Counter<long> _acksReceived;
    private readonly Counter<long> _offline;

    public SessionMetrics(IMeterFactory? factory)
    {
        Meter = factory?.Create(MeterName) ?? SharedMeter;
        _sessionsCreated = Meter.CreateCounter<long>("slim.session.sessions.created", "{session}", "Sessions created (as moderator or participant).");
        _sessionsClosed = Meter.CreateCounter<long>("slim.session.sessions.closed", "{session}", "Sessions closed.");
        _sessionsActive = Meter.CreateUpDownCounter<long>("slim.session.sessions.active", "{session}", "Sessions currently open.");
        _sent = Meter.CreateCounter<long>("slim.session.messages.sent", "{message}", "Session messages sent, by session message type.");
        _received = Meter.CreateCounter<long>("slim.session.messages.received", "{message}", "Session messages received, by session message type.");
        _retransmitted = Meter.CreateCounter<long>("slim.session.messages.retransmitted", "{message}", "Data and control retransmissions.");
        _lost = Meter.CreateCounter<long>("slim.session.messages.lost", "{message}", "Reliable messages declared lost by a receiver.");
        _dropped = Meter.CreateCounter<long>("slim.session.messages.dropped", "{message}", "Messages dropped, by reason.");
        _acksSent = Meter.CreateCounter<long>("slim.session.acks.sent", "{ack}", "MSG_ACKs sent.");
        _acksReceived = Meter.CreateCounter<long>("slim.session.acks.received", "{ack}", "MSG_ACKs received.");
        _offline = Meter.CreateCounter<long>("slim.session.participants.offline", "{participant}", "Members marked offline.");
    }

    public Meter Meter { get; }

    public void SessionCreated(SessionKind kind, bool moderator)
    {
        var tags = new TagList { { "slim.session.kind", KindTag(kind) }, { "slim.session.role", moderator ? "moderator" : "participant" } };
        _sessionsCreated.Add(1, tags);
        _sessionsActive.Add(1, new KeyValuePair<string, object?>("slim.session.kind", KindTag(kind)));
    }

    public void SessionClosed(SessionKind kind, SessionCloseReason reason)
    {
        _sessionsClosed.Add(1, new TagList { { "slim.session.kind", KindTag(kind) }, { "slim.session.close_reason", reason.ToString() } });
        _sessionsActive.Add(-1, new KeyValuePair<string, object?>("slim.session.kind", KindTag(kind)));
    }

    public void Sent(SessionMessageType type)
    {
        _sent.Add(1, TypeTag(type));
        if (type == SessionMessageType.MsgAck)
        {
            _acksSent.Add(1);
        }
    }

    public void Received(SessionMessageType type)
    {
        _received.Add(1, TypeTag(type));
        if (type == SessionMessageType.MsgAck)
        {
            _acksReceived.Add(1);
        }
    }

    public void Retransmitted(SessionMessageType type) => _retransmitted.Add(1, TypeTag(type));

    public void Lost(long count) => _lost.Add(count);

    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("slim.session.drop_reason", reason));

    public void WentOffline() => _offline.Add(1);

    private static KeyValuePair<string, object?> TypeTag(SessionMessageType type) =>
        new("slim.session.message_type", TypeName(type));

    /// <summary>The official enum name without its prefix, lower case (<c>group_ack</c>).</summary>
    public static string TypeName(SessionMessageType type) => type switch
    {
        SessionMessageType.Msg => "msg",
        SessionMessageType.MsgAck => "msg_ack",
        SessionMessageType.RtxRequest => "rtx_request",
        SessionMessageType.RtxReply => "rtx_reply",
        SessionMessageType.DiscoveryRequest => "discovery_request",
        SessionMessageType.DiscoveryReply => "discovery_reply",
        SessionMessageType.JoinRequest => "join_request",
        SessionMessageType.JoinReply => "join_reply",
        SessionMessageType.LeaveRequest => "leave_request",
        SessionMessageType.LeaveReply => "leave_reply",
        SessionMessageType.GroupUpdate => "group_update",
        SessionMessageType.GroupWelcome => "group_welcome",
        SessionMessageType.GroupClose => "group_close",
        SessionMessageType.GroupProposal => "group_proposal",
        SessionMessageType.GroupAck => "group_ack",
        SessionMessageType.GroupNack => "group_nack",
        SessionMessageType.Heartbeat => "heartbeat",
        SessionMessageType.UpdateParticipantState => "update_participant_state",
        SessionMessageType.RejoinRequest => "rejoin_request",
        SessionMessageType.RejoinReply => "rejoin_reply",
        _ => "unspecified",
    };

    private static string KindTag(SessionKind kind) => kind == SessionKind.Group ? "group" : "point_to_point";
}
