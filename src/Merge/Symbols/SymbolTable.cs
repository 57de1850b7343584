using static Stackweave.Merge.Symbols.ElfConstants;

namespace Stackweave.Merge.Symbols;

/// <summary>A symbol as the table keeps it: [Start, End) in the table's address space, ELF binding and type.</summary>
public readonly record struct SymbolEntry(ulong Start, ulong End, string Name, byte Binding, byte Type, string? Module = null)
{
    /// <summary>Length used by perf's alias choice: the kallsyms name still carries its "\t[module]" suffix then.</summary>
    internal int PerfNameLength => Name.Length + (Module is null ? 0 : Module.Length + 3);
}

/// <summary>The result of a lookup: the symbol and the address's offset from its start.</summary>
public readonly record struct SymbolHit(SymbolEntry Symbol, ulong Offset)
{
    /// <summary>Symbol name.</summary>
    public string Name => Symbol.Name;
    /// <summary>perf script's rendering: <c>name+0xoff</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"{Symbol.Name}+0x{Offset:x}");
}

/// <summary>
/// A sorted symbol table built the way perf 6.1 builds a dso's (tools/perf/util/symbol.c): zero-size symbols
/// are extended to the next symbol (symbols__fixup_end), then aliases at one address are reduced to one
/// (symbols__fixup_duplicate / choose_best_symbol), and lookups follow symbols__find.
/// </summary>
public sealed class SymbolTable
{
    // perf symbols__fixup_end: the last zero-size symbol ends one page (4096) past its rounded-up start.
    private const ulong Page = 4096;
    // How many earlier symbols a lookup checks for one that encloses the address (overlapping symbols are rare).
    private const int EnclosingScan = 8;

    private readonly ulong[] _starts;
    private readonly SymbolEntry[] _symbols;

    /// <summary>Builds the table from unsorted symbols whose zero size means "unknown" (End == Start).</summary>
    public SymbolTable(IEnumerable<SymbolEntry> symbols)
    {
        // sorting copies into a new array, so a caller's list is read as it is
        var sorted = StableSortByStart(symbols as List<SymbolEntry> ?? new List<SymbolEntry>(symbols));
        FixupEnd(sorted);
        _symbols = FixupDuplicate(sorted);
        _starts = new ulong[_symbols.Length];
        for (var i = 0; i < _symbols.Length; i++) _starts[i] = _symbols[i].Start;
    }

    private SymbolTable(SymbolEntry[] fixedSymbols)
    {
        _symbols = fixedSymbols;
        _starts = new ulong[_symbols.Length];
        for (var i = 0; i < _symbols.Length; i++) _starts[i] = _symbols[i].Start;
    }

    /// <summary>A copy with more symbols inserted as they are (no end or alias fix-ups), as perf adds its PLT symbols.</summary>
    internal SymbolTable WithInserted(List<SymbolEntry> extra)
    {
        if (extra.Count == 0) return this;
        var all = new List<SymbolEntry>(_symbols.Length + extra.Count);
        all.AddRange(_symbols);
        all.AddRange(extra);
        return new SymbolTable(StableSortByStart(all));
    }

    /// <summary>Sorts by start keeping input order among equal starts, like insertion into perf's rb-tree (equal keys go right).</summary>
    private static SymbolEntry[] StableSortByStart(List<SymbolEntry> list)
    {
        var n = list.Count;
        var sorted = new SymbolEntry[n];
        var starts = new ulong[n];
        for (var i = 0; i < n; i++) starts[i] = list[i].Start;
        if (StableOrder(starts) is not { } order) list.CopyTo(sorted);
        else for (var i = 0; i < n; i++) sorted[i] = list[order[i]];
        return sorted;
    }

    /// <summary>
    /// The order that sorts <paramref name="starts"/> keeping input order among equal starts (perf's rb-tree sends equal
    /// keys right), or null when they are sorted already. <paramref name="starts"/> is left sorted.
    /// </summary>
    internal static int[]? StableOrder(ulong[] starts)
    {
        var n = starts.Length;
        var inOrder = true;
        for (var i = 1; i < n && inOrder; i++) inOrder = starts[i - 1] <= starts[i];
        if (inOrder) return null;
        var idx = new int[n];
        for (var i = 0; i < n; i++) idx[i] = i;
        Array.Sort(starts, idx);
        // Array.Sort is not stable: restore input order inside each run of equal starts.
        for (var i = 0; i < n;)
        {
            var j = i + 1;
            while (j < n && starts[j] == starts[i]) j++;
            if (j - i > 1) Array.Sort(idx, i, j - i);
            i = j;
        }
        return idx;
    }

