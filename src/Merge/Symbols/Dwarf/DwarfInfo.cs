using static Stackweave.Merge.Symbols.Dwarf.DwarfConstants;

namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>A function instance with code: a subprogram, or an inlined subroutine nested in its caller.</summary>
internal sealed class DwarfFunction
{
    /// <summary>Offset of its DIE in <c>.debug_info</c>.</summary>
    public ulong Die;
    /// <summary>The function it was inlined into (null for a subprogram).</summary>
    public DwarfFunction? Caller;
    /// <summary>Inlined subroutines directly inside it.</summary>
    public List<DwarfFunction>? Inlined;
    /// <summary>Address ranges [low, high).</summary>
    public (ulong Low, ulong High)[] Ranges = [];
    /// <summary>DW_AT_call_file as a path (inlined subroutines), or null.</summary>
    public string? CallFile;
    /// <summary>DW_AT_call_line (inlined subroutines), 0 when absent.</summary>
    public int CallLine;

    /// <summary>True when <paramref name="address"/> is in one of its ranges; <paramref name="size"/> is that range's size.</summary>
    public bool Contains(ulong address, out ulong size)
    {
        foreach (var (lo, hi) in Ranges)
            if (address >= lo && address < hi) { size = hi - lo; return true; }
        size = 0;
        return false;
    }
}

/// <summary>The naming attributes of one subprogram or inlined-subroutine DIE, kept to resolve abstract origins and specifications.</summary>
internal readonly record struct DwarfNameDie(string? Name, string? Linkage, ulong Origin, ulong Specification, string? DeclFile, int DeclLine, bool MangledLanguage);

/// <summary>
/// Reads the parts of <c>.debug_info</c> that symbolization needs: every compilation unit's subprograms with code and the
/// tree of inlined subroutines in each (DW_AT_call_file/call_line, abstract origins and specifications, also across units
/// through DW_FORM_ref_addr), address ranges (DW_AT_low_pc/high_pc, DW_AT_ranges over <c>.debug_ranges</c> or
/// <c>.debug_rnglists</c>), strings (<c>.debug_str</c>, <c>.debug_line_str</c>, <c>.debug_str_offsets</c>), indexed
/// addresses (<c>.debug_addr</c>) and each unit's line program. DWARF 2–5; type units and split (.dwo) units are skipped.
/// </summary>
internal sealed class DwarfInfo
{
    private const ulong NoRef = ulong.MaxValue;
    // Deepest DIE nesting followed; deeper trees are damaged or hostile.
    private const int MaxDepth = 4096;

    private readonly DwarfSection _info;
    private readonly DwarfSection _abbrev;
    private readonly DwarfSection? _str, _lineStr, _strOffsets, _addr, _ranges, _rnglists, _line;
    private readonly Dictionary<ulong, Dictionary<ulong, Abbrev>> _abbrevTables = [];

    /// <summary>Naming DIEs by offset.</summary>
    public Dictionary<ulong, DwarfNameDie> Names { get; } = [];
    /// <summary>Subprograms with code.</summary>
    public List<DwarfFunction> Subprograms { get; } = [];
    /// <summary>Every unit's decoded line program.</summary>
    public List<DwarfLineProgram> LinePrograms { get; } = [];

    private sealed record Abbrev(ulong Tag, bool HasChildren, (ulong At, ulong Form, long Implicit)[] Attrs);

    private sealed class Unit
    {
        public ulong Offset;
        public int Version;
        public int AddressSize;
        public bool Dwarf64;
        public ulong StrOffsetsBase = NoRef;
        public ulong AddrBase;
        public ulong RnglistsBase;
        public ulong BaseAddress;
        public bool Mangled;
        public string?[] Files = [];
    }

    /// <summary>Reads every unit of <paramref name="info"/>.</summary>
    public DwarfInfo(DwarfSection info, DwarfSection abbrev, DwarfSection? str, DwarfSection? lineStr, DwarfSection? strOffsets,
        DwarfSection? addr, DwarfSection? ranges, DwarfSection? rnglists, DwarfSection? line)
    {
        _info = info; _abbrev = abbrev; _str = str; _lineStr = lineStr; _strOffsets = strOffsets; _addr = addr;
        _ranges = ranges; _rnglists = rnglists; _line = line;
        var c = info.At(0);
        while (c.Remaining > 0)
        {
            var unitStart = c.Pos;
            var (length, dwarf64) = c.InitialLength();
            if (length > (ulong)c.Remaining) c.Fail("a unit inside .debug_info (unit_length)");
            var end = c.Pos + (int)length;
            ReadUnit(info.At((ulong)unitStart, (ulong)end), (ulong)unitStart, dwarf64);
            c.Pos = end;
        }
    }

