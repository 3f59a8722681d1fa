using Slim.Mls.Codec;
using Slim.Mls.Proposals;
using Slim.Mls.Tests.Vectors;
using Slim.Mls.Tree;

namespace Slim.Mls.Tests.Tree;

/// <summary>tree-operations.json: one Add, Update or Remove applied to a public tree, byte-exact with truncation.</summary>
public sealed class TreeOperationsVectorTests
{
    public static TheoryData<ushort, int> Cases => VectorFile.MlsRowsBySuite("tree-operations.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Applying_the_proposal_gives_the_expected_tree(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var entry = VectorFile.Mls("tree-operations.json")[index];
        var tree = RatchetTree.Decode(suite, entry.Bytes("tree_before"));
        Assert.Equal(entry.Bytes("tree_hash_before"), tree.RootTreeHash());
        Assert.Equal(entry.Bytes("tree_before"), tree.Encode());

        var proposal = TlsCodec.Deserialize<Proposal>(entry.Bytes("proposal"));
        var sender = new LeafIndex(entry.GetProperty("proposal_sender").GetUInt32());
        switch (proposal)
        {
            case AddProposal add:
                tree.AddLeaf(add.KeyPackage.LeafNode);
                break;
            case UpdateProposal update:
                tree.UpdateLeaf(sender, update.LeafNode);
                break;
            case RemoveProposal remove:
                tree.RemoveLeaf(remove.Removed);
                break;
            default:
                Assert.Fail($"Unexpected proposal {proposal.Type}");
                break;
        }

        Assert.Equal(Convert.ToHexString(entry.Bytes("tree_after")), Convert.ToHexString(tree.Encode()));
        Assert.Equal(entry.Bytes("tree_hash_after"), tree.RootTreeHash());
    }
}
