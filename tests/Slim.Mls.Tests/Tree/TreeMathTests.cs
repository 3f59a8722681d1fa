using System.Text.Json;
using Slim.Mls.Tree;
using Slim.Mls.Tests.Vectors;

namespace Slim.Mls.Tests.Tree;

/// <summary>tree-math.json (RFC 9420 Appendix C): 10 trees of 1 to 512 leaves, every node checked.</summary>
public sealed class TreeMathTests
{
    private const string File = "tree-math.json";

    public static TheoryData<int, uint> Cases()
    {
        var rows = new TheoryData<int, uint>();
        var entries = VectorFile.Mls(File);
        for (var i = 0; i < entries.Length; i++)
        {
            rows.Add(i, (uint)entries[i].UInt64("n_leaves"));
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Relations_match_for_every_node(int index, uint leaves)
    {
        var v = VectorFile.Mls(File)[index];
        var width = (uint)v.UInt64("n_nodes");
        Assert.Equal(width, TreeMath.NodeWidth(leaves));
        Assert.Equal((uint)v.UInt64("root"), TreeMath.Root(leaves).Value);

        var left = v.GetProperty("left");
        var right = v.GetProperty("right");
        var parent = v.GetProperty("parent");
        var sibling = v.GetProperty("sibling");
        for (var x = 0u; x < width; x++)
        {
            var node = new NodeIndex(x);
            Assert.Equal(Expected(left, x), Try(() => TreeMath.Left(node)));
            Assert.Equal(Expected(right, x), Try(() => TreeMath.Right(node)));
            Assert.Equal(Expected(parent, x), Try(() => TreeMath.Parent(node, leaves)));
            Assert.Equal(Expected(sibling, x), Try(() => TreeMath.Sibling(node, leaves)));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Direct_path_copath_and_common_ancestor_follow_their_definitions(int index, uint leaves)
    {
        _ = index;
        var root = TreeMath.Root(leaves);
        for (var x = 0u; x < TreeMath.NodeWidth(leaves); x++)
        {
            var node = new NodeIndex(x);
            var path = TreeMath.DirectPath(node, leaves);
            var copath = TreeMath.Copath(node, leaves);
            Assert.Equal(path.Length, copath.Length);
            if (node == root)
            {
                Assert.Empty(path);
                continue;
            }

            Assert.Equal(root, path[^1]);
            var previous = node;
            for (var i = 0; i < path.Length; i++)
            {
                Assert.Equal(TreeMath.Parent(previous, leaves), path[i]);
                Assert.Equal(TreeMath.Sibling(previous, leaves), copath[i]);
                Assert.True(TreeMath.IsInSubtree(path[i], node));
                Assert.False(TreeMath.IsInSubtree(copath[i], node));
                previous = path[i];
            }
        }

        // Common ancestor = the lowest node in both (extended) direct paths; check on a sample of leaf pairs.
        var step = Math.Max(1u, leaves / 16);
        for (var a = 0u; a < leaves; a += step)
        {
            for (var b = 0u; b < leaves; b += step)
            {
                var x = new LeafIndex(a).Node;
                var y = new LeafIndex(b).Node;
                var ancestorsOfX = new HashSet<NodeIndex>(TreeMath.DirectPath(x, leaves)) { x };
                var expected = new[] { y }.Concat(TreeMath.DirectPath(y, leaves)).First(ancestorsOfX.Contains);
                Assert.Equal(expected, TreeMath.CommonAncestor(x, y));
            }
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(6u)]
    public void Leaf_counts_that_are_not_powers_of_two_are_refused(uint leaves)
    {
        var error = Assert.Throws<MlsException>(() => TreeMath.Root(leaves));
        Assert.Equal(MlsErrorCode.InvalidArgument, error.ErrorCode);
    }

    [Fact]
    public void Nodes_outside_the_tree_are_refused()
    {
        Assert.Throws<MlsException>(() => TreeMath.Parent(new NodeIndex(7), 4));
        Assert.Throws<MlsException>(() => TreeMath.DirectPath(new NodeIndex(15), 8));
        Assert.Throws<MlsException>(() => new NodeIndex(3).Leaf);
        Assert.Equal(new LeafIndex(3), new NodeIndex(6).Leaf);
        Assert.Equal(new NodeIndex(6), new LeafIndex(3).Node);
    }

    private static uint? Expected(JsonElement array, uint index)
    {
        var value = array[(int)index];
        return value.ValueKind == JsonValueKind.Null ? null : value.GetUInt32();
    }

    private static uint? Try(Func<NodeIndex> relation)
    {
        try
        {
            return relation().Value;
        }
        catch (MlsException e) when (e.ErrorCode == MlsErrorCode.InvalidArgument)
        {
            return null;
        }
    }
}
