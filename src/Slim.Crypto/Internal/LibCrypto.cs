using System.Reflection;
using System.Runtime.InteropServices;

namespace Slim.Crypto.Internal;

/// <summary>
/// P/Invoke surface of OpenSSL's libcrypto (EVP raw-key and one-shot digest-sign API, stable since OpenSSL 1.1.1).
/// .NET on Linux already depends on this library; see docs/decisions/0001-curve25519-via-openssl.md.
/// </summary>
internal static partial class LibCrypto
{
    private const string Library = "slim-libcrypto";

    internal const int NidX25519 = 1034;
    internal const int NidX448 = 1035;
    internal const int NidEd25519 = 1087;
    internal const int NidEd448 = 1088;

    private static readonly string[] Candidates =
    [
        "libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so",
        "libcrypto.3.dylib", "/opt/homebrew/opt/openssl@3/lib/libcrypto.3.dylib", "/usr/local/opt/openssl@3/lib/libcrypto.3.dylib",
        "libcrypto-3-x64.dll", "libcrypto-3.dll",
    ];

    static LibCrypto()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibCrypto).Assembly, Resolve);
    }

    /// <summary>Forces the resolver registration; throws <see cref="PlatformNotSupportedException"/> when libcrypto is absent.</summary>
    internal static void EnsureLoaded()
    {
        _ = Loaded.Value;
    }

    private static readonly Lazy<IntPtr> Loaded = new(() =>
    {
        foreach (var name in Candidates)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return handle;
            }
        }

        throw new PlatformNotSupportedException(
            "OpenSSL libcrypto (1.1.1 or 3.x) was not found; SLIM for .NET needs it for X25519/X448/Ed25519/Ed448. " +
            "Install OpenSSL (Linux: libssl3; macOS: brew install openssl@3).");
    });

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == Library ? Loaded.Value : IntPtr.Zero;

    [LibraryImport(Library)]
    internal static unsafe partial EvpPKeyHandle EVP_PKEY_new_raw_private_key(int type, IntPtr engine, byte* key, nuint keyLength);

    [LibraryImport(Library)]
    internal static unsafe partial EvpPKeyHandle EVP_PKEY_new_raw_public_key(int type, IntPtr engine, byte* key, nuint keyLength);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_get_raw_public_key(EvpPKeyHandle pkey, byte* pub, nuint* length);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_get_raw_private_key(EvpPKeyHandle pkey, byte* priv, nuint* length);

    [LibraryImport(Library)]
    internal static partial void EVP_PKEY_free(IntPtr pkey);

    [LibraryImport(Library)]
    internal static partial IntPtr EVP_PKEY_CTX_new(EvpPKeyHandle pkey, IntPtr engine);

    [LibraryImport(Library)]
    internal static partial void EVP_PKEY_CTX_free(IntPtr ctx);

    [LibraryImport(Library)]
    internal static partial int EVP_PKEY_derive_init(IntPtr ctx);

    [LibraryImport(Library)]
    internal static partial int EVP_PKEY_derive_set_peer(IntPtr ctx, EvpPKeyHandle peer);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_derive(IntPtr ctx, byte* key, nuint* keyLength);

    [LibraryImport(Library)]
    internal static partial IntPtr EVP_MD_CTX_new();

    [LibraryImport(Library)]
    internal static partial void EVP_MD_CTX_free(IntPtr ctx);

    // EdDSA is a one-shot ("pure") signature: the digest type is NULL and EVP_DigestSign/Verify take the whole message.
    [LibraryImport(Library)]
    internal static partial int EVP_DigestSignInit(IntPtr ctx, IntPtr pctx, IntPtr type, IntPtr engine, EvpPKeyHandle pkey);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_DigestSign(IntPtr ctx, byte* signature, nuint* signatureLength, byte* tbs, nuint tbsLength);

    [LibraryImport(Library)]
    internal static partial int EVP_DigestVerifyInit(IntPtr ctx, IntPtr pctx, IntPtr type, IntPtr engine, EvpPKeyHandle pkey);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_DigestVerify(IntPtr ctx, byte* signature, nuint signatureLength, byte* tbs, nuint tbsLength);

    [LibraryImport(Library)]
    internal static partial void ERR_clear_error();
}
