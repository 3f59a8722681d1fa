using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Slim.Crypto.Internal;

/// <summary>Operations over EVP raw keys shared by the curve primitives.</summary>
internal static class RawKeys
{
    internal static unsafe EvpPKeyHandle ImportPrivate(int nid, ReadOnlySpan<byte> key)
    {
        LibCrypto.EnsureLoaded();
        fixed (byte* p = key)
        {
            var pkey = LibCrypto.EVP_PKEY_new_raw_private_key(nid, IntPtr.Zero, p, (nuint)key.Length);
            if (pkey.IsInvalid)
            {
                pkey.Dispose();
                throw Failure("import private key");
            }

            return pkey;
        }
    }

    internal static unsafe EvpPKeyHandle ImportPublic(int nid, ReadOnlySpan<byte> key)
    {
        LibCrypto.EnsureLoaded();
        fixed (byte* p = key)
        {
            var pkey = LibCrypto.EVP_PKEY_new_raw_public_key(nid, IntPtr.Zero, p, (nuint)key.Length);
            if (pkey.IsInvalid)
            {
                pkey.Dispose();
                throw Failure("import public key");
            }

            return pkey;
        }
    }

    internal static unsafe void ExportPublic(EvpPKeyHandle pkey, Span<byte> destination)
    {
        nuint len = (nuint)destination.Length;
        fixed (byte* p = destination)
        {
            if (LibCrypto.EVP_PKEY_get_raw_public_key(pkey, p, &len) != 1 || len != (nuint)destination.Length)
            {
                throw Failure("export public key");
            }
        }
    }

    internal static unsafe void ExportPrivate(EvpPKeyHandle pkey, Span<byte> destination)
    {
        nuint len = (nuint)destination.Length;
        fixed (byte* p = destination)
        {
            if (LibCrypto.EVP_PKEY_get_raw_private_key(pkey, p, &len) != 1 || len != (nuint)destination.Length)
            {
                throw Failure("export private key");
            }
        }
    }

    internal static void Derive(int nid, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> destination)
    {
        using var priv = ImportPrivate(nid, privateKey);
        using var peer = ImportPublic(nid, peerPublicKey);
        Derive(priv, peer, destination);
    }

    internal static unsafe void Derive(EvpPKeyHandle priv, EvpPKeyHandle peer, Span<byte> destination)
    {
        var ctx = LibCrypto.EVP_PKEY_CTX_new(priv, IntPtr.Zero);
        if (ctx == IntPtr.Zero)
        {
            throw Failure("derive context");
        }

        try
        {
            if (LibCrypto.EVP_PKEY_derive_init(ctx) != 1 || LibCrypto.EVP_PKEY_derive_set_peer(ctx, peer) != 1)
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
            LibCrypto.EVP_PKEY_CTX_free(ctx);
        }
    }

    internal static unsafe void Sign(EvpPKeyHandle priv, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        var ctx = LibCrypto.EVP_MD_CTX_new();
        if (ctx == IntPtr.Zero)
        {
            throw Failure("digest context");
        }

        try
        {
            if (LibCrypto.EVP_DigestSignInit(ctx, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, priv) != 1)
            {
                throw Failure("sign setup");
            }

            nuint len = (nuint)signature.Length;
            fixed (byte* s = signature)
            fixed (byte* m = &NonNullReference(message))
            {
                if (LibCrypto.EVP_DigestSign(ctx, s, &len, m, (nuint)message.Length) != 1 || len != (nuint)signature.Length)
                {
                    throw Failure("sign");
                }
            }
        }
        finally
        {
            LibCrypto.EVP_MD_CTX_free(ctx);
        }
    }

    internal static unsafe bool Verify(EvpPKeyHandle pub, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        var ctx = LibCrypto.EVP_MD_CTX_new();
        if (ctx == IntPtr.Zero)
        {
            throw Failure("digest context");
        }

        try
        {
            if (LibCrypto.EVP_DigestVerifyInit(ctx, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, pub) != 1)
            {
                throw Failure("verify setup");
            }

            fixed (byte* s = &NonNullReference(signature))
            fixed (byte* m = &NonNullReference(message))
            {
                var rc = LibCrypto.EVP_DigestVerify(ctx, s, (nuint)signature.Length, m, (nuint)message.Length);
                if (rc != 1)
                {
                    // 0 = bad signature, negative = malformed input; both mean "not valid" and leave errors queued.
                    LibCrypto.ERR_clear_error();
                    return false;
                }

                return true;
            }
        }
        finally
        {
            LibCrypto.EVP_MD_CTX_free(ctx);
        }
    }

    internal static CryptographicException Failure(string what)
    {
        LibCrypto.ERR_clear_error();
        return new CryptographicException($"OpenSSL {what} failed.");
    }

    private static readonly byte[] EmptyPlaceholder = new byte[1];

    /// <summary>
    /// A reference that is never null, so an empty message still reaches OpenSSL as a valid pointer with length 0
    /// (some OpenSSL builds reject a NULL buffer even when the length is 0).
    /// </summary>
    private static ref byte NonNullReference(ReadOnlySpan<byte> span) =>
        ref span.IsEmpty ? ref MemoryMarshal.GetArrayDataReference(EmptyPlaceholder) : ref Unsafe.AsRef(in span[0]);
}
