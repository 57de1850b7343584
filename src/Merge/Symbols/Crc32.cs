namespace Stackweave.Merge.Symbols;

/// <summary>CRC-32 with the reflected polynomial 0xEDB88320 (zlib's crc32, which <c>.gnu_debuglink</c> uses per the GDB manual).</summary>
internal static class Crc32
{
    private static readonly uint[] s_table = MakeTable();

    private static uint[] MakeTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>Continues a CRC (start with 0) over more bytes.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        var t = s_table;
        foreach (var b in data) c = t[(c ^ b) & 0xff] ^ (c >> 8);
        return ~c;
    }
}
