using System.Buffers.Binary;
using System.Text;
using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols.Go;

/// <summary>The pclntab layouts Go has shipped, told apart by the header magic.</summary>
public enum GoPclnLayout
{
    /// <summary>Go 1.2–1.15 (magic 0xfffffffb): one table, offsets from its start, pointer-sized functab.</summary>
    Go12,
    /// <summary>Go 1.16–1.17 (magic 0xfffffffa): separate name, CU, file and pc tables.</summary>
    Go116,
    /// <summary>Go 1.18–1.19 (magic 0xfffffff0): functab as 32-bit offsets from textStart, funcdata relative to go:func.*.</summary>
    Go118,
    /// <summary>Go 1.20 and later (magic 0xfffffff1): _func gains startLine, 16-byte inlinedCall records.</summary>
    Go120,
}

/// <summary>How a table's inline trees are encoded: the record layout and the PCDATA / FUNCDATA slots that locate them (runtime/symtab.go of each version).</summary>
public enum GoInlineEncoding
{
    /// <summary>No inline trees (Go 1.2–1.8, or 1.18+ tables whose go:func.* is unknown).</summary>
    None,
    /// <summary>Go 1.9–1.11: PCDATA 1, FUNCDATA 2, 16-byte records {parent i32, file i32, line i32, func i32}; <c>_func.nfuncdata</c> is an int32.</summary>
    Go19,
    /// <summary>Go 1.12: PCDATA 1, FUNCDATA 2, 20-byte records {parent i16, funcID u8, _ u8, file i32, line i32, func i32, parentPc i32}.</summary>
    Go112,
    /// <summary>Go 1.13–1.15: PCDATA 2, FUNCDATA 4, the 20-byte records of Go 1.12.</summary>
    Go113,
    /// <summary>Go 1.16–1.19: PCDATA 2, FUNCDATA 3, the 20-byte records of Go 1.12.</summary>
    Go116,
    /// <summary>Go 1.20 and later: PCDATA 2, FUNCDATA 3, 16-byte records {funcID u8, _ [3]u8, nameOff i32, parentPc i32, startLine i32}.</summary>
    Go120,
}

/// <summary>One source frame at an address: function, file (null when unknown) and line as the table gives it (≤ 0: unknown).</summary>
public readonly record struct GoFrame(string Function, string? File, int Line);

/// <summary>Where the pclntab sits and what the reader needs besides its bytes.</summary>
/// <param name="Image">Bytes of the memory image holding the table (usually its whole read-only PT_LOAD segment).</param>
/// <param name="ImageAddress">Virtual address of <paramref name="Image"/>[0].</param>
/// <param name="TableOffset">Offset of the pclntab header inside <paramref name="Image"/>.</param>
/// <param name="TableLength">Bytes of the table (from its header to the end of the section or image).</param>
/// <param name="TextStart">Address of runtime.text (1.18+ functab base); null: take it from the header.</param>
/// <param name="GoFunc">Address of go:func.* (1.18+ funcdata base) when known; null: no inlined frames for 1.18+.</param>
/// <param name="GoMinor">Go minor version (1.x) when known; when null, the 1.2 layout's inline encoding (Go 1.9–1.11, 1.12 or
/// 1.13–1.15) is found by validating each candidate against the table's own inline trees.</param>
public readonly record struct GoPclnSource(byte[] Image, ulong ImageAddress, int TableOffset, int TableLength, ulong? TextStart, ulong? GoFunc, int? GoMinor);

