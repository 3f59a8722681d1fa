using Slim.Mls.Codec;
using Slim.Mls.Framing;
using Slim.Mls.KeySchedule;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.Framing;

/// <summary>transcript-hashes.json (RFC 9420 sections 8.2 and 6.1): one commit per suite 1-7.</summary>
public sealed class TranscriptHashTests
{
    private const string File = "transcript-hashes.json";

    public static TheoryData<ushort, int> Cases() => VectorFile.MlsRowsBySuite(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Confirmed_and_interim_hashes_and_the_confirmation_tag_match(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var v = VectorFile.Mls(File)[index];
        var encoded = v.Bytes("authenticated_content");
        var commit = TlsCodec.Deserialize<AuthenticatedContent>(encoded);
        Assert.Equal(encoded, TlsCodec.Serialize(commit));
        Assert.Equal(ContentType.Commit, commit.Content.ContentType);

        var confirmed = TranscriptHash.Confirmed(suite, v.Bytes("interim_transcript_hash_before"), commit);
        Assert.Equal(v.Bytes("confirmed_transcript_hash_after"), confirmed);

        var tag = EpochKeySchedule.ConfirmationTag(suite, v.Bytes("confirmation_key"), confirmed);
        Assert.Equal(commit.Auth.ConfirmationTag, tag);
        Assert.True(EpochKeySchedule.VerifyConfirmationTag(suite, v.Bytes("confirmation_key"), confirmed, commit.Auth.ConfirmationTag));
        Assert.False(EpochKeySchedule.VerifyConfirmationTag(suite, v.Bytes("interim_transcript_hash_before"), confirmed, commit.Auth.ConfirmationTag));

        Assert.Equal(v.Bytes("interim_transcript_hash_after"), TranscriptHash.Interim(suite, confirmed, tag));
    }
}
