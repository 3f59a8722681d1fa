namespace Slim.Protocol;

/// <summary>
/// Machine-readable error codes shared by every <c>Slim.*</c> library. Each area owns a range of one hundred
/// values; a library adds its codes to its own range and never reuses a number.
/// </summary>
/// <remarks>
/// Ranges: 1–99 general, 100–199 names and ids, 200–299 wire messages and framing, 300–399 routing and links
/// (data plane), 400–499 sessions, 500–599 identity and signatures, 600–699 transport and hosting.
/// The numeric values are stable: they may appear in logs, metrics and the control plane.
/// </remarks>
public enum SlimErrorCode
{
    /// <summary>No code was given.</summary>
    Unspecified = 0,

    /// <summary>An argument or configuration value is outside what the protocol allows.</summary>
    InvalidArgument = 1,

    /// <summary>The object was used in a state that does not allow the operation (closed, disposed, ...).</summary>
    InvalidState = 2,

    /// <summary>An operation did not complete in time.</summary>
    Timeout = 3,

    // ---- 100-199: names and ids -------------------------------------------------------------------------

    /// <summary>A textual name is not of the form <c>org/namespace/service[/id]</c>.</summary>
    NameFormat = 100,

    /// <summary>A name component is empty.</summary>
    NameEmptyComponent = 101,

    /// <summary>A name has fewer than three or more than four <c>/</c>-separated parts.</summary>
    NameComponentCount = 102,

    /// <summary>A name component contains white space or a control character.</summary>
    NameInvalidCharacter = 103,

    /// <summary>The instance-id part of a name is neither a UUID, <c>NULL_COMPONENT</c> nor a decimal u128.</summary>
    NameInvalidId = 104,

    /// <summary>A wire <c>Name</c> lacks its <c>EncodedName</c>, which every receiver requires.</summary>
    NameMissingEncoded = 105,

    // ---- 200-299: wire messages and framing ---------------------------------------------------------------

    /// <summary>Bytes could not be decoded as a protobuf message.</summary>
    MalformedMessage = 200,

    /// <summary>A message decoded but lacks a field its kind requires (header, names, session header, ...).</summary>
    MissingField = 201,

    /// <summary>A message or frame is larger than the configured limit.</summary>
    MessageTooLarge = 202,

    // ---- 300-399: routing and links (data plane) ----------------------------------------------------------

    /// <summary>Routing failed (no matching subscription, link negotiation refused, ...).</summary>
    RoutingFailed = 300,

    /// <summary>No subscription or route matches a message's destination.</summary>
    NoRoute = 301,

    /// <summary>Link negotiation was refused or failed (wrong first message, role, version, key, peer check).</summary>
    LinkNegotiationFailed = 302,

    /// <summary>The peer did not complete link negotiation in time.</summary>
    LinkNegotiationTimeout = 303,

    /// <summary>A message's per-link header MAC is missing or does not verify.</summary>
    HeaderMacInvalid = 304,

    /// <summary>A subscription-table operation failed (for example unsubscribing an unknown subscription).</summary>
    SubscriptionFailed = 305,

    /// <summary>A forwarded subscription was not acknowledged in time.</summary>
    SubscriptionAckTimeout = 306,

    /// <summary>The connection is closed or unknown.</summary>
    ConnectionClosed = 307,

    /// <summary>The message's hop budget (ttl) is exhausted.</summary>
    TtlExpired = 308,

    /// <summary>A connection's outbound queue is full and the message was dropped.</summary>
    QueueFull = 309,

    /// <summary>A peer stopped reading and was disconnected.</summary>
    PeerStalled = 310,

    // ---- 400-499: sessions --------------------------------------------------------------------------------

    /// <summary>A session operation failed.</summary>
    SessionFailed = 400,

    // ---- 500-599: identity and signatures ------------------------------------------------------------------

    /// <summary>An identity token or end-to-end header signature did not verify.</summary>
    IdentityInvalid = 500,

    // ---- 600-699: transport and hosting ---------------------------------------------------------------------

    /// <summary>The underlying connection failed or closed.</summary>
    TransportFailed = 600,
}