    private void ReadUnit(DwarfCursor c, ulong unitOffset, bool dwarf64)
    {
        c.InitialLength();
        var u = new Unit { Offset = unitOffset, Dwarf64 = dwarf64 };
        u.Version = c.U16();
        if (u.Version is < 2 or > 5) c.Fail(FormattableString.Invariant($"a unit version from 2 to 5, not {u.Version}"));
        ulong abbrevOffset;
        if (u.Version >= 5)
        {
            var type = c.U8();
            u.AddressSize = c.U8();
            abbrevOffset = c.Offset(dwarf64);
            switch (type)
            {
                case UtCompile or UtPartial: break;
                case UtSkeleton: c.U64(); break; // dwo_id: the code's description is in a .dwo file (not read)
                default: return;                  // type units and split units carry no code addresses
            }
        }
        else
        {
            abbrevOffset = c.Offset(dwarf64);
            u.AddressSize = c.U8();
        }
        if (u.AddressSize is not (1 or 2 or 4 or 8)) c.Fail(FormattableString.Invariant($"an address size of 1, 2, 4 or 8, not {u.AddressSize}"));
        var abbrevs = Abbrevs(abbrevOffset);

        // The unit DIE first: its bases are needed to read the other DIEs' strings, addresses and ranges.
        var code = c.Uleb();
        if (code == 0) return;
        if (!abbrevs.TryGetValue(code, out var top)) c.Fail(FormattableString.Invariant($"abbreviation code {code} defined in .debug_abbrev"));
        var attrs = ReadAttributes(ref c, u, top);
        foreach (var a in attrs)
        {
            switch (a.At)
            {
                case AtStrOffsetsBase: u.StrOffsetsBase = a.Value; break;
                case AtAddrBase or AtGnuAddrBase: u.AddrBase = a.Value; break;
                case AtRnglistsBase: u.RnglistsBase = a.Value; break;
                case AtLanguage: u.Mangled = IsMangledLanguage(a.Value); break;
            }
        }
        string? compDir = null;
        ulong stmtList = NoRef;
        foreach (var a in attrs)
        {
            switch (a.At)
            {
                case AtLowPc: u.BaseAddress = Address(u, a); break;
                case AtCompDir: compDir = String(u, a); break;
                case AtStmtList: stmtList = a.Value; break;
            }
        }
        if (stmtList != NoRef && _line is not null)
        {
            var prog = DwarfLineProgram.Parse(_line, stmtList, _lineStr, _str, compDir, u.AddressSize, i => StrIndex(u, i));
            LinePrograms.Add(prog);
            u.Files = prog.Files;
        }
        if (!top.HasChildren) return;

        // The DIE tree: a stack of the nearest enclosing function of each open DIE with children.
        var stack = new List<DwarfFunction?>();
        stack.Add(null);
        while (c.Remaining > 0 && stack.Count > 0)
        {
            var dieOffset = (ulong)c.Pos;
            code = c.Uleb();
            if (code == 0)
            {
                stack.RemoveAt(stack.Count - 1);
                continue;
            }
            if (!abbrevs.TryGetValue(code, out var ab)) c.Fail(FormattableString.Invariant($"abbreviation code {code} defined in .debug_abbrev"));
            var enclosing = stack[^1];
            DwarfFunction? fn = null;
            if (ab.Tag is TagSubprogram or TagInlinedSubroutine)
            {
                attrs = ReadAttributes(ref c, u, ab);
                fn = Function(u, ab.Tag, dieOffset, attrs, enclosing);
            }
            else SkipAttributes(ref c, u, ab);
            if (ab.HasChildren)
            {
                if (stack.Count >= MaxDepth) c.Fail("DIEs nested at most 4096 deep");
                stack.Add(fn ?? enclosing);
            }
        }
    }

