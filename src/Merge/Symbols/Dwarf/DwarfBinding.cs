using System.Runtime.CompilerServices;
using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>
/// The DWARF that goes with a located binary: its detached debug file's when that has <c>.debug_info</c>, else the binary's
/// own; plus the binary's PT_LOAD segments to turn perf's file offsets into the ELF addresses DWARF uses. One per
/// <see cref="BinarySymbols"/> (so shared through <see cref="SymbolCache"/>), read on first use.
/// </summary>
internal sealed class DwarfBinding
{
    private static readonly ConditionalWeakTable<BinarySymbols, DwarfBinding> s_bindings = new();
    private readonly (ulong Offset, ulong Address, ulong Size)[] _loads;

    /// <summary>The DWARF source, or null when neither file has debug information.</summary>
    public DwarfSource? Source { get; }
    /// <summary>Problems met while opening the files (kept for <c>info</c>/--verbose).</summary>
    public string? Problem { get; }

    private DwarfBinding(BinarySymbols b, Limits limits)
    {
        _loads = [];
        foreach (var path in (string?[])[b.BinaryFile, b.DebugFile, b.SymbolFile])
        {
            if (path is null) continue;
            try
            {
                using var elf = ElfFile.Open(path);
                if (_loads.Length == 0)
                {
                    var loads = new List<(ulong, ulong, ulong)>();
                    foreach (var p in elf.Segments)
                        if (p.Type == ElfConstants.PtLoad) loads.Add((p.Offset, p.VirtualAddress, Math.Max(p.FileSize, p.MemorySize)));
                    _loads = loads.ToArray();
                }
                if (Source is null && (elf.FindSection(".debug_info") is { Type: not ElfConstants.ShtNobits } || elf.FindSection(".zdebug_info") is not null))
                    Source = DwarfSource.ForFile(path, limits);
            }
            catch (CaptureFormatException e) { Problem ??= "bad ELF: " + e.Message; }
            catch (IOException e) { Problem ??= "cannot read " + path + ": " + e.Message; }
            catch (UnauthorizedAccessException e) { Problem ??= "cannot read " + path + ": " + e.Message; }
        }
    }

    /// <summary>The binding of <paramref name="binary"/>, made on first request.</summary>
    public static DwarfBinding For(BinarySymbols binary, Limits? limits = null) =>
        s_bindings.GetValue(binary, b => new DwarfBinding(b, limits ?? Limits.Default));

    /// <summary>The ELF virtual address of a file offset (perf's symbol space), through the PT_LOAD segment holding it.</summary>
    public ulong? AddressOf(ulong fileOffset)
    {
        foreach (var (off, addr, size) in _loads)
            if (fileOffset >= off && fileOffset - off < size) return fileOffset - off + addr;
        return null;
    }
}
