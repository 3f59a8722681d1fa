using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Slim.Identity.Tests.Support;

/// <summary>Builds shared-secret tokens part by part with a valid MAC, to reach the checks after the MAC.</summary>
internal static class TestTokens
{
    /// <summary>The secret of the capture harness (see realslim-capture/README.md).</summary>
    public const string HarnessSecret = "realslim-harness-shared-secret-0123456789abcdef";

    /// <summary>A secret long enough for tests of our own tokens.</summary>
    public const string Secret = "unit-test-shared-secret-0123456789abcdef";

    /// <summary>A clock just after every token of both captures (their timestamps are 1795339190..1795339200).</summary>
    public static readonly DateTimeOffset CaptureClock = DateTimeOffset.FromUnixTimeSeconds(1795339210);

    public static string Claims(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    public static string Mac(string secret, string signedPart) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signedPart)));

    public static string Build(string id, long ts, string nonce, string claims, string secret = Secret)
    {
        var signed = $"{id}:{ts}:{nonce}:{claims}";
        return $"{signed}:{Mac(secret, signed)}";
    }
}
