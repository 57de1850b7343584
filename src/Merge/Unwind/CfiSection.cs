using System.Buffers.Binary;

namespace Stackweave.Merge.Unwind;

/// <summary>A parsed Common Information Entry (DWARF 5 §6.4.1; .eh_frame form per LSB Core §10.6.1.1).</summary>
internal sealed class Cie
{
    public byte Version;
    public ulong CodeAlign;
    public long DataAlign;
    public int RaColumn;
    public byte FdeEncoding = DwarfConstants.PeAbsptr;
    public bool HasAugmentationData;
    public bool IsSignalFrame;
    public int AddressSize = 8;
    public int InitialStart, InitialEnd;
    /// <summary>Rules after the initial instructions (what DW_CFA_restore returns to).</summary>
    public CfiRow? Initial;
}

/// <summary>A Frame Description Entry's header: the pc range it covers and where its instructions are.</summary>
internal readonly record struct Fde(int Offset, ulong PcBegin, ulong PcEnd, Cie Cie, int InstrStart, int InstrEnd);

/// <summary>
/// One call frame information section: <c>.eh_frame</c> (with its <c>.eh_frame_hdr</c> search table when given) or
/// <c>.debug_frame</c>. Finds the FDE covering a pc and keeps each FDE's unwind plan once it is built.
/// </summary>
internal sealed class CfiSection
{
    private readonly byte[] _data;
    private readonly ulong _address;
    private readonly bool _isEh;
    private readonly int _addressSize;
    private readonly byte[]? _hdr;
    private readonly ulong _hdrAddress;
    private int _hdrCount;
    private int _hdrTable = -1;
    private ulong[]? _starts;
    private int[]? _offsets;
    private readonly Dictionary<int, Cie> _cies = [];
    private readonly Dictionary<int, UnwindPlan> _plans = [];
    private readonly int _columns;

    /// <summary>FDEs the index scan could not read (section damaged past that point).</summary>
    public int BadEntries { get; private set; }

    public CfiSection(byte[] data, ulong address, bool isEh, byte[]? hdr, ulong hdrAddress, int addressSize, int columns)
    {
        _data = data;
        _address = address;
        _isEh = isEh;
        _hdr = hdr;
        _hdrAddress = hdrAddress;
        _addressSize = addressSize;
        _columns = columns;
        if (isEh && hdr is not null) ReadHeader();
    }

    public byte[] Data => _data;

    /// <summary>.eh_frame_hdr (LSB Core §10.6.2): version 1, eh_frame_ptr_enc, fde_count_enc, table_enc, then a sorted table.</summary>
    private void ReadHeader()
    {
        try
        {
            var c = new DwarfCursor(_hdr);
            if (c.U8() != 1) return;
            var ptrEnc = c.U8();
            var countEnc = c.U8();
            var tableEnc = c.U8();
            c.Encoded(ptrEnc, _hdrAddress, _hdrAddress, _addressSize); // eh_frame_ptr: the section is already known
            if (countEnc == DwarfConstants.PeOmit || tableEnc != (DwarfConstants.PeDatarel | DwarfConstants.PeSdata4)) return;
            var count = c.Encoded(countEnc, _hdrAddress, _hdrAddress, _addressSize);
            // each entry is two sdata4 values; a count the section cannot hold is damage
            if (count > (ulong)((_hdr!.Length - c.Position) / 8)) return;
            _hdrCount = (int)count;
            _hdrTable = c.Position;
        }
        catch (CfiException) { _hdrTable = -1; }
    }

    /// <summary>The FDE covering <paramref name="pc"/> (an address in the ELF's own address space).</summary>
    public bool TryFind(ulong pc, out Fde fde)
    {
        fde = default;
        int offset;
        if (_hdrTable >= 0)
        {
            // binary search: the last entry whose initial location is ≤ pc
            int lo = 0, hi = _hdrCount - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                var start = _hdrAddress + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(_hdr.AsSpan(_hdrTable + mid * 8));
                if (start <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
            }
            if (found < 0) return false;
            var fdeAddress = _hdrAddress + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(_hdr.AsSpan(_hdrTable + found * 8 + 4));
            var rel = fdeAddress - _address;
            if (rel >= (ulong)_data.Length) return false;
            offset = (int)rel;
        }
        else
        {
            EnsureIndex();
            var starts = _starts!;
            int lo = 0, hi = starts.Length - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (starts[mid] <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
            }
            if (found < 0) return false;
            offset = _offsets![found];
        }
        if (!TryReadEntry(offset, out var e, out _) || e is not { } f) return false;
        if (pc < f.PcBegin || pc >= f.PcEnd) return false;
        fde = f;
        return true;
    }

    /// <summary>Builds (once) the pc-sorted FDE index by scanning every entry.</summary>
    private void EnsureIndex()
    {
        if (_starts is not null) return;
        var list = new List<(ulong Start, int Offset)>();
        var offset = 0;
        while (offset < _data.Length)
        {
            bool ok;
            Fde? fde;
            int next;
            try { ok = TryReadEntry(offset, out fde, out next); }
            catch (CfiException) { ok = false; fde = null; next = -1; }
            if (!ok && next < 0) { BadEntries++; break; }
            if (fde is { } f && f.PcEnd > f.PcBegin) list.Add((f.PcBegin, f.Offset));
            if (next <= offset) break; // eh_frame terminator
            offset = next;
        }
        list.Sort((a, b) => a.Start.CompareTo(b.Start));
        _starts = new ulong[list.Count];
        _offsets = new int[list.Count];
        for (var i = 0; i < list.Count; i++) { _starts[i] = list[i].Start; _offsets[i] = list[i].Offset; }
    }

