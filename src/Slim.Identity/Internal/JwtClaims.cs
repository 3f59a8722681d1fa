using System.Buffers.Text;
using System.Text.Json;

namespace Slim.Identity.Internal;

/// <summary>
/// The registered claims of a JWT payload that identity checks need, read straight from the payload JSON, plus the
/// <c>pubkey</c> claim wherever official SLIM puts it.
/// </summary>
internal sealed class JwtClaims
{
    private JwtClaims()
    {
    }

    public string? Subject { get; private init; }

    public string? Issuer { get; private init; }

    /// <summary>
    /// The <c>aud</c> values (a single string becomes one value) except <c>slim-claims:</c> ones; empty when absent.
    /// </summary>
    public IReadOnlyList<string> Audiences { get; private init; } = [];

    public long? ExpiresAt { get; private init; }

    public long? NotBefore { get; private init; }

    public long? IssuedAt { get; private init; }

    /// <summary>Whether a <c>pubkey</c> claim was found at the top level or under <c>custom_claims</c>.</summary>
    public PublicKeyClaim.Outcome PublicKeyOutcome { get; private init; }

    public byte[] PublicKey { get; private init; } = [];

    public string? PublicKeyError { get; private init; }

    /// <summary>Parses the base64url payload of a compact JWS; null with an error for anything malformed.</summary>
    public static JwtClaims? Parse(ReadOnlySpan<char> encodedPayload, out string? error)
    {
        byte[] json;
        try
        {
            json = Base64Url.DecodeFromChars(encodedPayload);
        }
        catch (FormatException)
        {
            error = "the payload is not base64url";
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the payload is not a JSON object";
                return null;
            }

            if (!TryString(root, "sub", out var subject) || !TryString(root, "iss", out var issuer) ||
                !TryAudiences(root, out var audiences) || !TryNumericDate(root, "exp", out var exp) ||
                !TryNumericDate(root, "nbf", out var nbf) || !TryNumericDate(root, "iat", out var iat))
            {
                error = "a registered claim (sub, iss, aud, exp, nbf, iat) has the wrong type";
                return null;
            }

            var outcome = PublicKeyClaim.Read(root, out var key, out var keyError);

            // JWT-SVIDs cannot carry custom claims: official SLIM puts the key in a "slim-claims:" audience instead.
            // Such audiences never take part in audience matching.
            var plain = new List<string>(audiences.Count);
            foreach (var audience in audiences)
            {
                if (!audience.StartsWith(PublicKeyClaim.AudiencePrefix, StringComparison.Ordinal))
                {
                    plain.Add(audience);
                }
                else if (outcome == PublicKeyClaim.Outcome.Absent)
                {
                    outcome = PublicKeyClaim.ReadAudience(audience, out key, out keyError);
                }
            }

            error = null;
            return new JwtClaims
            {
                Subject = subject,
                Issuer = issuer,
                Audiences = plain,
                ExpiresAt = exp,
                NotBefore = nbf,
                IssuedAt = iat,
                PublicKeyOutcome = outcome,
                PublicKey = key,
                PublicKeyError = keyError,
            };
        }
        catch (JsonException)
        {
            error = "the payload is not JSON";
            return null;
        }
    }

    private static bool TryString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (!JsonText.TryGetString(element, out var text))
        {
            return false;
        }

        value = text;
        return true;
    }

    private static bool TryAudiences(JsonElement root, out IReadOnlyList<string> audiences)
    {
        audiences = [];
        if (!root.TryGetProperty("aud", out var element))
        {
            return true;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (!JsonText.TryGetString(element, out var single))
                {
                    return false;
                }

                audiences = [single];
                return true;
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var item in element.EnumerateArray())
                {
                    if (!JsonText.TryGetString(item, out var audience))
                    {
                        return false;
                    }

                    list.Add(audience);
                }

                audiences = list;
                return true;
            default:
                return false;
        }
    }

    /// <summary>RFC 7519 NumericDate: seconds since the epoch, possibly fractional (truncated here).</summary>
    private static bool TryNumericDate(JsonElement root, string name, out long? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var seconds) ||
            double.IsNaN(seconds) || seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        value = (long)Math.Floor(seconds);
        return true;
    }
}