    private DwarfFunction? Function(Unit u, ulong tag, ulong die, List<Attr> attrs, DwarfFunction? enclosing)
    {
        string? name = null, linkage = null, declFile = null, callFile = null;
        ulong origin = NoRef, spec = NoRef, low = 0, high = 0;
        var declLine = 0;
        var callLine = 0;
        bool hasLow = false, hasHigh = false, highIsOffset = false;
        Attr? rangesAttr = null;
        foreach (var a in attrs)
        {
            switch (a.At)
            {
                case AtName: name = String(u, a); break;
                case AtLinkageName or AtMipsLinkageName: linkage = String(u, a); break;
                case AtAbstractOrigin: origin = a.Kind == AttrKind.Ref ? a.Value : NoRef; break;
                case AtSpecification: spec = a.Kind == AttrKind.Ref ? a.Value : NoRef; break;
                case AtDeclFile: declFile = File(u, a.Value); break;
                case AtDeclLine: declLine = Clamp(a.Value); break;
                case AtCallFile: callFile = File(u, a.Value); break;
                case AtCallLine: callLine = Clamp(a.Value); break;
                case AtLowPc: low = Address(u, a); hasLow = true; break;
                case AtHighPc:
                    hasHigh = true;
                    if (a.Kind is AttrKind.Address or AttrKind.AddressIndex) high = Address(u, a);
                    else { high = a.Value; highIsOffset = true; }
                    break;
                case AtRanges: rangesAttr = a; break;
            }
        }
        Names[die] = new DwarfNameDie(name, linkage, origin, spec, declFile, declLine, u.Mangled);
        (ulong, ulong)[]? ranges = null;
        if (hasLow && hasHigh)
        {
            if (highIsOffset) high = low + high;
            if (high > low) ranges = [(low, high)];
        }
        else if (rangesAttr is { } r) ranges = Ranges(u, r);
        if (ranges is null || ranges.Length == 0) return null;
        var fn = new DwarfFunction { Die = die, Ranges = ranges, CallFile = callFile, CallLine = callLine };
        if (tag == TagInlinedSubroutine && enclosing is not null)
        {
            fn.Caller = enclosing;
            (enclosing.Inlined ??= []).Add(fn);
        }
        else if (tag == TagSubprogram) Subprograms.Add(fn);
        else Subprograms.Add(fn); // an inlined subroutine outside any function: treat it as one
        return fn;
    }

    private static int Clamp(ulong v) => v > int.MaxValue ? int.MaxValue : (int)v;

    private static string? File(Unit u, ulong index) => index < (ulong)u.Files.Length ? u.Files[(int)index] : null;

    private enum AttrKind : byte { Constant, Address, AddressIndex, Ref, Strp, LineStrp, StrIndex, InlineString, SecOffset, RnglistIndex, Other }

    private readonly record struct Attr(ulong At, AttrKind Kind, ulong Value);

    private string? String(Unit u, Attr a) => a.Kind switch
    {
        AttrKind.InlineString => _info.StringAt(a.Value),
        AttrKind.Strp => _str?.StringAt(a.Value),
        AttrKind.LineStrp => _lineStr?.StringAt(a.Value),
        AttrKind.StrIndex => StrIndex(u, a.Value),
        _ => null,
    };

    private string? StrIndex(Unit u, ulong index)
    {
        if (_strOffsets is null || _str is null) return null;
        var size = u.Dwarf64 ? 8UL : 4UL;
        // DWARF 5 section 7.26: without DW_AT_str_offsets_base, the first table starts after its 8- or 16-byte header.
        var b = u.StrOffsetsBase != NoRef ? u.StrOffsetsBase : (u.Dwarf64 ? 16UL : 8UL);
        if (index > ((ulong)_strOffsets.Data.Length) / size) _strOffsets.Fail(b, "a string index inside .debug_str_offsets");
        var c = _strOffsets.At(b + index * size, b + index * size + size);
        return _str.StringAt(c.Offset(u.Dwarf64));
    }

    private ulong Address(Unit u, Attr a)
    {
        if (a.Kind != AttrKind.AddressIndex) return a.Value;
        return IndexedAddress(u, a.Value);
    }

    private ulong IndexedAddress(Unit u, ulong index)
    {
        if (_addr is null) _info.Fail(u.Offset, "a .debug_addr section for an indexed address");
        var size = (ulong)u.AddressSize;
        if (index > (ulong)_addr.Data.Length / size) _addr.Fail(u.AddrBase, "an address index inside .debug_addr");
        var at = u.AddrBase + index * size;
        var c = _addr.At(at, at + size);
        return c.Sized(u.AddressSize);
    }

