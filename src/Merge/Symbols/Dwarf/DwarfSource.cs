using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>
/// One frame of an address as DWARF describes it, innermost first: the function's name as the producer wrote it
/// (the linkage name when there is one, else DW_AT_name), the source position in that function, and its declaration.
/// </summary>
/// <param name="Name">Linkage (mangled) name, else DW_AT_name; null when the DIE names nothing.</param>
/// <param name="IsLinkage">True when <paramref name="Name"/> is a linkage name (or a DW_AT_name of a language without mangling).</param>
/// <param name="File">Source file of the position (full path as addr2line joins it), or null.</param>
/// <param name="Line">Source line of the position, 0 when unknown.</param>
/// <param name="DeclFile">File the function is declared in, or null.</param>
/// <param name="DeclLine">Line the function is declared on, 0 when unknown.</param>
/// <param name="Low">Start of the function instance's first address range (addr2line compares it with the ELF symbol).</param>
public readonly record struct DwarfFrame(string? Name, bool IsLinkage, string? File, int Line, string? DeclFile, int DeclLine, ulong Low);

/// <summary>
/// The DWARF line tables and inline trees of one ELF file, read on first use and kept: <see cref="Frames"/> gives the
/// frames of an address as <c>addr2line -i -f</c> does (innermost first; the line of each caller is the call site of the
/// frame inside it). Each distinct address is resolved once. Damage in the debug sections makes the file's DWARF
/// unusable (<see cref="Error"/>), never throws out of <see cref="Frames"/>.
/// </summary>
public sealed class DwarfSource
{
    private readonly object _gate = new();
    private readonly string _path;
    private readonly Func<ElfFile> _open;
    private readonly Limits _limits;
    private bool _loaded;
    private DwarfInfo? _info;
    private (ulong Low, ulong High, DwarfFunction Fn)[] _index = [];
    private Sequence[] _sequences = [];
    private ulong[] _rowAddress = [];
    private int[] _rowFile = [];
    private int[] _rowLine = [];
    private readonly Dictionary<ulong, DwarfFrame[]> _cache = [];

    private readonly record struct Sequence(ulong Start, ulong End, int FirstRow, int RowCount, string?[] Files);

    /// <summary>DWARF of the ELF file opened by <paramref name="open"/> (called once, on first use, and disposed after reading).</summary>
    public DwarfSource(string path, Func<ElfFile> open, Limits? limits = null)
    {
        _path = path;
        _open = open;
        _limits = limits ?? Limits.Default;
    }

    /// <summary>DWARF of the ELF file at <paramref name="path"/>.</summary>
    public static DwarfSource ForFile(string path, Limits? limits = null) => new(path, () => ElfFile.Open(path), limits);

    /// <summary>The file read.</summary>
    public string Path => _path;
    /// <summary>Why the DWARF could not be used (damaged or missing sections), or null.</summary>
    public string? Error { get; private set; }
    /// <summary>True once read, when the file has <c>.debug_info</c> with at least one function.</summary>
    public bool HasFunctions { get { Load(); return _index.Length > 0; } }
    /// <summary>True once read, when the file has line tables.</summary>
    public bool HasLines { get { Load(); return _sequences.Length > 0; } }

    /// <summary>
    /// The frames at ELF virtual address <paramref name="address"/>, innermost first (inlined functions, then the function
    /// they were inlined into); empty when no function covers it. A frame's name is null when DWARF does not name it.
    /// </summary>
    public IReadOnlyList<DwarfFrame> Frames(ulong address)
    {
        lock (_gate)
        {
            Load();
            if (_cache.TryGetValue(address, out var hit)) return hit;
            var result = Resolve(address);
            _cache[address] = result;
            return result;
        }
    }

    /// <summary>The line-table position of <paramref name="address"/> (file, line), or null.</summary>
    public (string? File, int Line)? LineAt(ulong address)
    {
        lock (_gate)
        {
            Load();
            return Line(address);
        }
    }

    private void Load()
    {
        if (_loaded) return;
        _loaded = true;
        try
        {
            using var elf = _open();
            DwarfSection? S(string name)
            {
                var d = elf.TryGetSectionData(name, _limits);
                return d is null ? null : new DwarfSection(elf.Path, name, d, elf.IsLittleEndian);
            }
            var info = S(".debug_info");
            var abbrev = S(".debug_abbrev");
            if (info is null || abbrev is null) return;
            _info = new DwarfInfo(info, abbrev, S(".debug_str"), S(".debug_line_str"), S(".debug_str_offsets"), S(".debug_addr"),
                S(".debug_ranges"), S(".debug_rnglists"), S(".debug_line"));
            BuildIndex(_info);
        }
        catch (CaptureFormatException e)
        {
            Error = e.Message;
            _info = null;
            _index = [];
            _sequences = [];
        }
        catch (IOException e) { Error = "cannot read " + _path + ": " + e.Message; }
        catch (UnauthorizedAccessException e) { Error = "cannot read " + _path + ": " + e.Message; }
    }

