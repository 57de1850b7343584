using System.Text;

namespace Stackweave.Testing;

/// <summary>The pclntab layouts the writer can produce (runtime/symtab.go magics 0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1).</summary>
public enum GoTableLayout
{
    /// <summary>Go 1.2–1.15 (the inline tree as <see cref="GoTableSpec.Go12Minor"/> writes it).</summary>
    Go12,
    /// <summary>Go 1.16–1.17.</summary>
    Go116,
    /// <summary>Go 1.18–1.19.</summary>
    Go118,
    /// <summary>Go 1.20+.</summary>
    Go120,
}

/// <summary>A run of instructions with one position: length in pc quanta, file and name indexes, line, inline tree index (-1: the function itself).</summary>
public sealed record GoRangeSpec(int Length, int File, int Line, int Inline);

/// <summary>An inline tree entry: the inlined function's name index, its parent entry (-1: the function) and the range whose start is the call site (parentPc).</summary>
public sealed record GoInlineSpec(int Name, int Parent, int ParentRange);

/// <summary>A function: name index, its ranges in pc order and its inline tree.</summary>
public sealed record GoFuncSpec(int Name, IReadOnlyList<GoRangeSpec> Ranges, IReadOnlyList<GoInlineSpec> Inlines);

/// <summary>
/// A whole table to write; <paramref name="Go12Minor"/> is the Go version the 1.2 layout's inline trees are written for:
/// 9–11 (16-byte records, PCDATA 1, FUNCDATA 2, int32 nfuncdata), 12 (20-byte records, PCDATA 1, FUNCDATA 2) or 13–15
/// (20-byte records, PCDATA 2, FUNCDATA 4).
/// </summary>
public sealed record GoTableSpec(GoTableLayout Layout, bool BigEndian, int PointerSize, int Quantum, ulong TextStart,
    IReadOnlyList<string> Names, IReadOnlyList<string> Files, IReadOnlyList<GoFuncSpec> Funcs, int Go12Minor = 15);

/// <summary>
/// A written table: the memory image (table at offset 0, then the inline trees, where go:func.* would be), its address,
/// the table's length, the address of go:func.* (1.18+) and the Go minor version the 1.2 layout stands for.
/// </summary>
public sealed record GoTableImage(byte[] Image, ulong ImageAddress, int TableLength, ulong? GoFunc, int GoMinor);

/// <summary>
/// Test-only writer of Go pclntabs in every layout, both byte orders, 4- and 8-byte pointers (field layouts from
/// runtime/symtab.go and cmd/link/internal/ld/pcln.go of each Go version): functab, _func records with pcfile, pcln and
/// PCDATA_InlTreeIndex value tables, file tables and FUNCDATA_InlTree inline records. Functions are laid out one
/// after the other from <see cref="GoTableSpec.TextStart"/>.
/// </summary>
public static class GoPclnTabWriter
{
    /// <summary>Address the image is placed at.</summary>
    public const ulong ImageAddress = 0x600000;

    /// <summary>Entry address of each function (and, last, the end of the last one).</summary>
    public static ulong[] Entries(GoTableSpec spec)
    {
        var e = new ulong[spec.Funcs.Count + 1];
        e[0] = spec.TextStart;
        for (var i = 0; i < spec.Funcs.Count; i++)
            e[i + 1] = e[i] + (ulong)spec.Funcs[i].Ranges.Sum(r => r.Length) * (ulong)spec.Quantum;
        return e;
    }

