using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

// The moderator role: point-to-point establishment, and the group tasks (invite, remove, a member's leave, delete,
// rejoin), which run one at a time in FIFO order.
internal sealed partial class SessionEngine
{
    private static readonly SessionMessageType[] AckOnly = [SessionMessageType.GroupAck];

    private readonly Queue<ModeratorTask> _taskQueue = new();
    private ModeratorTask? _currentTask;
    private uint _commitCounter;
    private Task? _closeTask;

    /// <summary>Point-to-point moderator: discovery, join and welcome; completes (on the loop) with the handle.</summary>
    public Task<SessionHandle> EstablishAsync() =>
        _executor.InvokeAsync(async () =>
        {
            await EstablishPointToPointAsync();
            return Handle;
        });

    public Task InviteAsync(SlimName participant, CancellationToken cancellationToken)
    {
        EnsureGroupModerator("invite");
        return WithCancellation(
            _executor.InvokeAsync(async () =>
            {
                await EnqueueTask("invite", () => InviteCoreAsync(participant));
                return true;
            }),
            cancellationToken);
    }

    public Task RemoveAsync(SlimName participant, CancellationToken cancellationToken)
    {
        EnsureGroupModerator("remove");
        return WithCancellation(
            _executor.InvokeAsync(async () =>
            {
                await EnqueueTask("remove", () => RemoveCoreAsync(participant));
                return true;
            }),
            cancellationToken);
    }

    private void EnsureGroupModerator(string operation)
    {
        if (Kind == SessionKind.PointToPoint)
        {
            throw new SlimSessionException(
                SlimErrorCode.CannotInviteToPointToPoint, $"Cannot {operation} in point-to-point session {Id}.");
        }

        if (!IsModerator)
        {
            throw new SlimSessionException(SlimErrorCode.NotModerator, $"Only the moderator of session {Id} can {operation}.");
        }
    }

    private Task EnqueueTask(string kind, Func<Task> body)
    {
        if (_state == (int)SessionState.Closed || (IsClosedOrClosing && kind != "delete"))
        {
            return Task.FromException(ClosedException());
        }

        var task = new ModeratorTask(kind, body);
        _taskQueue.Enqueue(task);
        PumpTasks();
        return task.Completion.Task;
    }

    private void PumpTasks()
    {
        if (_currentTask is not null || _taskQueue.Count == 0)
        {
            return;
        }

        var next = _taskQueue.Dequeue();
        _currentTask = next;
        _executor.Run(() => RunTaskAsync(next));
    }

    private async Task RunTaskAsync(ModeratorTask task)
    {
        try
        {
            await task.Body();
            task.Completion.TrySetResult();
        }
        catch (OperationCanceledException) when (Lifetime.IsCancellationRequested)
        {
            task.Completion.TrySetException(ClosedException());
        }
        catch (Exception ex)
        {
            Log.ModeratorTaskFailed(_logger, Id, task.Kind, ex);
            task.Completion.TrySetException(ex);
        }
        finally
        {
            _currentTask = null;
            PumpTasks();
        }
    }

    private async Task EnsureGroupAsync()
    {
        var factory = _services.Options.GroupSecurity ?? throw new SlimSessionException(
            SlimErrorCode.GroupSecurityUnavailable, "MLS is enabled but no group security implementation is configured.");
        _security ??= factory.Create(new GroupSecurityContext(Id, LocalName, IsModerator: true, _services.Identity, _services.Verifier));
        if (!_security.HasGroup)
        {
            await Guard("create group", () => _security.CreateGroupAsync(Lifetime));
        }
    }

