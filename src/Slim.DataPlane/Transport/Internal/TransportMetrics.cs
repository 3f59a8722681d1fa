using System.Diagnostics.Metrics;

namespace Slim.DataPlane.Transport.Internal;

/// <summary>Counters of the client end of the gRPC transport, on the <c>Slim.Transport</c> meter.</summary>
internal static class TransportMetrics
{
    public const string MeterName = "Slim.Transport";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> ClientStreamsOpened =
        Meter.CreateCounter<long>("slim.transport.client.streams.opened", "{stream}", "Client gRPC streams opened.");

    public static readonly Counter<long> ClientConnectFailures =
        Meter.CreateCounter<long>("slim.transport.client.connect.failures", "{stream}", "Client gRPC streams that could not be opened.");

    public static readonly Counter<long> ClientStreamFailures =
        Meter.CreateCounter<long>("slim.transport.client.streams.failed", "{stream}", "Open client gRPC streams lost to a transport failure or an error status.");
}
