using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Slim.Identity.Internal;

/// <summary>The outcome of looking keys up for a token: candidate keys, or why there are none.</summary>
internal readonly record struct KeyLookup(IReadOnlyList<SecurityKey> Keys, IdentityFailureReason Failure, string? Error)
{
    public static KeyLookup Found(IReadOnlyList<SecurityKey> keys) => new(keys, IdentityFailureReason.None, null);

    public static KeyLookup Fail(IdentityFailureReason reason, string error) => new([], reason, error);
}

/// <summary>
/// A set of public verification keys, by <c>kid</c>: read from a JWKS document (RFC 7517) or built from PEM keys.
/// Only RSA and EC (P-256, P-384, P-521) keys are kept; others, and keys that fail to import, are skipped.
/// </summary>
internal sealed class JwkSet
{
    /// <summary>Largest JWKS document read (a real one is a few kB).</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    private const int MaxKeys = 256;

    private readonly Dictionary<string, List<SecurityKey>> _byId = new(StringComparer.Ordinal);

    public JwkSet(IEnumerable<SecurityKey> keys)
    {
        All = keys.ToList();
        foreach (var key in All)
        {
            if (!string.IsNullOrEmpty(key.KeyId))
            {
                if (!_byId.TryGetValue(key.KeyId, out var list))
                {
                    _byId[key.KeyId] = list = [];
                }

                list.Add(key);
            }
        }
    }

    public IReadOnlyList<SecurityKey> All { get; }

    /// <summary>
    /// The keys a token with <paramref name="keyId"/> may be signed with: those with that kid; all keys when the
    /// token has no kid, or when <paramref name="matchAnyKeyId"/> (static keys configured without ids).
    /// </summary>
    public KeyLookup Find(string? keyId, bool matchAnyKeyId, string source)
    {
        if (All.Count == 0)
        {
            return KeyLookup.Fail(IdentityFailureReason.UnknownKey, $"{source} holds no usable key");
        }

        if (string.IsNullOrEmpty(keyId) || matchAnyKeyId)
        {
            return KeyLookup.Found(All);
        }

        return _byId.TryGetValue(keyId, out var keys)
            ? KeyLookup.Found(keys)
            : KeyLookup.Fail(IdentityFailureReason.UnknownKey, $"{source} has no key with the token's kid");
    }

    public bool Contains(string? keyId) => string.IsNullOrEmpty(keyId) || _byId.ContainsKey(keyId);

    /// <summary>Reads a JWKS document; keys whose <c>use</c> is refused by <paramref name="acceptUse"/> are skipped.</summary>
    /// <exception cref="FormatException">The document is not a JWKS JSON object.</exception>
    public static JwkSet Parse(ReadOnlySpan<byte> json, Func<string?, bool> acceptUse, out JsonElement? rootCopy)
    {
        if (json.Length > MaxDocumentBytes)
        {
            throw new FormatException("the key set document is too large");
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            throw new FormatException("the key set is not JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var keys) ||
                keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("the key set is not a JSON object with a \"keys\" array");
            }

            var result = new List<SecurityKey>();
            foreach (var jwk in keys.EnumerateArray().Take(MaxKeys))
            {
                if (jwk.ValueKind == JsonValueKind.Object && acceptUse(GetString(jwk, "use")) && TryImport(jwk) is { } key)
                {
                    result.Add(key);
                }
            }

            rootCopy = root.Clone();
            return new JwkSet(result);
        }
    }

    private static SecurityKey? TryImport(JsonElement jwk)
    {
        var kid = GetString(jwk, "kid");
        try
        {
            switch (GetString(jwk, "kty"))
            {
                case "EC":
                    var curve = GetString(jwk, "crv") switch
                    {
                        "P-256" => ECCurve.NamedCurves.nistP256,
                        "P-384" => ECCurve.NamedCurves.nistP384,
                        "P-521" => ECCurve.NamedCurves.nistP521,
                        _ => (ECCurve?)null,
                    };
                    if (curve is null || Bytes(jwk, "x") is not { } x || Bytes(jwk, "y") is not { } y)
                    {
                        return null;
                    }

                    var ecdsa = ECDsa.Create(new ECParameters { Curve = curve.Value, Q = new ECPoint { X = x, Y = y } });
                    return new ECDsaSecurityKey(ecdsa) { KeyId = kid };
                case "RSA":
                    if (Bytes(jwk, "n") is not { } n || Bytes(jwk, "e") is not { } e)
                    {
                        return null;
                    }

                    return new RsaSecurityKey(new RSAParameters { Modulus = n, Exponent = e }) { KeyId = kid };
                default:
                    return null;
            }
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && JsonText.TryGetString(value, out var text) ? text : null;

    private static byte[]? Bytes(JsonElement element, string name)
    {
        var text = GetString(element, name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
