namespace Stackweave.Formats.Model;

/// <summary>An address in a mapping, with the source frames it resolves to (innermost first).</summary>
public sealed class Location
{
    /// <summary>Index of this location in <see cref="Profile.Locations"/>.</summary>
    public int Id { get; init; }
    /// <summary>Mapping id, or -1 when the address is in no known mapping.</summary>
    public int MappingId { get; init; } = -1;
    /// <summary>Address as seen in the capture.</summary>
    public ulong Address { get; init; }
    /// <summary>True when the address is a return address (a caller frame), so symbolization should look at address − 1.</summary>
    public bool IsReturnAddress { get; init; }
    /// <summary>Frames at this address, innermost (inlined) first; empty until symbolized.</summary>
    public List<Line> Lines { get; } = [];
    /// <summary>Offset of <see cref="Address"/> from the start of the outermost function's symbol, when known.</summary>
    public ulong SymbolOffset { get; set; }
    /// <summary>True when the frames were folded by the producer (pprof is_folded).</summary>
    public bool IsFolded { get; set; }
    /// <summary>
    /// True when the capture itself named this frame (perf script text, folded stacks), even as <c>[unknown]</c>:
    /// symbolization leaves it alone. A folded-stack frame (no mapping) is written back verbatim by the folded writer.
    /// </summary>
    public bool NamedBySource { get; set; }
    /// <summary>
    /// True when debug information (DWARF, Go's pclntab) gave the lines, inlined frames expanded and named as that
    /// information names them: folded <c>--inline</c> writes them verbatim, as stackcollapse-perf.pl writes addr2line's answer.
    /// </summary>
    public bool LinesFromDebugInfo { get; set; }
}