    /// <summary>Writes the table and its inline trees.</summary>
    public static GoTableImage Write(GoTableSpec spec)
    {
        var ptr = spec.PointerSize;
        var b = new EndianBuffer(spec.BigEndian, 4096);
        var entries = Entries(spec);
        var n = spec.Funcs.Count;
        var l12 = spec.Layout == GoTableLayout.Go12;
        var l118 = spec.Layout is GoTableLayout.Go118 or GoTableLayout.Go120;
        // Header: magic, two zero pads, quantum, pointer size, then pointer-sized words.
        b.U32(spec.Layout switch { GoTableLayout.Go12 => 0xfffffffb, GoTableLayout.Go116 => 0xfffffffa, GoTableLayout.Go118 => 0xfffffff0, _ => 0xfffffff1 });
        b.U8(0); b.U8(0); b.U8((byte)spec.Quantum); b.U8((byte)ptr);
        var words = l12 ? 1 : l118 ? 8 : 7;
        var wordAt = b.Length;
        for (var i = 0; i < words; i++) Ptr(b, ptr, 0);
        void Word(int i, ulong v) => PatchPtr(b, ptr, wordAt + i * ptr, v);
        Word(0, (ulong)n);
        if (!l12) Word(1, (ulong)spec.Files.Count);
        if (l118) Word(2, spec.TextStart);
        int WordIndex(int i116) => l118 ? i116 + 1 : i116; // 1.18 inserts textStart at word 2

        // Go 1.2: functab right after the header, then the file-table offset; everything else follows, offsets from 0.
        var fieldSize = l118 ? 4 : ptr;
        var functabAt = -1;
        if (l12)
        {
            functabAt = b.Length;
            b.Zeros((2 * n + 1) * fieldSize + 4);
        }

        // Names.
        var nametabAt = l12 ? 0 : b.Length;
        if (!l12) Word(WordIndex(2), (ulong)nametabAt);
        var nameOff = new int[spec.Names.Count];
        for (var i = 0; i < spec.Names.Count; i++)
        {
            nameOff[i] = b.Length - nametabAt;
            b.Bytes(Encoding.UTF8.GetBytes(spec.Names[i])); b.U8(0);
        }
        // Files: 1.2 = {u32 count, u32 offset[count]} (index 0 is the count itself) with names from 0;
        // 1.16+ = cutab (one CU: u32 offset per file) and filetab (the names).
        var fileBase = l12 ? 1 : 0;
        if (l12)
        {
            var strs = new int[spec.Files.Count];
            for (var i = 0; i < spec.Files.Count; i++) { strs[i] = b.Length; b.Bytes(Encoding.UTF8.GetBytes(spec.Files[i])); b.U8(0); }
            b.PadTo(4);
            b.PatchU32(functabAt + (2 * n + 1) * fieldSize, (uint)b.Length);
            b.U32((uint)(spec.Files.Count + 1));
            foreach (var s in strs) b.U32((uint)s);
        }
        else
        {
            b.PadTo(4);
            var cutabAt = b.Length;
            Word(WordIndex(3), (ulong)cutabAt);
            b.Zeros(4 * spec.Files.Count);
            var filetabAt = b.Length;
            Word(WordIndex(4), (ulong)filetabAt);
            for (var i = 0; i < spec.Files.Count; i++)
            {
                b.PatchU32(cutabAt + 4 * i, (uint)(b.Length - filetabAt));
                b.Bytes(Encoding.UTF8.GetBytes(spec.Files[i])); b.U8(0);
            }
        }
        // pc-value tables; offset 0 means "no table", so 1.16+ pctab starts with a pad byte.
        var pctabAt = l12 ? 0 : b.Length;
        if (!l12) { Word(WordIndex(5), (ulong)pctabAt); b.U8(0); }
        var tables = new (int File, int Line, int Inl)[n];
        for (var i = 0; i < n; i++)
        {
            var f = spec.Funcs[i];
            var lens = f.Ranges.Select(r => r.Length).ToArray();
            tables[i].File = PcValueTable(b, pctabAt, lens, f.Ranges.Select(r => r.File + fileBase).ToArray());
            tables[i].Line = PcValueTable(b, pctabAt, lens, f.Ranges.Select(r => r.Line).ToArray());
            tables[i].Inl = f.Inlines.Count == 0 ? 0 : PcValueTable(b, pctabAt, lens, f.Ranges.Select(r => r.Inline).ToArray());
        }
        // pclntable: (1.16+) the functab, then the _func records.
        b.PadTo(8);
        var pclnAt = l12 ? 0 : b.Length;
        if (!l12)
        {
            Word(WordIndex(6), (ulong)pclnAt);
            functabAt = b.Length;
            b.Zeros((2 * n + 1) * fieldSize);
            b.PadTo(8);
        }
        // _func records: funcdata slots point at inline records placed after the table (patched below).
        // runtime/symtab.go: _FUNCDATA_InlTree 2 (Go 1.9–1.12), 4 (1.13–1.15), 3 (1.16+); _PCDATA_InlTreeIndex 1 (1.9–1.12), else 2.
        var go19 = l12 && spec.Go12Minor <= 11;
        var inlFuncdata = l12 ? spec.Go12Minor <= 12 ? 2 : 4 : 3;
        var inlPcdata = l12 && spec.Go12Minor <= 12 ? 1 : 2;
        var inlSlots = new List<(int At, int Func)>();
        for (var i = 0; i < n; i++)
        {
            b.PadTo(8);
            var at = b.Length;
            var entryField = l118 ? 4 : ptr;
            PatchField(b, functabAt + 2 * i * fieldSize, fieldSize, l118 ? entries[i] - spec.TextStart : entries[i]);
            PatchField(b, functabAt + (2 * i + 1) * fieldSize, fieldSize, (ulong)(at - pclnAt));
            if (l118) b.U32((uint)(entries[i] - spec.TextStart)); else Ptr(b, ptr, entries[i]);
            _ = entryField;
            b.U32((uint)nameOff[spec.Funcs[i].Name]); // nameoff
            b.U32(0); b.U32(0); b.U32(0);            // args, deferreturn (Go ≤ 1.11: unused frame size), pcsp
            b.U32((uint)tables[i].File);               // pcfile
            b.U32((uint)tables[i].Line);               // pcln
            b.U32((uint)(inlPcdata + 1));              // npcdata (… up to InlTreeIndex)
            if (!l12) b.U32(0);                        // cuOffset
            if (spec.Layout == GoTableLayout.Go120) b.U32(0); // startLine
            if (go19) b.U32((uint)(inlFuncdata + 1));  // nfuncdata int32 (Go ≤ 1.11)
            else { b.U8(0); b.U8(0); b.U8(0); b.U8((byte)(inlFuncdata + 1)); } // funcID, flag/pad, pad, nfuncdata
            for (var k = 0; k <= inlPcdata; k++) b.U32(k == inlPcdata ? (uint)tables[i].Inl : 0);
            if (l118)
            {
                for (var k = 0; k <= inlFuncdata; k++)
                {
                    if (k == inlFuncdata && spec.Funcs[i].Inlines.Count > 0) inlSlots.Add((b.Length, i));
                    b.U32(uint.MaxValue);
                }
            }
            else
            {
                b.PadTo(ptr); // the image sits at an 8-aligned address, so this is the runtime's pointer alignment
                for (var k = 0; k <= inlFuncdata; k++)
                {
                    if (k == inlFuncdata && spec.Funcs[i].Inlines.Count > 0) inlSlots.Add((b.Length, i));
                    Ptr(b, ptr, 0);
                }
            }
        }
        PatchField(b, functabAt + 2 * n * fieldSize, fieldSize, l118 ? entries[n] - spec.TextStart : entries[n]);
        var tableLength = b.Length;

        // go:func.*: the inline records, after the table.
        b.PadTo(8);
        var gofuncAt = b.Length;
        b.U64(0); // an offset of 0 from go:func.* is never a tree here
        foreach (var (slot, i) in inlSlots)
        {
            b.PadTo(4);
            var recAt = b.Length;
            var ranges = spec.Funcs[i].Ranges;
            foreach (var inl in spec.Funcs[i].Inlines)
            {
                var parentPc = ranges.Take(inl.ParentRange).Sum(r => r.Length) * spec.Quantum;
                // The call site: the file (1.2 layout: numbered from 1) and line of the range parentPc starts.
                var site = ranges[inl.ParentRange];
                if (spec.Layout == GoTableLayout.Go120)
                {
                    b.U8(0); b.Zeros(3); b.U32((uint)nameOff[inl.Name]); b.I32(parentPc); b.I32(0);
                }
                else if (go19)
                {
                    b.I32(inl.Parent); b.I32(site.File + fileBase); b.I32(site.Line); b.U32((uint)nameOff[inl.Name]);
                }
                else
                {
                    b.U16(unchecked((ushort)(short)inl.Parent)); b.U8(0); b.U8(0); b.I32(site.File + fileBase); b.I32(site.Line); b.U32((uint)nameOff[inl.Name]); b.I32(parentPc);
                }
            }
            if (l118) b.PatchU32(slot, (uint)(recAt - gofuncAt));
            else PatchPtr(b, ptr, slot, ImageAddress + (ulong)recAt);
        }
        return new GoTableImage(b.ToArray(), ImageAddress, tableLength, l118 ? ImageAddress + (ulong)gofuncAt : null, spec.Go12Minor);
    }

