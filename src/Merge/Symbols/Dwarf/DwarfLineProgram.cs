using static Stackweave.Merge.Symbols.Dwarf.DwarfConstants;

namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>One row of a line-number matrix: an address, a file (index into the program's file names), a line.</summary>
internal readonly record struct LineRow(ulong Address, int File, int Line, bool EndSequence);

/// <summary>
/// One decoded line-number program of <c>.debug_line</c> (DWARF 2–5, section 6.2 of the DWARF 5 specification):
/// the header's directory and file tables (v5 entry formats with DW_FORM_string/line_strp/strp/strx*/udata/data*/data16
/// MD5/block) resolved to paths as binutils' addr2line joins them, and the rows of the matrix in program order.
/// </summary>
internal sealed class DwarfLineProgram
{
    /// <summary>Header version (2–5).</summary>
    public int Version { get; private init; }
    /// <summary>File paths by the program's file number (DWARF 5: from 0; earlier: entry 0 is null, files from 1).</summary>
    public string?[] Files { get; private init; } = [];
    /// <summary>Rows in program order; each sequence ends with a row whose <see cref="LineRow.EndSequence"/> is set.</summary>
    public List<LineRow> Rows { get; private init; } = [];

    /// <summary>Largest number of file entries accepted before they are read (each takes at least one byte).</summary>
    private const int MaxEntries = 1 << 24;

    /// <summary>
    /// Decodes the program at <paramref name="offset"/>. <paramref name="compDir"/> is the unit's DW_AT_comp_dir (relative
    /// directories are joined to it); <paramref name="strx"/> resolves DW_FORM_strx* indexes (null when there is no
    /// <c>.debug_str_offsets</c>).
    /// </summary>
    public static DwarfLineProgram Parse(DwarfSection line, ulong offset, DwarfSection? lineStr, DwarfSection? str, string? compDir, int unitAddressSize, Func<ulong, string?>? strx = null)
    {
        var c = line.At(offset);
        var (length, dwarf64) = c.InitialLength();
        if (length > (ulong)c.Remaining) c.Fail("a line program inside the section (unit_length)");
        var end = c.Pos + (int)length;
        c.End = end;
        var version = c.U16();
        if (version is < 2 or > 5) c.Fail(FormattableString.Invariant($"a line program version from 2 to 5, not {version}"));
        var addressSize = unitAddressSize;
        if (version >= 5)
        {
            addressSize = c.U8();
            c.U8(); // segment_selector_size
        }
        var headerLength = c.Offset(dwarf64);
        if (headerLength > (ulong)c.Remaining) c.Fail("header_length inside the line program");
        var programStart = c.Pos + (int)headerLength;
        var minInst = c.U8();
        var maxOps = version >= 4 ? c.U8() : (byte)1;
        var defaultIsStmt = c.U8();
        _ = defaultIsStmt;
        var lineBase = c.S8();
        var lineRange = c.U8();
        var opcodeBase = c.U8();
        if (lineRange == 0) c.Fail("a non-zero line_range");
        if (maxOps == 0) c.Fail("a non-zero maximum_operations_per_instruction");
        Span<byte> stdLengths = stackalloc byte[256];
        for (var i = 1; i < opcodeBase; i++) stdLengths[i] = c.U8();

        string?[] files;
        if (version >= 5)
        {
            var dirs = ReadEntries(ref c, line, lineStr, str, strx, dwarf64, isFiles: false, null, compDir);
            files = ReadEntries(ref c, line, lineStr, str, strx, dwarf64, isFiles: true, dirs, compDir);
        }
        else
        {
            var dirs = new List<string> { compDir ?? "" };
            while (true)
            {
                var d = c.CString();
                if (d.Length == 0) break;
                dirs.Add(d);
            }
            var list = new List<string?> { null };
            while (true)
            {
                var name = c.CString();
                if (name.Length == 0) break;
                var dir = c.Uleb();
                c.Uleb(); // mtime
                c.Uleb(); // length
                list.Add(JoinV4(name, dir, dirs, compDir));
            }
            files = list.ToArray();
        }

        if (programStart > end) c.Fail("header_length inside the line program");
        c.Pos = programStart;
        var fileList = new List<string?>(files);
        var rows = new List<LineRow>();
        Run(ref c, rows, minInst, maxOps, lineBase, lineRange, opcodeBase, stdLengths[..Math.Max(1, (int)opcodeBase)], addressSize, version, fileList, compDir);
        return new DwarfLineProgram { Version = version, Files = fileList.ToArray(), Rows = rows };
    }

    private static string JoinV4(string name, ulong dir, List<string> dirs, string? compDir)
    {
        // binutils dwarf2.c concat_filename: a relative name goes under its directory; a relative directory (or none) under comp_dir.
        if (IsAbsolute(name)) return name;
        string? sub = dir != 0 && dir < (ulong)dirs.Count ? dirs[(int)dir] : null;
        return Join(name, sub, compDir);
    }

    private static string Join(string name, string? sub, string? compDir)
    {
        if (IsAbsolute(name)) return name;
        string? dirName = null;
        if (sub is null || !IsAbsolute(sub)) dirName = compDir;
        if (string.IsNullOrEmpty(dirName)) { dirName = sub; sub = null; }
        if (string.IsNullOrEmpty(dirName)) return name;
        return string.IsNullOrEmpty(sub) ? dirName + "/" + name : dirName + "/" + sub + "/" + name;
    }

    private static bool IsAbsolute(string p) => p.Length > 0 && (p[0] == '/' || (p.Length > 2 && p[1] == ':' && (p[2] == '/' || p[2] == '\\')));

    private static string?[] ReadEntries(ref DwarfCursor c, DwarfSection line, DwarfSection? lineStr, DwarfSection? str, Func<ulong, string?>? strx,
        bool dwarf64, bool isFiles, string?[]? dirs, string? compDir)
    {
        var formatCount = c.U8();
        Span<(ulong Type, ulong Form)> formats = stackalloc (ulong, ulong)[formatCount];
        for (var i = 0; i < formatCount; i++) formats[i] = (c.Uleb(), c.Uleb());
        var count = c.Uleb();
        // Each entry takes at least one byte when it has any field; refuse counts the data cannot hold.
        if (formatCount > 0 && count > (ulong)Math.Min(c.Remaining, MaxEntries)) c.Fail("a directory/file count the header can hold");
        if (formatCount == 0 && count > MaxEntries) c.Fail("a directory/file count the header can hold");
        var result = new string?[(int)count];
        for (var e = 0; e < (int)count; e++)
        {
            string? path = null;
            ulong dir = 0;
            for (var f = 0; f < formatCount; f++)
            {
                var (type, form) = formats[f];
                switch (form)
                {
                    case FormString: { var s = c.CString(); if (type == LnctPath) path = s; break; }
                    case FormLineStrp:
                    {
                        var o = c.Offset(dwarf64);
                        if (type == LnctPath) path = lineStr is null ? null : lineStr.StringAt(o);
                        break;
                    }
                    case FormStrp:
                    {
                        var o = c.Offset(dwarf64);
                        if (type == LnctPath) path = str is null ? null : str.StringAt(o);
                        break;
                    }
                    case FormStrx or FormStrx1 or FormStrx2 or FormStrx3 or FormStrx4:
                    {
                        var idx = form switch { FormStrx => c.Uleb(), FormStrx1 => c.U8(), FormStrx2 => c.U16(), FormStrx3 => c.U24(), _ => c.U32() };
                        if (type == LnctPath) path = strx?.Invoke(idx);
                        break;
                    }
                    case FormUdata: { var v = c.Uleb(); if (type == LnctDirectoryIndex) dir = v; break; }
                    case FormData1: { ulong v = c.U8(); if (type == LnctDirectoryIndex) dir = v; break; }
                    case FormData2: { ulong v = c.U16(); if (type == LnctDirectoryIndex) dir = v; break; }
                    case FormData4: { ulong v = c.U32(); if (type == LnctDirectoryIndex) dir = v; break; }
                    case FormData8: { var v = c.U64(); if (type == LnctDirectoryIndex) dir = v; break; }
                    case FormData16: c.Skip(16); break; // DW_LNCT_MD5
                    case FormBlock: c.Skip(c.Uleb()); break;
                    case FormBlock1: c.Skip(c.U8()); break;
                    case FormBlock2: c.Skip(c.U16()); break;
                    case FormBlock4: c.Skip(c.U32()); break;
                    default: c.Fail(FormattableString.Invariant($"a form allowed in a line table entry format, not 0x{form:x}")); break;
                }
            }
            if (!isFiles) result[e] = path ?? "";
            else if (path is null) result[e] = null;
            else
            {
                // DWARF 5: directory 0 is the compilation directory itself, so every entry names a directory.
                string? sub = dirs is not null && dir < (ulong)dirs.Length ? dirs[(int)dir] : null;
                result[e] = dir == 0 ? Join(path, null, compDir ?? sub) : Join(path, sub, compDir);
            }
        }
        return result;
    }

    private static void Run(ref DwarfCursor c, List<LineRow> rows, byte minInst, byte maxOps, sbyte lineBase, byte lineRange, byte opcodeBase,
        ReadOnlySpan<byte> stdLengths, int addressSize, int version, List<string?> files, string? compDir)
    {
        // State machine registers (DWARF 5 section 6.2.2). The file register starts at 1, but binutils 2.40 (addr2line,
        // perf's srcline) names the rows before the first DW_LNS_set_file of a DWARF 5 program by file 0, the primary
        // source file; g++ makes entries 0 and 1 equal except under LTO, where entry 0 is "<artificial>". Follow binutils.
        var firstFile = version >= 5 ? 0 : 1;
        ulong address = 0;
        ulong opIndex = 0;
        var file = firstFile;
        var line = 1L;
        while (!c.AtEnd)
        {
            var op = c.U8();
            if (op >= opcodeBase)
            {
                var adjusted = op - opcodeBase;
                Advance(ref address, ref opIndex, (ulong)(adjusted / lineRange), minInst, maxOps);
                line += lineBase + adjusted % lineRange;
                rows.Add(new LineRow(address, file, ClampLine(line), false));
                continue;
            }
            switch (op)
            {
                case 0:
                {
                    var len = c.Uleb();
                    if (len == 0 || len > (ulong)c.Remaining) c.Fail("an extended opcode inside the line program");
                    var next = c.Pos + (int)len;
                    var sub = c.U8();
                    switch (sub)
                    {
                        case LneEndSequence:
                            rows.Add(new LineRow(address, file, ClampLine(line), true));
                            address = 0; opIndex = 0; file = firstFile; line = 1;
                            break;
                        case LneSetAddress:
                        {
                            var size = (int)len - 1;
                            address = size is 1 or 2 or 4 or 8 ? c.Sized(size) : c.Sized(addressSize);
                            opIndex = 0;
                            break;
                        }
                        case LneDefineFile when version < 5:
                        {
                            var name = c.CString();
                            c.Uleb(); c.Uleb(); c.Uleb();
                            files.Add(IsAbsolute(name) || compDir is null ? name : compDir + "/" + name);
                            break;
                        }
                        default:
                            break; // DW_LNE_set_discriminator and vendor opcodes: skipped by length
                    }
                    c.Pos = next;
                    break;
                }
                case LnsCopy:
                    rows.Add(new LineRow(address, file, ClampLine(line), false));
                    break;
                case LnsAdvancePc:
                    Advance(ref address, ref opIndex, c.Uleb(), minInst, maxOps);
                    break;
                case LnsAdvanceLine:
                    line += c.Sleb();
                    break;
                case LnsSetFile:
                {
                    var f = c.Uleb();
                    file = f > int.MaxValue ? int.MaxValue : (int)f;
                    break;
                }
                case LnsConstAddPc:
                    Advance(ref address, ref opIndex, (ulong)((255 - opcodeBase) / lineRange), minInst, maxOps);
                    break;
                case LnsFixedAdvancePc:
                    address += c.U16();
                    opIndex = 0;
                    break;
                case LnsSetColumn:
                case LnsSetIsa:
                    c.Uleb();
                    break;
                case LnsNegateStmt:
                case LnsSetBasicBlock:
                case LnsSetPrologueEnd:
                case LnsSetEpilogueBegin:
                    break;
                default:
                    // An opcode this reader does not know: its operand count is in standard_opcode_lengths.
                    for (var i = 0; i < stdLengths[op]; i++) c.Uleb();
                    break;
            }
        }
    }

    private static int ClampLine(long line) => line < 0 ? 0 : line > int.MaxValue ? int.MaxValue : (int)line;

    private static void Advance(ref ulong address, ref ulong opIndex, ulong opAdvance, byte minInst, byte maxOps)
    {
        if (maxOps == 1)
        {
            address += minInst * opAdvance;
            return;
        }
        // VLIW (DWARF 5 section 6.2.5.1): the operation advance moves op_index and, by whole instructions, the address.
        var total = opIndex + opAdvance;
        address += minInst * (total / maxOps);
        opIndex = total % maxOps;
    }
}
