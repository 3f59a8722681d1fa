using Slim.Mls.Codec;
using Slim.Mls.Framing;
using Slim.Mls.Framing.Internal;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.Framing;

/// <summary>
/// messages.json (RFC 9420 sections 6, 10, 12; structure only, 300 entries): every MLSMessage decodes and re-encodes
/// byte for byte, and the grammar walker that delimits Proposals, Commits, KeyPackages, Welcomes and GroupInfos ends
/// exactly where each given structure ends.
/// </summary>
public sealed class MessagesVectorTests
{
    private const string File = "messages.json";

    private static readonly string[] MlsMessageFields =
    [
        "mls_welcome", "mls_group_info", "mls_key_package",
        "public_message_application", "public_message_proposal", "public_message_commit", "private_message",
    ];

    public static TheoryData<string> Fields() => [.. MlsMessageFields];

    [Theory]
    [MemberData(nameof(Fields))]
    public void Every_mls_message_round_trips(string field)
    {
        var entries = VectorFile.Mls(File);
        Assert.Equal(300, entries.Length);
        foreach (var entry in entries)
        {
            var encoded = entry.Bytes(field);
            var message = MlsMessage.Decode(encoded);
            Assert.Equal(encoded, message.ToBytes());
            var expected = field switch
            {
                "mls_welcome" => WireFormat.Welcome,
                "mls_group_info" => WireFormat.GroupInfo,
                "mls_key_package" => WireFormat.KeyPackage,
                "private_message" => WireFormat.PrivateMessage,
                _ => WireFormat.PublicMessage,
            };
            Assert.Equal(expected, message.WireFormat);
            if (message.Body is not null)
            {
                Assert.Equal(encoded, MlsMessage.FromBody(message.WireFormat, message.Body).ToBytes());
            }
        }
    }

    [Fact]
    public void Commits_and_proposal_bodies_are_delimited_exactly()
    {
        var bodies = new (string Field, MessageStructure.ProposalType Type)[]
        {
            ("add_proposal", MessageStructure.ProposalType.Add),
            ("update_proposal", MessageStructure.ProposalType.Update),
            ("remove_proposal", MessageStructure.ProposalType.Remove),
            ("pre_shared_key_proposal", MessageStructure.ProposalType.PreSharedKey),
            ("re_init_proposal", MessageStructure.ProposalType.ReInit),
            ("external_init_proposal", MessageStructure.ProposalType.ExternalInit),
            ("group_context_extensions_proposal", MessageStructure.ProposalType.GroupContextExtensions),
        };

        foreach (var entry in VectorFile.Mls(File))
        {
            var commit = new TlsReader(entry.Bytes("commit"));
            MessageStructure.SkipCommit(ref commit);
            commit.EnsureEnd();

            foreach (var (field, type) in bodies)
            {
                var body = new TlsReader(entry.Bytes(field));
                MessageStructure.SkipProposalBody(ref body, type);
                body.EnsureEnd();

                // Cut short, the same bytes must be refused with the typed error.
                var bytes = entry.Bytes(field);
                if (bytes.Length > 1)
                {
                    Assert.Throws<MlsDecodeException>(() =>
                    {
                        var shortReader = new TlsReader(bytes.AsSpan(0, bytes.Length - 1));
                        MessageStructure.SkipProposalBody(ref shortReader, type);
                        shortReader.EnsureEnd();
                    });
                }
            }
        }
    }
}