    /// <summary>Number of symbols after alias reduction.</summary>
    public int Count => _symbols.Length;

    /// <summary>Symbols in address order.</summary>
    public ReadOnlySpan<SymbolEntry> Symbols => _symbols;

    /// <summary>The symbol containing <paramref name="address"/> (perf's symbols__find), or null.</summary>
    public SymbolHit? Find(ulong address)
    {
        var i = Array.BinarySearch(_starts, address);
        if (i < 0) i = ~i - 1;
        for (var k = 0; k < EnclosingScan && i >= 0; k++, i--)
        {
            var s = _symbols[i];
            // perf: match unless ip > end, or ip == end for a non-empty symbol.
            if (address < s.End || (address == s.End && s.Start == s.End)) return new SymbolHit(s, address - s.Start);
        }
        return null;
    }

    private static void FixupEnd(SymbolEntry[] s)
    {
        if (s.Length == 0) return;
        for (var i = 1; i < s.Length; i++)
        {
            ref var prev = ref s[i - 1];
            if (prev.End == prev.Start) prev = prev with { End = s[i].Start };
        }
        ref var last = ref s[^1];
        if (last.End == last.Start) last = last with { End = RoundUp(last.Start) + Page };
    }

    internal static ulong RoundUp(ulong v) => v > ulong.MaxValue - (Page - 1) ? ulong.MaxValue & ~(Page - 1) : (v + Page - 1) & ~(Page - 1);

    /// <summary>Keeps one symbol per start address (in place; the array is returned trimmed only when aliases were dropped).</summary>
    private static SymbolEntry[] FixupDuplicate(SymbolEntry[] s)
    {
        if (s.Length == 0) return s;
        var kept = 0;
        var curr = s[0];
        for (var j = 1; j < s.Length; j++)
        {
            var next = s[j];
            if (curr.Start != next.Start)
            {
                s[kept++] = curr;
                curr = next;
                continue;
            }
            if (!ChooseFirst(curr, next)) curr = next;
        }
        s[kept++] = curr;
        return kept == s.Length ? s : s[..kept];
    }

    /// <summary>perf's choose_best_symbol: true when <paramref name="a"/> wins over <paramref name="b"/>.</summary>
    internal static bool ChooseFirst(in SymbolEntry a, in SymbolEntry b) =>
        ChooseFirst(a.End - a.Start, a.Binding, LeadingUnderscores(a.Name), a.PerfNameLength, IsSyscallAlias(a.Name),
                    b.End - b.Start, b.Binding, LeadingUnderscores(b.Name), b.PerfNameLength);

    /// <summary>perf's choose_best_symbol on what it compares: sizes, bindings, leading underscores, name lengths, "SyS" aliases.</summary>
    internal static bool ChooseFirst(ulong la, byte bindingA, int underscoresA, int nameLengthA, bool syscallAliasA,
                                     ulong lb, byte bindingB, int underscoresB, int nameLengthB)
    {
        if (lb == 0 && la > 0) return true;
        if (la == 0 && lb > 0) return false;
        bool wa = bindingA == StbWeak, wb = bindingB == StbWeak;
        if (wb && !wa) return true;
        if (wa && !wb) return false;
        bool ga = bindingA == StbGlobal, gb = bindingB == StbGlobal;
        if (ga && !gb) return true;
        if (gb && !ga) return false;
        if (underscoresB > underscoresA) return true;
        if (underscoresA > underscoresB) return false;
        if (nameLengthA > nameLengthB) return true;
        if (nameLengthA < nameLengthB) return false;
        // arch__choose_best_symbol (generic): avoid the "SyS" / "compat_SyS" syscall aliases.
        return !syscallAliasA;
    }

    private static bool IsSyscallAlias(string name) => name.StartsWith("SyS", StringComparison.Ordinal) || name.StartsWith("compat_SyS", StringComparison.Ordinal);

    private static int LeadingUnderscores(string s)
    {
        var n = 0;
        while (n < s.Length && s[n] == '_') n++;
        return n;
    }

