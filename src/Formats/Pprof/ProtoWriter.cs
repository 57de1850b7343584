using System.Runtime.CompilerServices;
using System.Text;

namespace Stackweave.Formats.Pprof;

/// <summary>A growable buffer of protobuf wire format (varint and length-delimited fields; all profile.proto needs).</summary>
internal sealed class ProtoWriter
{
    private byte[] _buf = new byte[256];

    /// <summary>Bytes written.</summary>
    public int Length { get; private set; }
    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, Length);

    /// <summary>Forgets what was written.</summary>
    public void Clear() => Length = 0;

    private void Ensure(int more)
    {
        if (Length + more <= _buf.Length) return;
        Array.Resize(ref _buf, Math.Max(_buf.Length * 2, Length + more));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Varint(ulong v)
    {
        Ensure(10);
        while (v >= 0x80)
        {
            _buf[Length++] = (byte)(v | 0x80);
            v >>= 7;
        }
        _buf[Length++] = (byte)v;
    }

    public void Tag(int field, int wire) => Varint((ulong)((uint)field << 3 | (uint)wire));

    /// <summary>A varint field, left out when zero (proto3 default).</summary>
    public void UInt(int field, ulong v)
    {
        if (v == 0) return;
        Tag(field, WireType.Varint);
        Varint(v);
    }

    /// <summary>A signed varint field (two's complement, 10 bytes when negative), left out when zero.</summary>
    public void Int(int field, long v) => UInt(field, (ulong)v);

    /// <summary>A bool field, left out when false.</summary>
    public void Bool(int field, bool v) => UInt(field, v ? 1UL : 0UL);

    /// <summary>A length-delimited field holding <paramref name="payload"/> (written even when empty).</summary>
    public void Bytes(int field, ReadOnlySpan<byte> payload)
    {
        Tag(field, WireType.Len);
        Varint((ulong)payload.Length);
        Ensure(payload.Length);
        payload.CopyTo(_buf.AsSpan(Length));
        Length += payload.Length;
    }

    /// <summary>A string field (UTF-8), written even when empty.</summary>
    public void String(int field, string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        Tag(field, WireType.Len);
        Varint((ulong)n);
        Ensure(n);
        Length += Encoding.UTF8.GetBytes(s, _buf.AsSpan(Length));
    }

    /// <summary>A packed repeated varint field, left out when empty.</summary>
    public void Packed(int field, ReadOnlySpan<ulong> values)
    {
        if (values.IsEmpty) return;
        var n = 0;
        foreach (var v in values) n += VarintSize(v);
        Tag(field, WireType.Len);
        Varint((ulong)n);
        foreach (var v in values) Varint(v);
    }

    public static int VarintSize(ulong v)
    {
        var n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }
}