/// <summary>
/// Reader of Go's pclntab (runtime/symtab.go, cmd/link/internal/ld/pcln.go, debug/gosym): function names by binary
/// search over the functab, file:line from the pcfile/pcln value tables and inlined frames from FUNCDATA_InlTree with
/// PCDATA_InlTreeIndex, for every layout (<see cref="GoPclnLayout"/>), both byte orders, 4- and 8-byte pointers.
/// The header is checked when the table is opened (<see cref="CaptureFormatException"/>); damage met during a lookup
/// makes that lookup unresolved. Lookups are thread-safe; names and file names are decoded once.
/// </summary>
public sealed class GoPclnTab
{
    // debug/gosym pclntab.go go12magic / go116magic / go118magic; runtime/symtab.go Go120PCLnTabMagic.
    private const uint Magic12 = 0xfffffffb;
    private const uint Magic116 = 0xfffffffa;
    private const uint Magic118 = 0xfffffff0;
    private const uint Magic120 = 0xfffffff1;
    // Where the inline tree is: _PCDATA_InlTreeIndex = 1 and _FUNCDATA_InlTree = 2 in Go 1.9–1.12 (runtime/symtab.go,
    // funcdata.h: StackMapIndex 0, InlTreeIndex 1; ArgsPointerMaps 0, LocalsPointerMaps 1, InlTree 2); Go 1.13 moved
    // RegMapIndex to PCDATA 0 (InlTreeIndex 2) and RegPointerMaps/StackObjects before the tree (_FUNCDATA_InlTree = 4,
    // also 1.14–1.15); Go 1.16 dropped RegPointerMaps (_FUNCDATA_InlTree = 3, _PCDATA_InlTreeIndex = 2 since).
    // sizeof(inlinedCall): 16 in Go 1.9–1.11 {parent i32, file i32, line i32, func_ i32}; 20 in Go 1.12–1.19
    // {parent i16, funcID u8, _ u8, file i32, line i32, func_ i32, parentPc i32}; 16 from Go 1.20
    // {funcID u8, _ [3]u8, nameOff i32, parentPc i32, startLine i32}.
    private const int InlinedCall19Size = 16;
    private const int InlinedCall119Size = 20;
    private const int InlinedCall120Size = 16;
    // Functions whose inline trees are checked per candidate encoding when the 1.2 layout's Go version is unknown.
    private const int DetectTrees = 4000;
    // Largest inline tree index accepted while validating (parent is an int16 in Go 1.12–1.19 records).
    private const int MaxInlineIndex = short.MaxValue;
    // Largest line accepted in a validated inline record (cmd/internal/src keeps lines below 1 << 20... 1 << 24 leaves room).
    private const int MaxRecordLine = 1 << 24;
    // Deepest inline chain followed (the compiler's own inlining budget keeps real chains far shorter).
    private const int MaxInlineDepth = 256;
    // Longest function or file name accepted (runtime names are bounded by the object file's string limits).
    private const int MaxNameLength = 1 << 16;

    private readonly byte[] _img;
    private readonly ulong _imgAddr;
    private readonly int _tab;     // offset of the header in _img
    private readonly int _tabEnd;  // end of the table in _img
    private readonly bool _big;
    private readonly int _ptr;
    private readonly uint _quantum;
    private readonly int _nfunc;
    private readonly ulong _textStart;
    private readonly int _funcnametab, _cutab, _filetab, _pctab, _functab, _funcBase; // offsets in _img
    private readonly int _fieldSize; // functab field size
    private readonly int _filetab12Count;
    private readonly ulong? _goFunc;
    private readonly int? _goMinor;
    private GoInlineEncoding? _inlEnc; // null until known (found lazily for the 1.2 layout of an unknown version)
    private readonly object _lock = new();
    private readonly Dictionary<int, string> _names = [];
    private readonly Dictionary<int, string> _files = [];

    /// <summary>Layout of the table.</summary>
    public GoPclnLayout Layout { get; }
    /// <summary>True for a big-endian table.</summary>
    public bool IsBigEndian => _big;
    /// <summary>Pointer size (4 or 8).</summary>
    public int PointerSize => _ptr;
    /// <summary>Instruction size quantum (1 on x86, 4 on arm64...).</summary>
    public int Quantum => (int)_quantum;
    /// <summary>Number of functions in the functab.</summary>
    public int FunctionCount => _nfunc;
    /// <summary>Address of the first function.</summary>
    public ulong MinPc { get; }
    /// <summary>End address of the last function (the functab's closing entry).</summary>
    public ulong MaxPc { get; }
    /// <summary>Virtual address of the table header.</summary>
    public ulong TableAddress => _imgAddr + (ulong)_tab;
    /// <summary>True when inlined frames can be read (the inline tree's location is known for this layout and version).</summary>
    public bool HasInlineTrees => InlineEncoding != GoInlineEncoding.None;

    /// <summary>
    /// How the inline trees are encoded: from the layout (1.16+), the Go version (1.2 layout of a known version), or else
    /// by validating each candidate encoding of the 1.2 layout against the table (see <see cref="InlineEncodingValidated"/>).
    /// </summary>
    public GoInlineEncoding InlineEncoding
    {
        get
        {
            lock (_lock) return CurrentEncoding();
        }
    }

    /// <summary>True when <see cref="InlineEncoding"/> was found by validating the table's inline trees (1.2 layout, no Go version known).</summary>
    public bool InlineEncodingValidated => Layout == GoPclnLayout.Go12 && _goMinor is null;

