using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Slim.Protocol.Hashing;

/// <summary>
/// XXH3-128, the 128-bit member of the xxHash family, as a one-shot, allocation-free hash over a span with an
/// optional 64-bit seed and the default 192-byte secret. SLIM derives app ids and channel ids with it (seed 0).
/// </summary>
/// <remarks>
/// <para>
/// The result is a <see cref="UInt128"/> whose <see cref="UInt128"/> upper half is the algorithm's
/// <c>high64</c> and lower half its <c>low64</c>. SLIM puts the upper half in <c>NameId.id_0</c>, so the UUID
/// form of a SLIM id prints <c>high64</c> first.
/// </para>
/// <para>
/// Input lengths are handled in the algorithm's classes: 0, 1–3, 4–8, 9–16, 17–128, 129–240, and longer inputs
/// through the stripe/block accumulator loop. Written from the published algorithm description and checked
/// against the xxHash project's sanity-check values for every class.
/// </para>
/// </remarks>
public static class XxHash3
{
    private const ulong Prime32x1 = 0x9E3779B1UL;
    private const ulong Prime32x2 = 0x85EBCA77UL;
    private const ulong Prime32x3 = 0xC2B2AE3DUL;
    private const ulong Prime64x1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime64x2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime64x3 = 0x165667B19E3779F9UL;
    private const ulong Prime64x4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime64x5 = 0x27D4EB2F165667C5UL;
    private const ulong PrimeMx1 = 0x165667919E3779F9UL;
    private const ulong PrimeMx2 = 0x9FB21C651E98DF25UL;

    private const int SecretLength = 192;
    private const int SecretSizeMin = 136;
    private const int StripeLength = 64;
    private const int SecretConsumeRate = 8;
    private const int StripesPerBlock = (SecretLength - StripeLength) / SecretConsumeRate;
    private const int BlockLength = StripeLength * StripesPerBlock;
    private const int MidSizeStartOffset = 3;
    private const int MidSizeLastOffset = 17;
    private const int LastStripeSecretOffset = 7;
    private const int MergeAccumulatorsSecretOffset = 11;

    /// <summary>The algorithm's default secret (a constant of XXH3).</summary>
    private static ReadOnlySpan<byte> DefaultSecret =>
    [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ];

    /// <summary>XXH3-128 of <paramref name="data"/> with <paramref name="seed"/> (0 = the unseeded variant).</summary>
    public static UInt128 Hash128(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        var length = data.Length;
        if (length <= 16)
        {
            return length switch
            {
                > 8 => Length9To16(data, seed),
                >= 4 => Length4To8(data, seed),
                > 0 => Length1To3(data, seed),
                _ => Length0(seed),
            };
        }

        if (length <= 128)
        {
            return Length17To128(data, seed);
        }

        if (length <= 240)
        {
            return Length129To240(data, seed);
        }

        if (seed == 0)
        {
            return Long(data, DefaultSecret);
        }

        // Seeded long inputs use a secret derived from the seed: +seed on the first, -seed on the second
        // 8-byte word of every 16-byte pair.
        Span<byte> secret = stackalloc byte[SecretLength];
        var source = DefaultSecret;
        for (var i = 0; i < SecretLength; i += 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(secret[i..], Read64(source, i) + seed);
            BinaryPrimitives.WriteUInt64LittleEndian(secret[(i + 8)..], Read64(source, i + 8) - seed);
        }

        return Long(data, secret);
    }

    private static UInt128 Length0(ulong seed)
    {
        var secret = DefaultSecret;
        var low = XxHash64.Avalanche(seed ^ Read64(secret, 64) ^ Read64(secret, 72));
        var high = XxHash64.Avalanche(seed ^ Read64(secret, 80) ^ Read64(secret, 88));
        return new UInt128(high, low);
    }

    private static UInt128 Length1To3(ReadOnlySpan<byte> data, ulong seed)
    {
        var secret = DefaultSecret;
        var length = (uint)data.Length;
        var first = (uint)data[0];
        var middle = (uint)data[data.Length >> 1];
        var last = (uint)data[^1];
        var combinedLow = (first << 16) | (middle << 24) | last | (length << 8);
        var combinedHigh = BitOperations.RotateLeft(BinaryPrimitives.ReverseEndianness(combinedLow), 13);
        var bitflipLow = (ulong)(Read32(secret, 0) ^ Read32(secret, 4)) + seed;
        var bitflipHigh = (ulong)(Read32(secret, 8) ^ Read32(secret, 12)) - seed;
        var low = XxHash64.Avalanche(combinedLow ^ bitflipLow);
        var high = XxHash64.Avalanche(combinedHigh ^ bitflipHigh);
        return new UInt128(high, low);
    }

