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

    /// <summary>True when libcrypto loads and exports <paramref name="symbol"/> (OpenSSL 3 APIs are absent from 1.1.1).</summary>
    internal static bool HasExport(string symbol)
    {
        try
        {
            return NativeLibrary.TryGetExport(Loaded.Value, symbol, out _);
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
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

    // Low-level SHA-256 (deprecated in OpenSSL 3 but exported by its builds): HmacSha256Key keeps the states after the
    // HMAC key pads and continues them, which the EVP API cannot do without a context copy per call.
    [LibraryImport(Library)]
    internal static unsafe partial int SHA256_Init(byte* context);

    [LibraryImport(Library)]
    internal static unsafe partial int SHA256_Update(byte* context, byte* data, nuint length);

    // The same function for inputs of at most a few KiB: it runs for well under a microsecond, never blocks and
    // never calls back, so the GC transition can be skipped.
    [LibraryImport(Library, EntryPoint = "SHA256_Update")]
    [SuppressGCTransition]
    internal static unsafe partial int SHA256_UpdateShort(byte* context, byte* data, nuint length);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static unsafe partial int SHA256_Final(byte* digest, byte* context);

    // ECDSA verification of a digest computed by the caller (the signature is DER, as OpenSSL expects).
    [LibraryImport(Library)]
    internal static partial int EVP_PKEY_verify_init(IntPtr ctx);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_verify(IntPtr ctx, byte* signature, nuint signatureLength, byte* digest, nuint digestLength);

    // ---- NIST-curve ECDH (OpenSSL 3 provider API, plus the EC_POINT API to compute a public key from a scalar) ----

    internal const int NidP256 = 415;
    internal const int NidP384 = 715;
    internal const int NidP521 = 716;

    /// <summary>EVP_PKEY_PUBLIC_KEY selection (all parameters and the public key).</summary>
    internal const int SelectPublicKey = 0x86;

    /// <summary>EVP_PKEY_KEYPAIR selection.</summary>
    internal const int SelectKeyPair = 0x87;

    internal const uint ParamUnsignedInteger = 2;
    internal const uint ParamUtf8String = 4;
    internal const uint ParamOctetString = 5;

    /// <summary>POINT_CONVERSION_UNCOMPRESSED.</summary>
    internal const int PointUncompressed = 4;

    /// <summary>OSSL_PARAM: one typed key/value for the provider API (terminated by an entry with a null key).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct OsslParam
    {
        public IntPtr Key;
        public uint DataType;
        public IntPtr Data;
        public nuint DataSize;
        public nuint ReturnSize;
    }

    [LibraryImport(Library)]
    internal static unsafe partial IntPtr EVP_PKEY_CTX_new_from_name(IntPtr libraryContext, byte* name, byte* properties);

    [LibraryImport(Library)]
    internal static partial int EVP_PKEY_fromdata_init(IntPtr ctx);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_fromdata(IntPtr ctx, IntPtr* pkey, int selection, OsslParam* parameters);

    [LibraryImport(Library)]
    internal static partial int EVP_PKEY_keygen_init(IntPtr ctx);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_CTX_set_group_name(IntPtr ctx, byte* name);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_generate(IntPtr ctx, IntPtr* pkey);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_get_bn_param(EvpPKeyHandle pkey, byte* name, IntPtr* bignum);

    [LibraryImport(Library)]
    internal static unsafe partial int EVP_PKEY_get_octet_string_param(EvpPKeyHandle pkey, byte* name, byte* buffer, nuint maxLength, nuint* length);

    [LibraryImport(Library)]
    internal static partial int EVP_PKEY_derive_set_peer_ex(IntPtr ctx, EvpPKeyHandle peer, int validatePeer);

    [LibraryImport(Library)]
    internal static unsafe partial IntPtr BN_bin2bn(byte* data, int length, IntPtr ret);

    [LibraryImport(Library)]
    internal static unsafe partial int BN_bn2binpad(IntPtr bignum, byte* to, int toLength);

    [LibraryImport(Library)]
    internal static partial void BN_clear_free(IntPtr bignum);

    [LibraryImport(Library)]
    internal static partial IntPtr EC_GROUP_new_by_curve_name(int nid);

    [LibraryImport(Library)]
    internal static partial IntPtr EC_POINT_new(IntPtr group);

    [LibraryImport(Library)]
    internal static partial void EC_POINT_clear_free(IntPtr point);

    [LibraryImport(Library)]
    internal static partial int EC_POINT_mul(IntPtr group, IntPtr result, IntPtr generatorScalar, IntPtr point, IntPtr pointScalar, IntPtr bnContext);

    [LibraryImport(Library)]
    internal static unsafe partial nuint EC_POINT_point2oct(IntPtr group, IntPtr point, int form, byte* buffer, nuint length, IntPtr bnContext);
}
