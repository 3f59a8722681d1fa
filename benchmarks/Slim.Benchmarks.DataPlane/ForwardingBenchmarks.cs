using BenchmarkDotNet.Attributes;
using Slim.DataPlane.Connections;
using Slim.DataPlane.Processing;
using Slim.Protocol;

namespace Slim.Benchmarks.DataPlane;

/// <summary>
/// A 1 KiB publish through a processor: framed and MACed by a remote sender, read, parsed, verified, stamped,
/// routed, and delivered to a local app or re-MACed and written to remote receivers. Each operation is one
/// published message; batches of <see cref="Batch"/> keep the two loops busy as under load.
/// </summary>
[MemoryDiagnoser]
public class ForwardingBenchmarks
{
    private const int Batch = 2000;

    private MessageProcessor _node = null!;
    private RawLink _sender = null!;
    private RawLink _receiver = null!;
    private readonly List<RawLink> _members = [];
    private LocalConnection _local = null!;
    private byte[] _toLocal = null!;
    private byte[] _toRemote = null!;
    private byte[] _toGroup = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _node = new MessageProcessor(DataPlaneOptions.Default with { OutboundQueueCapacity = Batch * 2 });
        _sender = await RawLink.ConnectAsync(_node);
        _receiver = await RawLink.ConnectAsync(_node);
        await _receiver.SubscribeAsync(Samples.Bob);
        for (var i = 0; i < 4; i++)
        {
            var member = await RawLink.ConnectAsync(_node);
            await member.SubscribeAsync(Samples.Chat);
            _members.Add(member);
        }

        _local = _node.CreateLocalConnection(new LocalConnectionOptions { QueueCapacity = Batch * 2 });
        var localName = new SlimName("org", "ns", "local", 1);
        await _local.SubscribeAsync(localName, localName);

        _toLocal = Repeat(_sender.Frame(Samples.Publish(localName)));
        _toRemote = Repeat(_sender.Frame(Samples.Publish(Samples.Bob)));
        _toGroup = Repeat(_sender.Frame(Samples.Publish(Samples.Chat, SlimConstants.GroupFanout)));

    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _local.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task RemoteToLocalAsync()
    {
        await _sender.Stream.Output.WriteAsync(_toLocal);
        for (var i = 0; i < Batch; i++)
        {
            await _local.Reader.ReadAsync();
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task RemoteToRemoteAsync()
    {
        var drain = _receiver.DrainAsync(Batch);
        await _sender.Stream.Output.WriteAsync(_toRemote);
        await drain;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task RemoteToFourGroupMembersAsync()
    {
        var drains = _members.Select(m => m.DrainAsync(Batch)).ToArray();
        await _sender.Stream.Output.WriteAsync(_toGroup);
        await Task.WhenAll(drains);
    }

    private static byte[] Repeat(byte[] frame)
    {
        var batch = new byte[frame.Length * Batch];
        for (var i = 0; i < Batch; i++)
        {
            frame.CopyTo(batch, i * frame.Length);
        }

        return batch;
    }
}
