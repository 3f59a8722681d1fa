using System.Text.Json;

namespace Slim.Identity.Internal;

/// <summary>
/// Where official SLIM puts the app's public signature key in a token: a <c>pubkey</c> claim (base64 std of the
/// key) at the top level of the claims or under <c>custom_claims</c>; JWT-SVIDs, which cannot carry custom claims,
/// carry it in an extra audience <c>"slim-claims:" + base64 std(JSON {"pubkey": ...})</c>.
/// </summary>
internal static class PublicKeyClaim
{
    public const string Name = "pubkey";
    public const string CustomClaims = "custom_claims";
    public const string AudiencePrefix = "slim-claims:";

    /// <summary>Largest decoded key accepted (a P-256 point is 65 bytes; leave room for other algorithms).</summary>
    private const int MaxKeySize = 1024;

    public enum Outcome
    {
        Absent,
        Present,
        Invalid,
    }

    /// <summary>Looks for <c>pubkey</c> at the top level of <paramref name="claims"/>, then under <c>custom_claims</c>.</summary>
    public static Outcome Read(JsonElement claims, out byte[] key, out string? error)
    {
        key = [];
        error = null;
        if (claims.ValueKind != JsonValueKind.Object)
        {
            error = "the claims are not a JSON object";
            return Outcome.Invalid;
        }

        if (claims.TryGetProperty(Name, out var value))
        {
            return Decode(value, out key, out error);
        }

        if (claims.TryGetProperty(CustomClaims, out var custom) && custom.ValueKind == JsonValueKind.Object &&
            custom.TryGetProperty(Name, out value))
        {
            return Decode(value, out key, out error);
        }

        return Outcome.Absent;
    }

    /// <summary>Builds the <c>slim-claims:</c> audience that carries <paramref name="publicKey"/> in a JWT-SVID.</summary>
    public static string ToAudience(ReadOnlySpan<byte> publicKey) =>
        AudiencePrefix + Convert.ToBase64String(
            System.Text.Encoding.UTF8.GetBytes("{\"pubkey\":\"" + Convert.ToBase64String(publicKey) + "\"}"));

    /// <summary>Reads the claims carried by a <c>slim-claims:</c> audience.</summary>
    public static Outcome ReadAudience(string audience, out byte[] key, out string? error)
    {
        key = [];
        var encoded = audience.AsSpan(AudiencePrefix.Length);
        var buffer = new byte[(encoded.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64Chars(encoded, buffer, out var written))
        {
            error = "a slim-claims audience is not base64";
            return Outcome.Invalid;
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, written));
            var outcome = Read(document.RootElement, out key, out error);
            if (outcome == Outcome.Absent)
            {
                error = null;
            }

            return outcome;
        }
        catch (JsonException)
        {
            error = "a slim-claims audience is not JSON";
            return Outcome.Invalid;
        }
    }

    private static Outcome Decode(JsonElement value, out byte[] key, out string? error)
    {
        key = [];
        error = null;
        if (!JsonText.TryGetString(value, out var text))
        {
            error = "the pubkey claim is not a string";
            return Outcome.Invalid;
        }

        if (text.Length > MaxKeySize * 2)
        {
            error = "the pubkey claim is too long";
            return Outcome.Invalid;
        }

        var buffer = new byte[(text.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written) || written == 0)
        {
            error = "the pubkey claim is not base64";
            return Outcome.Invalid;
        }

        key = buffer.AsSpan(0, written).ToArray();
        return Outcome.Present;
    }
}
