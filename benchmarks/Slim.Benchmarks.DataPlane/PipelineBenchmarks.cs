using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Slim.DataPlane.Connections;
using Slim.DataPlane.Connections.Internal;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.DataPlane.Processing;
using Slim.DataPlane.Processing.Internal;
using Slim.DataPlane.Tables;
using Slim.Protocol;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.Benchmarks.DataPlane;

/// <summary>
/// The synchronous per-message work of a processor, without threads or pipes: parse a framed 1 KiB publish from a
/// remote link, verify its MAC, stamp, route and hand it to a local app.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private const string LinkId = "4464983e-2697-4cb7-9a11-212453528eee";
    private Router _router = null!;
    private RemoteConnection _from = null!;
    private LocalEndpoint _to = null!;
    private HeaderMacContext _mac = null!;
    private ReadOnlySequence<byte> _frame;

    [GlobalSetup]
    public void Setup()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var metrics = new DataPlaneMetrics(null);
        _router = new Router(DataPlaneOptions.Default, "node-bench", NullLogger.Instance, TimeProvider.System, metrics);
        var session = new LinkSession(LinkId, ConnectionType.Edge, "peer", "2.0.0", string.Empty, null);
        _from = new RemoteConnection(_router.NextConnectionId(), ConnectionType.Edge, "bench", session, _router, new RemoteConnectionSettings(16, 1 << 22, 1 << 16, TimeSpan.FromSeconds(30)), null);
        _to = new LocalEndpoint(_router.NextConnectionId(), "local", 16);
        _router.AddConnection(_from);
        _router.AddConnection(_to);
        _router.Subscriptions.Add(Samples.Bob, _to.Id, ConnectionType.Local, 1);
        _mac = new HeaderMacContext(key, LinkId);

        var message = Samples.Publish(Samples.Bob);
        message.Publish.Header.HeaderMac = Google.Protobuf.ByteString.CopyFrom(HeaderMac.ComputeTag(key, LinkId, message.Publish.Header));
        var writer = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteFrame(writer, message);
        _frame = new ReadOnlySequence<byte>(writer.WrittenMemory);
    }

    [Benchmark]
    public LocalDelivery Parse_verify_route_to_local()
    {
        var buffer = _frame;
        GrpcFraming.TryReadFrame(ref buffer, int.MaxValue, out var payload);
        GrpcFraming.TryParseMessage(payload, out var message, out _);
        _router.ProcessRemote(message!, _from, _mac);
        _to.Reader.TryRead(out var delivery);
        return delivery;
    }
}