    /// <summary>Opens the table described by <paramref name="source"/>; <paramref name="file"/> and <paramref name="fileOffset"/> (of the image) name it in errors.</summary>
    public GoPclnTab(GoPclnSource source, string file, long fileOffset)
    {
        _img = source.Image ?? throw new ArgumentNullException(nameof(source));
        _imgAddr = source.ImageAddress;
        _tab = source.TableOffset;
        if (_tab < 0 || _tab > _img.Length || source.TableLength < 0 || source.TableLength > _img.Length - _tab)
            throw new ArgumentOutOfRangeException(nameof(source), "table outside the image");
        _tabEnd = _tab + source.TableLength;
        long at = fileOffset + _tab;
        if (source.TableLength < 16) throw new CaptureFormatException(file, at, "a Go pclntab header (16 bytes)");
        var le = BinaryPrimitives.ReadUInt32LittleEndian(_img.AsSpan(_tab));
        var be = BinaryPrimitives.ReadUInt32BigEndian(_img.AsSpan(_tab));
        (Layout, _big) = le switch
        {
            Magic12 => (GoPclnLayout.Go12, false),
            Magic116 => (GoPclnLayout.Go116, false),
            Magic118 => (GoPclnLayout.Go118, false),
            Magic120 => (GoPclnLayout.Go120, false),
            _ => be switch
            {
                Magic12 => (GoPclnLayout.Go12, true),
                Magic116 => (GoPclnLayout.Go116, true),
                Magic118 => (GoPclnLayout.Go118, true),
                Magic120 => (GoPclnLayout.Go120, true),
                _ => throw new CaptureFormatException(file, at, "a Go pclntab magic (0xfffffffb, 0xfffffffa, 0xfffffff0 or 0xfffffff1)"),
            },
        };
        // pcHeader: magic u32, pad1 = pad2 = 0, minLC (quantum) 1/2/4, ptrSize 4/8 (debug/gosym parsePclnTab).
        if (_img[_tab + 4] != 0 || _img[_tab + 5] != 0) throw new CaptureFormatException(file, at + 4, "two zero pad bytes after the pclntab magic");
        _quantum = _img[_tab + 6];
        if (_quantum is not (1 or 2 or 4)) throw new CaptureFormatException(file, at + 6, "a pclntab pc quantum of 1, 2 or 4");
        _ptr = _img[_tab + 7];
        if (_ptr is not (4 or 8)) throw new CaptureFormatException(file, at + 7, "a pclntab pointer size of 4 or 8");
        _goFunc = source.GoFunc;

        var tabLen = (ulong)source.TableLength;
        ulong Word(int i)
        {
            var o = 8 + i * _ptr;
            if ((ulong)(o + _ptr) > tabLen) throw new CaptureFormatException(file, at + o, "a complete pclntab header");
            return ReadPtr(_tab + o);
        }
        int Offset(int i, string what)
        {
            var v = Word(i);
            if (v > tabLen) throw new CaptureFormatException(file, at + 8 + i * _ptr, what + " offset inside the pclntab");
            return _tab + (int)v;
        }
        ulong nfunc;
        switch (Layout)
        {
            case GoPclnLayout.Go12:
                nfunc = Word(0);
                _fieldSize = _ptr;
                _funcnametab = _cutab = _pctab = _funcBase = _tab;
                _functab = _tab + 8 + _ptr;
                break;
            case GoPclnLayout.Go116:
                nfunc = Word(0);
                _fieldSize = _ptr;
                _funcnametab = Offset(2, "funcnametab");
                _cutab = Offset(3, "cutab");
                _filetab = Offset(4, "filetab");
                _pctab = Offset(5, "pctab");
                _functab = _funcBase = Offset(6, "pclntable");
                break;
            default:
                nfunc = Word(0);
                _fieldSize = 4;
                _textStart = source.TextStart ?? Word(2);
                _funcnametab = Offset(3, "funcnametab");
                _cutab = Offset(4, "cutab");
                _filetab = Offset(5, "filetab");
                _pctab = Offset(6, "pctab");
                _functab = _funcBase = Offset(7, "pclntable");
                break;
        }
        // The functab holds nfunc (pc, funcoff) pairs and a closing pc: it must fit in the table.
        var room = (ulong)(_tabEnd - _functab) / (ulong)_fieldSize;
        if (nfunc == 0 || nfunc > (room - 1) / 2 || room < 1)
            throw new CaptureFormatException(file, at + 8, FormattableString.Invariant($"a pclntab function count between 1 and {(room > 0 ? (room - 1) / 2 : 0)}"));
        _nfunc = (int)nfunc;
        if (Layout == GoPclnLayout.Go12)
        {
            // After the closing pc: u32 offset of the file table {u32 count, u32 offsets[count]} (go12symtab).
            var fo = _functab + (2 * _nfunc + 1) * _fieldSize;
            if (fo + 4 > _tabEnd) throw new CaptureFormatException(file, fileOffset + fo, "the pclntab file table offset");
            var fileoff = U32(fo);
            if (fileoff > tabLen - 4) throw new CaptureFormatException(file, fileOffset + fo, "a file table offset inside the pclntab");
            _filetab = _tab + (int)fileoff;
            var n = U32(_filetab);
            if (n > (tabLen - fileoff) / 4) throw new CaptureFormatException(file, fileOffset + _filetab, "a file table count that fits in the pclntab");
            _filetab12Count = (int)n;
        }
        MinPc = FuncPc(0);
        MaxPc = FuncPc(_nfunc);
        if (MaxPc < MinPc) throw new CaptureFormatException(file, fileOffset + _functab, "a functab sorted by pc (its last pc below its first)");

        _goMinor = source.GoMinor;
        // Where the inline tree lives: 1.2 layout by version (or validation, lazily), 1.16–1.17 always (pointers),
        // 1.18+ with go:func.* only.
        _inlEnc = Layout switch
        {
            GoPclnLayout.Go12 => source.GoMinor switch
            {
                null => null,
                <= 8 => GoInlineEncoding.None,
                <= 11 => GoInlineEncoding.Go19,
                12 => GoInlineEncoding.Go112,
                _ => GoInlineEncoding.Go113,
            },
            GoPclnLayout.Go116 => GoInlineEncoding.Go116,
            GoPclnLayout.Go118 => _goFunc is not null ? GoInlineEncoding.Go116 : GoInlineEncoding.None,
            _ => _goFunc is not null ? GoInlineEncoding.Go120 : GoInlineEncoding.None,
        };
    }