    private (ulong, ulong)[] Ranges(Unit u, Attr a)
    {
        var list = new List<(ulong, ulong)>();
        if (u.Version < 5)
        {
            if (_ranges is null) return [];
            // .debug_ranges (DWARF 4 section 2.17.3): pairs of addresses; (0, 0) ends; (max, x) selects base x.
            var c = _ranges.At(a.Value);
            var max = u.AddressSize == 8 ? ulong.MaxValue : (1UL << (u.AddressSize * 8)) - 1;
            var baseAddr = u.BaseAddress;
            while (true)
            {
                var b = c.Sized(u.AddressSize);
                var e = c.Sized(u.AddressSize);
                if (b == 0 && e == 0) break;
                if (b == max) { baseAddr = e; continue; }
                if (e > b) list.Add((baseAddr + b, baseAddr + e));
                if (list.Count > 1 << 20) c.Fail("a range list of at most 2^20 entries");
            }
            return list.ToArray();
        }
        if (_rnglists is null) return [];
        ulong offset;
        if (a.Kind == AttrKind.RnglistIndex)
        {
            // DWARF 5 section 7.28: the offsets table after the header holds offsets relative to DW_AT_rnglists_base.
            var size = u.Dwarf64 ? 8UL : 4UL;
            var at = u.RnglistsBase + a.Value * size;
            if (a.Value > (ulong)_rnglists.Data.Length / size) _rnglists.Fail(u.RnglistsBase, "a range list index inside .debug_rnglists");
            var oc = _rnglists.At(at, at + size);
            offset = u.RnglistsBase + oc.Offset(u.Dwarf64);
        }
        else offset = a.Value;
        var r = _rnglists.At(offset);
        var baseA = u.BaseAddress;
        while (true)
        {
            var kind = r.U8();
            switch (kind)
            {
                case RleEndOfList: return list.ToArray();
                case RleBaseAddressx: baseA = IndexedAddress(u, r.Uleb()); break;
                case RleStartxEndx: { var s = IndexedAddress(u, r.Uleb()); var e = IndexedAddress(u, r.Uleb()); Add(list, s, e); break; }
                case RleStartxLength: { var s = IndexedAddress(u, r.Uleb()); var l = r.Uleb(); Add(list, s, s + l); break; }
                case RleOffsetPair: { var s = r.Uleb(); var e = r.Uleb(); Add(list, baseA + s, baseA + e); break; }
                case RleBaseAddress: baseA = r.Sized(u.AddressSize); break;
                case RleStartEnd: { var s = r.Sized(u.AddressSize); var e = r.Sized(u.AddressSize); Add(list, s, e); break; }
                case RleStartLength: { var s = r.Sized(u.AddressSize); var l = r.Uleb(); Add(list, s, s + l); break; }
                default: r.Fail(FormattableString.Invariant($"a DW_RLE_* range list entry kind (0-7), not {kind}")); break;
            }
            if (list.Count > 1 << 20) r.Fail("a range list of at most 2^20 entries");
        }
    }

    private static void Add(List<(ulong, ulong)> list, ulong s, ulong e)
    {
        if (e > s) list.Add((s, e));
    }

    private Dictionary<ulong, Abbrev> Abbrevs(ulong offset)
    {
        if (_abbrevTables.TryGetValue(offset, out var t)) return t;
        t = [];
        var c = _abbrev.At(offset);
        var attrs = new List<(ulong, ulong, long)>();
        while (true)
        {
            var code = c.Uleb();
            if (code == 0) break;
            var tag = c.Uleb();
            var children = c.U8() != 0;
            attrs.Clear();
            while (true)
            {
                var at = c.Uleb();
                var form = c.Uleb();
                if (at == 0 && form == 0) break;
                var implicitValue = form == FormImplicitConst ? c.Sleb() : 0;
                attrs.Add((at, form, implicitValue));
            }
            t[code] = new Abbrev(tag, children, attrs.ToArray());
        }
        _abbrevTables[offset] = t;
        return t;
    }

    private List<Attr> ReadAttributes(ref DwarfCursor c, Unit u, Abbrev ab)
    {
        var list = new List<Attr>(ab.Attrs.Length);
        foreach (var (at, form, imp) in ab.Attrs)
        {
            var kind = ReadForm(ref c, u, form, imp, out var v);
            list.Add(new Attr(at, kind, v));
        }
        return list;
    }

    private void SkipAttributes(ref DwarfCursor c, Unit u, Abbrev ab)
    {
        foreach (var (_, form, imp) in ab.Attrs) ReadForm(ref c, u, form, imp, out _);
    }

