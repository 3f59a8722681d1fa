using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Slim.Mls.CipherSuites;
using Slim.Testing;

namespace Slim.Mls.Tests.Vectors;

/// <summary>Loads the shared MLS/HPKE vector files (../shared) and turns them into theory rows.</summary>
internal static class VectorFile
{
    private static readonly ConcurrentDictionary<string, JsonElement[]> Cache = new();

    /// <summary>The entries of <c>shared/mls-test-vectors/{name}</c>.</summary>
    public static JsonElement[] Mls(string name) => Load("mls-test-vectors", name);

    /// <summary>The entries of <c>shared/hpke-test-vectors/{name}</c>.</summary>
    public static JsonElement[] Hpke(string name) => Load("hpke-test-vectors", name);

    /// <summary>One row per entry: (cipher suite, index in the file), so each case is its own test.</summary>
    public static TheoryData<ushort, int> MlsRowsBySuite(string name)
    {
        var rows = new TheoryData<ushort, int>();
        var entries = Mls(name);
        for (var i = 0; i < entries.Length; i++)
        {
            rows.Add(Suite(entries[i]), i);
        }

        return rows;
    }

    /// <summary>The cipher suite of an entry (some files write it as a number, some as a string).</summary>
    public static ushort Suite(JsonElement entry)
    {
        var value = entry.GetProperty("cipher_suite");
        return value.ValueKind == JsonValueKind.String
            ? ushort.Parse(value.GetString()!, CultureInfo.InvariantCulture)
            : value.GetUInt16();
    }

    /// <summary>The suite of an entry, or a skipped test that says why the suite is not run.</summary>
    public static CipherSuite SuiteOrSkip(ushort id)
    {
        if (CipherSuite.TryGet((CipherSuiteId)id, out var suite))
        {
            return suite;
        }

        Assert.Skip($"Cipher suite {id} is not supported on this platform (its KEM, AEAD or signature primitive is unavailable).");
        throw new InvalidOperationException("unreachable");
    }

    public static byte[] Bytes(this JsonElement element, string property) => Convert.FromHexString(element.GetProperty(property).GetString()!);

    public static byte[]? OptionalBytes(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? Convert.FromHexString(value.GetString()!)
            : null;

    public static string Text(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    public static ulong UInt64(this JsonElement element, string property)
    {
        var value = element.GetProperty(property);
        return value.ValueKind == JsonValueKind.String
            ? ulong.Parse(value.GetString()!, CultureInfo.InvariantCulture)
            : value.GetUInt64();
    }

    public static int Int32(this JsonElement element, string property) => checked((int)element.UInt64(property));

    private static JsonElement[] Load(string folder, string name) =>
        Cache.GetOrAdd($"{folder}/{name}", _ =>
        {
            using var stream = File.OpenRead(SharedReference.File(folder, name));
            using var document = JsonDocument.Parse(stream);
            return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
        });
}