    /// <summary>The layout a 4-byte magic names (either byte order), or null.</summary>
    public static GoPclnLayout? LayoutOfMagic(ReadOnlySpan<byte> magic)
    {
        if (magic.Length < 4) return null;
        foreach (var v in (ReadOnlySpan<uint>)[BinaryPrimitives.ReadUInt32LittleEndian(magic), BinaryPrimitives.ReadUInt32BigEndian(magic)])
            switch (v)
            {
                case Magic12: return GoPclnLayout.Go12;
                case Magic116: return GoPclnLayout.Go116;
                case Magic118: return GoPclnLayout.Go118;
                case Magic120: return GoPclnLayout.Go120;
            }
        return null;
    }

    /// <summary>Index of the function containing <paramref name="pc"/>, or -1.</summary>
    public int FindFunction(ulong pc)
    {
        try { return Find(pc); }
        catch (Corrupt) { return -1; }
    }

    /// <summary>Entry address of function <paramref name="index"/>.</summary>
    public ulong FunctionEntry(int index) => FuncPc(index);

    /// <summary>Name of function <paramref name="index"/> (null when the table is damaged there).</summary>
    public string? FunctionName(int index)
    {
        if ((uint)index >= (uint)_nfunc) return null;
        try
        {
            lock (_lock) return Name((int)Field(FuncOffset(index), 1));
        }
        catch (Corrupt) { return null; }
    }

    /// <summary>
    /// The frames at <paramref name="pc"/>, innermost (inlined) first and the physical function last, into
    /// <paramref name="frames"/> (cleared first); the entry of the physical function in <paramref name="entry"/>.
    /// False when no function contains the pc or the table is damaged there (then <paramref name="frames"/> is empty).
    /// </summary>
    public bool Resolve(ulong pc, List<GoFrame> frames, out ulong entry)
    {
        ArgumentNullException.ThrowIfNull(frames);
        frames.Clear();
        entry = 0;
        try
        {
            var i = Find(pc);
            if (i < 0) return false;
            lock (_lock) ResolveIn(i, pc, frames, out entry);
            return true;
        }
        catch (Corrupt)
        {
            frames.Clear();
            return false;
        }
    }