    private static UInt128 Length4To8(ReadOnlySpan<byte> data, ulong seed)
    {
        var secret = DefaultSecret;
        var length = (ulong)data.Length;
        seed ^= (ulong)BinaryPrimitives.ReverseEndianness((uint)seed) << 32;
        var inputLow = (ulong)Read32(data, 0);
        var inputHigh = (ulong)Read32(data, data.Length - 4);
        var input = inputLow + (inputHigh << 32);
        var bitflip = (Read64(secret, 16) ^ Read64(secret, 24)) + seed;
        var keyed = input ^ bitflip;

        var high = Math.BigMul(keyed, Prime64x1 + (length << 2), out var low);
        high += low << 1;
        low ^= high >> 3;
        low = XorShift(low, 35);
        low *= PrimeMx2;
        low = XorShift(low, 28);
        high = Avalanche(high);
        return new UInt128(high, low);
    }

    private static UInt128 Length9To16(ReadOnlySpan<byte> data, ulong seed)
    {
        var secret = DefaultSecret;
        var length = (ulong)data.Length;
        var bitflipLow = (Read64(secret, 32) ^ Read64(secret, 40)) - seed;
        var bitflipHigh = (Read64(secret, 48) ^ Read64(secret, 56)) + seed;
        var inputLow = Read64(data, 0);
        var inputHigh = Read64(data, data.Length - 8);

        var mHigh = Math.BigMul(inputLow ^ inputHigh ^ bitflipLow, Prime64x1, out var mLow);
        mLow += (length - 1) << 54;
        inputHigh ^= bitflipHigh;
        mHigh += inputHigh + ((ulong)(uint)inputHigh * (Prime32x2 - 1));
        mLow ^= BinaryPrimitives.ReverseEndianness(mHigh);

        var high = Math.BigMul(mLow, Prime64x2, out var low);
        high += mHigh * Prime64x2;
        return new UInt128(Avalanche(high), Avalanche(low));
    }

    private static UInt128 Length17To128(ReadOnlySpan<byte> data, ulong seed)
    {
        var secret = DefaultSecret;
        var length = data.Length;
        var accLow = (ulong)length * Prime64x1;
        var accHigh = 0UL;

        // Pairs of 16-byte blocks from both ends, innermost pair first.
        if (length > 32)
        {
            if (length > 64)
            {
                if (length > 96)
                {
                    Mix32(ref accLow, ref accHigh, data[48..], data[(length - 64)..], secret[96..], seed);
                }

                Mix32(ref accLow, ref accHigh, data[32..], data[(length - 48)..], secret[64..], seed);
            }

            Mix32(ref accLow, ref accHigh, data[16..], data[(length - 32)..], secret[32..], seed);
        }

        Mix32(ref accLow, ref accHigh, data, data[(length - 16)..], secret, seed);
        return Finish(accLow, accHigh, length, seed);
    }

    private static UInt128 Length129To240(ReadOnlySpan<byte> data, ulong seed)
    {
        var secret = DefaultSecret;
        var length = data.Length;
        var accLow = (ulong)length * Prime64x1;
        var accHigh = 0UL;

        for (var offset = 0; offset < 128; offset += 32)
        {
            Mix32(ref accLow, ref accHigh, data[offset..], data[(offset + 16)..], secret[offset..], seed);
        }

        accLow = Avalanche(accLow);
        accHigh = Avalanche(accHigh);

        for (var offset = 128; offset + 32 <= length; offset += 32)
        {
            Mix32(
                ref accLow,
                ref accHigh,
                data[offset..],
                data[(offset + 16)..],
                secret[(MidSizeStartOffset + offset - 128)..],
                seed);
        }

        Mix32(
            ref accLow,
            ref accHigh,
            data[(length - 16)..],
            data[(length - 32)..],
            secret[(SecretSizeMin - MidSizeLastOffset - 16)..],
            0UL - seed);
        return Finish(accLow, accHigh, length, seed);
    }

    private static UInt128 Finish(ulong accLow, ulong accHigh, int length, ulong seed)
    {
        var low = accLow + accHigh;
        var high = (accLow * Prime64x1) + (accHigh * Prime64x4) + (((ulong)length - seed) * Prime64x2);
        return new UInt128(0UL - Avalanche(high), Avalanche(low));
    }

