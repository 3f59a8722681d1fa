using Slim.Mls.CipherSuites;
using Slim.Mls.Extensions;

namespace Slim.Mls.Tree;

/// <summary>
/// The per-leaf checks of RFC 9420 section 7.3 that do not need the rest of the tree or the Authentication Service:
/// signature, source, required capabilities, credential type and extensions listed in the capabilities, lifetime.
/// </summary>
public static class LeafNodeValidation
{
    /// <summary>
    /// Validates <paramref name="leaf"/>. <paramref name="expectedSource"/> null accepts any source;
    /// <paramref name="now"/> null skips the lifetime check.
    /// </summary>
    /// <exception cref="MlsException"><see cref="MlsErrorCode.LeafNodeInvalid"/>, <see cref="MlsErrorCode.CapabilitiesUnsupported"/> or <see cref="MlsErrorCode.LifetimeInvalid"/>.</exception>
    public static void Validate(
        CipherSuite suite,
        LeafNode leaf,
        LeafNodeSource? expectedSource,
        ReadOnlySpan<byte> groupId,
        uint leafIndex,
        RequiredCapabilities? required,
        DateTimeOffset? now,
        TimeSpan? maxLifetime = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(leaf);
        if (expectedSource is { } source && leaf.Source != source)
        {
            throw new MlsException(MlsErrorCode.LeafNodeInvalid, $"Leaf node source is {leaf.Source}; {source} was expected.");
        }

        CheckContent(suite, leaf, required, now, maxLifetime);
        if (!leaf.VerifySignature(suite, groupId, leafIndex))
        {
            throw new MlsException(MlsErrorCode.LeafNodeInvalid, $"The signature of the leaf node at leaf {leafIndex} does not verify.");
        }
    }

    /// <summary>Every check of <see cref="Validate"/> except the signature.</summary>
    internal static void CheckContent(CipherSuite suite, LeafNode leaf, RequiredCapabilities? required, DateTimeOffset? now, TimeSpan? maxLifetime)
    {
        if (!suite.Kem.IsValidPublicKey(leaf.EncryptionKeyArray))
        {
            throw new MlsException(MlsErrorCode.LeafNodeInvalid, "The leaf node's encryption key is not a valid public key for the suite.");
        }

        var caps = leaf.Capabilities;
        if (!caps.SupportsCredential(leaf.Credential.Type))
        {
            throw new MlsException(MlsErrorCode.LeafNodeInvalid, $"The leaf's credential type {leaf.Credential.Type} is not listed in its capabilities.");
        }

        if (!ExtensionList.HasUniqueTypes(leaf.Extensions))
        {
            throw new MlsException(MlsErrorCode.LeafNodeInvalid, "The leaf node lists an extension type twice.");
        }

        foreach (var extension in leaf.Extensions)
        {
            if (!caps.SupportsExtension(extension.Type))
            {
                throw new MlsException(MlsErrorCode.LeafNodeInvalid, $"The leaf carries extension 0x{(ushort)extension.Type:x4} without listing it in its capabilities.");
            }
        }

        if (required is not null && !required.IsSatisfiedBy(caps))
        {
            throw new MlsException(MlsErrorCode.CapabilitiesUnsupported, "The leaf node does not support the group's required capabilities.");
        }

        if (leaf.Source == LeafNodeSource.KeyPackage && now is { } time)
        {
            if (!leaf.Lifetime.Contains(time))
            {
                throw new MlsException(MlsErrorCode.LifetimeInvalid, $"The leaf node's lifetime {leaf.Lifetime.NotBefore}..{leaf.Lifetime.NotAfter} does not contain {time.ToUnixTimeSeconds()}.");
            }

            if (maxLifetime is { } max && leaf.Lifetime.Duration > (ulong)max.TotalSeconds)
            {
                throw new MlsException(MlsErrorCode.LifetimeInvalid, $"The leaf node's lifetime of {leaf.Lifetime.Duration} s exceeds the allowed {(ulong)max.TotalSeconds} s.");
            }
        }
    }
}