    /// <summary>
    /// Test hook: the call-site line each inline record of the chain at <paramref name="pc"/> stores itself (Go 1.12–1.19
    /// records carry one; 1.20+ records do not), innermost first. Each must equal the line of the next frame out.
    /// </summary>
    internal bool InlineRecordLines(ulong pc, List<GoFrame> frames, List<int> recordLines)
    {
        frames.Clear();
        recordLines.Clear();
        try
        {
            var i = Find(pc);
            if (i < 0) return false;
            lock (_lock)
            {
                if (CurrentEncoding() is not (GoInlineEncoding.Go112 or GoInlineEncoding.Go113 or GoInlineEncoding.Go116)) return false;
                ResolveIn(i, pc, frames, out _, recordLines);
            }
            return true;
        }
        catch (Corrupt) { return false; }
    }

    private void ResolveIn(int index, ulong pc, List<GoFrame> frames, out ulong entry, List<int>? recordLines = null)
    {
        var enc = CurrentEncoding();
        var f = FuncOffset(index);
        entry = Entry(f);
        var end = FuncPc(index + 1);
        var name = Name((int)Field(f, 1));
        var inl = InlineTree(f, enc, out var inlPcdata);
        if (inl >= 0 && enc == GoInlineEncoding.Go19)
        {
            ResolveGo19(f, entry, pc, inl, inlPcdata, name, frames);
            return;
        }
        var cur = pc;
        if (inl >= 0)
        {
            var size = enc == GoInlineEncoding.Go120 ? InlinedCall120Size : InlinedCall119Size;
            for (var depth = 0; depth < MaxInlineDepth; depth++)
            {
                var ix = PcValue(inlPcdata, entry, cur);
                if (ix < 0) break;
                var rec = inl + (long)ix * size;
                if (rec < 0 || rec + size > _img.Length) throw new Corrupt();
                int nameOff, parentPc;
                if (enc == GoInlineEncoding.Go120) { nameOff = (int)U32((int)rec + 4); parentPc = (int)U32((int)rec + 8); }
                else
                {
                    nameOff = (int)U32((int)rec + 12);
                    parentPc = (int)U32((int)rec + 16);
                    recordLines?.Add((int)U32((int)rec + 8));
                }
                frames.Add(Position(Name(nameOff), f, entry, cur));
                // The caller's position is that of an instruction at entry + parentPc (runtime inlineUnwinder).
                if (parentPc < 0 || entry + (ulong)parentPc >= end) throw new Corrupt();
                var next = entry + (ulong)parentPc;
                if (next == cur && depth > 0) throw new Corrupt();
                cur = next;
            }
        }
        frames.Add(Position(name, f, entry, cur));
    }

    /// <summary>
    /// Go 1.9–1.11 records have no parentPc: as the runtime of those versions does (traceback.go
    /// printAncestorTracebackFuncInfo, symtab.go Frames), the innermost frame is at the pc's own file:line, each caller at
    /// the file and line its callee's record stores, and the chain follows the records' parent indexes.
    /// </summary>
    private void ResolveGo19(int f, ulong entry, ulong pc, long inl, int inlPcdata, string name, List<GoFrame> frames)
    {
        var file = FileAt(f, entry, pc);
        var line = PcValue((int)Field(f, 6), entry, pc);
        var ix = PcValue(inlPcdata, entry, pc);
        for (var depth = 0; ix >= 0; depth++)
        {
            var rec = inl + (long)ix * InlinedCall19Size;
            if (depth >= MaxInlineDepth || rec < 0 || rec + InlinedCall19Size > _img.Length) throw new Corrupt();
            var parent = (int)U32((int)rec);
            frames.Add(new GoFrame(Name((int)U32((int)rec + 12)), file, line));
            file = File12((int)U32((int)rec + 4));
            line = (int)U32((int)rec + 8);
            // Parents precede their children (cmd/internal/obj pcinlineState.addBranch adds the parent first).
            if (parent >= ix || parent < -1) throw new Corrupt();
            ix = parent;
        }
        frames.Add(new GoFrame(name, file, line));
    }

    private GoFrame Position(string function, int f, ulong entry, ulong pc)
    {
        var line = PcValue((int)Field(f, 6), entry, pc);
        return new GoFrame(function, FileAt(f, entry, pc), line);
    }

    private string? FileAt(int f, ulong entry, ulong pc)
    {
        var fno = PcValue((int)Field(f, 5), entry, pc);
        if (Layout == GoPclnLayout.Go12) return File12(fno);
        if (fno < 0) return null;
        // 1.16+: cutab[cuOffset + fno] is the name's offset in filetab (^0 = none).
        var cu = Field(f, 8);
        var idx = (ulong)cu + (ulong)fno;
        var at = (ulong)_cutab + idx * 4;
        if (at + 4 > (ulong)_tabEnd) throw new Corrupt();
        var off = U32((int)at);
        if (off == uint.MaxValue) return null;
        return CachedString(_files, _filetab, (int)Math.Min(off, int.MaxValue));
    }

