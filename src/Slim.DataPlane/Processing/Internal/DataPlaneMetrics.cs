using System.Diagnostics.Metrics;
using Slim.DataPlane.Tables;
using Slim.Protocol.Wire;

namespace Slim.DataPlane.Processing.Internal;

/// <summary>Why a message was dropped: the <c>reason</c> tag of <c>slim.dataplane.messages.dropped</c>.</summary>
internal static class DropReasons
{
    public const string Malformed = "malformed";
    public const string Invalid = "invalid";
    public const string TtlExpired = "ttl_expired";
    public const string MacMissing = "mac_missing";
    public const string MacInvalid = "mac_invalid";
    public const string NoRoute = "no_route";
    public const string QueueFull = "queue_full";
    public const string ConnectionClosed = "connection_closed";
    public const string LinkRepeated = "link_repeated";
    public const string UnexpectedAck = "unexpected_ack";
}

/// <summary>
/// The instruments of the <c>Slim.DataPlane</c> meter, one set per processor (so processors in one process, and
/// tests, can be told apart by their meter instance).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>slim.dataplane.connections.active</term><description>open connections, tag <c>type</c></description></item>
/// <item><term>slim.dataplane.connections.closed</term><description>closed connections, tags <c>type</c>, <c>reason</c></description></item>
/// <item><term>slim.dataplane.negotiation.failures</term><description>refused or failed link negotiations, tags <c>role</c>, <c>reason</c></description></item>
/// <item><term>slim.dataplane.messages.received</term><description>messages read from any connection, tag <c>kind</c></description></item>
/// <item><term>slim.dataplane.messages.forwarded</term><description>messages handed to an output connection, tag <c>kind</c></description></item>
/// <item><term>slim.dataplane.messages.dropped</term><description>messages dropped, tag <c>reason</c></description></item>
/// <item><term>slim.dataplane.header_mac.failures</term><description>inbound header MAC missing or wrong, tag <c>reason</c></description></item>
/// <item><term>slim.dataplane.subscriptions</term><description>(name, connection) entries in the subscription table</description></item>
/// <item><term>slim.dataplane.subscription.operations</term><description>subscribe/unsubscribe handled, tags <c>op</c>, <c>result</c></description></item>
/// <item><term>slim.dataplane.links.reconnects</term><description>successful reconnections of outbound links</description></item>
/// </list>
/// </remarks>
internal sealed class DataPlaneMetrics : IDisposable
{
    public const string MeterName = "Slim.DataPlane";

    private static readonly KeyValuePair<string, object?>[] KindTags =
    [
        new("kind", "none"),
        new("kind", "subscribe"),
        new("kind", "unsubscribe"),
        new("kind", "publish"),
        new("kind", "none"),
        new("kind", "link"),
        new("kind", "subscription_ack"),
    ];

    private readonly bool _ownsMeter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _forwarded;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _macFailures;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _connectionsClosed;
    private readonly Counter<long> _negotiationFailures;
    private readonly Counter<long> _subscriptionOperations;
    private readonly Counter<long> _reconnects;

    public DataPlaneMetrics(IMeterFactory? meterFactory)
    {
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = meterFactory is null;
        _received = Meter.CreateCounter<long>("slim.dataplane.messages.received", "{message}", "Messages read from connections.");
        _forwarded = Meter.CreateCounter<long>("slim.dataplane.messages.forwarded", "{message}", "Messages handed to output connections.");
        _dropped = Meter.CreateCounter<long>("slim.dataplane.messages.dropped", "{message}", "Messages dropped, by reason.");
        _macFailures = Meter.CreateCounter<long>("slim.dataplane.header_mac.failures", "{message}", "Inbound header MACs missing or wrong.");
        _connections = Meter.CreateUpDownCounter<long>("slim.dataplane.connections.active", "{connection}", "Open connections.");
        _connectionsClosed = Meter.CreateCounter<long>("slim.dataplane.connections.closed", "{connection}", "Closed connections, by reason.");
        _negotiationFailures = Meter.CreateCounter<long>("slim.dataplane.negotiation.failures", "{negotiation}", "Failed link negotiations.");
        _subscriptionOperations = Meter.CreateCounter<long>("slim.dataplane.subscription.operations", "{operation}", "Subscribe and unsubscribe operations.");
        _reconnects = Meter.CreateCounter<long>("slim.dataplane.links.reconnects", "{reconnect}", "Outbound links re-established.");
    }

    public Meter Meter { get; }

    public void Received(MessageKind kind) => _received.Add(1, KindTag(kind));

    public void Forwarded(MessageKind kind) => _forwarded.Add(1, KindTag(kind));

    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dropped(string reason, long count)
    {
        if (count > 0)
        {
            _dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void MacFailure(string reason) => _macFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ConnectionOpened(ConnectionType type) => _connections.Add(1, TypeTag(type));

    public void ConnectionClosed(ConnectionType type, string reason)
    {
        _connections.Add(-1, TypeTag(type));
        _connectionsClosed.Add(1, TypeTag(type), new KeyValuePair<string, object?>("reason", reason));
    }

    public void NegotiationFailed(string role, string reason) =>
        _negotiationFailures.Add(1, new KeyValuePair<string, object?>("role", role), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Publishes the subscription-table size as an observable gauge.</summary>
    public void ObserveSubscriptions(Func<int> count) =>
        Meter.CreateObservableGauge("slim.dataplane.subscriptions", () => (long)count(), "{entry}", "Entries in the subscription table.");

    public void SubscriptionOperation(bool add, bool success) =>
        _subscriptionOperations.Add(
            1,
            new KeyValuePair<string, object?>("op", add ? "subscribe" : "unsubscribe"),
            new KeyValuePair<string, object?>("result", success ? "ok" : "error"));

    public void Reconnected() => _reconnects.Add(1);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private static KeyValuePair<string, object?> KindTag(MessageKind kind) =>
        (uint)kind < (uint)KindTags.Length ? KindTags[(int)kind] : KindTags[0];

    private static KeyValuePair<string, object?> TypeTag(ConnectionType type) => new("type", type switch
    {
        ConnectionType.Local => "local",
        ConnectionType.Remote => "remote",
        ConnectionType.Peer => "peer",
        ConnectionType.Edge => "edge",
        _ => "unknown",
    });
}