    /// <summary>Reads the entry at <paramref name="offset"/>: an FDE (fde set), a CIE (fde null, true), or damage (false).</summary>
    private bool TryReadEntry(int offset, out Fde? fde, out int next)
    {
        fde = null;
        next = -1;
        try
        {
            var c = new DwarfCursor(_data, offset);
            ulong length = c.U32();
            var is64 = false;
            if (length == 0xffffffff) { length = c.U64(); is64 = true; } // DWARF 64-bit format (DWARF 5 §7.4)
            if (length == 0) { next = _isEh ? offset : c.Position; return true; } // .eh_frame terminator
            var bodyStart = c.Position;
            if (length > (ulong)(_data.Length - bodyStart)) return false;
            var end = bodyStart + (int)length;
            next = end;
            var idPos = c.Position;
            var id = is64 ? c.U64() : c.U32();
            var isCie = _isEh ? id == 0 : id == (is64 ? ulong.MaxValue : 0xffffffff);
            if (isCie) return true;
            // .eh_frame: the CIE pointer is relative to its own field; .debug_frame: an offset into the section
            long cieOffset = _isEh ? idPos - (long)id : (long)id;
            if (cieOffset < 0 || cieOffset >= _data.Length) return false;
            var cie = CieAt((int)cieOffset);
            var pcBegin = c.Encoded(cie.FdeEncoding, _address, 0, cie.AddressSize);
            var range = c.Encoded((byte)(cie.FdeEncoding & 0x0f), _address, 0, cie.AddressSize);
            if (cie.HasAugmentationData) c.Skip(c.Uleb());
            if (c.Position > end) return false;
            var pcEnd = pcBegin + range < pcBegin ? ulong.MaxValue : pcBegin + range;
            fde = new Fde(offset, pcBegin, pcEnd, cie, c.Position, end);
            return true;
        }
        catch (CfiException) { return false; }
    }

    private Cie CieAt(int offset)
    {
        if (_cies.TryGetValue(offset, out var known)) return known;
        var c = new DwarfCursor(_data, offset);
        ulong length = c.U32();
        var is64 = false;
        if (length == 0xffffffff) { length = c.U64(); is64 = true; }
        if (length == 0 || length > (ulong)(_data.Length - c.Position)) throw new CfiException("bad CIE length");
        var end = c.Position + (int)length;
        var id = is64 ? c.U64() : c.U32();
        if (_isEh ? id != 0 : id != (is64 ? ulong.MaxValue : 0xffffffff)) throw new CfiException("FDE points at a non-CIE");
        var cie = new Cie { AddressSize = _addressSize };
        cie.Version = c.U8();
        if (cie.Version is not (1 or 3 or 4)) throw new CfiException("unsupported CIE version");
        var aug = c.CString();
        if (aug.Length >= 2 && aug[0] == (byte)'e' && aug[1] == (byte)'h') c.Skip((ulong)_addressSize); // old GCC "eh": a pointer
        if (cie.Version >= 4)
        {
            cie.AddressSize = c.U8();
            if (cie.AddressSize is not (4 or 8)) throw new CfiException("bad CIE address size");
            c.U8(); // segment_selector_size
        }
        cie.CodeAlign = c.Uleb();
        cie.DataAlign = c.Sleb();
        cie.RaColumn = cie.Version == 1 ? c.U8() : (int)Math.Min(c.Uleb(), int.MaxValue);
        if (aug.Length > 0 && aug[0] == (byte)'z')
        {
            cie.HasAugmentationData = true;
            var augLen = c.Uleb();
            var augStart = c.Position;
            if (augLen > (ulong)(end - augStart)) throw new CfiException("bad augmentation length");
            for (var i = 1; i < aug.Length; i++)
            {
                var ch = aug[i];
                if (ch == (byte)'R') cie.FdeEncoding = c.U8();
                else if (ch == (byte)'L') c.U8(); // LSDA encoding: only exception handling needs the LSDA
                else if (ch == (byte)'P')
                {
                    var penc = c.U8();
                    // the personality routine's address (maybe indirect): read and ignored
                    c.Encoded((byte)(penc & 0x7f), _address, 0, cie.AddressSize);
                }
                else if (ch == (byte)'S') cie.IsSignalFrame = true;
                else if (ch == (byte)'B' || ch == (byte)'G') { } // AArch64 BTI / MTE tagged frames: no data
                else break; // unknown: the augmentation length lets us skip the rest
            }
            c.Position = augStart + (int)augLen;
        }
        else if (aug.Length > 0 && !(aug.Length == 2 && aug[0] == (byte)'e' && aug[1] == (byte)'h'))
            throw new CfiException("unknown CIE augmentation");
        cie.InitialStart = c.Position;
        cie.InitialEnd = end;
        if (cie.InitialStart > end) throw new CfiException("CIE header past its end");
        _cies[offset] = cie;
        return cie;
    }

    /// <summary>The unwind plan of an FDE (its CFA program run once into rows), built on first use and kept.</summary>
    public UnwindPlan PlanOf(in Fde fde)
    {
        if (_plans.TryGetValue(fde.Offset, out var plan)) return plan;
        plan = CfiProgram.Run(_data, fde, _address, _columns);
        _plans[fde.Offset] = plan;
        return plan;
    }
}