    /// <summary>go12symtab: file numbers index the file table from 1; entry i holds the name's offset from the table start.</summary>
    private string? File12(int fno)
    {
        if (fno <= 0 || fno >= _filetab12Count) return null;
        return CachedString(_files, _tab, (int)U32(_filetab + 4 * fno));
    }

    private static (int Pcdata, int Funcdata) Slots(GoInlineEncoding e) => e switch
    {
        GoInlineEncoding.Go19 or GoInlineEncoding.Go112 => (1, 2),
        GoInlineEncoding.Go113 => (2, 4),
        _ => (2, 3),
    };

    /// <summary>Start offset (in the image) of the function's inline tree under encoding <paramref name="enc"/>, or -1; the pcdata table offset in <paramref name="pcdata"/>.</summary>
    private long InlineTree(int f, GoInlineEncoding enc, out int pcdata)
    {
        pcdata = 0;
        if (enc == GoInlineEncoding.None) return -1;
        var (pcIndex, fdIndex) = Slots(enc);
        var hdr = FuncHeaderSize;
        var npcdata = Field(f, 7);
        // nfuncdata: an int32 up to Go 1.11, the last byte of {funcID u8, _ [2]u8, nfuncdata u8} from 1.12 (runtime2.go _func).
        long nfuncdata;
        if (enc == GoInlineEncoding.Go19) nfuncdata = U32(f + hdr - 4);
        else
        {
            CheckRange(f + hdr - 1, 1);
            nfuncdata = _img[f + hdr - 1];
        }
        if (npcdata <= pcIndex || nfuncdata <= fdIndex) return -1;
        if (npcdata > (uint)(_tabEnd - f) || nfuncdata > 255) throw new Corrupt();
        var pcdataAt = f + hdr;
        pcdata = (int)U32(pcdataAt + 4 * pcIndex);
        if (pcdata == 0) return -1;
        var fdAt = (long)pcdataAt + 4L * npcdata;
        ulong target;
        if (Layout is GoPclnLayout.Go12 or GoPclnLayout.Go116)
        {
            // funcdata pointers follow the pcdata, aligned to the pointer size in memory (runtime funcdata()).
            var addr = _imgAddr + (ulong)fdAt;
            var pad = (long)((ulong)_ptr - addr % (ulong)_ptr) % _ptr;
            var p = fdAt + pad + (long)fdIndex * _ptr;
            CheckRange(p, _ptr);
            target = ReadPtr((int)p);
            if (target == 0) return -1;
        }
        else
        {
            // 1.18+: u32 offsets from go:func.* (^0 = none).
            var p = fdAt + 4L * fdIndex;
            CheckRange(p, 4);
            var off = U32((int)p);
            if (off == uint.MaxValue) return -1;
            target = _goFunc!.Value + off;
        }
        if (target < _imgAddr || target - _imgAddr >= (ulong)_img.Length) return -1; // outside what we hold: no inline data
        return (long)(target - _imgAddr);
    }

    /// <summary>The inline encoding, found on first use for a 1.2-layout table of unknown version (caller holds the lock).</summary>
    private GoInlineEncoding CurrentEncoding() => _inlEnc ??= DetectGo12Encoding();

    /// <summary>
    /// The 1.2 layout's inline encoding when no Go version is known (Go 1.9–1.12 binaries have no .go.buildinfo): each
    /// candidate (Go 1.9–1.11, 1.12, 1.13–1.15) reads the inline trees of up to <see cref="DetectTrees"/> functions and
    /// every record they reach is checked (parent before child, file index inside the file table, plausible line, a
    /// name that is a NUL-terminated printable string of the table, parentPc inside the function). The candidate with
    /// valid trees and no invalid one wins; with none (Go ≤ 1.8, no inlining), or a tie, there are no inlined frames.
    /// </summary>
    private GoInlineEncoding DetectGo12Encoding()
    {
        var best = GoInlineEncoding.None;
        var bestValid = 0;
        var tie = false;
        foreach (var e in (ReadOnlySpan<GoInlineEncoding>)[GoInlineEncoding.Go19, GoInlineEncoding.Go112, GoInlineEncoding.Go113])
        {
            var (valid, invalid) = ScoreEncoding(e, DetectTrees);
            if (invalid > 0 || valid == 0) continue;
            if (valid > bestValid) { best = e; bestValid = valid; tie = false; }
            else if (valid == bestValid) tie = true;
        }
        return tie ? GoInlineEncoding.None : best;
    }

