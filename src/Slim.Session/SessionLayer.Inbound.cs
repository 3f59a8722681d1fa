using Google.Protobuf;
using Slim.Identity.Signatures;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Internal;

namespace Slim.Session;

// Inbound dispatch: known sessions get their messages directly; discovery requests are answered statelessly; join
// requests create participant sessions; anything else for an unknown session is dropped (or answered from a tombstone).
public sealed partial class SessionLayer
{
    // Owned by the layer loop.
    private readonly Dictionary<uint, Tombstone> _tombstones = new();

    /// <summary>
    /// Feeds a message the data plane delivered to this app. Only Publish messages concern sessions; others are
    /// ignored. Never throws for bad input: it is validated, logged, counted and dropped.
    /// </summary>
    public ValueTask OnMessageAsync(Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.CompletedTask;
        }

        if (message.MessageTypeCase != Message.MessageTypeOneofCase.Publish)
        {
            Log.NotASessionMessage(_logger, message.MessageTypeCase.ToString());
            return ValueTask.CompletedTask;
        }

        if (!WireMessage.TryValidate(message, out var error))
        {
            Log.InvalidMessage(_logger, error!);
            _services.Metrics.Dropped(DropReason.Invalid);
            return ValueTask.CompletedTask;
        }

        var session = message.Publish.Session;
        if (session.SessionMessageType == SessionMessageType.DiscoveryRequest)
        {
            // Stateless, whether or not a session with this id exists here.
            _executor.Run(() => AnswerDiscoveryAsync(message));
        }
        else if (_sessions.TryGetValue(session.SessionId, out var engine))
        {
            engine.Post(message, preVerified: false);
        }
        else
        {
            _executor.Run(() => HandleUnknownSessionAsync(message));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>DISCOVERY_REQUEST: verify token and signature (always), then reply from the requested name with our id.</summary>
    private async Task AnswerDiscoveryAsync(Message message)
    {
        var publish = message.Publish;
        var header = publish.Header;
        var source = SlimName.FromWire(header.Source);
        var destination = SlimName.FromWire(header.Destination);
        if (!IsLocalName(destination))
        {
            DropAtLayer(publish, source, DropReason.NotLocalName, "discovery for a name this app did not subscribe");
            return;
        }

        var error = await _services.Gate.CheckAsync(publish, CancellationToken.None);
        if (error is not null)
        {
            DropAtLayer(publish, source, DropReason.BadIdentity, error);
            return;
        }

        var replySource = header.Destination.Clone();
        replySource.Name_.NameId = new NameId { Id0 = (ulong)(AppId >> 64), Id1 = (ulong)AppId };
        var reply = WireMessage.CreatePublish(
            replySource,
            header.Source.Clone(),
            WireMessage.CreateSessionHeader(
                publish.Session.SessionType, SessionMessageType.DiscoveryReply, publish.Session.SessionId, publish.Session.MessageId),
            new Content { CommandPayload = new CommandPayload { DiscoveryReply = new DiscoveryReplyPayload() } });
        HeaderSignature.SignWithFreshToken(_services.Identity, reply.Publish);
        await SendFromLayerAsync(reply);
        Log.DiscoveryAnswered(_logger, publish.Session.SessionId, source);
    }

    private async Task HandleUnknownSessionAsync(Message message)
    {
        var publish = message.Publish;
        var session = publish.Session;
        var source = SlimName.FromWire(publish.Header.Source);

        // The session may have been created since this message was queued.
        if (_sessions.TryGetValue(session.SessionId, out var engine))
        {
            engine.Post(message, preVerified: false);
            return;
        }

        if (session.SessionMessageType == SessionMessageType.JoinRequest)
        {
            await HandleJoinRequestAsync(message, source);
            return;
        }

        if (_tombstones.TryGetValue(session.SessionId, out var tombstone))
        {
            if (tombstone.Expires <= _services.Time.GetUtcNow())
            {
                _tombstones.Remove(session.SessionId);
            }
            else if (await AnswerFromTombstoneAsync(message, source, tombstone))
            {
                return;
            }
        }

        // Normal for broadcasts reaching instances outside the session (a point-to-point GROUP_CLOSE goes to every
        // instance of the peer's name), and for late retransmissions.
        Log.UnknownSession(_logger, session.SessionId, session.SessionMessageType, source);
        _services.Metrics.Dropped(DropReason.UnknownSession);
    }

    /// <summary>
    /// A request for a session that closed here: when our reply to the moderator's LEAVE_REQUEST / GROUP_CLOSE (or to a
    /// member's leave) was lost, answer its retransmission so that its task does not fail.
    /// </summary>
    private async Task<bool> AnswerFromTombstoneAsync(Message message, SlimName source, Tombstone tombstone)
    {
        var type = message.Publish.Session.SessionMessageType;
        SessionMessageType replyType;
        CommandPayload payload;
        if (type == SessionMessageType.LeaveRequest &&
            (tombstone.Moderator == source || (tombstone.WasModerator && tombstone.Peers.Contains(source))))
        {
            replyType = SessionMessageType.LeaveReply;
            payload = new CommandPayload { LeaveReply = new LeaveReplyPayload() };
        }
        else if (type == SessionMessageType.GroupClose && tombstone.Moderator == source)
        {
            replyType = SessionMessageType.GroupAck;
            payload = new CommandPayload { GroupAck = new GroupAckPayload() };
        }
        else
        {
            return false;
        }

        var publish = message.Publish;
        var reply = WireMessage.CreatePublish(
            tombstone.LocalWire.Clone(),
            publish.Header.Source.Clone(),
            WireMessage.CreateSessionHeader(publish.Session.SessionType, replyType, publish.Session.SessionId, publish.Session.MessageId),
            new Content { CommandPayload = payload });
        HeaderSignature.SignWithFreshToken(_services.Identity, reply.Publish);
        await SendFromLayerAsync(reply);
        return true;
    }

    /// <summary>JOIN_REQUEST for a new session: validate everything, then create the participant session.</summary>
    private async Task HandleJoinRequestAsync(Message message, SlimName source)
    {
        var publish = message.Publish;
        var session = publish.Session;
        var destination = SlimName.FromWire(publish.Header.Destination);
        if (!SlimIds.IsValidSessionId(session.SessionId))
        {
            RejectJoin(publish, source, DropReason.SessionIdOutOfRange, $"session id {session.SessionId} is outside [0, u32::MAX - 1000)");
            return;
        }

        if (session.SessionType is not (SessionType.PointToPoint or SessionType.Multicast))
        {
            RejectJoin(publish, source, DropReason.WrongSessionType, $"session type {session.SessionType}");
            return;
        }

        if (publish.Msg?.CommandPayload?.CommandPayloadTypeCase != CommandPayload.CommandPayloadTypeOneofCase.JoinRequest)
        {
            RejectJoin(publish, source, DropReason.MalformedPayload, "no join request payload");
            return;
        }

        if (!IsLocalName(destination))
        {
            RejectJoin(publish, source, DropReason.NotLocalName, "invitation for a name this app did not subscribe");
            return;
        }

        var join = publish.Msg.CommandPayload.JoinRequest;
        if (session.SessionType == SessionType.Multicast)
        {
            if (join.TimerSettings is null)
            {
                RejectJoin(publish, source, DropReason.MissingTimerSettings, "group join request without timer settings");
                return;
            }

            if (!SlimName.TryFromWire(join.Channel, out var channel) || !SlimName.TryFromWire(join.Control, out var control) ||
                SlimName.IsReservedId(channel.Id) || SlimName.IsReservedId(control.Id) || channel == control)
            {
                RejectJoin(publish, source, DropReason.MalformedPayload, "group join request without two distinct channel names with ids");
                return;
            }
        }

        if (join.MlsSettings is not null)
        {
            if (Options.GroupSecurity is null)
            {
                RejectJoin(publish, source, DropReason.GroupSecurityUnavailable, "MLS session but no group security implementation");
                return;
            }

            if (session.MessageId == 0)
            {
                RejectJoin(publish, source, DropReason.Invalid, "control message id 0");
                return;
            }

            var error = await _services.Gate.CheckAsync(publish, CancellationToken.None);
            if (error is not null)
            {
                RejectJoin(publish, source, DropReason.BadIdentity, error);
                return;
            }
        }

        if (_incoming.Reader.Count >= Options.IncomingSessionCapacity)
        {
            RejectJoin(publish, source, DropReason.IncomingQueueFull, "too many sessions wait for the app");
            return;
        }

        var engine = SessionEngine.CreateParticipant(_services, message);
        _sessions[engine.Id] = engine;
        _tombstones.Remove(engine.Id);
        _services.Metrics.SessionCreated(engine.Kind, moderator: false);
        Log.SessionCreated(_logger, engine.Id, engine.Kind, "participant", source);
        engine.Post(message, preVerified: join.MlsSettings is not null);
    }

    private void RejectJoin(Publish publish, SlimName source, string reason, string detail)
    {
        Log.JoinRejected(_logger, publish.Session.SessionId, source, reason, detail);
        _services.Metrics.Dropped(reason);
    }

    private void DropAtLayer(Publish publish, SlimName source, string reason, string detail)
    {
        Log.Dropped(_logger, publish.Session.SessionId, publish.Session.SessionMessageType, source, reason, detail);
        _services.Metrics.Dropped(reason);
    }

    private async Task SendFromLayerAsync(Message message)
    {
        var type = message.Publish.Session.SessionMessageType;
        try
        {
            await _services.Transport.SendAsync(message, CancellationToken.None);
            _services.Metrics.Sent(type);
        }
        catch (Exception ex)
        {
            Log.SendFailed(_logger, message.Publish.Session.SessionId, type, ex);
            _services.Metrics.Dropped(DropReason.SendFailed);
        }
    }

    private sealed record Tombstone(
        DateTimeOffset Expires,
        SlimName LocalName,
        Name LocalWire,
        SessionKind Kind,
        bool WasModerator,
        SlimName? Moderator,
        HashSet<SlimName> Peers);
}
