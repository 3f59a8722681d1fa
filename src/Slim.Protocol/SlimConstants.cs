namespace Slim.Protocol;

/// <summary>
/// Protocol constants of official SLIM v2 (core 2.0.0-alpha.8) that this implementation must match or mirror.
/// </summary>
public static class SlimConstants
{
    /// <summary>The version string official SLIM puts in <c>SLIMHeader.version</c> and the link negotiation. Never checked by peers.</summary>
    public const string WireVersion = "2.0.0-alpha.8";

    /// <summary>Default hop budget of a message (<c>SLIMHeader.ttl</c>). proto3's default 0 is dropped at the first hop.</summary>
    public const uint DefaultTtl = 8;

    /// <summary><c>SLIMHeader.fanout</c> for anycast: deliver to one matching connection.</summary>
    public const uint AnycastFanout = 1;

    /// <summary><c>SLIMHeader.fanout</c> for group data and group control: deliver to every matching connection.</summary>
    public const uint GroupFanout = 256;

    /// <summary>The largest data message id; ids run 1, 2, 3, ... and wrap to 0 after this value (u32::MAX / 2).</summary>
    public const uint MaxPublishId = uint.MaxValue / 2;

    /// <summary>Session ids are in [0, this value) = [0, u32::MAX − 1000); participants reject others.</summary>
    public const uint SessionIdLimit = uint.MaxValue - 1000;

    /// <summary>First id of the range [2^31, 2^32 − 1) from which group replies (<c>PUBLISH_TO</c>) draw their message id.</summary>
    public const uint PublishToIdMin = 1u << 31;

    /// <summary>Exclusive end of the <c>PUBLISH_TO</c> message-id range.</summary>
    public const uint PublishToIdLimit = uint.MaxValue;

    /// <summary>Default size limit of one message (gRPC's customary 4 MiB).</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>Messages kept by a sender for retransmission (RTX).</summary>
    public const int ProducerBufferSize = 512;

    /// <summary>Interval between heartbeats of an idle session member.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>Missed heartbeat ticks after which a member is marked offline.</summary>
    public const int HeartbeatMissedTicksOffline = 3;

    /// <summary><c>HeartbeatPayload.epoch</c> sent by sessions without MLS.</summary>
    public const ulong HeartbeatEpochWithoutMls = ulong.MaxValue;

    /// <summary>Default retransmission interval of control messages (when the config leaves it unset).</summary>
    public static readonly TimeSpan DefaultControlInterval = TimeSpan.FromSeconds(1);

    /// <summary>Default retry count of control messages (when the config leaves it unset).</summary>
    public const int DefaultControlMaxRetries = 10;

    /// <summary>Time a node waits for the first Link message of a new connection.</summary>
    public static readonly TimeSpan LinkNegotiationTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Time an app waits for the node's <c>SubscriptionAck</c> before its subscribe fails.</summary>
    public static readonly TimeSpan SubscriptionAckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Graceful drain period of a node or session on shutdown.</summary>
    public static readonly TimeSpan GracefulDrain = TimeSpan.FromSeconds(60);

    /// <summary>The default TCP port of a SLIM node.</summary>
    public const int DefaultPort = 46357;

    /// <summary>The HTTP/2 path of the single bidirectional-streaming RPC.</summary>
    public const string OpenChannelPath = "/dataplane.proto.v1.DataPlaneService/OpenChannel";

    /// <summary><c>HeaderIntegrityAad.version</c>.</summary>
    public const uint HeaderIntegrityAadVersion = 1;

    /// <summary><c>Message.metadata</c> key marking a group reply to a single member (echoed on its MSG_ACK).</summary>
    public const string MetadataPublishTo = "PUBLISH_TO";

    /// <summary><c>Message.metadata</c> key on the LEAVE_REQUEST of a participant leaving voluntarily.</summary>
    public const string MetadataLeavingSession = "LEAVING_SESSION";

    /// <summary>The value of the flag-style metadata keys.</summary>
    public const string MetadataTrue = "TRUE";
}
