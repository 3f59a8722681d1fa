using System.Buffers.Binary;
using Slim.Mls.Internal;

namespace Slim.Mls.Hpke.Internal;

/// <summary>RFC 9180 section 4: <c>LabeledExtract</c> and <c>LabeledExpand</c> with an explicit <c>suite_id</c>.</summary>
internal static class HpkeLabels
{
    private static ReadOnlySpan<byte> Version => "HPKE-v1"u8;

    /// <summary><c>Extract(salt, "HPKE-v1" || suite_id || label || ikm)</c>.</summary>
    internal static void LabeledExtract(Kdf kdf, ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm, Span<byte> prk)
    {
        using var labeled = new RentedBuffer(Version.Length + suiteId.Length + label.Length + ikm.Length);
        var span = labeled.Span;
        Version.CopyTo(span);
        suiteId.CopyTo(span[Version.Length..]);
        label.CopyTo(span[(Version.Length + suiteId.Length)..]);
        ikm.CopyTo(span[(Version.Length + suiteId.Length + label.Length)..]);
        kdf.Extract(salt, span, prk);
    }

    /// <summary><c>Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)</c> with L = output length.</summary>
    internal static void LabeledExpand(Kdf kdf, ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, Span<byte> output)
    {
        if (output.Length > ushort.MaxValue)
        {
            throw new MlsException(MlsErrorCode.InvalidArgument, "HPKE LabeledExpand output must fit a uint16 length.");
        }

        using var labeled = new RentedBuffer(2 + Version.Length + suiteId.Length + label.Length + info.Length);
        var span = labeled.Span;
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)output.Length);
        Version.CopyTo(span[2..]);
        suiteId.CopyTo(span[(2 + Version.Length)..]);
        label.CopyTo(span[(2 + Version.Length + suiteId.Length)..]);
        info.CopyTo(span[(2 + Version.Length + suiteId.Length + label.Length)..]);
        kdf.Expand(prk, span, output);
    }

    internal static byte[] KemSuiteId(KemId kem)
    {
        var id = new byte[5];
        "KEM"u8.CopyTo(id);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(3), (ushort)kem);
        return id;
    }

    internal static byte[] HpkeSuiteId(KemId kem, KdfId kdf, AeadId aead)
    {
        var id = new byte[10];
        "HPKE"u8.CopyTo(id);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(4), (ushort)kem);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(6), (ushort)kdf);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(8), (ushort)aead);
        return id;
    }
}
