using System.Buffers;
using System.Collections.Concurrent;

namespace Slim.Benchmarks.DataPlane;

/// <summary>
/// A pipe memory pool that reuses its blocks without limit (like Kestrel's), so the in-memory streams of the
/// benchmarks do not allocate and the measured allocations are the processor's own.
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    private const int BlockSize = 4096;
    private readonly ConcurrentQueue<Block> _free = new();

    public static BlockMemoryPool Instance { get; } = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            return new Block(null, new byte[minBufferSize]);
        }

        return _free.TryDequeue(out var block) ? block : new Block(this, new byte[BlockSize]);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(BlockMemoryPool? owner, byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = array;

        public void Dispose() => owner?._free.Enqueue(this);
    }
}
