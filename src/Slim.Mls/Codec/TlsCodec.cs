namespace Slim.Mls.Codec;

/// <summary>Entry points for encoding and decoding whole structures.</summary>
public static class TlsCodec
{
    /// <summary>Encodes <paramref name="value"/> into a new array.</summary>
    public static byte[] Serialize<T>(T value)
        where T : ITlsEncodable
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = new TlsWriter();
        try
        {
            value.WriteTo(ref writer);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Decodes one <typeparamref name="T"/> that must fill <paramref name="encoded"/> exactly.</summary>
    /// <exception cref="MlsDecodeException">The bytes are not a valid encoding, or bytes remain after it.</exception>
    public static T Deserialize<T>(ReadOnlySpan<byte> encoded)
        where T : ITlsDecodable<T>
    {
        var reader = new TlsReader(encoded);
        var value = T.ReadFrom(ref reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Reads a <c>T list&lt;V&gt;</c> vector of structures.</summary>
    public static T[] ReadList<T>(ref TlsReader reader)
        where T : ITlsDecodable<T>
    {
        var inner = reader.ReadVectorReader();
        if (inner.IsEnd)
        {
            return [];
        }

        var items = new List<T>();
        while (!inner.IsEnd)
        {
            var before = inner.Position;
            items.Add(T.ReadFrom(ref inner));
            if (inner.Position == before)
            {
                throw inner.Error(MlsErrorCode.DecodeEmptyElement, "A vector element consumed no bytes");
            }
        }

        return [.. items];
    }

    /// <summary>Writes a <c>T list&lt;V&gt;</c> vector of structures.</summary>
    public static void WriteList<T>(ref TlsWriter writer, IReadOnlyList<T> items)
        where T : ITlsEncodable
    {
        ArgumentNullException.ThrowIfNull(items);
        var marker = writer.BeginVector();
        for (var i = 0; i < items.Count; i++)
        {
            items[i].WriteTo(ref writer);
        }

        writer.EndVector(marker);
    }
}
