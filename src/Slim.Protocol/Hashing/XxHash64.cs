using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Slim.Protocol.Hashing;

/// <summary>
/// XXH64, the 64-bit xxHash function, as a one-shot, allocation-free hash over a span.
/// SLIM uses it (seed 0) for the three component hashes of every name.
/// </summary>
/// <remarks>
/// Written from the published algorithm description; checked against the xxHash project's sanity-check values.
/// Reads are little-endian regardless of the machine, so results are identical on every platform.
/// </remarks>
public static class XxHash64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    private const int StripeLength = 32;

    /// <summary>Hashes <paramref name="data"/> with the given <paramref name="seed"/>.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        ulong hash;
        var remaining = data;
        if (data.Length >= StripeLength)
        {
            var lanes = new Lanes(seed);
            do
            {
                lanes.Absorb(remaining);
                remaining = remaining[StripeLength..];
            }
            while (remaining.Length >= StripeLength);

            hash = lanes.Merge();
        }
        else
        {
            hash = seed + Prime5;
        }

        return Finish(hash + (ulong)data.Length, remaining);
    }

    /// <summary>
    /// Hashes <paramref name="data"/> followed by one extra <paramref name="suffix"/> byte, as if both were one
    /// buffer, without copying <paramref name="data"/> or allocating. SLIM component hashes are
    /// <c>HashWithSuffix(utf8, 0xFF)</c>.
    /// </summary>
    public static ulong HashWithSuffix(ReadOnlySpan<byte> data, byte suffix, ulong seed = 0)
    {
        var totalLength = data.Length + 1;
        var remaining = data;

        // Every whole stripe that lies inside data is absorbed directly; the suffix falls either in the last
        // stripe (total length a multiple of 32) or in the tail.
        Span<byte> scratch = stackalloc byte[StripeLength];
        ulong hash;
        if (totalLength >= StripeLength)
        {
            var lanes = new Lanes(seed);
            var wholeStripes = totalLength / StripeLength;
            var suffixInStripe = totalLength % StripeLength == 0;
            var directStripes = suffixInStripe ? wholeStripes - 1 : wholeStripes;
            for (var i = 0; i < directStripes; i++)
            {
                lanes.Absorb(remaining);
                remaining = remaining[StripeLength..];
            }

            if (suffixInStripe)
            {
                remaining.CopyTo(scratch);
                scratch[StripeLength - 1] = suffix;
                lanes.Absorb(scratch);
                return Finish(lanes.Merge() + (ulong)totalLength, []);
            }

            hash = lanes.Merge();
        }
        else
        {
            hash = seed + Prime5;
        }

        remaining.CopyTo(scratch);
        scratch[remaining.Length] = suffix;
        return Finish(hash + (ulong)totalLength, scratch[..(remaining.Length + 1)]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong accumulator, ulong lane) =>
        BitOperations.RotateLeft(accumulator + (lane * Prime2), 31) * Prime1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MergeLane(ulong hash, ulong lane) => ((hash ^ Round(0, lane)) * Prime1) + Prime4;

    /// <summary>Consumes the final &lt;32 bytes and applies the avalanche.</summary>
    private static ulong Finish(ulong hash, ReadOnlySpan<byte> tail)
    {
        while (tail.Length >= 8)
        {
            hash ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(tail));
            hash = (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime4;
            tail = tail[8..];
        }

        if (tail.Length >= 4)
        {
            hash ^= BinaryPrimitives.ReadUInt32LittleEndian(tail) * Prime1;
            hash = (BitOperations.RotateLeft(hash, 23) * Prime2) + Prime3;
            tail = tail[4..];
        }

        foreach (var b in tail)
        {
            hash ^= b * Prime5;
            hash = BitOperations.RotateLeft(hash, 11) * Prime1;
        }

        return Avalanche(hash);
    }

    /// <summary>The four accumulator lanes of the stripe loop.</summary>
    private struct Lanes
    {
        private ulong _v1;
        private ulong _v2;
        private ulong _v3;
        private ulong _v4;

        public Lanes(ulong seed)
        {
            _v1 = seed + Prime1 + Prime2;
            _v2 = seed + Prime2;
            _v3 = seed;
            _v4 = seed - Prime1;
        }

        /// <summary>Absorbs the first 32 bytes of <paramref name="stripe"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Absorb(ReadOnlySpan<byte> stripe)
        {
            stripe = stripe[..StripeLength];
            _v1 = Round(_v1, BinaryPrimitives.ReadUInt64LittleEndian(stripe));
            _v2 = Round(_v2, BinaryPrimitives.ReadUInt64LittleEndian(stripe[8..]));
            _v3 = Round(_v3, BinaryPrimitives.ReadUInt64LittleEndian(stripe[16..]));
            _v4 = Round(_v4, BinaryPrimitives.ReadUInt64LittleEndian(stripe[24..]));
        }

        public readonly ulong Merge()
        {
            var hash = BitOperations.RotateLeft(_v1, 1) + BitOperations.RotateLeft(_v2, 7)
                + BitOperations.RotateLeft(_v3, 12) + BitOperations.RotateLeft(_v4, 18);
            hash = MergeLane(hash, _v1);
            hash = MergeLane(hash, _v2);
            hash = MergeLane(hash, _v3);
            return MergeLane(hash, _v4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Avalanche(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        hash ^= hash >> 32;
        return hash;
    }
}