    /// <summary>Appends a pc-value table (runtime pcvalue encoding: zig-zag value delta, pc delta in quanta, 0 ends) and returns its offset from <paramref name="pctab"/>.</summary>
    private static int PcValueTable(EndianBuffer b, int pctab, int[] lengths, int[] values)
    {
        var at = b.Length - pctab;
        var prev = -1;
        for (var i = 0; i < lengths.Length;)
        {
            var v = values[i];
            var len = 0;
            while (i < lengths.Length && values[i] == v) len += lengths[i++];
            var delta = v - prev;
            var uv = delta < 0 ? ((uint)~delta << 1) | 1 : (uint)delta << 1;
            Varint(b, uv);
            Varint(b, (uint)len);
            prev = v;
        }
        b.U8(0);
        return at;
    }

    private static void Varint(EndianBuffer b, uint v)
    {
        while (v >= 0x80) { b.U8((byte)(v | 0x80)); v >>= 7; }
        b.U8((byte)v);
    }

    private static void Ptr(EndianBuffer b, int ptr, ulong v)
    {
        if (ptr == 4) b.U32((uint)v); else b.U64(v);
    }

    private static void PatchPtr(EndianBuffer b, int ptr, int at, ulong v)
    {
        if (ptr == 4) b.PatchU32(at, (uint)v); else b.PatchU64(at, v);
    }

    private static void PatchField(EndianBuffer b, int at, int size, ulong v) => PatchPtr(b, size, at, v);
}
