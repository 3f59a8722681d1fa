using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;

namespace Slim.Mls.KeySchedule;

/// <summary>
/// Combines the PSKs of a commit or Welcome into <c>psk_secret</c> (RFC 9420 section 8.4):
/// <code>
/// psk_extracted[i] = KDF.Extract(0, psk[i])
/// psk_input[i]     = ExpandWithLabel(psk_extracted[i], "derived psk", PSKLabel{id, index i, count n}, Nh)
/// psk_secret[0]    = 0
/// psk_secret[i]    = KDF.Extract(psk_input[i-1], psk_secret[i-1])
/// </code>
/// With no PSK the result is <c>Nh</c> zero bytes.
/// </summary>
public static class PskSecret
{
    /// <summary>Computes <c>psk_secret</c> from the PSKs in commit (or GroupSecrets) order.</summary>
    public static byte[] Compute(CipherSuite suite, IReadOnlyList<(PreSharedKeyId Id, byte[] Psk)> psks)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(psks);
        if (psks.Count > ushort.MaxValue)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, "At most 65535 PSKs can be combined (PSKLabel.count is a uint16).");
        }

        var nh = suite.HashLength;
        var secret = new byte[nh];
        Span<byte> extracted = stackalloc byte[nh];
        Span<byte> input = stackalloc byte[nh];
        try
        {
            for (var i = 0; i < psks.Count; i++)
            {
                var (id, psk) = psks[i];
                ArgumentNullException.ThrowIfNull(id);
                suite.Extract([], psk, extracted);

                var label = new TlsWriter(64 + id.PskId.Length + id.PskGroupId.Length + id.Nonce.Length);
                try
                {
                    id.WriteTo(ref label);
                    label.WriteUInt16((ushort)i);
                    label.WriteUInt16((ushort)psks.Count);
                    suite.ExpandWithLabel(extracted, "derived psk"u8, label.WrittenSpan, input);
                }
                finally
                {
                    label.Dispose();
                }

                suite.Extract(input, secret, extracted);
                extracted.CopyTo(secret);
            }

            return secret;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(extracted);
            CryptographicOperations.ZeroMemory(input);
        }
    }
}
