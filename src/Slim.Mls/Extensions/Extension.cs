using Slim.Mls.Codec;

namespace Slim.Mls.Extensions;

/// <summary>
/// One extension (RFC 9420 section 13):
/// <code>
/// struct {
///     ExtensionType extension_type;   // uint16
///     opaque extension_data&lt;V&gt;;
/// } Extension;
/// </code>
/// </summary>
/// <param name="Type">The extension type (unknown values allowed).</param>
/// <param name="Data">The extension body, still encoded.</param>
public readonly record struct Extension(ExtensionType Type, byte[] Data) : ITlsEncodable, ITlsDecodable<Extension>
{
    /// <inheritdoc />
    public static Extension ReadFrom(ref TlsReader reader)
    {
        var type = (ExtensionType)reader.ReadUInt16();
        return new Extension(type, reader.ReadVectorBytes());
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteUInt16((ushort)Type);
        writer.WriteVector(Data);
    }

    /// <summary>True when both have the same type and the same bytes.</summary>
    public bool Equals(Extension other) => Type == other.Type && Data.AsSpan().SequenceEqual(other.Data);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Data?.Length ?? 0);
}
