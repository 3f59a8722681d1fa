using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Internal;

namespace Slim.Mls.Tree;

/// <summary>Validation of a whole tree (RFC 9420 section 12.4.3.1, "Verify the integrity of the ratchet tree").</summary>
public sealed partial class RatchetTree
{
    /// <summary>
    /// Checks everything a joiner must check about a tree except the tree hash (compared by the caller with the
    /// GroupContext) and the credentials (checked by the Authentication Service): parent-hash validity of every
    /// non-blank parent, unmerged-leaf consistency, uniqueness of HPKE and signature keys, and every leaf node
    /// (signature with <paramref name="groupId"/>, capabilities, extensions, lifetime when <paramref name="now"/> is set,
    /// credential types supported by all members).
    /// </summary>
    /// <exception cref="MlsException">A check failed; the error code says which.</exception>
    public void Validate(ReadOnlySpan<byte> groupId, RequiredCapabilities? required, DateTimeOffset? now, int maxDegreeOfParallelism = 1)
    {
        VerifyShape();
        VerifyUnmergedLeaves();
        VerifyKeyUniqueness();
        VerifyParentHashes();
        VerifyLeaves(groupId.ToArray(), required, now, maxDegreeOfParallelism);
    }

    /// <summary>Checks that every non-blank parent node is parent-hash valid (top-down: exactly one descendant chains to it).</summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.ParentHashInvalid"/>.</exception>
    public void VerifyParentHashes()
    {
        var resolution = new List<uint>();
        for (var x = 1u; x < (uint)_nodes.Length; x += 2)
        {
            if (_nodes[x] is not ParentNode parent)
            {
                continue;
            }

            var unmerged = parent.UnmergedArray;
            var valid = 0;
            var left = LeftOf(x);
            var right = RightOf(x);
            foreach (var (child, sibling) in new[] { (left, right), (right, left) })
            {
                var (first, end) = LeafRange(child);
                var k = 0;
                foreach (var l in unmerged)
                {
                    k += l >= first && l < end ? 1 : 0;
                }

                // D must be the only member of resolution(C) that is not one of P's unmerged leaves under C.
                resolution.Clear();
                AppendResolution(child, resolution, null, k + 1);
                if (resolution.Count != k + 1)
                {
                    continue;
                }

                uint? d = null;
                var matched = 0;
                var ok = true;
                foreach (var r in resolution)
                {
                    if ((r & 1) == 0 && Array.BinarySearch(unmerged, r >> 1) >= 0)
                    {
                        matched++;
                    }
                    else if (d is null)
                    {
                        d = r;
                    }
                    else
                    {
                        ok = false;
                    }
                }

                if (!ok || d is null || matched != k)
                {
                    continue;
                }

                var stated = _nodes[d.Value] switch
                {
                    LeafNode { Source: LeafNodeSource.Commit } leaf => leaf.ParentHashArray,
                    ParentNode p => p.ParentHashArray,
                    _ => null,
                };
                if (stated is null)
                {
                    continue;
                }

                var expected = ComputeParentHash(parent.EncryptionKeyArray, parent.ParentHashArray, TreeHashExcluding(sibling, unmerged));
                if (expected.AsSpan().SequenceEqual(stated))
                {
                    valid++;
                }
            }

            if (valid != 1)
            {
                throw new MlsException(MlsErrorCode.ParentHashInvalid, $"Parent node {x} is not parent-hash valid ({valid} descendants chain to it).");
            }
        }
    }

    private void VerifyShape()
    {
        for (var i = 0; i < _nodes.Length; i++)
        {
            if (_nodes[i] is { } node && (node.NodeType == NodeType.Leaf) != ((i & 1) == 0))
            {
                throw new MlsException(MlsErrorCode.TreeInvalid, $"Node {i} is a {node.NodeType} node in the wrong position.");
            }
        }

        if (_nodes[0] is null && MemberCount == 0)
        {
            throw new MlsException(MlsErrorCode.TreeInvalid, "The tree has no members.");
        }
    }

    private void VerifyUnmergedLeaves()
    {
        for (var x = 1u; x < (uint)_nodes.Length; x += 2)
        {
            if (_nodes[x] is not ParentNode parent)
            {
                continue;
            }

            var (first, end) = LeafRange(x);
            var previous = -1L;
            foreach (var leaf in parent.UnmergedArray)
            {
                if (leaf <= previous)
                {
                    throw new MlsException(MlsErrorCode.TreeInvalid, $"The unmerged leaves of node {x} are not sorted and unique.");
                }

                previous = leaf;
                if (leaf < first || leaf >= end || _nodes[2 * leaf] is null)
                {
                    throw new MlsException(MlsErrorCode.TreeInvalid, $"Node {x} lists leaf {leaf} as unmerged, but it is not a non-blank leaf below it.");
                }

                for (var y = ParentOf(2 * leaf); y != x; y = ParentOf(y))
                {
                    if (_nodes[y] is ParentNode between && Array.BinarySearch(between.UnmergedArray, leaf) < 0)
                    {
                        throw new MlsException(MlsErrorCode.TreeInvalid, $"Leaf {leaf} is unmerged at node {x} but not at node {y} below it.");
                    }
                }
            }
        }
    }

    private void VerifyKeyUniqueness()
    {
        var encryptionKeys = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var signatureKeys = new HashSet<byte[]>(ByteArrayComparer.Instance);
        for (var i = 0; i < _nodes.Length; i++)
        {
            if (_nodes[i] is not { } node)
            {
                continue;
            }

            if (!encryptionKeys.Add(node.EncryptionKeyArray))
            {
                throw new MlsException(MlsErrorCode.DuplicateKey, $"The encryption key of node {i} appears in another node.");
            }

            if (node is LeafNode leaf && !signatureKeys.Add(leaf.SignatureKeyArray))
            {
                throw new MlsException(MlsErrorCode.DuplicateKey, $"The signature key of leaf {i / 2} appears in another leaf.");
            }
        }
    }

    private void VerifyLeaves(byte[] groupId, RequiredCapabilities? required, DateTimeOffset? now, int maxDegreeOfParallelism)
    {
        var leaves = Leaves().ToArray();
        var inUse = leaves.Select(l => l.Leaf.Credential.Type).Distinct().ToArray();
        foreach (var (index, leaf) in leaves)
        {
            LeafNodeValidation.CheckContent(Suite, leaf, required, now, null);
            foreach (var type in inUse)
            {
                if (!leaf.Capabilities.SupportsCredential(type))
                {
                    throw new MlsException(MlsErrorCode.CapabilitiesUnsupported, $"{index} does not support credential type {type}, which another member uses.");
                }
            }
        }

        // Signature checks dominate joining a large group; they are independent of each other.
        var failures = new bool[leaves.Length];
        Parallel.For(0, leaves.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxDegreeOfParallelism) }, i =>
            failures[i] = !leaves[i].Leaf.VerifySignature(Suite, groupId, leaves[i].Index.Value));
        var bad = Array.IndexOf(failures, true);
        if (bad >= 0)
        {
            throw new MlsException(MlsErrorCode.LeafNodeInvalid, $"The signature of the leaf node at {leaves[bad].Index} does not verify.");
        }
    }

    /// <summary>The credential type of every member, for Authentication Service checks.</summary>
    internal IEnumerable<(LeafIndex Index, Credential Credential, byte[] SignatureKey)> MemberCredentials() =>
        Leaves().Select(l => (l.Index, l.Leaf.Credential, l.Leaf.SignatureKeyArray));
}
