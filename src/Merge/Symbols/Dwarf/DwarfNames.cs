namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>How the frames of an address are named the way binutils' <c>addr2line -i -f</c> (2.40) names them.</summary>
public static class DwarfNames
{
    /// <summary>
    /// The raw (undemangled) name addr2line prints for frame <paramref name="index"/> of <paramref name="frames"/>:
    /// the DWARF name, except that the innermost frame, when its name is not a linkage name (a C++ function with internal
    /// linkage, such as a static or anonymous-namespace one), takes the name of the ELF symbol containing the address
    /// (binutils 2.40 dwarf2.c _bfd_dwarf2_find_nearest_line, first lookup of that function in an addr2line process — as
    /// stackcollapse-perf.pl runs it, one process per address). <paramref name="symbolAt"/> gives that symbol (start as an
    /// ELF virtual address). Null when nothing names the frame (addr2line prints <c>??</c>).
    /// </summary>
    public static string? Raw(IReadOnlyList<DwarfFrame> frames, int index, Func<(ulong Start, string Name)?> symbolAt)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(symbolAt);
        var f = frames[index];
        if (index == 0 && !f.IsLinkage && symbolAt() is { } s) return s.Name;
        return f.Name;
    }

    /// <summary>A name as <c>addr2line -C</c> prints it (c++filt's full form), unchanged when it is not mangled.</summary>
    public static string Addr2LineDisplay(string raw) => Demangle.Demangler.Demangle(raw, Demangle.DemangleStyle.Full) ?? raw;
}
