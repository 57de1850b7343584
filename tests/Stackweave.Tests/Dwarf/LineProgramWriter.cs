using System.Text;

namespace Stackweave.Tests.Dwarf;

/// <summary>A generated line table: header parameters, file table and sequences of rows.</summary>
public sealed record GenLineTable(
    int Version, bool Dwarf64, byte MinInst, sbyte LineBase, byte LineRange, byte OpcodeBase, bool LineStrp, bool Md5,
    int FileCount, GenSequence[] Sequences);

/// <summary>One sequence: start address, then rows as (address advance in instructions, line delta, file), then the end advance.</summary>
public sealed record GenSequence(ulong Start, (int Advance, int LineDelta, int File)[] Rows, int EndAdvance);

/// <summary>
/// Test-only writer of DWARF <c>.debug_line</c> units (versions 2–5; 32- or 64-bit DWARF; DWARF 5 directory/file entry
/// formats with DW_FORM_string or DW_FORM_line_strp paths, udata directory indexes and optional data16 MD5), using special
/// opcodes where they fit and DW_LNS_advance_pc / advance_line / const_add_pc / fixed_advance_pc / copy otherwise, plus one
/// vendor standard opcode the reader must skip by its declared operand count.
/// </summary>
public static class LineProgramWriter
{
    /// <summary>File path of file index <paramref name="i"/> (absolute, so no directory joins apply).</summary>
    public static string FilePath(int i) => "/src/dir" + (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture) + "/f" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".c";

    /// <summary>The first file number of the version (DWARF 5 numbers files from 0).</summary>
    public static int FirstFile(int version) => version >= 5 ? 0 : 1;

    /// <summary>Writes the unit; returns (.debug_line bytes, .debug_line_str bytes).</summary>
    public static (byte[] Line, byte[] LineStr) Write(GenLineTable t)
    {
        var lineStr = new MemoryStream();
        var header = new MemoryStream();
        var h = new BinaryWriter(header);
        h.Write(t.MinInst);
        if (t.Version >= 4) h.Write((byte)1); // maximum_operations_per_instruction
        h.Write((byte)1);                     // default_is_stmt
        h.Write(t.LineBase);
        h.Write(t.LineRange);
        h.Write(t.OpcodeBase);
        byte[] std = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];
        for (var i = 1; i < t.OpcodeBase; i++) h.Write(i <= std.Length ? std[i - 1] : (byte)2); // vendor opcodes: 2 ULEB operands
        if (t.Version >= 5)
        {
            // directories: one format (path), two entries
            h.Write((byte)1);
            Uleb(h, 1); Uleb(h, t.LineStrp ? 0x1fUL : 0x08UL);
            Uleb(h, 2);
            PathField(h, "/src", t, lineStr);
            PathField(h, "/src/include", t, lineStr);
            h.Write((byte)(t.Md5 ? 3 : 2));
            Uleb(h, 1); Uleb(h, t.LineStrp ? 0x1fUL : 0x08UL); // DW_LNCT_path
            Uleb(h, 2); Uleb(h, 0x0f);                          // DW_LNCT_directory_index, DW_FORM_udata
            if (t.Md5) { Uleb(h, 5); Uleb(h, 0x1e); }          // DW_LNCT_MD5, DW_FORM_data16
            Uleb(h, (ulong)t.FileCount);
            for (var f = 0; f < t.FileCount; f++)
            {
                PathField(h, FilePath(f), t, lineStr);
                Uleb(h, (ulong)(f % 2));
                if (t.Md5) h.Write(new byte[16]);
            }
        }
        else
        {
            h.Write(Encoding.UTF8.GetBytes("/src/include\0"));
            h.Write((byte)0);
            for (var f = 1; f <= t.FileCount; f++)
            {
                h.Write(Encoding.UTF8.GetBytes(FilePath(f) + "\0"));
                Uleb(h, 1); Uleb(h, 0); Uleb(h, 0);
            }
            h.Write((byte)0);
        }

