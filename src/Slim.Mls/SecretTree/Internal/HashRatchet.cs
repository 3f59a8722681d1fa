using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;

namespace Slim.Mls.SecretTree.Internal;

/// <summary>
/// One sender ratchet (RFC 9420 section 9.1). Holds the secret of the next unused generation and the keys of skipped
/// generations that are still inside the out-of-order window; every key is handed out at most once.
/// <code>
/// ratchet_secret[j] --+--&gt; DeriveTreeSecret(., "nonce",  j, Nn) = nonce[j]
///                     +--&gt; DeriveTreeSecret(., "key",    j, Nk) = key[j]
///                     +--&gt; DeriveTreeSecret(., "secret", j, Nh) = ratchet_secret[j+1]
/// </code>
/// </summary>
internal sealed class HashRatchet : IDisposable
{
    private readonly CipherSuite _suite;
    private readonly SecretTreeOptions _options;
    private readonly SortedDictionary<uint, (byte[] Key, byte[] Nonce)> _skipped = [];
    private byte[] _secret;

    public HashRatchet(CipherSuite suite, SecretTreeOptions options, byte[] secret, uint generation)
    {
        _suite = suite;
        _options = options;
        _secret = secret;
        NextGeneration = generation;
    }

    /// <summary>The generation the next in-order message uses.</summary>
    public uint NextGeneration { get; private set; }

    public int RetainedKeys => _skipped.Count;

    /// <summary>The key for the next generation, consumed immediately (the sender's own ratchet).</summary>
    public RatchetKey Next()
    {
        var key = Derive(_secret, NextGeneration);
        Advance();
        return key;
    }

    /// <summary>Derives the key of <paramref name="generation"/> without consuming anything.</summary>
    public RatchetKey Peek(uint generation)
    {
        if (generation < NextGeneration)
        {
            return _skipped.TryGetValue(generation, out var old)
                ? new RatchetKey(generation, (byte[])old.Key.Clone(), (byte[])old.Nonce.Clone())
                : throw Expired(generation);
        }

        CheckDistance(generation);
        if (generation == NextGeneration)
        {
            return Derive(_secret, generation);
        }

        var secret = (byte[])_secret.Clone();
        try
        {
            for (var j = NextGeneration; j < generation; j++)
            {
                Step(ref secret, j);
            }

            return Derive(secret, generation);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Marks <paramref name="generation"/> as used: its key is deleted and the ratchet moves past it.</summary>
    public void Consume(uint generation)
    {
        if (generation < NextGeneration)
        {
            if (!_skipped.Remove(generation, out var old))
            {
                throw Expired(generation);
            }

            Wipe(old);
            return;
        }

        CheckDistance(generation);
        while (NextGeneration < generation)
        {
            // Keep the skipped keys that fall inside the window; the rest are never derived into storage.
            if (generation - NextGeneration <= _options.OutOfOrderTolerance)
            {
                var skipped = Derive(_secret, NextGeneration);
                _skipped[NextGeneration] = (skipped.Key, skipped.Nonce);
            }

            Advance();
        }

        Advance();
        EvictOutsideWindow();
    }

    /// <summary>Peek then consume, for a caller that uses the key unconditionally.</summary>
    public RatchetKey Take(uint generation)
    {
        var key = Peek(generation);
        Consume(generation);
        return key;
    }

    public void WriteState(ref TlsWriter writer)
    {
        writer.WriteUInt32(NextGeneration);
        writer.WriteVector(_secret);
        writer.WriteUInt32((uint)_skipped.Count);
        foreach (var (generation, (key, nonce)) in _skipped)
        {
            writer.WriteUInt32(generation);
            writer.WriteVector(key);
            writer.WriteVector(nonce);
        }
    }

    public static HashRatchet ReadState(CipherSuite suite, SecretTreeOptions options, ref TlsReader reader)
    {
        var generation = reader.ReadUInt32();
        var ratchet = new HashRatchet(suite, options, ReadSized(ref reader, suite.HashLength), generation);
        var count = reader.ReadUInt32();
        for (var i = 0u; i < count; i++)
        {
            var g = reader.ReadUInt32();
            if (g >= generation || ratchet._skipped.ContainsKey(g))
            {
                throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Retained generation {g} is not below {generation} or repeats", -4);
            }

            ratchet._skipped[g] = (ReadSized(ref reader, suite.AeadKeyLength), ReadSized(ref reader, suite.AeadNonceLength));
        }

        return ratchet;
    }

    internal static byte[] ReadSized(ref TlsReader reader, int size)
    {
        var value = reader.ReadVector();
        return value.Length == size
            ? value.ToArray()
            : throw reader.Error(MlsErrorCode.DecodeInvalidValue, $"Expected a {size}-byte secret, got {value.Length} bytes");
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_secret);
        foreach (var entry in _skipped.Values)
        {
            Wipe(entry);
        }

        _skipped.Clear();
    }

    private RatchetKey Derive(byte[] secret, uint generation)
    {
        var key = new byte[_suite.AeadKeyLength];
        var nonce = new byte[_suite.AeadNonceLength];
        _suite.DeriveTreeSecret(secret, "key"u8, generation, key);
        _suite.DeriveTreeSecret(secret, "nonce"u8, generation, nonce);
        return new RatchetKey(generation, key, nonce);
    }

    private void Advance()
    {
        if (NextGeneration == uint.MaxValue)
        {
            throw new MlsException(MlsErrorCode.InvalidState, "The ratchet has used every generation of this epoch.");
        }

        Step(ref _secret, NextGeneration);
        NextGeneration++;
    }

    private void Step(ref byte[] secret, uint generation)
    {
        var next = new byte[_suite.HashLength];
        _suite.DeriveTreeSecret(secret, "secret"u8, generation, next);
        CryptographicOperations.ZeroMemory(secret);
        secret = next;
    }

    private void EvictOutsideWindow()
    {
        while (_skipped.Count > 0)
        {
            var oldest = _skipped.Keys.First();
            if (NextGeneration - oldest <= _options.OutOfOrderTolerance + 1)
            {
                break;
            }

            Wipe(_skipped[oldest]);
            _skipped.Remove(oldest);
        }
    }

    private void CheckDistance(uint generation)
    {
        if (generation - NextGeneration > _options.MaximumForwardDistance)
        {
            throw new MlsException(
                MlsErrorCode.SecretTreeGenerationTooFarAhead,
                $"Generation {generation} is more than {_options.MaximumForwardDistance} ahead of {NextGeneration}.");
        }
    }

    private MlsException Expired(uint generation) =>
        new(MlsErrorCode.SecretTreeGenerationExpired, $"The key of generation {generation} was already used or deleted (next is {NextGeneration}).");

    private static void Wipe((byte[] Key, byte[] Nonce) entry)
    {
        CryptographicOperations.ZeroMemory(entry.Key);
        CryptographicOperations.ZeroMemory(entry.Nonce);
    }
}