    /// <summary>
    /// Loads an ELF symbol table the way perf 6.1's dso__load_sym does for a user-space dso: <c>.symtab</c> of
    /// <paramref name="symbols"/> if it has one, else its <c>.dynsym</c>; functions, objects and text/data labels;
    /// addresses moved into file-offset space with <paramref name="runtime"/>'s PT_LOAD segments, so that lookups take
    /// the file offset <c>address − map start + map pgoff</c>.
    /// </summary>
    public static SymbolTable FromElf(ElfFile symbols, ElfFile runtime)
    {
        var section = symbols.SymtabSection ?? symbols.DynsymSection;
        if (section is not { } sec) return new SymbolTable([]);
        // entries are decoded one by one and only kept symbols get a name string
        var view = symbols.ViewSymbols(sec);
        if (view.Count > 0) _ = view[0]; // the null symbol is checked too, as when the whole table is read
        var list = new List<SymbolEntry>(view.Count);
        // elf.h EM_ARM = 40, EM_AARCH64 = 183: perf drops their "$a/$d/$t/$x" mapping symbols.
        var arm = symbols.Machine is 40 or 183;
        var sections = symbols.Sections;
        var runtimeSections = runtime.Sections;
        for (var i = 1; i < view.Count; i++)
        {
            var sym = view[i];
            var name = view.NameBytes(sym.NameOffset);
            if (name.Length == 0) continue;
            var isLabel = sym.Type == SttNotype && sym.SectionIndex != ShnUndef && sym.SectionIndex != ShnAbs
                          && sym.Visibility != StvHidden && sym.Visibility != StvInternal;
            var isFunc = (sym.Type == SttFunc || sym.Type == SttGnuIfunc) && sym.SectionIndex != ShnUndef;
            var isObject = sym.Type == SttObject && sym.SectionIndex != ShnUndef;
            if (!isLabel && !isFunc && !isObject) continue;
            if (arm && name.Length >= 2 && name[0] == (byte)'$' && "adtx"u8.Contains(name[1]) && (name.Length == 2 || name[2] == (byte)'.')) continue;
            if (sym.SectionIndex >= ShnLoReserve || sym.SectionIndex >= sections.Count) continue;
            var shdr = sections[sym.SectionIndex];
            // Sections without SHF_ALLOC hold debugging data, not code.
            if ((shdr.Flags & ShfAlloc) == 0) continue;
            // A debug file's NOBITS sections have no valid offset: use the runtime file's header of the same index.
            if (shdr.Type == ShtNobits && sym.SectionIndex < runtimeSections.Count) shdr = runtimeSections[sym.SectionIndex];
            if (isLabel && !shdr.Name.Contains("text", StringComparison.Ordinal) && !shdr.Name.Contains("data", StringComparison.Ordinal)) continue;
            var value = sym.Value;
            if (arm && symbols.Machine == 40 && (value & 1) != 0 && isFunc) value--; // Thumb bit
            if (runtime.LoadSegmentForAddress(value) is { } ph) value -= ph.VirtualAddress - ph.Offset;
            else value -= shdr.Address - shdr.Offset; // perf's fallback when no PT_LOAD covers the symbol
            list.Add(new SymbolEntry(value, sym.Size != 0 ? value + sym.Size : value, view.Name(sym.NameOffset), sym.Binding, sym.Type));
        }
        return new SymbolTable(list).WithInserted(SynthesizePlt(runtime));
    }

    /// <summary>
    /// perf 6.1's dso__synthesize_plt_symbols: one <c>name@plt</c> symbol per <c>.rela.plt</c>/<c>.rel.plt</c> entry,
    /// in relocation order, laid out from the start of <c>.plt</c> after its header, in file-offset space.
    /// </summary>
    internal static List<SymbolEntry> SynthesizePlt(ElfFile runtime)
    {
        var result = new List<SymbolEntry>();
        if (runtime.DynsymSection is not { } dynsym) return result;
        var rel = runtime.FindSection(".rela.plt") ?? runtime.FindSection(".rel.plt");
        if (rel is not { } relSec || (relSec.Type != ShtRela && relSec.Type != ShtRel)) return result;
        if (relSec.Link != (uint)dynsym.Index || relSec.EntrySize == 0) return result;
        if (runtime.FindSection(".plt") is not { } plt) return result;
        ulong header, entry;
        switch (runtime.Machine)
        {
            case 40: header = 20; entry = 12; break;   // EM_ARM: perf's fixed PLT layout
            case 183: header = 32; entry = 16; break;  // EM_AARCH64
            default: header = plt.EntrySize; entry = plt.EntrySize; break;
        }
        if (entry == 0) return result;
        var syms = runtime.ViewSymbols(dynsym);
        var at = plt.Offset + header;
        foreach (var symIndex in runtime.ReadRelocationSymbols(relSec))
        {
            var name = symIndex < (ulong)syms.Count ? syms.Name(syms[(int)symIndex].NameOffset) : "";
            result.Add(new SymbolEntry(at, at + entry, name + "@plt", StbGlobal, SttFunc));
            at += entry;
        }
        return result;
    }
}
