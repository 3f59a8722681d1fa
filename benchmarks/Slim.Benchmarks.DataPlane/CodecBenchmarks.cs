using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Slim.DataPlane.Links.Internal;
using Slim.Protocol.Framing;
using Slim.Protocol.Wire;

namespace Slim.Benchmarks.DataPlane;

/// <summary>The per-message codec work of one hop: parse a 1 KiB publish, and frame it with a fresh header MAC.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(1 << 16);
    private readonly byte[] _tag = new byte[32];
    private HeaderMacContext _mac = null!;
    private Message _message = null!;
    private ReadOnlySequence<byte> _payload;

    [GlobalSetup]
    public void Setup()
    {
        _mac = new HeaderMacContext(RandomNumberGenerator.GetBytes(32), "4464983e-2697-4cb7-9a11-212453528eee");
        _message = Samples.Publish(Samples.Bob);
        _payload = new ReadOnlySequence<byte>(_message.ToByteArray());
    }

    [GlobalCleanup]
    public void Cleanup() => _mac.Dispose();

    [Benchmark]
    public Message Parse() => Message.Parser.ParseFrom(_payload);

    [Benchmark]
    public int Frame_with_mac()
    {
        _output.ResetWrittenCount();
        var header = _message.Publish.Header;
        _mac.ComputeTag(header, _tag);
        header.HeaderMac = UnsafeByteOperations.UnsafeWrap(_tag);
        var written = GrpcFraming.WriteFrame(_output, _message);
        header.ClearHeaderMac();
        return written;
    }
}
