using Slim.Mls.Codec;
using Slim.Mls.Commits;
using Slim.Mls.Credentials;
using Slim.Mls.Framing;
using Slim.Mls.KeyPackages;
using Slim.Mls.Proposals;
using Slim.Mls.Tests.Vectors;
using Slim.Mls.Tree;
using Slim.Mls.TreeKem;
using Slim.Mls.Welcome;

namespace Slim.Mls.Tests.Group;

/// <summary>
/// messages.json through the group layer's typed decoders: Welcome, GroupInfo, KeyPackage, ratchet_tree, GroupSecrets,
/// every proposal body, Commit, and the Proposal or Commit inside each PublicMessage decode and re-encode byte for byte.
/// Plus garbage input for every decoder, which may only fail with the typed decode error.
/// </summary>
public sealed class TypedMessagesVectorTests
{
    private static readonly (string Field, ProposalType Type)[] ProposalBodies =
    [
        ("add_proposal", ProposalType.Add),
        ("update_proposal", ProposalType.Update),
        ("remove_proposal", ProposalType.Remove),
        ("pre_shared_key_proposal", ProposalType.PreSharedKey),
        ("re_init_proposal", ProposalType.ReInit),
        ("external_init_proposal", ProposalType.ExternalInit),
        ("group_context_extensions_proposal", ProposalType.GroupContextExtensions),
    ];

    [Fact]
    public void Every_structure_round_trips_through_the_typed_codecs()
    {
        var entries = VectorFile.Mls("messages.json");
        foreach (var entry in entries)
        {
            RoundTripBody<WelcomeMessage>(entry.Bytes("mls_welcome"), WireFormat.Welcome);
            RoundTripBody<GroupInfo>(entry.Bytes("mls_group_info"), WireFormat.GroupInfo);
            RoundTripBody<KeyPackage>(entry.Bytes("mls_key_package"), WireFormat.KeyPackage);
            RoundTrip<GroupSecrets>(entry.Bytes("group_secrets"));
            RoundTrip<Commit>(entry.Bytes("commit"));

            var tree = entry.Bytes("ratchet_tree");
            var reader = new TlsReader(tree);
            var nodes = RatchetTree.ReadNodes(ref reader);
            reader.EnsureEnd();
            var writer = new TlsWriter();
            try
            {
                RatchetTree.WriteNodes(ref writer, nodes);
                Assert.Equal(tree, writer.ToArray());
            }
            finally
            {
                writer.Dispose();
            }

            foreach (var (field, type) in ProposalBodies)
            {
                var body = entry.Bytes(field);
                var bodyReader = new TlsReader(body);
                var proposal = Proposal.ReadBody(type, ref bodyReader);
                bodyReader.EnsureEnd();
                Assert.Equal(type, proposal.Type);
                var bodyWriter = new TlsWriter();
                try
                {
                    proposal.WriteBody(ref bodyWriter);
                    Assert.Equal(body, bodyWriter.ToArray());
                }
                finally
                {
                    bodyWriter.Dispose();
                }
            }

            foreach (var field in new[] { "public_message_proposal", "public_message_commit" })
            {
                var message = MlsMessage.Decode(entry.Bytes(field));
                var content = message.PublicMessage!.Content;
                if (content.ContentType == ContentType.Proposal)
                {
                    RoundTrip<Proposal>(content.Content);
                }
                else
                {
                    RoundTrip<Commit>(content.Content);
                }
            }
        }
    }

    [Fact]
    public void Decoders_refuse_random_bytes_with_the_typed_error_only()
    {
        var random = new Random(20260612);
        var samples = VectorFile.Mls("messages.json").Take(20)
            .SelectMany(e => new[] { e.Bytes("commit"), e.Bytes("group_secrets"), e.Bytes("ratchet_tree"), e.Bytes("add_proposal") })
            .ToList();
        for (var i = 0; i < 400; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 200)];
                random.NextBytes(input);
            }
            else
            {
                // Mutate a valid structure: flip bytes and cut it at a random point.
                input = (byte[])samples[random.Next(samples.Count)].Clone();
                for (var f = 0; f < 3 && input.Length > 0; f++)
                {
                    input[random.Next(input.Length)] ^= (byte)random.Next(1, 256);
                }

                input = input[..random.Next(input.Length + 1)];
            }

            Fuzz<Credential>(input);
            Fuzz<Capabilities>(input);
            Fuzz<LeafNode>(input);
            Fuzz<ParentNode>(input);
            Fuzz<KeyPackage>(input);
            Fuzz<Proposal>(input);
            Fuzz<ProposalOrRef>(input);
            Fuzz<Commit>(input);
            Fuzz<UpdatePath>(input);
            Fuzz<GroupSecrets>(input);
            Fuzz<WelcomeMessage>(input);
            Fuzz<GroupInfo>(input);
            Fuzz<Slim.Mls.Extensions.RequiredCapabilities>(input);
            try
            {
                var reader = new TlsReader(input);
                RatchetTree.ReadNodes(ref reader);
            }
            catch (MlsDecodeException)
            {
            }
        }
    }

    private static void Fuzz<T>(byte[] input)
        where T : ITlsDecodable<T>
    {
        try
        {
            TlsCodec.Deserialize<T>(input);
        }
        catch (MlsDecodeException)
        {
        }
    }

    private static void RoundTrip<T>(byte[] encoded)
        where T : ITlsEncodable, ITlsDecodable<T>
    {
        var value = TlsCodec.Deserialize<T>(encoded);
        Assert.Equal(Convert.ToHexString(encoded), Convert.ToHexString(TlsCodec.Serialize(value)));
    }

    private static void RoundTripBody<T>(byte[] mlsMessage, WireFormat wireFormat)
        where T : ITlsEncodable, ITlsDecodable<T>
    {
        var message = MlsMessage.Decode(mlsMessage);
        Assert.Equal(wireFormat, message.WireFormat);
        RoundTrip<T>(message.Body!);
    }
}
