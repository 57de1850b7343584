using System.Buffers.Binary;

namespace Stackweave.Merge.Unwind;

/// <summary>Bounds-checked little-endian reader over CFI bytes (LEB128, fixed-size and DW_EH_PE-encoded values).</summary>
internal ref struct DwarfCursor
{
    private readonly ReadOnlySpan<byte> _data;
    /// <summary>Offset of the next byte.</summary>
    public int Position;

    public DwarfCursor(ReadOnlySpan<byte> data, int position = 0)
    {
        _data = data;
        Position = position;
    }

    public readonly int Length => _data.Length;
    public readonly bool AtEnd => Position >= _data.Length;

    private readonly void Need(int n)
    {
        if ((uint)Position > (uint)_data.Length || _data.Length - Position < n)
            throw new CfiException("truncated CFI at offset " + Position.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public byte U8() { Need(1); return _data[Position++]; }
    public ushort U16() { Need(2); var v = BinaryPrimitives.ReadUInt16LittleEndian(_data[Position..]); Position += 2; return v; }
    public uint U32() { Need(4); var v = BinaryPrimitives.ReadUInt32LittleEndian(_data[Position..]); Position += 4; return v; }
    public ulong U64() { Need(8); var v = BinaryPrimitives.ReadUInt64LittleEndian(_data[Position..]); Position += 8; return v; }

    public ulong Uleb()
    {
        Need(1);
        var n = Symbols.Dwarf.Leb128.ReadUnsigned(_data[Position..], out var v);
        if (n == 0) { Position = _data.Length; Need(1); }
        Position += n;
        return v;
    }

    public long Sleb()
    {
        Need(1);
        var n = Symbols.Dwarf.Leb128.ReadSigned(_data[Position..], out var v);
        if (n == 0) { Position = _data.Length; Need(1); }
        Position += n;
        return v;
    }

    public ReadOnlySpan<byte> Bytes(int n) { if (n < 0) throw new CfiException("negative length"); Need(n); var s = _data.Slice(Position, n); Position += n; return s; }

    public void Skip(ulong n)
    {
        if (n > (ulong)(_data.Length - Math.Min(Position, _data.Length))) throw new CfiException("skip past end of CFI");
        Position += (int)n;
    }

    /// <summary>A NUL-terminated string's bytes (without the NUL).</summary>
    public ReadOnlySpan<byte> CString()
    {
        var rest = _data[Math.Min(Position, _data.Length)..];
        var nul = rest.IndexOf((byte)0);
        if (nul < 0) throw new CfiException("unterminated augmentation string");
        Position += nul + 1;
        return rest[..nul];
    }

    /// <summary>
    /// A DW_EH_PE-encoded pointer (LSB "Linux Standard Base Core" §10.5 DWARF Exception Header Encoding): the low nibble is
    /// the format, bits 4–6 the base, 0x80 "indirect". <paramref name="sectionAddress"/> is the address of byte 0 of the
    /// data (for pcrel); <paramref name="dataBase"/> the datarel base (.eh_frame_hdr's address). Indirect values are
    /// returned as the address of the pointer (the unwinder never needs what they point to: personality routines).
    /// </summary>
    public ulong Encoded(byte encoding, ulong sectionAddress, ulong dataBase, int addressSize)
    {
        if (encoding == DwarfConstants.PeOmit) return 0;
        var fieldAddress = sectionAddress + (ulong)Position;
        ulong v = (encoding & 0x0f) switch
        {
            DwarfConstants.PeAbsptr => addressSize == 4 ? U32() : U64(),
            DwarfConstants.PeUleb128 => Uleb(),
            DwarfConstants.PeUdata2 => U16(),
            DwarfConstants.PeUdata4 => U32(),
            DwarfConstants.PeUdata8 => U64(),
            DwarfConstants.PeSleb128 => (ulong)Sleb(),
            DwarfConstants.PeSdata2 => (ulong)(long)(short)U16(),
            DwarfConstants.PeSdata4 => (ulong)(long)(int)U32(),
            DwarfConstants.PeSdata8 => U64(),
            _ => throw new CfiException("unknown pointer encoding 0x" + encoding.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)),
        };
        switch (encoding & 0x70)
        {
            case 0: break;
            case DwarfConstants.PePcrel: v += fieldAddress; break;
            case DwarfConstants.PeDatarel: v += dataBase; break;
            case DwarfConstants.PeTextrel: case DwarfConstants.PeFuncrel: case DwarfConstants.PeAligned:
                break; // not used by x86_64/aarch64 toolchains for FDE addresses; value kept as read
            default: throw new CfiException("unknown pointer application 0x" + (encoding & 0x70).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return v;
    }
}
