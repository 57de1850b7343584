namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>LEB128 decoding (DWARF 5 §7.6) shared by the DWARF readers and the CFI unwinder; bounds are the caller's.</summary>
internal static class Leb128
{
    /// <summary>Decodes an unsigned LEB128 at the start of <paramref name="data"/> (bits beyond 64 dropped); returns the bytes it used, 0 when the data ends inside it.</summary>
    public static int ReadUnsigned(ReadOnlySpan<byte> data, out ulong value)
    {
        value = 0;
        var shift = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (shift < 64) value |= (ulong)(b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0) return i + 1;
        }
        return 0;
    }

    /// <summary>Decodes a signed LEB128 at the start of <paramref name="data"/>; returns the bytes it used, 0 when the data ends inside it.</summary>
    public static int ReadSigned(ReadOnlySpan<byte> data, out long value)
    {
        value = 0;
        var shift = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (shift < 64) value |= (long)(b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) != 0) continue;
            if (shift < 64 && (b & 0x40) != 0) value |= -1L << shift;
            return i + 1;
        }
        return 0;
    }
}
