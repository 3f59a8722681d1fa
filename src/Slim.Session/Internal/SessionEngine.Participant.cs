using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

// The participant role: join, welcome, group updates (in commit order with MLS), removal, group close, voluntary
// leave and rejoin.
internal sealed partial class SessionEngine
{
    private readonly SortedDictionary<uint, Message> _bufferedCommits = new();
    private bool _joinAnswered;
    private bool _welcomed;
    private uint _lastCommitId;
    private bool _channelsSubscribed;
    private Task? _rejoin;

    private async Task OnJoinRequestAsync(Message message, SlimName source)
    {
        if (IsModerator || source != _moderatorName)
        {
            Drop(SessionMessageType.JoinRequest, source, DropReason.NotMember, "join request from someone else than the moderator");
            return;
        }

        if (_joinAnswered)
        {
            // A retransmission (same id) was answered by the reply cache; a new request for the same session is ignored.
            Ignore(SessionMessageType.JoinRequest, source, "already joined");
            return;
        }

        _joinAnswered = true;
        var reply = new JoinReplyPayload { Participant = SelfParticipant() };
        if (_mls)
        {
            try
            {
                _security = _services.Options.GroupSecurity!.Create(new GroupSecurityContext(
                    Id, LocalName, IsModerator: false, _services.Identity, _services.Verifier));
                reply.KeyPackage = Google.Protobuf.ByteString.CopyFrom(await _security.CreateKeyPackageAsync(Lifetime));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.GroupSecurityFailed(_logger, Id, "key package", ex);
                await FinalizeAsync(SessionCloseReason.EstablishmentFailed);
                return;
            }
        }

        await AddRouteAsync(source, IncomingConnection(message));
        await ReplyAsync(message, SessionMessageType.JoinReply, Payload(p => p.JoinReply = reply));
        _executor.Run(WelcomeWatchdogAsync);
    }

    private async Task WelcomeWatchdogAsync()
    {
        await Task.Delay(_services.Options.WelcomeTimeout, _services.Time, Lifetime);
        if (!_welcomed && !IsClosedOrClosing)
        {
            Log.WelcomeTimedOut(_logger, Id);
            await FinalizeAsync(SessionCloseReason.EstablishmentFailed);
        }
    }

    private async Task OnWelcomeAsync(Message message, SlimName source)
    {
        var payload = message.Publish.Msg.CommandPayload;
        if (IsModerator || source != _moderatorName)
        {
            Drop(SessionMessageType.GroupWelcome, source, DropReason.NotMember, "welcome from someone else than the moderator");
            return;
        }

        if (payload.CommandPayloadTypeCase != CommandPayload.CommandPayloadTypeOneofCase.GroupWelcome || !_joinAnswered)
        {
            Drop(SessionMessageType.GroupWelcome, source, DropReason.MalformedPayload, "no welcome payload, or no join before");
            return;
        }

        if (_welcomed)
        {
            // A second welcome (a new id) is ignored; a retransmitted one was answered by the reply cache already.
            Ignore(SessionMessageType.GroupWelcome, source, "already welcomed");
            return;
        }

        var welcome = payload.GroupWelcome;
        if (_mls)
        {
            if (welcome.Mls is null)
            {
                Drop(SessionMessageType.GroupWelcome, source, DropReason.GroupSecurity, "MLS session welcome without MLS payload");
                return;
            }

            try
            {
                await _security!.JoinAsync(welcome.Mls.MlsContent.Memory, Lifetime);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.GroupSecurityFailed(_logger, Id, "join from welcome", ex);
                _services.Metrics.Dropped(DropReason.GroupSecurity);
                return;
            }

            _lastCommitId = welcome.Mls.CommitId;
        }

        _welcomed = true;
        var connection = IncomingConnection(message);
        foreach (var participant in welcome.Participants)
        {
            if (!SlimName.TryFromWire(participant.Name, out var name) || name == LocalName)
            {
                continue;
            }

            AddMember(participant, participant.Name, isModerator: name == _moderatorName, knownFromStart: Kind == SessionKind.PointToPoint);
            await AddRouteAsync(name, connection);
        }

        if (FindMember(_moderatorName!.Value) is null)
        {
            AddMember(null, _moderatorWire!, isModerator: true, knownFromStart: Kind == SessionKind.PointToPoint);
        }

        if (Kind == SessionKind.Group)
        {
            try
            {
                await SubscribeChannelsAsync();
            }
            catch (SlimSessionException)
            {
                // Without the channels this app would hear nothing of the group: do not ack, give the session up.
                await FinalizeAsync(SessionCloseReason.EstablishmentFailed);
                return;
            }
        }

        await ReplyAsync(message, SessionMessageType.GroupAck, Payload(p => p.GroupAck = new GroupAckPayload()));
        if (IsClosedOrClosing)
        {
            return;
        }

        _state = (int)SessionState.Active;
        StartHeartbeat();
        Log.SessionJoined(_logger, Id, Kind, source);
        _services.Layer.Announce(this);
    }

