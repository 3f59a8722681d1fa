using Slim.Mls.Codec;

namespace Slim.Mls.Extensions;

/// <summary>Lookups and checks on extension lists.</summary>
public static class ExtensionList
{
    /// <summary>The first extension of <paramref name="type"/>, or null.</summary>
    public static Extension? Find(IReadOnlyList<Extension> extensions, ExtensionType type)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        foreach (var extension in extensions)
        {
            if (extension.Type == type)
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>True when no extension type appears twice.</summary>
    public static bool HasUniqueTypes(IReadOnlyList<Extension> extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        var seen = new HashSet<ExtensionType>();
        return extensions.All(e => seen.Add(e.Type));
    }

    /// <summary>The decoded <c>required_capabilities</c> extension, or null when absent.</summary>
    /// <exception cref="MlsDecodeException">The extension body is malformed.</exception>
    public static RequiredCapabilities? RequiredCapabilities(IReadOnlyList<Extension> extensions) =>
        Find(extensions, ExtensionType.RequiredCapabilities) is { } e ? TlsCodec.Deserialize<RequiredCapabilities>(e.Data) : null;

    /// <summary>The decoded <c>external_senders</c> extension, or an empty list when absent.</summary>
    /// <exception cref="MlsDecodeException">The extension body is malformed.</exception>
    public static ExternalSender[] ExternalSenders(IReadOnlyList<Extension> extensions) =>
        Find(extensions, ExtensionType.ExternalSenders) is { } e ? ExternalSender.DecodeList(e.Data) : [];

    /// <summary>The <c>external_pub</c> key (<c>struct { HPKEPublicKey external_pub; }</c>), or null when absent.</summary>
    /// <exception cref="MlsDecodeException">The extension body is malformed.</exception>
    public static byte[]? ExternalPub(IReadOnlyList<Extension> extensions)
    {
        if (Find(extensions, ExtensionType.ExternalPub) is not { } e)
        {
            return null;
        }

        var reader = new TlsReader(e.Data);
        var key = reader.ReadVectorBytes();
        reader.EnsureEnd();
        return key;
    }

    /// <summary>The <c>external_pub</c> extension carrying <paramref name="publicKey"/>.</summary>
    public static Extension ExternalPubExtension(ReadOnlySpan<byte> publicKey)
    {
        var writer = new TlsWriter(publicKey.Length + 8);
        try
        {
            writer.WriteVector(publicKey);
            return new Extension(ExtensionType.ExternalPub, writer.ToArray());
        }
        finally
        {
            writer.Dispose();
        }
    }
}
