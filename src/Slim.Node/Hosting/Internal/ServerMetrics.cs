using System.Diagnostics.Metrics;

namespace Slim.Node.Hosting.Internal;

/// <summary>Counters of the server end of the gRPC transport, on the <c>Slim.Transport</c> meter.</summary>
internal static class ServerMetrics
{
    private static readonly Meter Meter = new("Slim.Transport");

    public static readonly Counter<long> StreamsAccepted =
        Meter.CreateCounter<long>("slim.transport.server.streams.accepted", "{stream}", "OpenChannel streams accepted.");

    public static readonly UpDownCounter<long> StreamsActive =
        Meter.CreateUpDownCounter<long>("slim.transport.server.streams.active", "{stream}", "OpenChannel streams whose handler is running.");

    public static readonly Counter<long> RequestsRejected =
        Meter.CreateCounter<long>("slim.transport.server.requests.rejected", "{request}", "Requests refused (wrong method, content type or path, or the server is stopping).");

    public static readonly Counter<long> HandlerFailures =
        Meter.CreateCounter<long>("slim.transport.server.handler.failures", "{stream}", "Stream handlers that threw.");
}
