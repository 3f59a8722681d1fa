using Slim.Mls.CipherSuites;
using Slim.Mls.Codec;
using Slim.Mls.Framing;
using Slim.Mls.Internal;

namespace Slim.Mls.KeySchedule;

/// <summary>
/// The transcript hashes (RFC 9420 section 8.2):
/// <code>
/// confirmed_transcript_hash[n] = Hash(interim_transcript_hash[n-1] || ConfirmedTranscriptHashInput[n])
/// interim_transcript_hash[n]   = Hash(confirmed_transcript_hash[n] || InterimTranscriptHashInput[n])
/// struct { WireFormat wire_format; FramedContent content; opaque signature&lt;V&gt;; } ConfirmedTranscriptHashInput;
/// struct { MAC confirmation_tag; } InterimTranscriptHashInput;     // MAC = opaque&lt;V&gt;
/// </code>
/// Both start as the empty string at epoch 0.
/// </summary>
public static class TranscriptHash
{
    /// <summary>The confirmed transcript hash after <paramref name="commit"/> (its confirmation tag is not needed).</summary>
    public static byte[] Confirmed(CipherSuite suite, ReadOnlySpan<byte> interimTranscriptHashBefore, AuthenticatedContent commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.Content.ContentType != ContentType.Commit)
        {
            throw new MlsException(MlsErrorCode.InvalidContentType, "Only commits enter the transcript.");
        }

        return Confirmed(suite, interimTranscriptHashBefore, commit.ConfirmedTranscriptHashInput());
    }

    /// <summary>The confirmed transcript hash from an encoded ConfirmedTranscriptHashInput.</summary>
    public static byte[] Confirmed(CipherSuite suite, ReadOnlySpan<byte> interimTranscriptHashBefore, ReadOnlySpan<byte> confirmedTranscriptHashInput)
    {
        ArgumentNullException.ThrowIfNull(suite);
        using var input = new RentedBuffer(interimTranscriptHashBefore.Length + confirmedTranscriptHashInput.Length);
        interimTranscriptHashBefore.CopyTo(input.Span);
        confirmedTranscriptHashInput.CopyTo(input.Span[interimTranscriptHashBefore.Length..]);
        return suite.Hash(input.Span);
    }

    /// <summary>The interim transcript hash from the confirmed one and the commit's confirmation tag.</summary>
    public static byte[] Interim(CipherSuite suite, ReadOnlySpan<byte> confirmedTranscriptHash, ReadOnlySpan<byte> confirmationTag)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var header = Varint.SizeOf((uint)confirmationTag.Length);
        using var input = new RentedBuffer(confirmedTranscriptHash.Length + header + confirmationTag.Length);
        confirmedTranscriptHash.CopyTo(input.Span);
        Varint.Write(input.Span[confirmedTranscriptHash.Length..], (uint)confirmationTag.Length);
        confirmationTag.CopyTo(input.Span[(confirmedTranscriptHash.Length + header)..]);
        return suite.Hash(input.Span);
    }
}
