using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>One DWARF section's bytes with the names needed to report damage in it.</summary>
internal sealed class DwarfSection(string file, string name, byte[] data, bool littleEndian)
{
    /// <summary>File the section came from.</summary>
    public string File { get; } = file;
    /// <summary>Section name (<c>.debug_info</c>...).</summary>
    public string Name { get; } = name;
    /// <summary>Section contents (decompressed).</summary>
    public byte[] Data { get; } = data;
    /// <summary>Byte order of the object.</summary>
    public bool LittleEndian { get; } = littleEndian;

    private readonly Dictionary<ulong, string> _strings = [];

    /// <summary>A cursor over [<paramref name="at"/>, <paramref name="end"/>).</summary>
    public DwarfCursor At(ulong at, ulong end)
    {
        if (at > (ulong)Data.Length || end > (ulong)Data.Length || at > end) Fail(at, "an offset inside the section");
        return new DwarfCursor(this, (int)at, (int)end);
    }

    /// <summary>A cursor from <paramref name="at"/> to the end of the section.</summary>
    public DwarfCursor At(ulong at) => At(at, (ulong)Data.Length);

    /// <summary>The NUL-terminated string at <paramref name="offset"/> (each offset decoded once).</summary>
    public string StringAt(ulong offset)
    {
        if (_strings.TryGetValue(offset, out var s)) return s;
        if (offset >= (ulong)Data.Length) Fail(offset, "a string offset inside the section");
        var span = Data.AsSpan((int)offset);
        var nul = span.IndexOf((byte)0);
        if (nul < 0) Fail(offset, "a NUL-terminated string");
        s = Encoding.UTF8.GetString(span[..nul]);
        _strings[offset] = s;
        return s;
    }

    /// <summary>Throws the format error for this section.</summary>
    [DoesNotReturn]
    public void Fail(ulong offset, string expected) =>
        throw new CaptureFormatException(File, (long)Math.Min(offset, long.MaxValue), Name + ": " + expected);
}

/// <summary>A bounds-checked reader over part of a DWARF section: fixed-size integers, LEB128, offsets and strings.</summary>
internal struct DwarfCursor
{
    private readonly DwarfSection _s;
    /// <summary>Current position (section offset).</summary>
    public int Pos;
    /// <summary>End of the readable range (section offset, exclusive).</summary>
    public int End;

    /// <summary>A cursor over [<paramref name="pos"/>, <paramref name="end"/>) of <paramref name="section"/>.</summary>
    public DwarfCursor(DwarfSection section, int pos, int end)
    {
        _s = section;
        Pos = pos;
        End = end;
    }

    /// <summary>The section read.</summary>
    public readonly DwarfSection Section => _s;
    /// <summary>True when no bytes are left.</summary>
    public readonly bool AtEnd => Pos >= End;
    /// <summary>Bytes left.</summary>
    public readonly int Remaining => End - Pos;

    private ReadOnlySpan<byte> Take(int n, string what)
    {
        if (n < 0 || n > End - Pos) _s.Fail((ulong)Pos, what + " (runs past the end)");
        var span = _s.Data.AsSpan(Pos, n);
        Pos += n;
        return span;
    }

    /// <summary>Reads a byte.</summary>
    public byte U8()
    {
        if (Pos >= End) _s.Fail((ulong)Pos, "one more byte (runs past the end)");
        return _s.Data[Pos++];
    }

    /// <summary>Reads a signed byte.</summary>
    public sbyte S8() => unchecked((sbyte)U8());

    /// <summary>Reads a u16 in the object's byte order.</summary>
    public ushort U16()
    {
        var b = Take(2, "a 2-byte value");
        return _s.LittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);
    }

    /// <summary>Reads a 3-byte unsigned value (DW_FORM_strx3/addrx3).</summary>
    public uint U24()
    {
        var b = Take(3, "a 3-byte value");
        return _s.LittleEndian ? (uint)(b[0] | b[1] << 8 | b[2] << 16) : (uint)(b[2] | b[1] << 8 | b[0] << 16);
    }

    /// <summary>Reads a u32.</summary>
    public uint U32()
    {
        var b = Take(4, "a 4-byte value");
        return _s.LittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    /// <summary>Reads a u64.</summary>
    public ulong U64()
    {
        var b = Take(8, "an 8-byte value");
        return _s.LittleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b);
    }

    /// <summary>Reads an unsigned integer of <paramref name="size"/> bytes (1, 2, 4 or 8): addresses and offsets.</summary>
    public ulong Sized(int size) => size switch
    {
        1 => U8(),
        2 => U16(),
        4 => U32(),
        8 => U64(),
        _ => Bad(size),
    };

    private readonly ulong Bad(int size)
    {
        _s.Fail((ulong)Pos, FormattableString.Invariant($"an address or offset size of 1, 2, 4 or 8 bytes, not {size}"));
        return 0;
    }

    /// <summary>Reads a 4- or 8-byte section offset (32- or 64-bit DWARF).</summary>
    public ulong Offset(bool dwarf64) => dwarf64 ? U64() : U32();

    /// <summary>Reads an unsigned LEB128 (bits beyond 64 are dropped).</summary>
    public ulong Uleb()
    {
        var n = Leb128.ReadUnsigned(Pos < End ? _s.Data.AsSpan(Pos, End - Pos) : default, out var v);
        if (n == 0) _s.Fail((ulong)End, "one more byte (runs past the end)");
        Pos += n;
        return v;
    }

    /// <summary>Reads a signed LEB128.</summary>
    public long Sleb()
    {
        var n = Leb128.ReadSigned(Pos < End ? _s.Data.AsSpan(Pos, End - Pos) : default, out var v);
        if (n == 0) _s.Fail((ulong)End, "one more byte (runs past the end)");
        Pos += n;
        return v;
    }

    /// <summary>Skips <paramref name="n"/> bytes.</summary>
    public void Skip(ulong n)
    {
        if (n > (ulong)(End - Pos)) _s.Fail((ulong)Pos, FormattableString.Invariant($"{n} more bytes (runs past the end)"));
        Pos += (int)n;
    }

    /// <summary>Reads a NUL-terminated string in place.</summary>
    public string CString()
    {
        var start = Pos;
        var span = _s.Data.AsSpan(Pos, End - Pos);
        var nul = span.IndexOf((byte)0);
        if (nul < 0) _s.Fail((ulong)Pos, "a NUL-terminated string");
        Pos += nul + 1;
        return _s.StringAt((ulong)start);
    }

    /// <summary>Skips a NUL-terminated string; returns its length.</summary>
    public int SkipCString()
    {
        var span = _s.Data.AsSpan(Pos, End - Pos);
        var nul = span.IndexOf((byte)0);
        if (nul < 0) _s.Fail((ulong)Pos, "a NUL-terminated string");
        Pos += nul + 1;
        return nul;
    }

    /// <summary>Reads an initial length: (unit length, 64-bit DWARF?).</summary>
    public (ulong Length, bool Dwarf64) InitialLength()
    {
        var l = U32();
        // DWARF 5 section 7.4: 0xffffffff escapes to a 64-bit length; 0xfffffff0-0xfffffffe are reserved.
        if (l == 0xffffffff) return (U64(), true);
        if (l >= 0xfffffff0) _s.Fail((ulong)(Pos - 4), FormattableString.Invariant($"a unit length (0x{l:x8} is reserved)"));
        return (l, false);
    }

    /// <summary>Throws the format error at the current position.</summary>
    [DoesNotReturn]
    public readonly void Fail(string expected) => _s.Fail((ulong)Pos, expected);
}
