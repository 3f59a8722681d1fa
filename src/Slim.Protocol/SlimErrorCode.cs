namespace Slim.Protocol;

/// <summary>
/// Machine-readable error codes shared by every <c>Slim.*</c> library. Each area owns a range of one hundred
/// values; a library adds its codes to its own range and never reuses a number.
/// </summary>
/// <remarks>
/// Ranges: 1–99 general, 100–199 names and ids, 200–299 wire messages and framing, 300–399 routing and links
/// (data plane), 400–499 sessions, 500–599 identity and signatures, 600–699 transport and hosting,
/// 700–799 the SDK (<c>Slim.Client</c>).
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

    /// <summary>A session request got no reply within its retries (invite, remove, join, leave, receive with timeout, ...).</summary>
    SessionTimeout = 401,

    /// <summary>The named participant is not a member of the session.</summary>
    ParticipantNotFound = 402,

    /// <summary>A participant with the same name (any instance) is already a member of the group.</summary>
    ParticipantAlreadyInGroup = 403,

    /// <summary>The session is closed (deleted by the moderator, left, removed, or disposed).</summary>
    SessionClosed = 404,

    /// <summary>Only the session's moderator (its initiator) may do this.</summary>
    NotModerator = 405,

    /// <summary>Invite and remove apply to group sessions only; a point-to-point session has exactly two members.</summary>
    CannotInviteToPointToPoint = 406,

    /// <summary>A direct message (publish to) names a destination that is not a member of the session.</summary>
    UnknownDestination = 407,

    /// <summary>A reliable message could not be recovered (the sender no longer had it, or retransmission requests ran out).</summary>
    MessageLost = 408,

    /// <summary>A published message was not acknowledged by every receiver within its retries.</summary>
    DeliveryFailed = 409,

    /// <summary>No session with this id exists in the layer.</summary>
    SessionNotFound = 410,

    /// <summary>A session id is outside [0, u32::MAX - 1000), the range participants accept.</summary>
    InvalidSessionId = 411,

    /// <summary>A group join request carried no timer settings (official participants reject such groups).</summary>
    MissingTimerSettings = 412,

    /// <summary>The session needs MLS, but the layer was built without a group-security (MLS) implementation.</summary>
    GroupSecurityUnavailable = 413,

    /// <summary>An MLS operation (create, add, remove, join, commit, encrypt, decrypt) failed.</summary>
    GroupSecurityFailed = 414,

    /// <summary>A session configuration value is invalid (negative interval, percent above 100, ...).</summary>
    InvalidSessionConfig = 415,

    // ---- 500-599: identity and signatures ------------------------------------------------------------------

    /// <summary>An identity token or end-to-end header signature did not verify.</summary>
    IdentityInvalid = 500,

    /// <summary>A shared secret is shorter than the 32 bytes official SLIM requires.</summary>
    IdentitySecretTooShort = 501,

    /// <summary>An identity option is invalid (empty or malformed id, negative duration, missing audience, ...).</summary>
    IdentityConfigurationInvalid = 502,

    /// <summary>A key could not be read or is of an unsupported type (PEM, JWK, raw public key).</summary>
    IdentityKeyInvalid = 503,

    /// <summary>No token can be produced right now (token file missing or unreadable, SVID expired and not renewed).</summary>
    IdentityTokenUnavailable = 504,

    /// <summary>A token's <c>pubkey</c> claim does not match the app's signature key.</summary>
    IdentityKeyMismatch = 505,

    /// <summary>A SPIFFE Workload API call failed (connection, gRPC status, malformed reply).</summary>
    IdentityWorkloadApiFailed = 506,

    // ---- 600-699: transport and hosting ---------------------------------------------------------------------

    /// <summary>The underlying connection failed or closed, or the stream was reset, after the stream was open.</summary>
    TransportFailed = 600,

    /// <summary>A stream could not be opened: TCP connect, TLS handshake, HTTP/2 setup or the response headers failed
    /// or did not arrive within the connect timeout.</summary>
    ConnectFailed = 601,

    /// <summary>The peer ended the gRPC call with a non-OK <c>grpc-status</c> (in trailers or a trailers-only response).</summary>
    GrpcStatus = 602,

    /// <summary>The peer's response is not a gRPC response (HTTP status other than 200, or a content-type other than
    /// <c>application/grpc</c>).</summary>
    NotGrpcResponse = 603,

    /// <summary>A TLS setting is unusable (missing or unreadable PEM file, certificate without its key, ...).</summary>
    TlsConfigurationInvalid = 604,

    /// <summary>A server endpoint could not be parsed or bound.</summary>
    EndpointBindFailed = 605,

    /// <summary>A node configuration file is invalid: unknown key, wrong type, missing value, bad duration, missing
    /// TLS file, or a setting this node does not support.</summary>
    ConfigurationInvalid = 610,

    // ---- 700-799: the SDK (Slim.Client) -------------------------------------------------------------------------

    /// <summary>A client connection configuration is invalid (endpoint, TLS settings, durations, malformed JSON).</summary>
    ClientConfigurationInvalid = 700,

    /// <summary>The operation needs a connection to a node, and the service has none.</summary>
    NotConnected = 701,

    /// <summary>The app (or its service) is closed.</summary>
    AppClosed = 702,
}
