using System.Buffers.Binary;
using System.Text;

namespace Stackweave.Testing;

/// <summary>A growable byte buffer that writes integers in one chosen byte order.</summary>
public sealed class EndianBuffer
{
    private byte[] _data;

    /// <summary>Creates an empty buffer writing big-endian when <paramref name="bigEndian"/>.</summary>
    public EndianBuffer(bool bigEndian, int capacity = 256)
    {
        BigEndian = bigEndian;
        _data = new byte[Math.Max(16, capacity)];
    }

    /// <summary>True when integers are written most significant byte first.</summary>
    public bool BigEndian { get; }
    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }
    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _data.AsSpan(0, Length);
    /// <summary>A copy of the bytes written so far.</summary>
    public byte[] ToArray() => _data.AsSpan(0, Length).ToArray();

    private Span<byte> Grab(int n)
    {
        if (Length + n > _data.Length) Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + n));
        var s = _data.AsSpan(Length, n);
        Length += n;
        return s;
    }

    /// <summary>Writes one byte.</summary>
    public void U8(byte v) => Grab(1)[0] = v;

    /// <summary>Writes a u16.</summary>
    public void U16(ushort v)
    {
        var s = Grab(2);
        if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    /// <summary>Writes a u32.</summary>
    public void U32(uint v)
    {
        var s = Grab(4);
        if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    /// <summary>Writes an s32.</summary>
    public void I32(int v) => U32(unchecked((uint)v));

    /// <summary>Writes a u64.</summary>
    public void U64(ulong v)
    {
        var s = Grab(8);
        if (BigEndian) BinaryPrimitives.WriteUInt64BigEndian(s, v); else BinaryPrimitives.WriteUInt64LittleEndian(s, v);
    }

    /// <summary>Writes bytes as they are.</summary>
    public void Bytes(ReadOnlySpan<byte> b) => b.CopyTo(Grab(b.Length));

    /// <summary>Writes <paramref name="n"/> zero bytes.</summary>
    public void Zeros(int n) => Grab(n).Clear();

    /// <summary>Writes zero bytes until the length is a multiple of <paramref name="align"/>.</summary>
    public void PadTo(int align)
    {
        var rem = Length % align;
        if (rem != 0) Zeros(align - rem);
    }

    /// <summary>Writes a NUL-terminated UTF-8 string padded with zeros to a multiple of <paramref name="align"/> bytes (counted from the string's start).</summary>
    public void CString(string s, int align)
    {
        var start = Length;
        Bytes(Encoding.UTF8.GetBytes(s));
        U8(0);
        var rem = (Length - start) % align;
        if (rem != 0) Zeros(align - rem);
    }

    /// <summary>Overwrites a u16 at <paramref name="offset"/>.</summary>
    public void PatchU16(int offset, ushort v)
    {
        var s = _data.AsSpan(offset, 2);
        if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    /// <summary>Overwrites a u32 at <paramref name="offset"/>.</summary>
    public void PatchU32(int offset, uint v)
    {
        var s = _data.AsSpan(offset, 4);
        if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    /// <summary>Overwrites a u64 at <paramref name="offset"/>.</summary>
    public void PatchU64(int offset, ulong v)
    {
        var s = _data.AsSpan(offset, 8);
        if (BigEndian) BinaryPrimitives.WriteUInt64BigEndian(s, v); else BinaryPrimitives.WriteUInt64LittleEndian(s, v);
    }

    /// <summary>Drops everything after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => Length = length;
}
