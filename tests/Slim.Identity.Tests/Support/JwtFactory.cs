using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Slim.Identity.Tests.Support;

/// <summary>Hand-made JWTs (any header, any claims) signed with a test key, to reach every verifier check.</summary>
internal static class JwtFactory
{
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    public static string Es256(ECDsa key, Dictionary<string, object?> payload, string? kid = null, Dictionary<string, object?>? extraHeader = null)
    {
        var header = new Dictionary<string, object?> { ["alg"] = "ES256", ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        foreach (var (name, value) in extraHeader ?? [])
        {
            header[name] = value;
        }

        var signingInput = Encode(header) + "." + Encode(payload);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256); // IEEE P1363, as JWS wants
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public static string Unsigned(Dictionary<string, object?> header, Dictionary<string, object?> payload, string signature = "") =>
        Encode(header) + "." + Encode(payload) + "." + signature;

    /// <summary>Standard claims valid at <see cref="Now"/>.</summary>
    public static Dictionary<string, object?> Claims(string subject = "org/ns/app", params (string Name, object? Value)[] extra)
    {
        var claims = new Dictionary<string, object?>
        {
            ["sub"] = subject,
            ["iss"] = "https://issuer.test",
            ["aud"] = "slim",
            ["iat"] = Now.ToUnixTimeSeconds(),
            ["exp"] = Now.ToUnixTimeSeconds() + 3600,
        };
        foreach (var (name, value) in extra)
        {
            if (value is null)
            {
                claims.Remove(name);
            }
            else
            {
                claims[name] = value;
            }
        }

        return claims;
    }

    public static string Jwks(params (ECDsa Key, string Kid, string? Use)[] keys) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["keys"] = keys.Select(k =>
            {
                var p = k.Key.ExportParameters(false);
                var jwk = new Dictionary<string, string>
                {
                    ["kty"] = "EC",
                    ["crv"] = "P-256",
                    ["kid"] = k.Kid,
                    ["x"] = Base64Url.EncodeToString(p.Q.X),
                    ["y"] = Base64Url.EncodeToString(p.Q.Y),
                };
                if (k.Use is not null)
                {
                    jwk["use"] = k.Use;
                }

                return jwk;
            }).ToArray(),
        });

    private static string Encode(Dictionary<string, object?> value) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
}