    /// <summary>Mixes two 16-byte blocks into the 128-bit accumulator, each side also absorbing the other's input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix32(
        ref ulong accLow,
        ref ulong accHigh,
        ReadOnlySpan<byte> first,
        ReadOnlySpan<byte> second,
        ReadOnlySpan<byte> secret,
        ulong seed)
    {
        accLow += Mix16(first, secret, seed);
        accLow ^= Read64(second, 0) + Read64(second, 8);
        accHigh += Mix16(second, secret[16..], seed);
        accHigh ^= Read64(first, 0) + Read64(first, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix16(ReadOnlySpan<byte> input, ReadOnlySpan<byte> secret, ulong seed) =>
        MultiplyFold(Read64(input, 0) ^ (Read64(secret, 0) + seed), Read64(input, 8) ^ (Read64(secret, 8) - seed));

    /// <summary>The long-input path: stripes of 64 bytes accumulate into eight lanes, scrambled after each block.</summary>
    private static UInt128 Long(ReadOnlySpan<byte> data, ReadOnlySpan<byte> secret)
    {
        Span<ulong> acc = [Prime32x3, Prime64x1, Prime64x2, Prime64x3, Prime64x4, Prime32x2, Prime64x5, Prime32x1];
        var length = data.Length;
        var blocks = (length - 1) / BlockLength;
        var scrambleSecret = secret[(SecretLength - StripeLength)..];

        for (var block = 0; block < blocks; block++)
        {
            var blockData = data.Slice(block * BlockLength, BlockLength);
            for (var stripe = 0; stripe < StripesPerBlock; stripe++)
            {
                Accumulate(acc, blockData[(stripe * StripeLength)..], secret[(stripe * SecretConsumeRate)..]);
            }

            Scramble(acc, scrambleSecret);
        }

        // The last, partial block: whole stripes, then the final 64 bytes (possibly overlapping).
        var tail = data[(blocks * BlockLength)..];
        var tailStripes = (tail.Length - 1) / StripeLength;
        for (var stripe = 0; stripe < tailStripes; stripe++)
        {
            Accumulate(acc, tail[(stripe * StripeLength)..], secret[(stripe * SecretConsumeRate)..]);
        }

        Accumulate(acc, data[(length - StripeLength)..], secret[(SecretLength - StripeLength - LastStripeSecretOffset)..]);

        var low = MergeAccumulators(acc, secret[MergeAccumulatorsSecretOffset..], (ulong)length * Prime64x1);
        var high = MergeAccumulators(
            acc,
            secret[(SecretLength - StripeLength - MergeAccumulatorsSecretOffset)..],
            ~((ulong)length * Prime64x2));
        return new UInt128(high, low);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Span<ulong> acc, ReadOnlySpan<byte> stripe, ReadOnlySpan<byte> secret)
    {
        stripe = stripe[..StripeLength];
        secret = secret[..StripeLength];
        for (var lane = 0; lane < 8; lane++)
        {
            var value = Read64(stripe, lane * 8);
            var keyed = value ^ Read64(secret, lane * 8);
            acc[lane ^ 1] += value;
            acc[lane] += (keyed & 0xFFFFFFFFUL) * (keyed >> 32);
        }
    }

    private static void Scramble(Span<ulong> acc, ReadOnlySpan<byte> secret)
    {
        for (var lane = 0; lane < 8; lane++)
        {
            var value = XorShift(acc[lane], 47) ^ Read64(secret, lane * 8);
            acc[lane] = value * Prime32x1;
        }
    }

    private static ulong MergeAccumulators(ReadOnlySpan<ulong> acc, ReadOnlySpan<byte> secret, ulong start)
    {
        var result = start;
        for (var pair = 0; pair < 4; pair++)
        {
            result += MultiplyFold(acc[2 * pair] ^ Read64(secret, 16 * pair), acc[(2 * pair) + 1] ^ Read64(secret, (16 * pair) + 8));
        }

        return Avalanche(result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyFold(ulong left, ulong right)
    {
        var high = Math.BigMul(left, right, out var low);
        return high ^ low;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche(ulong hash)
    {
        hash = XorShift(hash, 37);
        hash *= PrimeMx1;
        return XorShift(hash, 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong XorShift(ulong value, int shift) => value ^ (value >> shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read64(ReadOnlySpan<byte> source, int offset) =>
        BinaryPrimitives.ReadUInt64LittleEndian(source[offset..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read32(ReadOnlySpan<byte> source, int offset) =>
        BinaryPrimitives.ReadUInt32LittleEndian(source[offset..]);
}