    /// <summary>Counts the functions whose inline tree under <paramref name="enc"/> is valid or invalid, until <paramref name="limit"/> trees were seen.</summary>
    internal (int Valid, int Invalid) ScoreEncoding(GoInlineEncoding enc, int limit)
    {
        int valid = 0, invalid = 0;
        var seen = new HashSet<int>();
        for (var i = 0; i < _nfunc && valid + invalid < limit; i++)
        {
            try
            {
                var f = FuncOffset(i);
                var entry = Entry(f);
                var end = FuncPc(i + 1);
                var inl = InlineTree(f, enc, out var pcdata);
                if (inl < 0) continue;
                seen.Clear();
                // A tree no pc reaches (an inlined call whose code was optimised away) says nothing either way.
                switch (CheckTree(enc, inl, pcdata, entry, end, seen))
                {
                    case > 0: valid++; break;
                    case < 0: invalid++; break;
                }
            }
            catch (Corrupt) { invalid++; }
        }
        return (valid, invalid);
    }

    /// <summary>
    /// Walks the whole PCDATA_InlTreeIndex table of a function and checks every record it reaches (and their parents):
    /// 1 when all are valid, -1 when one is not, 0 when the table reaches no record.
    /// </summary>
    private int CheckTree(GoInlineEncoding enc, long inl, int pcdata, ulong entry, ulong end, HashSet<int> seen)
    {
        var p = (long)_pctab + (uint)pcdata;
        if (p >= _tabEnd) return -1;
        var val = -1;
        var pc = entry;
        var any = false;
        while (pc < end)
        {
            var uv = Varint(ref p);
            if (uv == 0 && pc != entry) break;
            var delta = (uv & 1) != 0 ? (int)~(uv >> 1) : (int)(uv >> 1);
            pc += Varint(ref p) * (ulong)_quantum;
            val = unchecked(val + delta);
            if (val < -1 || val > MaxInlineIndex) return -1;
            for (var ix = val; ix >= 0 && seen.Add(ix);)
            {
                any = true;
                if (!RecordIsValid(enc, inl, ix, end - entry, out var parent)) return -1;
                ix = parent;
            }
        }
        return any ? 1 : 0;
    }

    private bool RecordIsValid(GoInlineEncoding enc, long inl, int ix, ulong size, out int parent)
    {
        parent = -1;
        var recSize = enc == GoInlineEncoding.Go19 ? InlinedCall19Size : InlinedCall119Size;
        var rec = inl + (long)ix * recSize;
        if (rec < 0 || rec + recSize > _img.Length) return false;
        var r = (int)rec;
        if (enc == GoInlineEncoding.Go19) parent = (int)U32(r);
        else
        {
            // {parent i16, funcID u8, _ u8}: a struct, so the bytes keep their places in either byte order.
            parent = _big ? (short)(_img[r] << 8 | _img[r + 1]) : (short)(_img[r] | _img[r + 1] << 8);
            if (_img[r + 3] != 0) return false;
            var parentPc = (int)U32(r + 16);
            if (parentPc < 0 || (ulong)parentPc >= size) return false;
        }
        if (parent < -1 || parent >= ix) return false;
        var file = (int)U32(r + 4);
        var line = (int)U32(r + 8);
        if (file <= 0 || file >= _filetab12Count || line < 0 || line > MaxRecordLine) return false;
        return NameLooksValid((int)U32(r + 12));
    }

    /// <summary>True when a name offset points at a non-empty, NUL-terminated string of printable bytes inside the table.</summary>
    private bool NameLooksValid(int off)
    {
        var at = (long)_funcnametab + (uint)off;
        if (off < 0 || at >= _tabEnd) return false;
        var span = _img.AsSpan((int)at, (int)Math.Min(_tabEnd - at, 4096));
        var nul = span.IndexOf((byte)0);
        if (nul <= 0) return false;
        foreach (var b in span[..nul])
            if (b < 0x20 || b == 0x7f) return false;
        return true;
    }

    private int FuncHeaderSize => Layout switch
    {
        // entry, then 4-byte fields up to and including the one ending with nfuncdata (runtime2.go / symtab.go _func).
        GoPclnLayout.Go12 => _ptr + 8 * 4,
        GoPclnLayout.Go116 => _ptr + 9 * 4,
        GoPclnLayout.Go118 => 4 + 9 * 4,
        _ => 4 + 10 * 4,
    };

