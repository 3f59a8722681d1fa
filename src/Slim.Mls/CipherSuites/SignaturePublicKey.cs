namespace Slim.Mls.CipherSuites;

/// <summary>
/// A parsed verification key kept for repeated use (one per group member). Dispose to release the native key.
/// </summary>
public abstract class SignaturePublicKey : IDisposable
{
    /// <summary>For implementations.</summary>
    protected SignaturePublicKey()
    {
    }

    /// <summary>The scheme this key belongs to.</summary>
    public abstract SignatureSchemeId Scheme { get; }

    /// <summary>True when <paramref name="signature"/> is a valid signature of <paramref name="message"/>; never throws for bad input.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);

    /// <summary>Releases the key.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the key material.</summary>
    protected abstract void Dispose(bool disposing);
}
