using System.Text;
using Slim.Mls.Codec;

namespace Slim.Mls.CipherSuites.Internal;

/// <summary>Encoding of the <c>"MLS 1.0 " + Label</c> vectors shared by every labelled MLS function.</summary>
internal static class MlsLabels
{
    internal static ReadOnlySpan<byte> Prefix => "MLS 1.0 "u8;

    /// <summary>Size of <c>opaque label&lt;V&gt; = "MLS 1.0 " + label</c>.</summary>
    internal static int LabelVectorSize(ReadOnlySpan<byte> label) => VectorSize(Prefix.Length + label.Length);

    /// <summary>Size of <c>opaque value&lt;V&gt;</c>.</summary>
    internal static int VectorSize(int length) => Varint.SizeOf((uint)length) + length;

    /// <summary>Writes <c>opaque label&lt;V&gt; = "MLS 1.0 " + label</c>; returns the bytes written.</summary>
    internal static int WriteLabelVector(Span<byte> destination, ReadOnlySpan<byte> label)
    {
        var header = Varint.Write(destination, (uint)(Prefix.Length + label.Length));
        Prefix.CopyTo(destination[header..]);
        label.CopyTo(destination[(header + Prefix.Length)..]);
        return header + Prefix.Length + label.Length;
    }

    /// <summary>Writes <c>opaque value&lt;V&gt;</c>; returns the bytes written.</summary>
    internal static int WriteVector(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        var header = Varint.Write(destination, (uint)value.Length);
        value.CopyTo(destination[header..]);
        return header + value.Length;
    }

    /// <summary>UTF-8 bytes of a label (labels are short ASCII strings in practice).</summary>
    internal static byte[] Utf8(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return Encoding.UTF8.GetBytes(label);
    }
}
