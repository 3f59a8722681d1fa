using System.Security.Cryptography;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Extensions;
using Slim.Mls.Tree;

namespace Slim.Mls.KeyPackages;

/// <summary>
/// A KeyPackage with the private keys its creator keeps to join a group from it: the init key (opens the Welcome) and
/// the leaf encryption key. <see cref="Dispose"/> wipes both.
/// </summary>
public sealed class KeyPackageBundle : IDisposable
{
    /// <summary>Wraps a KeyPackage and its private keys (the arrays are owned from now on).</summary>
    public KeyPackageBundle(KeyPackage keyPackage, byte[] initPrivateKey, byte[] encryptionPrivateKey)
    {
        ArgumentNullException.ThrowIfNull(keyPackage);
        ArgumentNullException.ThrowIfNull(initPrivateKey);
        ArgumentNullException.ThrowIfNull(encryptionPrivateKey);
        KeyPackage = keyPackage;
        InitPrivateKey = initPrivateKey;
        EncryptionPrivateKey = encryptionPrivateKey;
    }

    /// <summary>The public KeyPackage (publish it, for example as an MLSMessage).</summary>
    public KeyPackage KeyPackage { get; }

    /// <summary>The private half of <see cref="KeyPackages.KeyPackage.InitKey"/>.</summary>
    public byte[] InitPrivateKey { get; }

    /// <summary>The private half of the leaf node's encryption key.</summary>
    public byte[] EncryptionPrivateKey { get; }

    /// <summary>
    /// Creates a KeyPackage with fresh init and encryption keys. SLIM's defaults are the suite's default capabilities
    /// and a lifetime of one year starting now.
    /// </summary>
    public static KeyPackageBundle Create(
        CipherSuite suite,
        SignaturePrivateKey signer,
        Credential credential,
        Lifetime lifetime,
        Capabilities? capabilities = null,
        IEnumerable<Extension>? leafExtensions = null,
        IEnumerable<Extension>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        using var init = suite.GenerateHpkeKeyPair();
        using var encryption = suite.GenerateHpkeKeyPair();
        var leaf = LeafNode.Create(
            suite, signer, encryption.PublicKey, credential, capabilities ?? Capabilities.Default(suite.Id), LeafNodeSource.KeyPackage,
            lifetime, [], leafExtensions, [], 0);
        var keyPackage = KeyPackage.Create(suite, signer, init.PublicKey, leaf, extensions);
        return new KeyPackageBundle(keyPackage, (byte[])init.PrivateKey.Clone(), (byte[])encryption.PrivateKey.Clone());
    }

    /// <summary>Wipes the private keys.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(InitPrivateKey);
        CryptographicOperations.ZeroMemory(EncryptionPrivateKey);
    }
}