    private AttrKind ReadForm(ref DwarfCursor c, Unit u, ulong form, long implicitValue, out ulong value)
    {
        var kind = ReadRaw(ref c, u, form, implicitValue, out value, out var unitRelative);
        // DW_FORM_ref1/2/4/8/udata are offsets from the unit header; DW_FORM_ref_addr is already a section offset.
        if (unitRelative) value = unchecked(value + u.Offset);
        return kind;
    }

    private static AttrKind ReadRaw(ref DwarfCursor c, Unit u, ulong form, long implicitValue, out ulong value, out bool unitRelative)
    {
        unitRelative = form is FormRef1 or FormRef2 or FormRef4 or FormRef8 or FormRefUdata;
        for (var hops = 0; ; hops++)
        {
            switch (form)
            {
                case FormAddr: value = c.Sized(u.AddressSize); return AttrKind.Address;
                case FormData1 or FormRef1 or FormFlag or FormStrx1 or FormAddrx1:
                    value = c.U8(); return Kind(form, u);
                case FormData2 or FormRef2 or FormStrx2 or FormAddrx2:
                    value = c.U16(); return Kind(form, u);
                case FormStrx3 or FormAddrx3:
                    value = c.U24(); return Kind(form, u);
                case FormData4 or FormRef4 or FormStrx4 or FormAddrx4 or FormRefSup4:
                    value = c.U32(); return Kind(form, u);
                case FormData8 or FormRef8 or FormRefSig8 or FormRefSup8:
                    value = c.U64(); return Kind(form, u);
                case FormData16: c.Skip(16); value = 0; return AttrKind.Other;
                case FormSdata: value = unchecked((ulong)c.Sleb()); return AttrKind.Constant;
                case FormUdata or FormRefUdata or FormStrx or FormAddrx or FormLoclistx or FormRnglistx or FormGnuAddrIndex or FormGnuStrIndex:
                    value = c.Uleb(); return Kind(form, u);
                case FormString: value = (ulong)c.Pos; c.SkipCString(); return AttrKind.InlineString;
                case FormStrp or FormLineStrp or FormSecOffset or FormStrpSup or FormGnuRefAlt or FormGnuStrpAlt:
                    value = c.Offset(u.Dwarf64); return Kind(form, u);
                case FormRefAddr:
                    // DWARF 2 wrote DW_FORM_ref_addr with the address size; DWARF 3 and later with the offset size.
                    value = u.Version <= 2 ? c.Sized(u.AddressSize) : c.Offset(u.Dwarf64);
                    return AttrKind.Ref;
                case FormBlock1: c.Skip(c.U8()); value = 0; return AttrKind.Other;
                case FormBlock2: c.Skip(c.U16()); value = 0; return AttrKind.Other;
                case FormBlock4: c.Skip(c.U32()); value = 0; return AttrKind.Other;
                case FormBlock or FormExprloc: c.Skip(c.Uleb()); value = 0; return AttrKind.Other;
                case FormFlagPresent: value = 1; return AttrKind.Constant;
                case FormImplicitConst: value = unchecked((ulong)implicitValue); return AttrKind.Constant;
                case FormIndirect:
                    if (hops > 8) c.Fail("a DW_FORM_indirect chain of at most 8 hops");
                    form = c.Uleb();
                    unitRelative = form is FormRef1 or FormRef2 or FormRef4 or FormRef8 or FormRefUdata;
                    continue;
                default:
                    c.Fail(FormattableString.Invariant($"a known attribute form, not 0x{form:x}"));
                    value = 0;
                    return AttrKind.Other;
            }
        }
    }

    private static AttrKind Kind(ulong form, Unit _) => form switch
    {
        FormRef1 or FormRef2 or FormRef4 or FormRef8 or FormRefUdata => AttrKind.Ref,
        FormStrx or FormStrx1 or FormStrx2 or FormStrx3 or FormStrx4 or FormGnuStrIndex => AttrKind.StrIndex,
        FormAddrx or FormAddrx1 or FormAddrx2 or FormAddrx3 or FormAddrx4 or FormGnuAddrIndex => AttrKind.AddressIndex,
        FormStrp => AttrKind.Strp,
        FormLineStrp => AttrKind.LineStrp,
        FormSecOffset => AttrKind.SecOffset,
        FormRnglistx => AttrKind.RnglistIndex,
        FormRefSig8 or FormRefSup4 or FormRefSup8 or FormStrpSup or FormGnuRefAlt or FormGnuStrpAlt or FormLoclistx => AttrKind.Other,
        _ => AttrKind.Constant,
    };
}
