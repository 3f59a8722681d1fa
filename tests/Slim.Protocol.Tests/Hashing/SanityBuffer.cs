namespace Slim.Protocol.Tests.Hashing;

/// <summary>
/// The pseudo-random test buffer of the xxHash project's sanity check (xxHash repository,
/// cli/xsum_sanity_check.c, XSUM_fillTestBuffer): byte i is the top byte of a 64-bit generator that starts at
/// PRIME32 = 2654435761 and is multiplied by PRIME64 = 11400714785074694797 after every byte.
/// </summary>
internal static class SanityBuffer
{
    public const ulong Prime32 = 2654435761UL;
    public const ulong Prime64 = 11400714785074694797UL;

    public static readonly byte[] Bytes = Create(4096 + 64 + 1);

    private static byte[] Create(int length)
    {
        var buffer = new byte[length];
        var generator = Prime32;
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(generator >> 56);
            generator *= Prime64;
        }

        return buffer;
    }
}
