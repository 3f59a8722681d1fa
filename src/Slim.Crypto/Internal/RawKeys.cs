using System.Security.Cryptography;

namespace Slim.Crypto.Internal;

/// <summary>Helpers over EVP raw keys shared by the curve primitives.</summary>
internal static class RawKeys
{
    internal static unsafe IntPtr ImportPrivate(int nid, ReadOnlySpan<byte> key)
    {
        LibCrypto.EnsureLoaded();
        fixed (byte* p = key)
        {
            var pkey = LibCrypto.EVP_PKEY_new_raw_private_key(nid, IntPtr.Zero, p, (nuint)key.Length);
            return pkey != IntPtr.Zero ? pkey : throw Failure("import private key");
        }
    }

    internal static unsafe IntPtr ImportPublic(int nid, ReadOnlySpan<byte> key)
    {
        LibCrypto.EnsureLoaded();
        fixed (byte* p = key)
        {
            var pkey = LibCrypto.EVP_PKEY_new_raw_public_key(nid, IntPtr.Zero, p, (nuint)key.Length);
            return pkey != IntPtr.Zero ? pkey : throw Failure("import public key");
        }
    }

    internal static unsafe byte[] ExportPublic(IntPtr pkey, int size)
    {
        var pub = new byte[size];
        nuint len = (nuint)size;
        fixed (byte* p = pub)
        {
            if (LibCrypto.EVP_PKEY_get_raw_public_key(pkey, p, &len) != 1 || len != (nuint)size)
            {
                throw Failure("export public key");
            }
        }

        return pub;
    }

    internal static unsafe void Derive(int nid, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> destination)
    {
        var priv = ImportPrivate(nid, privateKey);
        var peer = IntPtr.Zero;
        var ctx = IntPtr.Zero;
        try
        {
            peer = ImportPublic(nid, peerPublicKey);
            ctx = LibCrypto.EVP_PKEY_CTX_new(priv, IntPtr.Zero);
            if (ctx == IntPtr.Zero || LibCrypto.EVP_PKEY_derive_init(ctx) != 1 || LibCrypto.EVP_PKEY_derive_set_peer(ctx, peer) != 1)
            {
                throw Failure("derive setup");
            }

            nuint len = (nuint)destination.Length;
            fixed (byte* d = destination)
            {
                // OpenSSL fails the derivation when the shared secret is all zero (RFC 7748 section 6.1 check).
                if (LibCrypto.EVP_PKEY_derive(ctx, d, &len) != 1 || len != (nuint)destination.Length)
                {
                    throw Failure("derive (low-order or invalid peer public key)");
                }
            }
        }
        finally
        {
            if (ctx != IntPtr.Zero)
            {
                LibCrypto.EVP_PKEY_CTX_free(ctx);
            }

            if (peer != IntPtr.Zero)
            {
                LibCrypto.EVP_PKEY_free(peer);
            }

            LibCrypto.EVP_PKEY_free(priv);
        }
    }

    internal static CryptographicException Failure(string what)
    {
        LibCrypto.ERR_clear_error();
        return new CryptographicException($"OpenSSL {what} failed.");
    }
}
