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

    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_PKEY_free(handle);
        return true;
    }
}
