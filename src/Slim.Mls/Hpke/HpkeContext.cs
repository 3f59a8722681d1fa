using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Slim.Mls.Hpke;

/// <summary>
/// An HPKE encryption context (RFC 9180 section 5.2): AEAD key, base nonce, sequence number and exporter secret.
/// A sender context only seals, a recipient context only opens; both export. Not thread-safe.
/// <see cref="Dispose"/> wipes the secrets.
/// </summary>
public sealed class HpkeContext : IDisposable
{
    private readonly HpkeSuite _suite;
    private readonly byte[] _key;
    private readonly byte[] _baseNonce;
    private readonly byte[] _exporterSecret;
    private readonly bool _isSender;
    private bool _disposed;

    internal HpkeContext(HpkeSuite suite, byte[] key, byte[] baseNonce, byte[] exporterSecret, bool isSender)
    {
        _suite = suite;
        _key = key;
        _baseNonce = baseNonce;
        _exporterSecret = exporterSecret;
        _isSender = isSender;
    }

    /// <summary>The sequence number the next seal or open will use.</summary>
    public ulong SequenceNumber { get; private set; }

    /// <summary>True for a context returned by <c>SetupBaseS</c>.</summary>
    public bool IsSender => _isSender;

    /// <summary>Encrypts the next message (sender contexts only).</summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.InvalidState"/> on a recipient or disposed context;
    /// <see cref="MlsErrorCode.HpkeMessageLimitReached"/> when the sequence number is exhausted.</exception>
    public byte[] Seal(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext)
    {
        CheckUsable(sender: true);
        Span<byte> nonce = stackalloc byte[_baseNonce.Length];
        ComputeNonce(nonce);
        var ciphertext = _suite.Aead.Seal(_key, nonce, associatedData, plaintext);
        SequenceNumber++;
        return ciphertext;
    }

    /// <summary>Decrypts the next message (recipient contexts only). The sequence number moves only on success.</summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.HpkeDecryptFailed"/> when the ciphertext does not authenticate.</exception>
    public byte[] Open(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext)
    {
        CheckUsable(sender: false);
        if (ciphertext.Length < _suite.Aead.TagLength)
        {
            throw new MlsException(MlsErrorCode.HpkeDecryptFailed, "HPKE ciphertext is shorter than the AEAD tag.");
        }

        Span<byte> nonce = stackalloc byte[_baseNonce.Length];
        ComputeNonce(nonce);
        var plaintext = new byte[ciphertext.Length - _suite.Aead.TagLength];
        if (!_suite.Aead.TryOpen(_key, nonce, associatedData, ciphertext, plaintext))
        {
            throw new MlsException(MlsErrorCode.HpkeDecryptFailed, "HPKE ciphertext did not authenticate.");
        }

        SequenceNumber++;
        return plaintext;
    }

    /// <summary><c>Context.Export(exporter_context, L)</c>.</summary>
    public byte[] Export(ReadOnlySpan<byte> exporterContext, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var output = new byte[length];
        _suite.LabeledExpand(_exporterSecret, "sec"u8, exporterContext, output);
        return output;
    }

    /// <summary>Wipes the key, nonce and exporter secret.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_baseNonce);
        CryptographicOperations.ZeroMemory(_exporterSecret);
    }

    private void CheckUsable(bool sender)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_isSender != sender)
        {
            throw new MlsException(MlsErrorCode.InvalidState, sender ? "A recipient context cannot seal." : "A sender context cannot open.");
        }

        if (_suite.Aead.Id == AeadId.ExportOnly)
        {
            throw new MlsException(MlsErrorCode.InvalidState, "An export-only HPKE context cannot seal or open.");
        }

        if (SequenceNumber == ulong.MaxValue)
        {
            throw new MlsException(MlsErrorCode.HpkeMessageLimitReached, "The HPKE context has used every sequence number.");
        }
    }

    // nonce = base_nonce XOR I2OSP(seq, Nn); the 64-bit counter sits in the last 8 bytes.
    private void ComputeNonce(Span<byte> nonce)
    {
        _baseNonce.CopyTo(nonce);
        var tail = nonce[^8..];
        BinaryPrimitives.WriteUInt64BigEndian(tail, BinaryPrimitives.ReadUInt64BigEndian(tail) ^ SequenceNumber);
    }
}
