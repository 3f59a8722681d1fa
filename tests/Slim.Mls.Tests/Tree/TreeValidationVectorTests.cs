using Slim.Mls.Tests.Vectors;
using Slim.Mls.Tree;

namespace Slim.Mls.Tests.Tree;

/// <summary>tree-validation.json: tree hashes and resolutions of every node, parent-hash chains and leaf signatures.</summary>
public sealed class TreeValidationVectorTests
{
    public static TheoryData<ushort, int> Cases => VectorFile.MlsRowsBySuite("tree-validation.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tree_hashes_resolutions_and_validity_match_the_vector(ushort suiteId, int index)
    {
        var suite = VectorFile.SuiteOrSkip(suiteId);
        var entry = VectorFile.Mls("tree-validation.json")[index];
        var tree = RatchetTree.Decode(suite, entry.Bytes("tree"));

        var hashes = entry.GetProperty("tree_hashes").EnumerateArray().Select(h => h.GetString()!).ToArray();
        var resolutions = entry.GetProperty("resolutions").EnumerateArray().ToArray();
        Assert.Equal(hashes.Length, (int)tree.NodeCount);
        for (var i = 0u; i < tree.NodeCount; i++)
        {
            Assert.Equal(hashes[i], Convert.ToHexString(tree.TreeHash(new NodeIndex(i))), ignoreCase: true);
            var expected = resolutions[i].EnumerateArray().Select(r => r.GetUInt32()).ToArray();
            Assert.Equal(expected, tree.Resolution(new NodeIndex(i)).Select(n => n.Value).ToArray());
        }

        tree.Validate(entry.Bytes("group_id"), required: null, now: null);
    }

    [Fact]
    public void A_changed_parent_node_breaks_parent_hash_validity()
    {
        var suite = VectorFile.SuiteOrSkip(1);
        var entries = VectorFile.Mls("tree-validation.json");
        var tampered = 0;
        foreach (var entry in entries.Where(e => VectorFile.Suite(e) == 1))
        {
            var tree = RatchetTree.Decode(suite, entry.Bytes("tree"));
            var parentIndex = Enumerable.Range(0, (int)tree.NodeCount).FirstOrDefault(i => tree.Nodes[i] is ParentNode, -1);
            if (parentIndex < 0)
            {
                continue;
            }

            var parent = (ParentNode)tree.Nodes[parentIndex]!;
            var key = parent.EncryptionKey.ToArray();
            key[^1] ^= 1;
            var nodes = tree.Nodes.ToArray();
            nodes[parentIndex] = new ParentNode(key, parent.ParentHash.Span, parent.UnmergedLeaves.Span);
            var last = Array.FindLastIndex(nodes, n => n is not null);
            var broken = RatchetTree.FromNodes(suite, nodes[..(last + 1)]);
            var error = Assert.Throws<MlsException>(() => broken.VerifyParentHashes());
            Assert.Equal(MlsErrorCode.ParentHashInvalid, error.ErrorCode);
            tampered++;
        }

        Assert.True(tampered > 0);
    }
}
