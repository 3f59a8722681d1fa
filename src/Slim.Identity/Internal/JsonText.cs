using System.Text.Json;

namespace Slim.Identity.Internal;

/// <summary>
/// Reading strings from untrusted JSON. <see cref="JsonDocument"/> checks the UTF-8 of string values only when they
/// are read, so <see cref="JsonElement.GetString"/> throws on a malformed one; peer input must not throw.
/// </summary>
internal static class JsonText
{
    /// <summary>The string value of <paramref name="element"/>; false when it is not a string or not valid UTF-8.</summary>
    public static bool TryGetString(JsonElement element, out string value)
    {
        value = string.Empty;
        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            value = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
