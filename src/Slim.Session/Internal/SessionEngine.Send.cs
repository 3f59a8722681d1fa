using Google.Protobuf;
using Slim.Identity.Signatures;
using Slim.Protocol;
using Slim.Protocol.Wire;

namespace Slim.Session.Internal;

// Building and sending messages. Every message carries a fresh identity token; every command is e2e-signed.
internal sealed partial class SessionEngine
{
    // Set when we sent data or a control message to the group since the last heartbeat tick.
    private bool _sentSinceTick;

    /// <summary>A signed command message from us, with a fresh token.</summary>
    private Message NewCommand(
        SessionMessageType type, uint messageId, Name destination, uint fanout, CommandPayload payload)
    {
        var message = WireMessage.CreatePublish(
            _localWire.Clone(),
            destination.Clone(),
            WireMessage.CreateSessionHeader(_wireType, type, Id, messageId),
            new Content { CommandPayload = payload },
            fanout);
        HeaderSignature.SignWithFreshToken(_services.Identity, message.Publish);
        return message;
    }

    /// <summary>The signed reply to a request: same session and message id, addressed to the requester's full name.</summary>
    private Message NewReply(Message request, SessionMessageType type, CommandPayload payload) =>
        NewCommand(type, request.Publish.Session.MessageId, request.Publish.Header.Source, SlimConstants.AnycastFanout, payload);

    /// <summary>
    /// Sends a reply to a request and remembers it, so that a retransmission of the request gets the same reply
    /// instead of being processed again.
    /// </summary>
    private async Task ReplyAsync(Message request, SessionMessageType type, CommandPayload payload)
    {
        var reply = NewReply(request, type, payload);
        var source = SlimName.FromWire(request.Publish.Header.Source);
        _replies.Add(source, request.Publish.Session.SessionMessageType, request.Publish.Session.MessageId, reply);
        await SendAsync(reply);
    }

    /// <summary>A data-plane message (MSG, MSG_ACK, RTX_*) from us. Data messages are not signed (MLS protects them).</summary>
    private Message NewData(
        SessionMessageType type, uint messageId, Name destination, uint fanout, string payloadType, ByteString blob)
    {
        var message = WireMessage.CreatePublish(
            _localWire.Clone(),
            destination.Clone(),
            WireMessage.CreateSessionHeader(_wireType, type, Id, messageId),
            new Content { AppPayload = new ApplicationPayload { PayloadType = payloadType, Blob = blob } },
            fanout,
            _services.Identity.GetToken());
        return message;
    }

    /// <summary>
    /// Hands a message to the transport. Failures are logged and counted, never thrown: retransmissions recover.
    /// </summary>
    private async Task<bool> SendAsync(Message message, bool retransmission = false)
    {
        var publish = message.Publish;
        var type = publish.Session.SessionMessageType;
        try
        {
            await _services.Transport.SendAsync(message, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.SendFailed(_logger, Id, type, ex);
            _services.Metrics.Dropped(DropReason.SendFailed);
            return false;
        }

        _services.Metrics.Sent(type);
        if (retransmission)
        {
            _services.Metrics.Retransmitted(type);
        }

        if (type == SessionMessageType.Msg || IsGroupDestination(publish.Header.Destination))
        {
            _sentSinceTick = true;
        }

        return true;
    }

    /// <summary>True for the control channel (group) or the peer (point-to-point): what counts as "sent to the group".</summary>
    private bool IsGroupDestination(Name destination)
    {
        if (!SlimName.TryFromWire(destination, out var name))
        {
            return false;
        }

        return Kind == SessionKind.Group
            ? _controlWire is not null && name == SlimName.FromWire(_controlWire)
            : _peer is { } peer && name.HasSamePrefix(peer);
    }

    /// <summary>Where group-wide control messages go: the control channel (group) or the peer's full name.</summary>
    private (Name Destination, uint Fanout) GroupControlDestination() =>
        Kind == SessionKind.Group
            ? (_controlWire!, SlimConstants.GroupFanout)
            : (_peerWire!, SlimConstants.AnycastFanout);

    /// <summary>
    /// A copy of a message we sent before, for sending again: without the link-local fields a transport may have set on
    /// the original (header MAC, incoming connection, local routing flags).
    /// </summary>
    private static Message CopyForResend(Message message)
    {
        var copy = message.Clone();
        var header = copy.Publish.Header;
        header.ClearHeaderMac();
        header.ClearIncomingConn();
        header.ClearRecvFrom();
        header.ClearForwardTo();
        return copy;
    }

    private static CommandPayload Payload(Action<CommandPayload> fill)
    {
        var payload = new CommandPayload();
        fill(payload);
        return payload;
    }
}