        var prog = new MemoryStream();
        var p = new BinaryWriter(prog);
        foreach (var seq in t.Sequences)
        {
            // DW_LNE_set_address with an 8-byte address
            p.Write((byte)0); Uleb(p, 9); p.Write((byte)2); p.Write(seq.Start);
            var file = -1;
            long line = 1;
            foreach (var (adv, delta, f) in seq.Rows)
            {
                if (f != file) { p.Write((byte)4); Uleb(p, (ulong)f); file = f; }
                if (t.OpcodeBase > 13) { p.Write((byte)13); Uleb(p, 300); Uleb(p, 7); } // vendor opcode, skipped by its length
                var special = TrySpecial(t, adv, delta);
                if (special is { } op) p.Write(op);
                else
                {
                    if (adv == (255 - t.OpcodeBase) / t.LineRange) p.Write((byte)8); // const_add_pc
                    else if (adv % 3 == 1 && adv * t.MinInst <= ushort.MaxValue) { p.Write((byte)9); p.Write((ushort)(adv * t.MinInst)); }
                    else if (adv != 0) { p.Write((byte)2); Uleb(p, (ulong)adv); }
                    if (delta != 0) { p.Write((byte)3); Sleb(p, delta); }
                    p.Write((byte)1); // copy
                }
                line += delta;
            }
            if (seq.EndAdvance != 0) { p.Write((byte)2); Uleb(p, (ulong)seq.EndAdvance); }
            p.Write((byte)0); Uleb(p, 1); p.Write((byte)1); // DW_LNE_end_sequence
        }

        var body = new MemoryStream();
        var b = new BinaryWriter(body);
        b.Write((ushort)t.Version);
        if (t.Version >= 5) { b.Write((byte)8); b.Write((byte)0); }
        if (t.Dwarf64) b.Write((ulong)header.Length); else b.Write((uint)header.Length);
        b.Write(header.ToArray());
        b.Write(prog.ToArray());

        var unit = new MemoryStream();
        var u = new BinaryWriter(unit);
        if (t.Dwarf64) { u.Write(0xffffffffu); u.Write((ulong)body.Length); }
        else u.Write((uint)body.Length);
        u.Write(body.ToArray());
        return (unit.ToArray(), lineStr.ToArray());
    }

    /// <summary>The rows the reader must give: (address, file, line, end of sequence).</summary>
    public static List<(ulong Address, int File, int Line, bool End)> ExpectedRows(GenLineTable t)
    {
        var rows = new List<(ulong, int, int, bool)>();
        foreach (var seq in t.Sequences)
        {
            var addr = seq.Start;
            long line = 1;
            var file = 0;
            foreach (var (adv, delta, f) in seq.Rows)
            {
                addr += (ulong)(adv * t.MinInst);
                line += delta;
                file = f;
                rows.Add((addr, f, (int)Math.Max(0, line), false));
            }
            addr += (ulong)(seq.EndAdvance * t.MinInst);
            rows.Add((addr, seq.Rows.Length == 0 ? FirstFile(t.Version) : file, (int)Math.Max(0, line), true));
        }
        return rows;
    }

    private static byte? TrySpecial(GenLineTable t, int adv, int delta)
    {
        // DWARF 5 section 6.2.5.1: opcode = (line delta - line_base) + (line_range * operation advance) + opcode_base.
        if (delta < t.LineBase || delta >= t.LineBase + t.LineRange) return null;
        var op = (delta - t.LineBase) + t.LineRange * adv + t.OpcodeBase;
        return op <= 255 ? (byte)op : null;
    }

    private static void PathField(BinaryWriter w, string path, GenLineTable t, MemoryStream lineStr)
    {
        if (!t.LineStrp) { w.Write(Encoding.UTF8.GetBytes(path + "\0")); return; }
        var off = (ulong)lineStr.Length;
        lineStr.Write(Encoding.UTF8.GetBytes(path + "\0"));
        if (t.Dwarf64) w.Write(off); else w.Write((uint)off);
    }

    private static void Uleb(BinaryWriter w, ulong v)
    {
        do
        {
            var b = (byte)(v & 0x7f);
            v >>= 7;
            if (v != 0) b |= 0x80;
            w.Write(b);
        } while (v != 0);
    }

    private static void Sleb(BinaryWriter w, long v)
    {
        while (true)
        {
            var b = (byte)(v & 0x7f);
            v >>= 7;
            var done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
            if (!done) b |= 0x80;
            w.Write(b);
            if (done) return;
        }
    }
}
