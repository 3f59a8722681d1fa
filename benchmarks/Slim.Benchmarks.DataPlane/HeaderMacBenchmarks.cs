using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Slim.DataPlane.Links;
using Slim.DataPlane.Links.Internal;
using Slim.Protocol.Wire;

namespace Slim.Benchmarks.DataPlane;

/// <summary>The per-hop header MAC of a realistic publish header.</summary>
[MemoryDiagnoser]
public class HeaderMacBenchmarks
{
    private const string LinkId = "4464983e-2697-4cb7-9a11-212453528eee";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _tag = new byte[32];
    private HeaderMacContext _context = null!;
    private SLIMHeader _header = null!;

    [GlobalSetup]
    public void Setup()
    {
        _context = new HeaderMacContext(_key, LinkId);
        _header = Samples.Publish(Samples.Bob).Publish.Header;
        _header.HeaderMac = ByteString.CopyFrom(HeaderMac.ComputeTag(_key, LinkId, _header));
    }

    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    [Benchmark(Baseline = true)]
    public void Compute_per_link_context() => _context.ComputeTag(_header, _tag);

    [Benchmark]
    public bool Verify_per_link_context() => _context.Verify(_header);

    [Benchmark]
    public void Compute_one_shot() => HeaderMac.ComputeTag(_key, LinkId, _header, _tag);
}
