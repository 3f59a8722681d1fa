using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Slim.Crypto.Internal;

namespace Slim.Crypto;

/// <summary>
/// HMAC-SHA256 (RFC 2104) under one fixed key, for many short messages: the SHA-256 states after the inner and the
/// outer key pad are computed once, so each tag costs only the message blocks and one block of the outer hash.
/// </summary>
/// <remarks>
/// <para>
/// Where OpenSSL's libcrypto exports the low-level <c>SHA256_Init/Update/Final</c> functions (1.1.1 and 3.x builds do),
/// a tag is four short native calls with no allocation and none of the EVP provider machinery, which costs more than
/// the hashing itself for messages of a few hundred bytes. Elsewhere it falls back to <see cref="IncrementalHash"/>;
/// both give the same tag, <c>HMACSHA256.HashData(key, message)</c>.
/// </para>
/// <para>Not thread-safe: one instance per concurrent user. <see cref="Dispose"/> wipes the key-derived state.</para>
/// </remarks>
public sealed unsafe class HmacSha256Key : IDisposable
{
    /// <summary>Size of a tag in bytes.</summary>
    public const int TagSize = 32;

    private const int BlockSize = 64;

    // SHA256_CTX is 112 bytes in OpenSSL 1.1.1 and 3.x (eight state words, two length words, a 16-word block, two
    // counters); the copies below move a little more than that, which is harmless.
    private const int ContextSize = 128;

    // Below this many bytes an SHA256_Update call is far shorter than a microsecond, short enough to skip the GC
    // transition; longer inputs take the ordinary (interruptible) call.
    private const int ShortInput = 4096;

    private static readonly bool NativeAvailable = ProbeNative();

    private readonly IncrementalHash? _fallback;
    private byte* _inner;
    private byte* _outer;
    private byte* _work;

    /// <summary>Prepares the key; a key longer than 64 bytes is first hashed, as HMAC specifies.</summary>
    public HmacSha256Key(ReadOnlySpan<byte> key)
    {
        if (!NativeAvailable)
        {
            _fallback = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            return;
        }

        Span<byte> pad = stackalloc byte[BlockSize];
        try
        {
            var memory = (byte*)NativeMemory.AlignedAlloc(3 * ContextSize, 64);
            NativeMemory.Clear(memory, 3 * ContextSize);
            _inner = memory;
            _outer = memory + ContextSize;
            _work = memory + (2 * ContextSize);

            pad.Clear();
            if (key.Length > BlockSize)
            {
                SHA256.HashData(key, pad);
            }
            else
            {
                key.CopyTo(pad);
            }

            InitializeWithPad(_inner, pad, 0x36);
            InitializeWithPad(_outer, pad, 0x5c);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pad);
        }
    }

    /// <summary>Computes the tag of <paramref name="message"/> into <paramref name="tag"/> (at least 32 bytes).</summary>
    public void ComputeTag(ReadOnlySpan<byte> message, Span<byte> tag)
    {
        if (tag.Length < TagSize)
        {
            throw new ArgumentException($"The tag buffer must hold {TagSize} bytes.", nameof(tag));
        }

        if (_fallback is { } fallback)
        {
            fallback.AppendData(message);
            fallback.GetHashAndReset(tag);
            return;
        }

        ObjectDisposedException.ThrowIf(_work is null, this);
        byte* innerHash = stackalloc byte[TagSize];
        fixed (byte* data = message)
        fixed (byte* destination = tag)
        {
            Buffer.MemoryCopy(_inner, _work, ContextSize, ContextSize);
            if (message.Length <= ShortInput)
            {
                ShaUpdateShort(_work, data, (nuint)message.Length);
            }
            else
            {
                ShaUpdate(_work, data, (nuint)message.Length);
            }

            ShaFinal(innerHash, _work);
            Buffer.MemoryCopy(_outer, _work, ContextSize, ContextSize);
            ShaUpdateShort(_work, innerHash, TagSize);
            ShaFinal(destination, _work);
        }

        new Span<byte>(innerHash, TagSize).Clear();
    }

    /// <summary>Wipes and frees the key-derived state.</summary>
    public void Dispose()
    {
        _fallback?.Dispose();
        if (_inner is not null)
        {
            NativeMemory.Clear(_inner, 3 * ContextSize);
            NativeMemory.AlignedFree(_inner);
            _inner = null;
            _outer = null;
            _work = null;
        }
    }

    private static void InitializeWithPad(byte* context, ReadOnlySpan<byte> key, byte padByte)
    {
        byte* block = stackalloc byte[BlockSize];
        for (var i = 0; i < BlockSize; i++)
        {
            block[i] = (byte)(key[i] ^ padByte);
        }

        var ok = LibCrypto.SHA256_Init(context) == 1 && LibCrypto.SHA256_Update(context, block, BlockSize) == 1;
        new Span<byte>(block, BlockSize).Clear();
        if (!ok)
        {
            throw new CryptographicException("SHA256_Init/SHA256_Update failed.");
        }
    }

    // SHA256_Update and SHA256_Final return 1 for any input: they only hash memory, so their results need no check.
    private static void ShaUpdateShort(byte* context, byte* data, nuint length) => LibCrypto.SHA256_UpdateShort(context, data, length);

    private static void ShaUpdate(byte* context, byte* data, nuint length) => LibCrypto.SHA256_Update(context, data, length);

    private static void ShaFinal(byte* digest, byte* context) => LibCrypto.SHA256_Final(digest, context);

    private static bool ProbeNative()
    {
        if (!LibCrypto.HasExport("SHA256_Init") || !LibCrypto.HasExport("SHA256_Update") || !LibCrypto.HasExport("SHA256_Final"))
        {
            return false;
        }

        // Known-answer check (RFC 4231 test case 2) before trusting the native layout assumptions.
        try
        {
            ReadOnlySpan<byte> expected =
            [
                0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
                0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
            ];
            var memory = (byte*)NativeMemory.AlignedAlloc(3 * ContextSize, 64);
            try
            {
                NativeMemory.Clear(memory, 3 * ContextSize);
                Span<byte> pad = stackalloc byte[BlockSize];
                pad.Clear();
                "Jefe"u8.CopyTo(pad);
                InitializeWithPad(memory, pad, 0x36);
                InitializeWithPad(memory + ContextSize, pad, 0x5c);
                var message = "what do ya want for nothing?"u8;
                byte* inner = stackalloc byte[TagSize];
                byte* tag = stackalloc byte[TagSize];
                fixed (byte* data = message)
                {
                    ShaUpdate(memory, data, (nuint)message.Length);
                }

                ShaFinal(inner, memory);
                ShaUpdate(memory + ContextSize, inner, TagSize);
                ShaFinal(tag, memory + ContextSize);
                return new ReadOnlySpan<byte>(tag, TagSize).SequenceEqual(expected);
            }
            finally
            {
                NativeMemory.AlignedFree(memory);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or CryptographicException or PlatformNotSupportedException)
        {
            return false;
        }
    }
}
