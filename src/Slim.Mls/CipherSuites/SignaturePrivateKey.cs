namespace Slim.Mls.CipherSuites;

/// <summary>
/// A parsed signing key kept for repeated use (a member signs every message with the same key). Dispose to release
/// the native key.
/// </summary>
public abstract class SignaturePrivateKey : IDisposable
{
    /// <summary>For implementations.</summary>
    protected SignaturePrivateKey()
    {
    }

    /// <summary>The scheme this key belongs to.</summary>
    public abstract SignatureSchemeId Scheme { get; }

    /// <summary>The matching <c>SignaturePublicKey</c> bytes.</summary>
    public abstract ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>Signs <paramref name="message"/> (the scheme hashes it itself) and returns the signature.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> message);

    /// <summary>Releases the key.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the key material.</summary>
    protected abstract void Dispose(bool disposing);
}