    private void BuildIndex(DwarfInfo info)
    {
        var idx = new List<(ulong, ulong, DwarfFunction)>();
        foreach (var f in info.Subprograms)
            foreach (var (lo, hi) in f.Ranges) idx.Add((lo, hi, f));
        idx.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        _index = idx.ToArray();

        var seqs = new List<Sequence>();
        var addrs = new List<ulong>();
        var files = new List<int>();
        var lines = new List<int>();
        foreach (var prog in info.LinePrograms)
        {
            var rows = prog.Rows;
            var start = 0;
            for (var i = 0; i < rows.Count; i++)
            {
                if (!rows[i].EndSequence) continue;
                // One sequence: rows[start..i], i being its end. Of rows at one address only the last counts (binutils, PR ld/4986).
                var first = addrs.Count;
                for (var k = start; k < i; k++)
                {
                    if (rows[k].Address > rows[i].Address) break;
                    if (addrs.Count > first && addrs[^1] == rows[k].Address)
                    {
                        files[^1] = rows[k].File;
                        lines[^1] = rows[k].Line;
                        continue;
                    }
                    if (addrs.Count > first && addrs[^1] > rows[k].Address) break; // not ascending: damaged, keep what is ordered
                    addrs.Add(rows[k].Address);
                    files.Add(rows[k].File);
                    lines.Add(rows[k].Line);
                }
                if (addrs.Count > first && rows[i].Address > addrs[first])
                    seqs.Add(new Sequence(addrs[first], rows[i].Address, first, addrs.Count - first, prog.Files));
                start = i + 1;
            }
        }
        seqs.Sort((a, b) => a.Start.CompareTo(b.Start));
        _sequences = seqs.ToArray();
        _rowAddress = addrs.ToArray();
        _rowFile = files.ToArray();
        _rowLine = lines.ToArray();
    }

    private (string? File, int Line)? Line(ulong address)
    {
        // The last sequence starting at or before the address that also ends after it.
        var lo = 0;
        var hi = _sequences.Length - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sequences[mid].Start <= address) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        for (var s = found; s >= 0 && s > found - 8; s--)
        {
            var seq = _sequences[s];
            if (address < seq.Start || address >= seq.End) continue;
            var rows = _rowAddress.AsSpan(seq.FirstRow, seq.RowCount);
            var r = rows.BinarySearch(address);
            if (r < 0) r = ~r - 1;
            if (r < 0) continue;
            var at = seq.FirstRow + r;
            var file = _rowFile[at];
            return ((uint)file < (uint)seq.Files.Length ? seq.Files[file] : null, _rowLine[at]);
        }
        return null;
    }

    private DwarfFrame[] Resolve(ulong address)
    {
        if (_info is null || _index.Length == 0) return [];
        // The subprogram: among the ranges starting at or before the address, the smallest that contains it.
        var lo = 0;
        var hi = _index.Length - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_index[mid].Low <= address) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        DwarfFunction? best = null;
        var bestSize = ulong.MaxValue;
        for (var i = found; i >= 0 && i > found - 16; i--)
        {
            var (l, h, f) = _index[i];
            if (address >= l && address < h && h - l < bestSize) { best = f; bestSize = h - l; }
        }
        if (best is null) return [];
        // Descend into the inlined subroutines that contain the address (the smallest range at each level).
        var chain = new List<DwarfFunction> { best };
        var cur = best;
        for (var depth = 0; depth < 4096 && cur.Inlined is { } kids; depth++)
        {
            DwarfFunction? next = null;
            var size = ulong.MaxValue;
            foreach (var k in kids)
                if (k.Contains(address, out var s) && s <= size) { next = k; size = s; }
            if (next is null) break;
            chain.Add(next);
            cur = next;
        }
        var frames = new DwarfFrame[chain.Count];
        var pos = Line(address);
        string? file = pos?.File;
        var line = pos?.Line ?? 0;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var fn = chain[i];
            var (name, isLinkage, declFile, declLine) = Name(fn.Die, 0);
            frames[chain.Count - 1 - i] = new DwarfFrame(name, isLinkage, file, line, declFile, declLine, fn.Ranges[0].Low);
            // The caller's position is this inlined instance's call site.
            file = fn.CallFile;
            line = fn.CallLine;
        }
        return frames;
    }

    private (string? Name, bool IsLinkage, string? DeclFile, int DeclLine) Name(ulong die, int depth)
    {
        if (_info is null || depth > 16 || !_info.Names.TryGetValue(die, out var nd)) return (null, false, null, 0);
        string? name = null;
        var link = false;
        var declFile = nd.DeclFile;
        var declLine = nd.DeclLine;
        foreach (var r in (ReadOnlySpan<ulong>)[nd.Origin, nd.Specification])
        {
            if (name is not null || r == ulong.MaxValue) continue;
            var t = Name(r, depth + 1);
            name = t.Name;
            link = t.IsLinkage;
            declFile ??= t.DeclFile;
            if (declLine == 0) declLine = t.DeclLine;
        }
        if (nd.Linkage is not null) { name = nd.Linkage; link = true; }
        else if (name is null && nd.Name is not null) { name = nd.Name; link = !nd.MangledLanguage; }
        return (name, link, declFile, declLine);
    }
}