    private int Find(ulong pc)
    {
        if (pc < MinPc || pc >= MaxPc) return -1;
        int lo = 0, hi = _nfunc; // invariant: FuncPc(lo) <= pc < FuncPc(hi)
        while (hi - lo > 1)
        {
            var mid = lo + (hi - lo) / 2;
            if (FuncPc(mid) <= pc) lo = mid; else hi = mid;
        }
        return lo;
    }

    private ulong FuncPc(int i)
    {
        var at = (long)_functab + 2L * i * _fieldSize;
        CheckRange(at, _fieldSize);
        return _fieldSize == 4 ? U32((int)at) + (Layout >= GoPclnLayout.Go118 ? _textStart : 0) : ReadPtr((int)at);
    }

    private int FuncOffset(int i)
    {
        if ((uint)i >= (uint)_nfunc) throw new Corrupt();
        var at = (long)_functab + (2L * i + 1) * _fieldSize;
        CheckRange(at, _fieldSize);
        var off = _fieldSize == 4 ? U32((int)at) : ReadPtr((int)at);
        var f = (ulong)_funcBase + off;
        if (off > (ulong)_tabEnd || f + (ulong)FuncHeaderSize > (ulong)_tabEnd) throw new Corrupt();
        return (int)f;
    }

    private ulong Entry(int f) => Layout >= GoPclnLayout.Go118 ? U32(f) + _textStart : ReadPtr(f);

    /// <summary>The n-th 4-byte field of a _func (n ≥ 1: nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset...).</summary>
    private uint Field(int f, int n) => U32(f + (Layout >= GoPclnLayout.Go118 ? 4 : _ptr) + (n - 1) * 4);

    private string Name(int off) => CachedString(_names, _funcnametab, off) ?? throw new Corrupt();

    private string? CachedString(Dictionary<int, string> cache, int table, int off)
    {
        var at = (long)table + (uint)off;
        if (off < 0 || at >= _tabEnd) throw new Corrupt();
        if (cache.TryGetValue((int)at, out var s)) return s;
        var span = _img.AsSpan((int)at, (int)Math.Min(_tabEnd - at, MaxNameLength));
        var nul = span.IndexOf((byte)0);
        if (nul < 0) throw new Corrupt();
        s = Encoding.UTF8.GetString(span[..nul]);
        cache[(int)at] = s;
        return s;
    }

    /// <summary>The value of the pc-value table at <paramref name="tableOff"/> (from pctab) for <paramref name="target"/>; -1 when absent.</summary>
    private int PcValue(int tableOff, ulong entry, ulong target)
    {
        if (tableOff == 0) return -1;
        var p = (long)_pctab + (uint)tableOff;
        if (p >= _tabEnd) throw new Corrupt();
        var val = -1;
        var pc = entry;
        // Each step reads at least two bytes, so the loop ends with the table. As in the runtime's pcvalue, a zero value
        // delta ends the table except while the pc is still at the entry (steps that do not move the pc).
        while (true)
        {
            var uv = Varint(ref p);
            if (uv == 0 && pc != entry) return -1;
            var delta = (uv & 1) != 0 ? (int)~(uv >> 1) : (int)(uv >> 1);
            var pcDelta = Varint(ref p) * (ulong)_quantum;
            pc += pcDelta;
            val = unchecked(val + delta);
            if (target < pc) return val;
        }
    }

    private uint Varint(ref long p)
    {
        uint v = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (p >= _tabEnd) throw new Corrupt();
            var b = _img[p++];
            v |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new Corrupt();
    }

    private void CheckRange(long at, int size)
    {
        if (at < 0 || at + size > _img.Length) throw new Corrupt();
    }

    private uint U32(int at)
    {
        CheckRange(at, 4);
        return _big ? BinaryPrimitives.ReadUInt32BigEndian(_img.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(_img.AsSpan(at));
    }

    private ulong ReadPtr(int at)
    {
        if (_ptr == 4) return U32(at);
        CheckRange(at, 8);
        return _big ? BinaryPrimitives.ReadUInt64BigEndian(_img.AsSpan(at)) : BinaryPrimitives.ReadUInt64LittleEndian(_img.AsSpan(at));
    }

    /// <summary>Damage met during a lookup; caught at the public boundary and turned into an unresolved frame.</summary>
    private sealed class Corrupt : Exception;
}
