using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

// Liveness: a HEARTBEAT to the group on every idle tick, missed-tick counting, OFFLINE / ONLINE transitions, and the
// members' own state announcements (UPDATE_PARTICIPANT_STATE).
internal sealed partial class SessionEngine
{
    private bool _heartbeatStarted;

    // Set while this member announced itself offline (soft close): it sends no heartbeats.
    private bool _softOffline;

    /// <summary>
    /// Group members: announce going offline (soft close: members stop sending to us and awaiting us; we stop
    /// heartbeats) or coming back online. Coming back at an MLS epoch others do not share gets NACKs, and with MLS we then
    /// ask the moderator to rejoin.
    /// </summary>
    public Task SetOnlineAsync(bool online, CancellationToken cancellationToken)
    {
        if (Kind != SessionKind.Group)
        {
            throw new SlimSessionException(SlimErrorCode.CannotInviteToPointToPoint, $"Session {Id} is point-to-point: participant states are a group feature.");
        }

        return WithCancellation(
            _executor.InvokeAsync(async () =>
            {
                await AnnounceStateAsync(online);
                return true;
            }),
            cancellationToken);
    }

    private async Task AnnounceStateAsync(bool online)
    {
        if (IsClosedOrClosing)
        {
            throw ClosedException();
        }

        if (State != SessionState.Active)
        {
            throw new SlimSessionException(SlimErrorCode.SessionFailed, $"Session {Id} is not established yet.");
        }

        _softOffline = !online;
        var update = NewCommand(
            SessionMessageType.UpdateParticipantState,
            SlimIds.NewControlMessageId(),
            _controlWire!,
            SlimConstants.GroupFanout,
            Payload(p => p.UpdateParticipantState = new UpdateParticipantStatePayload
            {
                Participant = _localWire.Clone(),
                NewState = online ? ParticipantState.Online : ParticipantState.Offline,
                Epoch = _mls ? CurrentEpoch : 0,
            }));
        var expected = _members.Where(m => m.Status == ParticipantStatus.Online).Select(m => m.Name).ToList();
        var outcome = await RequestAsync(update, [SessionMessageType.GroupAck, SessionMessageType.GroupNack], expected);
        if (online && _mls && !IsModerator &&
            outcome.Replies.Values.Any(r => r.Publish.Session.SessionMessageType == SessionMessageType.GroupNack))
        {
            StartRejoin();
        }
    }

    /// <summary>The epoch heartbeats and state updates carry: the MLS epoch, or u64::MAX without MLS.</summary>
    private ulong CurrentEpoch => _mls ? _security?.Epoch ?? 0 : SlimConstants.HeartbeatEpochWithoutMls;

    private void StartHeartbeat()
    {
        if (_heartbeatStarted)
        {
            return;
        }

        _heartbeatStarted = true;
        _executor.Run(HeartbeatLoopAsync);
    }

    private async Task HeartbeatLoopAsync()
    {
        while (!IsClosedOrClosing)
        {
            await Task.Delay(_services.Options.HeartbeatInterval, _services.Time, Lifetime);
            if (IsClosedOrClosing)
            {
                return;
            }

            await OnHeartbeatTickAsync();
        }
    }

    private async Task OnHeartbeatTickAsync()
    {
        // Only an idle member heartbeats: data or group control sent since the last tick already proves we are alive.
        if (!_sentSinceTick && !_softOffline)
        {
            await SendHeartbeatAsync();
        }

        _sentSinceTick = false;
        var threshold = _services.Options.MissedHeartbeatsBeforeOffline;
        foreach (var member in _members.ToList())
        {
            if (member.Status == ParticipantStatus.Online && ++member.MissedTicks >= threshold)
            {
                MarkOffline(member, $"missed {member.MissedTicks} heartbeat ticks");
            }
        }
    }

    private async Task SendHeartbeatAsync()
    {
        var (destination, fanout) = GroupControlDestination();
        var heartbeat = NewCommand(
            SessionMessageType.Heartbeat,
            SlimIds.NewControlMessageId(),
            destination,
            fanout,
            Payload(p => p.Heartbeat = new HeartbeatPayload { Epoch = CurrentEpoch }));
        await SendAsync(heartbeat);
    }

    private async Task OnHeartbeatAsync(Message message, SlimName source, Member? member)
    {
        var payload = message.Publish.Msg.CommandPayload;
        if (payload.CommandPayloadTypeCase != CommandPayload.CommandPayloadTypeOneofCase.Heartbeat)
        {
            Drop(SessionMessageType.Heartbeat, source, DropReason.MalformedPayload, "no heartbeat payload");
            return;
        }

        if (member is null)
        {
            Drop(SessionMessageType.Heartbeat, source, DropReason.NotMember, "heartbeat from a non-member");
            return;
        }

        var epoch = payload.Heartbeat.Epoch;
        if (member.Status == ParticipantStatus.Offline)
        {
            // Back from the dead: accept it again when it is in our epoch, and answer at once so it sees us too.
            if (!_mls || epoch == CurrentEpoch)
            {
                MarkOnline(member);
                await SendHeartbeatAsync();
            }

            return;
        }

        if (_mls && !IsModerator && _welcomed && epoch != SlimConstants.HeartbeatEpochWithoutMls && epoch > CurrentEpoch)
        {
            Log.EpochBehind(_logger, Id, source, epoch, CurrentEpoch);
            StartRejoin();
        }
    }

    private async Task OnParticipantStateAsync(Message message, SlimName source, Member? member)
    {
        var payload = message.Publish.Msg.CommandPayload;
        if (payload.CommandPayloadTypeCase != CommandPayload.CommandPayloadTypeOneofCase.UpdateParticipantState ||
            !SlimName.TryFromWire(payload.UpdateParticipantState.Participant, out var subject))
        {
            Drop(SessionMessageType.UpdateParticipantState, source, DropReason.MalformedPayload, "no participant in the state update");
            return;
        }

        if (member is null || subject != source)
        {
            Drop(SessionMessageType.UpdateParticipantState, source, DropReason.NotMember, "state update from a non-member, or about someone else");
            return;
        }

        var update = payload.UpdateParticipantState;
        if (update.NewState == ParticipantState.Offline)
        {
            MarkOffline(member, "announced going offline");
            await ReplyAsync(message, SessionMessageType.GroupAck, Payload(p => p.GroupAck = new GroupAckPayload()));
            return;
        }

        if (!_mls || update.Epoch == CurrentEpoch)
        {
            MarkOnline(member);
            await ReplyAsync(message, SessionMessageType.GroupAck, Payload(p => p.GroupAck = new GroupAckPayload()));
        }
        else
        {
            await ReplyAsync(message, SessionMessageType.GroupNack, Payload(p => p.GroupNack = new GroupNackPayload()));
        }
    }
}