    /// <summary>Runs an MLS operation, turning unexpected failures into <see cref="SlimErrorCode.GroupSecurityFailed"/>.</summary>
    private async Task<T> Guard<T>(string operation, Func<ValueTask<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not SlimException)
        {
            throw new SlimSessionException(SlimErrorCode.GroupSecurityFailed, $"MLS {operation} failed.", ex);
        }
    }

    private Task Guard(string operation, Func<ValueTask> action) => Guard(operation, async () =>
    {
        await action();
        return true;
    });

    /// <summary>
    /// DISCOVERY_REQUEST to the name the app gave; returns the reply of whichever instance answered.
    /// </summary>
    private async Task<Message> DiscoverAsync(Name destination, SlimName name)
    {
        var discovery = NewCommand(
            SessionMessageType.DiscoveryRequest,
            SlimIds.NewControlMessageId(),
            destination,
            SlimConstants.AnycastFanout,
            Payload(p => p.DiscoveryRequest = new DiscoveryRequestPayload()));
        var found = await RequestAsync(discovery, [SessionMessageType.DiscoveryReply], expected: null);
        return found.First ?? throw new SlimSessionException(
            SlimErrorCode.SessionTimeout, $"No instance of {name} answered the discovery of session {Id}.");
    }

    private JoinRequestPayload NewJoinRequest()
    {
        var join = new JoinRequestPayload { TimerSettings = Timers?.Clone() };
        if (Kind == SessionKind.Group)
        {
            join.Channel = _dataWire!.Clone();
            join.Control = _controlWire!.Clone();
        }

        if (_mls)
        {
            join.MlsSettings = new MlsSettings { HeaderIntegrityValidationPercent = (uint)_integrityPercent };
        }

        return join;
    }

    /// <summary>JOIN_REQUEST to the discovered instance; returns its JOIN_REPLY payload.</summary>
    private async Task<(JoinReplyPayload Reply, Message Message)> JoinAsync(Name target, SlimName targetName)
    {
        var join = NewCommand(
            SessionMessageType.JoinRequest,
            SlimIds.NewControlMessageId(),
            target,
            SlimConstants.AnycastFanout,
            Payload(p => p.JoinRequest = NewJoinRequest()));
        foreach (var (key, value) in Metadata)
        {
            join.Metadata[key] = value;
        }
        var joined = await RequestAsync(join, [SessionMessageType.JoinReply], [targetName]);
        if (joined.First is not { } reply)
        {
            throw new SlimSessionException(SlimErrorCode.SessionTimeout, $"{targetName} did not answer the join request of session {Id}.");
        }

        var payload = reply.Publish.Msg.CommandPayload;
        if (payload.CommandPayloadTypeCase != CommandPayload.CommandPayloadTypeOneofCase.JoinReply)
        {
            throw new SlimSessionException(SlimErrorCode.SessionFailed, $"{targetName} sent a join reply without payload.");
        }

        return (payload.JoinReply, reply);
    }

    /// <summary>With MLS, commits the addition of the joiner's key package and takes the next commit id.</summary>
    private async Task<(GroupCommit? Commit, uint CommitId)> CommitAddAsync(JoinReplyPayload reply, SlimName targetName)
    {
        if (!_mls)
        {
            return (null, 0);
        }

        if (!reply.HasKeyPackage || reply.KeyPackage.IsEmpty)
        {
            throw new SlimSessionException(SlimErrorCode.GroupSecurityFailed, $"{targetName} sent no key package.");
        }

        var commit = await Guard("add member", () => _security!.AddMemberAsync(reply.KeyPackage.Memory, Lifetime));
        return (commit, ++_commitCounter);
    }

    /// <summary>
    /// A GROUP_UPDATE (ADD, REMOVE or REJOIN of <paramref name="member"/>) with the roster and the MLS commit, to the
    /// group's control channel (the peer in a point-to-point session).
    /// </summary>
    private Message NewGroupUpdate(GroupUpdateOp op, Member member, List<Participant> roster, GroupCommit? commit, uint commitId)
    {
        var (destination, fanout) = GroupControlDestination();
        return NewCommand(
            SessionMessageType.GroupUpdate,
            SlimIds.NewControlMessageId(),
            destination,
            fanout,
            Payload(p => p.GroupUpdate = new GroupUpdatePayload
            {
                Op = op,
                Participant = ToParticipant(member),
                Participants = { roster },
                Mls = MlsPayloadOf(commit, commitId, welcome: false),
            }));
    }

    private static MlsPayload? MlsPayloadOf(GroupCommit? commit, uint commitId, bool welcome) =>
        commit is null
            ? null
            : new MlsPayload { CommitId = commitId, MlsContent = ByteString.CopyFrom(welcome ? commit.Welcome : commit.Commit) };

    private async Task EstablishPointToPointAsync()
    {
        try
        {
            var reply = await DiscoverAsync(_peerPrefixWire!, ChannelName);
            var peerWire = reply.Publish.Header.Source.Clone();
            var peer = SlimName.FromWire(peerWire);
            _peer = peer;
            _peerWire = peerWire;
            ChannelName = peer;
            if (_mls)
            {
                await EnsureGroupAsync();
            }

            await AddRouteAsync(peer, IncomingConnection(reply));
            var (joinReply, _) = await JoinAsync(peerWire, peer);
            var (commit, commitId) = await CommitAddAsync(joinReply, peer);
            var member = AddMember(joinReply.Participant, peerWire, isModerator: false, knownFromStart: true);
            member.MlsIdentity = commit?.MemberIdentity;

            var welcome = NewCommand(
                SessionMessageType.GroupWelcome,
                SlimIds.NewControlMessageId(),
                peerWire,
                SlimConstants.AnycastFanout,
                Payload(p => p.GroupWelcome = new GroupWelcomePayload
                {
                    Participants = { WireRoster() },
                    Mls = MlsPayloadOf(commit, commitId, welcome: true),
                }));
            var welcomed = await RequestAsync(welcome, AckOnly, [peer]);
            if (!welcomed.AllReplied)
            {
                throw new SlimSessionException(SlimErrorCode.SessionTimeout, $"{peer} did not acknowledge the welcome of session {Id}.");
            }

            _state = (int)SessionState.Active;
            StartHeartbeat();
            Log.ParticipantJoined(_logger, Id, peer);
        }
        catch (Exception ex)
        {
            Log.EstablishmentFailed(_logger, Id, ChannelName, ex);
            await FinalizeAsync(SessionCloseReason.EstablishmentFailed);
            if (ex is OperationCanceledException)
            {
                throw ClosedException();
            }

            throw;
        }
    }

    private async Task InviteCoreAsync(SlimName invitee)
    {
        if (IsClosedOrClosing)
        {
            throw ClosedException();
        }

        if (FindMemberByAppName(invitee) is { } existing)
        {
            throw new SlimSessionException(
                SlimErrorCode.ParticipantAlreadyInGroup, $"{existing.Name} is already a member of session {Id}.");
        }

        var reply = await DiscoverAsync(invitee.ToWire(), invitee);
        var targetWire = reply.Publish.Header.Source.Clone();
        var target = SlimName.FromWire(targetWire);
        if (FindMemberByAppName(target.WithoutId()) is not null)
        {
            throw new SlimSessionException(SlimErrorCode.ParticipantAlreadyInGroup, $"{target} is already a member of session {Id}.");
        }

        if (!_channelsSubscribed)
        {
            await SubscribeChannelsAsync();
        }

        if (_mls)
        {
            await EnsureGroupAsync();
        }

        var connection = IncomingConnection(reply);
        await AddRouteAsync(target, connection);
        await AddRouteAsync(SlimName.FromWire(_dataWire!), connection);
        await AddRouteAsync(SlimName.FromWire(_controlWire!), connection);

        var (joinReply, _) = await JoinAsync(targetWire, target);
        var (commit, commitId) = await CommitAddAsync(joinReply, target);
        var member = AddMember(joinReply.Participant, targetWire, isModerator: false, knownFromStart: true);
        member.MlsIdentity = commit?.MemberIdentity;
        var roster = WireRoster();

        // The existing members learn about the newcomer first (the welcome does not wait for their acks).
        Task<RequestOutcome>? added = null;
        if (roster.Count > 2)
        {
            var update = NewGroupUpdate(GroupUpdateOp.Add, member, roster, commit, commitId);
            var expected = _members.Where(m => m != member && m.Status == ParticipantStatus.Online).Select(m => m.Name).ToList();
            added = RequestAsync(update, AckOnly, expected);
        }

        var welcome = NewCommand(
            SessionMessageType.GroupWelcome,
            SlimIds.NewControlMessageId(),
            targetWire,
            SlimConstants.AnycastFanout,
            Payload(p => p.GroupWelcome = new GroupWelcomePayload
            {
                Participants = { roster },
                Mls = MlsPayloadOf(commit, commitId, welcome: true),
            }));
        var welcomed = await RequestAsync(welcome, AckOnly, [target]);
        if (added is not null)
        {
            MarkMissingOffline(await added, "no ack to the group update");
        }

        if (!welcomed.AllReplied)
        {
            MarkOffline(member, "no ack to the welcome");
            throw new SlimSessionException(SlimErrorCode.SessionTimeout, $"{target} did not acknowledge the welcome of session {Id}.");
        }

        StartHeartbeat();
        Log.ParticipantJoined(_logger, Id, target);
        Notify(new ParticipantJoinedNotification(target));
    }

    private void MarkMissingOffline(RequestOutcome outcome, string reason)
    {
        foreach (var name in outcome.Missing)
        {
            if (FindMember(name) is { } member)
            {
                MarkOffline(member, reason);
            }
        }
    }

    private async Task RemoveCoreAsync(SlimName name)
    {
        if (IsClosedOrClosing)
        {
            throw ClosedException();
        }

        var member = FindMemberByAppName(name) ?? throw new SlimSessionException(
            SlimErrorCode.ParticipantNotFound, $"{name} is not a member of session {Id}.");
        await RemoveFromGroupAsync(member);

        var leave = NewCommand(
            SessionMessageType.LeaveRequest,
            SlimIds.NewControlMessageId(),
            member.Wire,
            SlimConstants.AnycastFanout,
            Payload(p => p.LeaveRequest = new LeaveRequestPayload()));
        var left = await RequestAsync(leave, [SessionMessageType.LeaveReply], [member.Name]);
        await RemoveRoutesAsync(member.Name);
        Log.ParticipantLeft(_logger, Id, member.Name, false);
        Notify(new ParticipantLeftNotification(member.Name, Voluntary: false));
        if (!left.AllReplied)
        {
            throw new SlimSessionException(
                SlimErrorCode.SessionTimeout, $"{member.Name} did not answer its leave request; it was removed from session {Id} anyway.");
        }
    }

    /// <summary>
    /// Takes a member out of the roster (and out of the MLS group), then tells the remaining members with a
    /// GROUP_UPDATE(REMOVE) listing the roster as it was, when there are other members to tell.
    /// </summary>
    private async Task RemoveFromGroupAsync(Member member)
    {
        var before = WireRoster();
        GroupCommit? commit = null;
        var commitId = 0u;
        if (_mls && member.MlsIdentity is { } identity)
        {
            commit = await Guard("remove member", () => _security!.RemoveMemberAsync(identity, Lifetime));
            commitId = ++_commitCounter;
        }

        RemoveMember(member);
        if (before.Count <= 2)
        {
            return;
        }

        var update = NewGroupUpdate(GroupUpdateOp.Remove, member, before, commit, commitId);
        var expected = _members.Where(m => m.Status == ParticipantStatus.Online).Select(m => m.Name).ToList();
        MarkMissingOffline(await RequestAsync(update, AckOnly, expected), "no ack to the group update");
    }

    /// <summary>LEAVE_REQUEST from a member: it leaves on its own (LEAVING_SESSION).</summary>
    private async Task OnLeaveRequestFromMemberAsync(Message message, SlimName source)
    {
        var member = FindMember(source);
        await ReplyAsync(message, SessionMessageType.LeaveReply, Payload(p => p.LeaveReply = new LeaveReplyPayload()));
        if (member is null || member.Leaving)
        {
            return;
        }

        // It no longer listens: stop sending it data and waiting for its replies right away.
        member.Leaving = true;
        ForgetExpectedReplies(member.Name);
        ForgetPendingAcks(member.Name);
        Log.ParticipantLeft(_logger, Id, member.Name, true);
        Notify(new ParticipantLeftNotification(member.Name, Voluntary: true));
        _ = EnqueueTask("leave", () => ProcessLeaveAsync(member));
    }

    private async Task ProcessLeaveAsync(Member member)
    {
        if (!_members.Contains(member) || IsClosedOrClosing)
        {
            return;
        }

        if (Kind == SessionKind.PointToPoint || _members.Count == 1)
        {
            // Nobody else left: the session ends.
            RemoveMember(member);
            await CloseLocallyAsync(SessionCloseReason.PeerLeft);
            return;
        }

        await RemoveFromGroupAsync(member);
        await RemoveRoutesAsync(member.Name);
    }

    /// <summary>The moderator deletes the session: GROUP_CLOSE to everyone, then unsubscribe and close.</summary>
    private async Task DeleteCoreAsync()
    {
        if (_state == (int)SessionState.Closed)
        {
            return;
        }

        _state = (int)SessionState.Closing;
        if (_members.Count > 0 && State != SessionState.Closed && (Kind == SessionKind.Group || _peerWire is not null))
        {
            var names = new List<Name> { _localWire.Clone() };
            names.AddRange(_members.Select(m => m.Wire.Clone()));
            var destination = Kind == SessionKind.Group ? _controlWire! : _peerPrefixWire!;
            var close = NewCommand(
                SessionMessageType.GroupClose,
                SlimIds.NewControlMessageId(),
                destination,
                SlimConstants.GroupFanout,
                Payload(p => p.GroupClose = new GroupClosePayload { Participants = { names } }));
            var expected = _members.Where(m => m.Status == ParticipantStatus.Online && !m.Leaving).Select(m => m.Name).ToList();
            var outcome = await RequestAsync(close, AckOnly, expected);
            if (!outcome.AllReplied)
            {
                Log.CloseUnanswered(_logger, Id, outcome.Missing.Count);
            }
        }

        await FinalizeAsync(SessionCloseReason.ClosedLocally);
    }

    /// <summary>REJOIN_REQUEST (MLS only): dropped while another task runs; the member retries.</summary>
    private void OnRejoinRequest(Message message, SlimName source, Member? member)
    {
        var payload = message.Publish.Msg.CommandPayload;
        if (!IsModerator || member is null || !_mls ||
            payload.CommandPayloadTypeCase != CommandPayload.CommandPayloadTypeOneofCase.RejoinRequest)
        {
            Drop(SessionMessageType.RejoinRequest, source, DropReason.NotMember, "rejoin request not applicable");
            return;
        }

        if (_currentTask is not null || _taskQueue.Count > 0)
        {
            Ignore(SessionMessageType.RejoinRequest, source, "moderator busy; the member retries");
            return;
        }

        _ = EnqueueTask("rejoin", () => RejoinMemberAsync(message, member, payload.RejoinRequest));
    }

    private async Task RejoinMemberAsync(Message request, Member member, RejoinRequestPayload rejoin)
    {
        var commit = await Guard(
            "re-add member",
            () => _security!.ReAddMemberAsync(member.MlsIdentity ?? string.Empty, rejoin.KeyPackage.Memory, Lifetime));
        var commitId = ++_commitCounter;
        member.MlsIdentity = commit.MemberIdentity;

        var reply = NewReply(request, SessionMessageType.RejoinReply, Payload(p => p.RejoinReply = new RejoinReplyPayload
        {
            CommitId = commitId,
            MlsContent = ByteString.CopyFrom(commit.Welcome),
        }));
        _replies.Add(member.Name, SessionMessageType.RejoinRequest, request.Publish.Session.MessageId, reply);
        var rejoined = RequestAsync(reply, AckOnly, [member.Name]);

        var update = NewGroupUpdate(GroupUpdateOp.Rejoin, member, WireRoster(), commit, commitId);
        var expected = _members.Where(m => m.Status == ParticipantStatus.Online).Select(m => m.Name).Append(member.Name).Distinct().ToList();
        var updated = await RequestAsync(update, AckOnly, expected);
        if ((await rejoined).AllReplied)
        {
            MarkOnline(member);
        }

        MarkMissingOffline(updated, "no ack to the rejoin update");
    }

    private sealed class ModeratorTask(string kind, Func<Task> body)
    {
        public string Kind { get; } = kind;

        public Func<Task> Body { get; } = body;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