    private async Task SubscribeChannelsAsync()
    {
        try
        {
            await _services.Transport.SubscribeAsync(SlimName.FromWire(_dataWire!), LocalName, CancellationToken.None);
            await _services.Transport.SubscribeAsync(SlimName.FromWire(_controlWire!), LocalName, CancellationToken.None);
            _channelsSubscribed = true;
        }
        catch (Exception ex)
        {
            Log.SubscriptionFailed(_logger, Id, ChannelName, ex);
            throw new SlimSessionException(SlimErrorCode.SessionFailed, $"Subscribing the channels of {ChannelName} failed.", ex);
        }
    }

    private async Task UnsubscribeChannelsAsync()
    {
        if (!_channelsSubscribed)
        {
            return;
        }

        _channelsSubscribed = false;
        foreach (var channel in new[] { _dataWire!, _controlWire! })
        {
            try
            {
                await _services.Transport.UnsubscribeAsync(SlimName.FromWire(channel), LocalName, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.SubscriptionFailed(_logger, Id, ChannelName, ex);
            }
        }
    }

    private async Task OnGroupUpdateAsync(Message message, SlimName source)
    {
        var payload = message.Publish.Msg.CommandPayload;
        if (IsModerator || source != _moderatorName)
        {
            Drop(SessionMessageType.GroupUpdate, source, DropReason.NotMember, "group update from someone else than the moderator");
            return;
        }

        if (payload.CommandPayloadTypeCase != CommandPayload.CommandPayloadTypeOneofCase.GroupUpdate)
        {
            Drop(SessionMessageType.GroupUpdate, source, DropReason.MalformedPayload, "no group update payload");
            return;
        }

        if (!_welcomed)
        {
            Drop(SessionMessageType.GroupUpdate, source, DropReason.Stale, "group update before the welcome");
            return;
        }

        var update = payload.GroupUpdate;
        if (!_mls)
        {
            await ApplyGroupUpdateAsync(message);
            return;
        }

        if (update.Mls is null)
        {
            Drop(SessionMessageType.GroupUpdate, source, DropReason.GroupSecurity, "MLS session update without commit");
            return;
        }

        // Commits apply strictly in commit-id order: older ones are dropped without an ack, later ones wait.
        var commitId = update.Mls.CommitId;
        var selfRejoin = update.Op == GroupUpdateOp.Rejoin && IsSelf(update.Participant);
        if (commitId <= _lastCommitId && !(selfRejoin && commitId == _lastCommitId))
        {
            Ignore(SessionMessageType.GroupUpdate, source, $"commit {commitId} already applied (last {_lastCommitId})");
            return;
        }

        if (commitId > _lastCommitId + 1)
        {
            _bufferedCommits[commitId] = message;
            return;
        }

        await ApplyGroupUpdateAsync(message);
        while (_bufferedCommits.Remove(_lastCommitId + 1, out var next))
        {
            await ApplyGroupUpdateAsync(next);
        }
    }

    private bool IsSelf(Participant? participant) =>
        SlimName.TryFromWire(participant?.Name, out var name) && name == LocalName;

    private async Task ApplyGroupUpdateAsync(Message message)
    {
        var update = message.Publish.Msg.CommandPayload.GroupUpdate;
        var self = IsSelf(update.Participant);
        if (_mls)
        {
            var commitId = update.Mls.CommitId;
            if (!(update.Op == GroupUpdateOp.Rejoin && self))
            {
                try
                {
                    await _security!.ApplyCommitAsync(update.Mls.MlsContent.Memory, Lifetime);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.GroupSecurityFailed(_logger, Id, $"commit {commitId}", ex);
                    _services.Metrics.Dropped(DropReason.GroupSecurity);
                    return;
                }
            }

            _lastCommitId = commitId;
        }

        var connection = IncomingConnection(message);
        if (SlimName.TryFromWire(update.Participant?.Name, out var subject))
        {
            switch (update.Op)
            {
                case GroupUpdateOp.Add when !self:
                    if (FindMember(subject) is null)
                    {
                        AddMember(update.Participant, update.Participant!.Name, isModerator: false, knownFromStart: true);
                        await AddRouteAsync(subject, connection);
                        Log.ParticipantJoined(_logger, Id, subject);
                        Notify(new ParticipantJoinedNotification(subject));
                    }

                    break;
                case GroupUpdateOp.Remove when !self:
                    if (FindMember(subject) is { } removed)
                    {
                        RemoveMember(removed);
                        await RemoveRoutesAsync(subject);
                        Log.ParticipantLeft(_logger, Id, subject, false);
                        Notify(new ParticipantLeftNotification(subject, Voluntary: false));
                    }

                    break;
                case GroupUpdateOp.Rejoin:
                    foreach (var participant in update.Participants)
                    {
                        if (SlimName.TryFromWire(participant.Name, out var name) && name != LocalName && FindMember(name) is null)
                        {
                            AddMember(participant, participant.Name, isModerator: name == _moderatorName, knownFromStart: false);
                            await AddRouteAsync(name, connection);
                        }
                    }

                    if (!self && FindMember(subject) is { } rejoined)
                    {
                        MarkOnline(rejoined);
                    }

                    break;
            }
        }

        await ReplyAsync(message, SessionMessageType.GroupAck, Payload(p => p.GroupAck = new GroupAckPayload()));
    }

    /// <summary>LEAVE_REQUEST from the moderator: we are removed.</summary>
    private async Task OnRemovedAsync(Message message, SlimName source)
    {
        if (source != _moderatorName)
        {
            Drop(SessionMessageType.LeaveRequest, source, DropReason.NotMember, "leave request from someone else than the moderator");
            return;
        }

        await ReplyAsync(message, SessionMessageType.LeaveReply, Payload(p => p.LeaveReply = new LeaveReplyPayload()));
        Log.SessionRemoved(_logger, Id);
        await CloseLocallyAsync(SessionCloseReason.Removed);
    }

    private async Task OnGroupCloseAsync(Message message, SlimName source)
    {
        if (IsModerator || source != _moderatorName)
        {
            Drop(SessionMessageType.GroupClose, source, DropReason.NotMember, "group close from someone else than the moderator");
            return;
        }

        await ReplyAsync(message, SessionMessageType.GroupAck, Payload(p => p.GroupAck = new GroupAckPayload()));
        await CloseLocallyAsync(SessionCloseReason.ClosedByModerator);
    }

    /// <summary>Voluntary leave: unsubscribe first, then LEAVE_REQUEST{LEAVING_SESSION} and wait for the reply.</summary>
    private async Task LeaveCoreAsync()
    {
        _state = (int)SessionState.Closing;
        await UnsubscribeChannelsAsync();
        if (_welcomed && _moderatorWire is not null)
        {
            var leave = NewCommand(
                SessionMessageType.LeaveRequest,
                SlimIds.NewControlMessageId(),
                _moderatorWire,
                SlimConstants.AnycastFanout,
                Payload(p => p.LeaveRequest = new LeaveRequestPayload()));
            // Metadata is outside the signed AAD, so it can be added after signing.
            leave.Metadata[SlimConstants.MetadataLeavingSession] = SlimConstants.MetadataTrue;
            var outcome = await RequestAsync(leave, [SessionMessageType.LeaveReply], [_moderatorName!.Value]);
            if (!outcome.AllReplied)
            {
                Log.LeaveUnanswered(_logger, Id);
            }
        }

        await FinalizeAsync(SessionCloseReason.ClosedLocally);
    }

    private void StartRejoin()
    {
        if (_rejoin is { IsCompleted: false } || IsClosedOrClosing)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rejoin = done.Task;
        _executor.Run(async () =>
        {
            try
            {
                await RejoinAsync();
            }
            finally
            {
                done.TrySetResult();
            }
        });
    }

    /// <summary>MLS only: ask the moderator to re-add us with a fresh key package, and join from its Welcome.</summary>
    private async Task RejoinAsync()
    {
        byte[] keyPackage;
        try
        {
            keyPackage = await _security!.CreateKeyPackageAsync(Lifetime);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.GroupSecurityFailed(_logger, Id, "rejoin key package", ex);
            return;
        }

        var request = NewCommand(
            SessionMessageType.RejoinRequest,
            SlimIds.NewControlMessageId(),
            _moderatorWire!,
            SlimConstants.AnycastFanout,
            Payload(p => p.RejoinRequest = new RejoinRequestPayload
            {
                Participant = _localWire.Clone(),
                KeyPackage = Google.Protobuf.ByteString.CopyFrom(keyPackage),
            }));
        var outcome = await RequestAsync(request, [SessionMessageType.RejoinReply], [_moderatorName!.Value]);
        if (outcome.First is not { } reply || reply.Publish.Msg.CommandPayload.RejoinReply is not { } rejoin)
        {
            Log.RejoinFailed(_logger, Id);
            return;
        }

        try
        {
            await _security.JoinAsync(rejoin.MlsContent.Memory, Lifetime);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.GroupSecurityFailed(_logger, Id, "rejoin welcome", ex);
            return;
        }

        _lastCommitId = rejoin.CommitId;
        await ReplyAsync(reply, SessionMessageType.GroupAck, Payload(p => p.GroupAck = new GroupAckPayload()));
        await DrainCommitsAfterRejoinAsync();
    }

    /// <summary>
    /// The GROUP_UPDATE(REJOIN) carrying our own re-add may have arrived before this script resumed (it was buffered as
    /// a future commit): apply it now, drop what the Welcome already covers, and go on with later commits in order.
    /// </summary>
    private async Task DrainCommitsAfterRejoinAsync()
    {
        foreach (var commitId in _bufferedCommits.Keys.Where(c => c < _lastCommitId).ToList())
        {
            _bufferedCommits.Remove(commitId);
        }

        if (_bufferedCommits.Remove(_lastCommitId, out var same) &&
            same.Publish.Msg.CommandPayload.GroupUpdate is { Op: GroupUpdateOp.Rejoin } update && IsSelf(update.Participant))
        {
            await ApplyGroupUpdateAsync(same);
        }

        while (_bufferedCommits.Remove(_lastCommitId + 1, out var next))
        {
            await ApplyGroupUpdateAsync(next);
        }
    }
}
