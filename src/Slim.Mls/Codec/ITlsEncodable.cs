namespace Slim.Mls.Codec;

/// <summary>A structure with a TLS-presentation-language encoding.</summary>
public interface ITlsEncodable
{
    /// <summary>Appends the encoding of this value to <paramref name="writer"/>.</summary>
    void WriteTo(ref TlsWriter writer);
}

/// <summary>A structure that can be decoded from its TLS-presentation-language encoding.</summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
public interface ITlsDecodable<TSelf>
    where TSelf : ITlsDecodable<TSelf>
{
    /// <summary>
    /// Reads one value from <paramref name="reader"/>, leaving it after the value. Throws only
    /// <see cref="MlsDecodeException"/>.
    /// </summary>
    static abstract TSelf ReadFrom(ref TlsReader reader);
}
