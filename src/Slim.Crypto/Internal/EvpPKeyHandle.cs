using System.Runtime.InteropServices;

namespace Slim.Crypto.Internal;

/// <summary>Owns one OpenSSL <c>EVP_PKEY</c>; freed exactly once, even when a call races with disposal.</summary>
internal sealed class EvpPKeyHandle : SafeHandle
{
    public EvpPKeyHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Takes ownership of a key returned through an out-pointer.</summary>
    internal static EvpPKeyHandle Own(IntPtr pkey)
    {
        var owned = new EvpPKeyHandle();
        Marshal.InitHandle(owned, pkey);
        return owned;
    }

    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_PKEY_free(handle);
        return true;
    }
}
