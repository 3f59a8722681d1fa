using Slim.Mls.Codec;

namespace Slim.Mls.Internal;

/// <summary>Vectors of fixed-size integers (<c>uint16 x&lt;V&gt;</c>, <c>uint32 x&lt;V&gt;</c>) and of opaque vectors.</summary>
internal static class TlsLists
{
    public static ushort[] ReadUInt16List(ref TlsReader reader)
    {
        var inner = reader.ReadVectorReader();
        if ((inner.Remaining & 1) != 0)
        {
            throw inner.Error(MlsErrorCode.DecodeInvalidValue, "A uint16 vector has an odd length");
        }

        var values = new ushort[inner.Remaining / 2];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = inner.ReadUInt16();
        }

        return values;
    }

    public static uint[] ReadUInt32List(ref TlsReader reader)
    {
        var inner = reader.ReadVectorReader();
        if ((inner.Remaining & 3) != 0)
        {
            throw inner.Error(MlsErrorCode.DecodeInvalidValue, "A uint32 vector length is not a multiple of 4");
        }

        var values = new uint[inner.Remaining / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = inner.ReadUInt32();
        }

        return values;
    }

    public static void WriteUInt16List(ref TlsWriter writer, scoped ReadOnlySpan<ushort> values)
    {
        if ((uint)values.Length * 2 > Varint.MaxValue)
        {
            throw Varint.TooLong(values.Length * 2L);
        }

        writer.WriteVarint((uint)(values.Length * 2));
        foreach (var v in values)
        {
            writer.WriteUInt16(v);
        }
    }

    public static void WriteUInt32List(ref TlsWriter writer, scoped ReadOnlySpan<uint> values)
    {
        if ((uint)values.Length * 4L > Varint.MaxValue)
        {
            throw Varint.TooLong(values.Length * 4L);
        }

        writer.WriteVarint((uint)(values.Length * 4));
        foreach (var v in values)
        {
            writer.WriteUInt32(v);
        }
    }

    public static byte[][] ReadOpaqueList(ref TlsReader reader)
    {
        var inner = reader.ReadVectorReader();
        var items = new List<byte[]>();
        while (!inner.IsEnd)
        {
            items.Add(inner.ReadVectorBytes());
        }

        return [.. items];
    }

    public static void WriteOpaqueList(ref TlsWriter writer, IReadOnlyList<byte[]> items)
    {
        var marker = writer.BeginVector();
        foreach (var item in items)
        {
            writer.WriteVector(item);
        }

        writer.EndVector(marker);
    }

    public static bool BytesEqual(byte[]? a, byte[]? b) =>
        a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}
