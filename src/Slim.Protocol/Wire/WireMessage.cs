using Google.Protobuf;

namespace Slim.Protocol.Wire;

/// <summary>
/// Decoding, validation and construction of top-level <see cref="Message"/>s.
/// </summary>
/// <remarks>
/// Builders fill the routing header the way official SLIM does: <c>version</c> =
/// <see cref="SlimConstants.WireVersion"/>, <c>ttl</c> = <see cref="SlimConstants.DefaultTtl"/>, and names with
/// both the encoded and the string form. They never set the link-local fields (recv_from, forward_to,
/// incoming_conn, header_mac); the data plane owns those.
/// </remarks>
public static class WireMessage
{
    /// <summary>
    /// Decodes a protobuf <see cref="Message"/>. Never throws: malformed input gives false and a description.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out Message? message, out string? error)
    {
        try
        {
            message = Message.Parser.ParseFrom(bytes);
            error = null;
            return true;
        }
        catch (InvalidProtocolBufferException ex)
        {
            message = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Decodes a protobuf <see cref="Message"/>.</summary>
    /// <exception cref="SlimProtocolException">Malformed bytes (<see cref="SlimErrorCode.MalformedMessage"/>).</exception>
    public static Message Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Message.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SlimProtocolException(SlimErrorCode.MalformedMessage, $"Malformed SLIM message: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Checks what every receiver requires before processing: a <c>message_type</c>; for Publish a header with
    /// source and destination <c>EncodedName</c>s and a session header; for Subscribe/Unsubscribe a header with
    /// both names; for Link a <c>link_type</c>. SubscriptionAck is always valid.
    /// </summary>
    public static bool TryValidate(Message message, out string? error)
    {
        ArgumentNullException.ThrowIfNull(message);
        error = message.MessageTypeCase switch
        {
            Message.MessageTypeOneofCase.None => "message_type is not set",
            Message.MessageTypeOneofCase.Publish => message.Publish.Session is null
                ? "publish has no session header"
                : CheckHeader(message.Publish.Header, "publish"),
            Message.MessageTypeOneofCase.Subscribe => CheckHeader(message.Subscribe.Header, "subscribe"),
            Message.MessageTypeOneofCase.Unsubscribe => CheckHeader(message.Unsubscribe.Header, "unsubscribe"),
            Message.MessageTypeOneofCase.Link => message.Link.LinkTypeCase == Link.LinkTypeOneofCase.None
                ? "link has no link_type"
                : null,
            _ => null,
        };
        return error is null;
    }

    /// <summary>Throws when <see cref="TryValidate"/> fails.</summary>
    /// <exception cref="SlimProtocolException">A required field is missing (<see cref="SlimErrorCode.MissingField"/>).</exception>
    public static void Validate(Message message)
    {
        if (!TryValidate(message, out var error))
        {
            throw new SlimProtocolException(SlimErrorCode.MissingField, $"Invalid SLIM message: {error}.");
        }
    }

    /// <summary>A routing header as official SLIM fills it (version, ttl 8 unless given).</summary>
    public static SLIMHeader CreateHeader(
        Name source, Name destination, string identity, uint fanout, uint ttl = SlimConstants.DefaultTtl)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(identity);
        return new SLIMHeader
        {
            Source = source,
            Destination = destination,
            Identity = identity,
            Fanout = fanout,
            Version = SlimConstants.WireVersion,
            Ttl = ttl,
        };
    }

    /// <summary>
    /// A Subscribe for <paramref name="destination"/> sent by <paramref name="source"/>. A non-zero
    /// <paramref name="subscriptionId"/> asks the node for a SubscriptionAck. Channel subscriptions carry an empty
    /// identity; an app's own-name subscription carries its token.
    /// </summary>
    public static Message CreateSubscribe(SlimName source, SlimName destination, ulong subscriptionId, string identity = "") =>
        CreateSubscribe(source.ToWire(), destination.ToWire(), subscriptionId, identity);

    /// <inheritdoc cref="CreateSubscribe(SlimName, SlimName, ulong, string)"/>
    public static Message CreateSubscribe(Name source, Name destination, ulong subscriptionId, string identity = "") =>
        new()
        {
            Subscribe = new Subscribe
            {
                Header = CreateHeader(source, destination, identity, SlimConstants.AnycastFanout),
                SubscriptionId = subscriptionId,
            },
        };

    /// <summary>An Unsubscribe for <paramref name="destination"/>; see <see cref="CreateSubscribe(SlimName, SlimName, ulong, string)"/>.</summary>
    public static Message CreateUnsubscribe(SlimName source, SlimName destination, ulong subscriptionId, string identity = "") =>
        CreateUnsubscribe(source.ToWire(), destination.ToWire(), subscriptionId, identity);

    /// <inheritdoc cref="CreateUnsubscribe(SlimName, SlimName, ulong, string)"/>
    public static Message CreateUnsubscribe(Name source, Name destination, ulong subscriptionId, string identity = "") =>
        new()
        {
            Unsubscribe = new Unsubscribe
            {
                Header = CreateHeader(source, destination, identity, SlimConstants.AnycastFanout),
                SubscriptionId = subscriptionId,
            },
        };

    /// <summary>
    /// A Publish. <paramref name="fanout"/> is 1 for unicast and anycast, <see cref="SlimConstants.GroupFanout"/>
    /// for group data and group control. Metadata can be added to the returned message.
    /// </summary>
    public static Message CreatePublish(
        SlimName source,
        SlimName destination,
        SessionHeader session,
        Content content,
        uint fanout = SlimConstants.AnycastFanout,
        string identity = "") =>
        CreatePublish(source.ToWire(), destination.ToWire(), session, content, fanout, identity);

    /// <inheritdoc cref="CreatePublish(SlimName, SlimName, SessionHeader, Content, uint, string)"/>
    public static Message CreatePublish(
        Name source,
        Name destination,
        SessionHeader session,
        Content content,
        uint fanout = SlimConstants.AnycastFanout,
        string identity = "")
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(content);
        return new Message
        {
            Publish = new Publish
            {
                Header = CreateHeader(source, destination, identity, fanout),
                Session = session,
                Msg = content,
            },
        };
    }

    /// <summary>A session header.</summary>
    public static SessionHeader CreateSessionHeader(
        SessionType sessionType, SessionMessageType messageType, uint sessionId, uint messageId) =>
        new()
        {
            SessionType = sessionType,
            SessionMessageType = messageType,
            SessionId = sessionId,
            MessageId = messageId,
        };

    /// <summary>A SubscriptionAck echoing <paramref name="subscriptionId"/>; the error text is sent only on failure.</summary>
    public static Message CreateSubscriptionAck(ulong subscriptionId, bool success, string? error = null) =>
        new()
        {
            SubscriptionAck = new SubscriptionAck
            {
                SubscriptionId = subscriptionId,
                Success = success,
                Error = success ? string.Empty : error ?? string.Empty,
            },
        };

    /// <summary>A Link message carrying a negotiation payload.</summary>
    public static Message CreateLink(LinkNegotiationPayload negotiation)
    {
        ArgumentNullException.ThrowIfNull(negotiation);
        return new Message { Link = new Link { LinkNegotiation = negotiation } };
    }

    private static string? CheckHeader(SLIMHeader? header, string kind) =>
        header is null ? $"{kind} has no header"
        : header.Source?.Name_ is null ? $"{kind} header has no source name"
        : header.Destination?.Name_ is null ? $"{kind} header has no destination name"
        : null;
}
