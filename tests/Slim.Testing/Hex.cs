namespace Slim.Testing;

/// <summary>Hex helpers for vector-driven tests.</summary>
public static class Hex
{
    public static byte[] Decode(string hex) => Convert.FromHexString(hex);

    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
