using Google.Protobuf;
using Slim.Protocol;
using Slim.Protocol.Wire;
using Slim.Session.Internal.Reliability;

namespace Slim.Session.Internal;

// The data path: publish and publish-to, MSG_ACK, per-endpoint retransmission, RTX_REQUEST / RTX_REPLY, the
// per-source reorder buffers and delivery to the app.
internal sealed partial class SessionEngine
{
    private readonly ProducerBuffer<PublishedMessage> _producer;
    private readonly Dictionary<uint, PendingDelivery> _deliveries = new();
    private readonly Dictionary<SlimName, ReceiveStream> _streams = new();
    private readonly Dictionary<(SlimName Source, uint Id), TaskCompletionSource> _rtxPending = new();
    private readonly List<PendingDelivery> _awaitingEndpoint = [];
    private bool _hadEndpoint;
    private uint _nextMessageId = 1;

    /// <summary>Publishes from the app; returns the message id once sent (or once acknowledged when <paramref name="wait"/>).</summary>
    public Task<uint> PublishAsync(
        ReadOnlyMemory<byte> payload,
        string payloadType,
        IReadOnlyDictionary<string, string>? metadata,
        SlimName? target,
        bool wait,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payloadType);
        var plaintext = payload.ToArray();
        var meta = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
        return WithCancellation(
            _executor.InvokeAsync(() => PublishCoreAsync(plaintext, payloadType, meta, target, wait)), cancellationToken);
    }

    private async Task<uint> PublishCoreAsync(
        byte[] plaintext, string payloadType, Dictionary<string, string> metadata, SlimName? target, bool wait)
    {
        if (IsClosedOrClosing)
        {
            throw ClosedException();
        }

        if (State != SessionState.Active)
        {
            throw new SlimSessionException(SlimErrorCode.SessionFailed, $"Session {Id} is not established yet.");
        }

        metadata.Remove(SlimConstants.MetadataPublishTo);
        PendingDelivery delivery;
        if (target is { } to && Kind == SessionKind.Group)
        {
            var member = FindMemberByAppName(to) ?? throw new SlimSessionException(
                SlimErrorCode.UnknownDestination, $"{to} is not a member of session {Id}.");
            metadata[SlimConstants.MetadataPublishTo] = SlimConstants.MetadataTrue;
            var id = SlimIds.NewPublishToMessageId();
            var message = NewMsg(id, member.Wire, SlimConstants.AnycastFanout, payloadType, plaintext, metadata);
            delivery = new PendingDelivery(id, message, plaintext, wait);
            await SendAsync(message);
            if (_reliable && member.ReceivesData && member.Status == ParticipantStatus.Online)
            {
                delivery.Missing.Add(member.Name);
            }
        }
        else
        {
            if (target is { } peerName && _peer is { } peer && !(peerName.IsAnyInstance ? peer.HasSamePrefix(peerName) : peer == peerName))
            {
                throw new SlimSessionException(SlimErrorCode.UnknownDestination, $"{peerName} is not the peer of session {Id}.");
            }

            var id = _nextMessageId;
            _nextMessageId = MessageIds.Next(id);
            var (destination, fanout) = Kind == SessionKind.Group
                ? (_dataWire!, SlimConstants.GroupFanout)
                : (_peerWire!, SlimConstants.AnycastFanout);
            var message = NewMsg(id, destination, fanout, payloadType, plaintext, metadata);
            _producer.Add(id, new PublishedMessage(message, plaintext));
            delivery = new PendingDelivery(id, message, plaintext, wait);
            if (!_hadEndpoint)
            {
                // Nobody to send to yet (a group before its first invite): sent when the first member joins.
                _awaitingEndpoint.Add(delivery);
                return wait ? await delivery.Waiter!.Task : id;
            }

            await SendAsync(message);
            if (_reliable)
            {
                delivery.Missing.UnionWith(DataEndpoints.Select(m => m.Name));
            }
        }

        Track(delivery);
        return wait ? await delivery.Waiter!.Task : delivery.Id;
    }

    private Message NewMsg(
        uint id, Name destination, uint fanout, string payloadType, byte[] plaintext, Dictionary<string, string> metadata)
    {
        var message = NewData(SessionMessageType.Msg, id, destination, fanout, payloadType, ByteString.Empty);
        message.Metadata.Add(metadata);
        Seal(message, plaintext);
        return message;
    }

    /// <summary>Sets the payload: the plaintext, or with MLS its encryption bound to this exact header (the AAD).</summary>
    private void Seal(Message message, byte[] plaintext)
    {
        var publish = message.Publish;
        if (!_mls)
        {
            publish.Msg.AppPayload.Blob = ByteString.CopyFrom(plaintext);
            return;
        }

        if (_security is not { HasGroup: true } security)
        {
            throw new SlimSessionException(SlimErrorCode.GroupSecurityFailed, $"Session {Id} has no MLS group yet.");
        }

        var aad = HeaderIntegrity.ComputeAad(publish);
        try
        {
            publish.Msg.AppPayload.Blob = ByteString.CopyFrom(security.Encrypt(plaintext, aad));
        }
        catch (Exception ex) when (ex is not SlimException)
        {
            throw new SlimSessionException(SlimErrorCode.GroupSecurityFailed, "MLS encryption failed.", ex);
        }
    }

    /// <summary>A copy of a data message for one endpoint: destination rewritten, fresh token, re-sealed.</summary>
    private Message CopyFor(Message original, byte[] plaintext, Name destination, SessionMessageType type)
    {
        var copy = CopyForResend(original);
        copy.Publish.Header.Destination = destination.Clone();
        copy.Publish.Header.Identity = _services.Identity.GetToken();
        copy.Publish.Header.ClearError();
        copy.Publish.Session.SessionMessageType = type;
        Seal(copy, plaintext);
        return copy;
    }

    private void Track(PendingDelivery delivery)
    {
        if (delivery.Missing.Count == 0)
        {
            delivery.Waiter?.TrySetResult(delivery.Id);
            return;
        }

        _deliveries[delivery.Id] = delivery;
        _executor.Run(() => RetransmitUntilAckedAsync(delivery));
    }

    /// <summary>The first data endpoint appeared: send what the app published before.</summary>
    private void OnEndpointAdded()
    {
        if (_hadEndpoint || !DataEndpoints.Any())
        {
            return;
        }

        _hadEndpoint = true;
        if (_awaitingEndpoint.Count == 0)
        {
            return;
        }

        var queued = _awaitingEndpoint.ToList();
        _awaitingEndpoint.Clear();
        _executor.Run(async () =>
        {
            foreach (var delivery in queued)
            {
                await SendAsync(delivery.Message);
                if (_reliable)
                {
                    delivery.Missing.UnionWith(DataEndpoints.Select(m => m.Name));
                }

                Track(delivery);
            }
        });
    }

    private async Task RetransmitUntilAckedAsync(PendingDelivery delivery)
    {
        for (var retry = 1; retry <= _dataRetries; retry++)
        {
            if (await WaitAsync(delivery.AllAcked.Task, _dataInterval))
            {
                return;
            }

            foreach (var name in delivery.Missing.ToList())
            {
                var member = FindMember(name);
                if (member is null || member.Status == ParticipantStatus.Offline)
                {
                    delivery.Missing.Remove(name);
                    continue;
                }

                Log.DataRetransmitted(_logger, Id, delivery.Id, name, retry);
                await SendAsync(CopyFor(delivery.Message, delivery.Plaintext, member.Wire, SessionMessageType.Msg), retransmission: true);
            }

            if (delivery.Missing.Count == 0)
            {
                CompleteDelivery(delivery);
                return;
            }
        }

        if (await WaitAsync(delivery.AllAcked.Task, _dataInterval))
        {
            return;
        }

        _deliveries.Remove(delivery.Id);
        var missing = delivery.Missing.ToList();
        Log.DeliveryFailed(_logger, Id, delivery.Id, missing.Count);
        Notify(new DeliveryFailedNotification(delivery.Id, missing));
        foreach (var name in missing)
        {
            if (FindMember(name) is { } member)
            {
                MarkOffline(member, $"no ack for message {delivery.Id}");
            }
        }

        delivery.AllAcked.TrySetResult();
        delivery.Waiter?.TrySetException(new SlimSessionException(
            SlimErrorCode.DeliveryFailed,
            $"Message {delivery.Id} of session {Id} was not acknowledged by {string.Join(", ", missing)}."));
    }

    private void CompleteDelivery(PendingDelivery delivery)
    {
        _deliveries.Remove(delivery.Id);
        delivery.AllAcked.TrySetResult();
        delivery.Waiter?.TrySetResult(delivery.Id);
    }

    private void OnMsgAck(Message message, SlimName source)
    {
        var id = message.Publish.Session.MessageId;
        if (_deliveries.TryGetValue(id, out var delivery) && delivery.Missing.Remove(source))
        {
            if (delivery.Missing.Count == 0)
            {
                CompleteDelivery(delivery);
            }
        }
        else
        {
            Ignore(SessionMessageType.MsgAck, source, $"no pending delivery {id} awaits this ack");
        }
    }

    /// <summary>A member went away: its acks are no longer awaited.</summary>
    private void ForgetPendingAcks(SlimName member)
    {
        foreach (var delivery in _deliveries.Values.ToList())
        {
            if (delivery.Missing.Remove(member) && delivery.Missing.Count == 0)
            {
                CompleteDelivery(delivery);
            }
        }
    }

    private async Task OnMsgAsync(Message message, SlimName source, Member? member)
    {
        if (member is null)
        {
            Drop(SessionMessageType.Msg, source, DropReason.NotMember, "data from a non-member");
            return;
        }

        var id = message.Publish.Session.MessageId;
        var direct = message.HasFlag(SlimConstants.MetadataPublishTo);
        if (!direct && !MessageIds.IsSequenced(id))
        {
            Drop(SessionMessageType.Msg, source, DropReason.Invalid, $"message id {id} is outside the data id range");
            return;
        }

        var plaintext = Open(message.Publish, source);
        if (plaintext is null)
        {
            return;
        }

        if (_reliable)
        {
            var ack = NewData(SessionMessageType.MsgAck, id, message.Publish.Header.Source, SlimConstants.AnycastFanout, string.Empty, ByteString.Empty);
            if (direct)
            {
                ack.Metadata[SlimConstants.MetadataPublishTo] = SlimConstants.MetadataTrue;
            }

            await SendAsync(ack);
        }

        var received = ToSessionMessage(message, source, plaintext, direct);
        var stream = StreamFor(member);
        if (direct || !_reliable)
        {
            if (stream.Recent.Add(id))
            {
                Deliver(received);
            }
            else
            {
                Ignore(SessionMessageType.Msg, source, $"duplicate message {id}");
            }

            return;
        }

        Sequence(stream, member, id, received);
    }

    private void Sequence(ReceiveStream stream, Member member, uint id, SessionMessage received)
    {
        var released = new List<Released<SessionMessage>>();
        var missing = new List<uint>();
        if (stream.Reorder.Accept(id, received, released, missing) == AcceptResult.Duplicate)
        {
            Ignore(SessionMessageType.Msg, member.Name, $"duplicate message {id}");
        }
        else if (_rtxPending.TryGetValue((member.Name, id), out var waiter))
        {
            waiter.TrySetResult();
        }

        Release(member.Name, released);
        foreach (var gap in missing)
        {
            var name = member.Name;
            _executor.Run(() => RequestRetransmissionAsync(name, gap));
        }
    }

    private void Release(SlimName source, List<Released<SessionMessage>> released)
    {
        foreach (var item in released)
        {
            if (item.IsLost)
            {
                Log.MessagesLost(_logger, Id, source, item.FirstLost, item.LostCount);
                _services.Metrics.Lost(item.LostCount);
                Notify(new MessageLostNotification(source, item.FirstLost, item.LostCount));
            }
            else
            {
                Deliver(item.Item!);
            }
        }
    }

    private async Task RequestRetransmissionAsync(SlimName source, uint id)
    {
        if (!_streams.TryGetValue(source, out var stream) || !stream.Reorder.IsAwaiting(id) ||
            _rtxPending.ContainsKey((source, id)) || FindMember(source) is not { } member)
        {
            return;
        }

        var filled = NewSignal();
        _rtxPending[(source, id)] = filled;
        try
        {
            for (var attempt = 0; attempt <= _dataRetries; attempt++)
            {
                var request = NewData(SessionMessageType.RtxRequest, id, member.Wire, SlimConstants.AnycastFanout, string.Empty, ByteString.Empty);
                await SendAsync(request, retransmission: attempt > 0);
                if (await WaitAsync(filled.Task, _dataInterval) || !stream.Reorder.IsAwaiting(id))
                {
                    return;
                }
            }

            if (_streams.TryGetValue(source, out var current) && current == stream)
            {
                var released = new List<Released<SessionMessage>>();
                stream.Reorder.MarkLost(id, released);
                Release(source, released);
            }
        }
        finally
        {
            _rtxPending.Remove((source, id));
        }
    }

    private async Task OnRtxRequestAsync(Message message, SlimName source, Member? member)
    {
        if (member is null)
        {
            Drop(SessionMessageType.RtxRequest, source, DropReason.NotMember, "retransmission request from a non-member");
            return;
        }

        var id = message.Publish.Session.MessageId;

        // A retransmission request proves the requester got the messages after this one: it counts as an ack.
        if (_deliveries.TryGetValue(id, out var delivery) && delivery.Missing.Remove(source) && delivery.Missing.Count == 0)
        {
            CompleteDelivery(delivery);
        }

        Message reply;
        if (_producer.TryGet(id, out var published))
        {
            reply = CopyFor(published.Message, published.Plaintext, message.Publish.Header.Source, SessionMessageType.RtxReply);
            reply.Publish.Header.Fanout = SlimConstants.AnycastFanout;
        }
        else
        {
            reply = NewData(SessionMessageType.RtxReply, id, message.Publish.Header.Source, SlimConstants.AnycastFanout, string.Empty, ByteString.Empty);
            reply.Publish.Header.Error = true;
        }

        await SendAsync(reply);
    }

    private void OnRtxReply(Message message, SlimName source, Member? member)
    {
        var id = message.Publish.Session.MessageId;
        if (member is null || !_streams.TryGetValue(source, out var stream))
        {
            Drop(SessionMessageType.RtxReply, source, DropReason.NotMember, "retransmission from a non-member");
            return;
        }

        var header = message.Publish.Header;
        if (header.HasError && header.Error)
        {
            // The sender no longer has it.
            var released = new List<Released<SessionMessage>>();
            stream.Reorder.MarkLost(id, released);
            Release(source, released);
            if (_rtxPending.TryGetValue((source, id), out var waiter))
            {
                waiter.TrySetResult();
            }

            return;
        }

        var plaintext = Open(message.Publish, source);
        if (plaintext is not null)
        {
            Sequence(stream, member, id, ToSessionMessage(message, source, plaintext, direct: false));
        }
    }

    /// <summary>The plaintext of a received data message, or null (logged) when MLS cannot open it.</summary>
    private byte[]? Open(Publish publish, SlimName source)
    {
        var blob = publish.Msg.AppPayload.Blob;
        var type = publish.Session.SessionMessageType;
        if (!_mls)
        {
            return blob.ToByteArray();
        }

        if (_security is not { HasGroup: true } security)
        {
            Drop(type, source, DropReason.GroupSecurity, "no MLS group yet");
            return null;
        }

        GroupDecryption decrypted;
        try
        {
            decrypted = security.Decrypt(blob.Span);
        }
        catch (Exception ex)
        {
            Log.GroupSecurityFailed(_logger, Id, "decrypt", ex);
            _services.Metrics.Dropped(DropReason.GroupSecurity);
            return null;
        }

        if (_integrityPercent > 0 && Random.Shared.Next(100) < _integrityPercent &&
            !HeaderIntegrity.ComputeAad(publish).AsSpan().SequenceEqual(decrypted.AuthenticatedData))
        {
            Drop(type, source, DropReason.HeaderIntegrity, "the header does not match the MLS authenticated data");
            return null;
        }

        return decrypted.Plaintext;
    }

    private SessionMessage ToSessionMessage(Message message, SlimName source, byte[] plaintext, bool direct)
    {
        var publish = message.Publish;
        var metadata = new Dictionary<string, string>(message.Metadata);
        metadata.Remove(SlimConstants.MetadataPublishTo);
        var destination = direct || Kind == SessionKind.PointToPoint ? LocalName : SlimName.FromWire(_dataWire!);
        return new SessionMessage(
            Id,
            publish.Session.MessageId,
            source,
            destination,
            publish.Msg.AppPayload.PayloadType,
            plaintext,
            metadata,
            direct,
            publish.Header.Identity,
            IncomingConnection(message));
    }

    private void Deliver(SessionMessage message)
    {
        if (!_received.Writer.TryWrite(message))
        {
            Log.ReceiveQueueFull(_logger, Id, message.Source, message.MessageId);
            _services.Metrics.Dropped(DropReason.ReceiveQueueFull);
        }
    }

    private ReceiveStream StreamFor(Member member)
    {
        if (!_streams.TryGetValue(member.Name, out var stream))
        {
            stream = new ReceiveStream(member.KnownFromStart ? 1u : null, _producer.Capacity);
            _streams[member.Name] = stream;
        }

        return stream;
    }

    private sealed record PublishedMessage(Message Message, byte[] Plaintext);

    private sealed class PendingDelivery(uint id, Message message, byte[] plaintext, bool wait)
    {
        public uint Id { get; } = id;

        public Message Message { get; } = message;

        public byte[] Plaintext { get; } = plaintext;

        public HashSet<SlimName> Missing { get; } = [];

        public TaskCompletionSource AllAcked { get; } = NewSignal();

        public TaskCompletionSource<uint>? Waiter { get; } =
            wait ? new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously) : null;
    }

    private sealed class ReceiveStream(uint? start, int maxGap)
    {
        public ReorderBuffer<SessionMessage> Reorder { get; } = new(start, maxGap);

        /// <summary>Recent ids of unsequenced (best-effort, direct) messages, to drop duplicates.</summary>
        public RecentIds Recent { get; } = new(1024);
    }
}
