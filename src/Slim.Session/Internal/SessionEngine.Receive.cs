using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

// Inbound messages: validation, identity checks, replay protection, then dispatch by session message type.
internal sealed partial class SessionEngine
{
    private async Task HandleInboundAsync(Message message, bool preVerified)
    {
        var publish = message.Publish;
        var session = publish.Session;
        var type = session.SessionMessageType;
        if (!SlimName.TryFromWire(publish.Header.Source, out var source))
        {
            Drop(type, default, DropReason.Invalid, "source name missing");
            return;
        }

        if (_state == (int)SessionState.Closed)
        {
            Ignore(type, source, "session closed");
            return;
        }

        if (source == LocalName)
        {
            // Our own broadcast, back through another connection.
            Ignore(type, source, "sent by this app");
            return;
        }

        _services.Metrics.Received(type);
        if (session.SessionType != _wireType)
        {
            Drop(type, source, DropReason.WrongSessionType, $"session type {session.SessionType} in a {Kind} session");
            return;
        }

        if (type.IsCommand())
        {
            if (publish.Msg?.ContentTypeCase != Content.ContentTypeOneofCase.CommandPayload)
            {
                Drop(type, source, DropReason.MalformedPayload, "command without command payload");
                return;
            }

            if (_mls && !preVerified)
            {
                if (session.MessageId == 0)
                {
                    Drop(type, source, DropReason.Invalid, "control message id 0");
                    return;
                }

                var error = await _services.Gate.CheckAsync(publish, Lifetime);
                if (error is not null)
                {
                    Drop(type, source, DropReason.BadIdentity, error);
                    return;
                }
            }

            if (!_replay.TryRecord(source, type, session.MessageId))
            {
                if (_replies.TryGet(source, type, session.MessageId, out var reply))
                {
                    // The requester did not get our reply: send it again rather than processing the request twice.
                    var again = CopyForResend(reply);
                    again.Publish.Header.Destination = publish.Header.Source.Clone();
                    await SendAsync(again, retransmission: true);
                }
                else
                {
                    Ignore(type, source, "duplicate");
                    _services.Metrics.Dropped(DropReason.Duplicate);
                }

                return;
            }
        }
        else if (type.IsData())
        {
            if (publish.Msg?.ContentTypeCase != Content.ContentTypeOneofCase.AppPayload)
            {
                Drop(type, source, DropReason.MalformedPayload, "data message without application payload");
                return;
            }
        }
        else
        {
            Drop(type, source, DropReason.Unsupported, "unknown session message type");
            return;
        }

        // Anything heard from a member proves it is alive.
        var member = FindMember(source);
        if (member is not null)
        {
            member.MissedTicks = 0;
        }

        switch (type)
        {
            case SessionMessageType.Msg:
                await OnMsgAsync(message, source, member);
                break;
            case SessionMessageType.MsgAck:
                OnMsgAck(message, source);
                break;
            case SessionMessageType.RtxRequest:
                await OnRtxRequestAsync(message, source, member);
                break;
            case SessionMessageType.RtxReply:
                OnRtxReply(message, source, member);
                break;
            case SessionMessageType.DiscoveryReply:
            case SessionMessageType.JoinReply:
            case SessionMessageType.LeaveReply:
            case SessionMessageType.GroupAck:
            case SessionMessageType.GroupNack:
            case SessionMessageType.RejoinReply:
                OnReply(message, source);
                break;
            case SessionMessageType.JoinRequest:
                await OnJoinRequestAsync(message, source);
                break;
            case SessionMessageType.GroupWelcome:
                await OnWelcomeAsync(message, source);
                break;
            case SessionMessageType.GroupUpdate:
                await OnGroupUpdateAsync(message, source);
                break;
            case SessionMessageType.LeaveRequest:
                if (IsModerator)
                {
                    await OnLeaveRequestFromMemberAsync(message, source);
                }
                else
                {
                    await OnRemovedAsync(message, source);
                }

                break;
            case SessionMessageType.GroupClose:
                await OnGroupCloseAsync(message, source);
                break;
            case SessionMessageType.Heartbeat:
                await OnHeartbeatAsync(message, source, member);
                break;
            case SessionMessageType.UpdateParticipantState:
                await OnParticipantStateAsync(message, source, member);
                break;
            case SessionMessageType.RejoinRequest:
                OnRejoinRequest(message, source, member);
                break;
            default:
                // DISCOVERY_REQUEST is answered by the layer; GROUP_PROPOSAL is never sent by official peers.
                Drop(type, source, DropReason.Unsupported, "not handled inside a session");
                break;
        }
    }

    /// <summary>Drops a message that should not have been sent (logged as a warning and counted).</summary>
    private void Drop(SessionMessageType type, SlimName source, string reason, string detail)
    {
        Log.Dropped(_logger, Id, type, source, reason, detail);
        _services.Metrics.Dropped(reason);
    }

    /// <summary>Ignores a message that is harmless in normal operation (duplicates, late replies).</summary>
    private void Ignore(SessionMessageType type, SlimName source, string detail) =>
        Log.Ignored(_logger, Id, type, source, detail);
}
