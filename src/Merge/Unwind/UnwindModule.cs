using System.Buffers.Binary;
using Stackweave.Formats.IO;
using Stackweave.Merge.Symbols;

namespace Stackweave.Merge.Unwind;

/// <summary>The call frame information of one binary (<c>.eh_frame</c> first, then <c>.debug_frame</c>), with its plans cached.</summary>
public sealed class UnwindModule
{
    private readonly CfiSection? _eh;
    private readonly CfiSection? _debug;
    private readonly Dictionary<ulong, (CfiRow? Row, UnwindPlan? Plan)> _rows = [];
    /// <summary>Most pcs whose row is remembered per binary.</summary>
    private const int MaxCachedPcs = 1 << 20;

    /// <summary>The binary's name (for diagnostics).</summary>
    public string Name { get; }
    /// <summary>True when the binary has any CFI section.</summary>
    public bool HasCfi => _eh is not null || _debug is not null;
    /// <summary>Frames unwound in this binary by the frame-pointer fallback (no FDE covered their pc).</summary>
    public long FramePointerFrames { get; internal set; }

    private ulong[] _sigreturns = [];
    /// <summary>True when the binary's code was searched for signal return trampolines (AArch64 images with code bytes).</summary>
    public bool HasCode { get; private set; }

    /// <summary>True when <paramref name="address"/> (an ELF address) starts a signal return trampoline of the binary's code.</summary>
    public bool IsSigreturnTrampoline(ulong address) => Array.BinarySearch(_sigreturns, address) >= 0;

    /// <summary>Records the code's signal return trampolines (ELF addresses, sorted); <see cref="HasCode"/> becomes true.</summary>
    public void SetSigreturnTrampolines(IEnumerable<ulong> addresses)
    {
        _sigreturns = [.. addresses.Order()];
        HasCode = true;
    }

    /// <summary>Builds a module from raw section bytes (addresses are ELF virtual addresses; null = section absent).</summary>
    public static UnwindModule FromSections(string name, UnwindArch arch, byte[]? ehFrame, ulong ehFrameAddress, byte[]? ehFrameHdr, ulong ehFrameHdrAddress, byte[]? debugFrame) =>
        new(name, ehFrame is null ? null : new CfiSection(ehFrame, ehFrameAddress, true, ehFrameHdr, ehFrameHdrAddress, 8, arch.Columns),
            debugFrame is null ? null : new CfiSection(debugFrame, 0, false, null, 0, 8, arch.Columns));

    private UnwindModule(string name, CfiSection? eh, CfiSection? debug)
    {
        Name = name;
        _eh = eh;
        _debug = debug;
    }

    /// <summary>Reads the CFI sections of an ELF file (SHF_COMPRESSED and <c>.zdebug_frame</c> sections are inflated, capped by <paramref name="limits"/>).</summary>
    public static UnwindModule FromElf(ElfFile elf, UnwindArch arch, Limits? limits = null)
    {
        limits ??= Limits.Default;
        byte[]? eh = null, hdr = null, debug = null;
        ulong ehAddr = 0, hdrAddr = 0;
        if (elf.FindSection(".eh_frame") is { } e && e.Type != ShtNobits) { eh = ReadSectionForUnwind(elf, e, limits); ehAddr = e.Address; }
        if (elf.FindSection(".eh_frame_hdr") is { } h && h.Type != ShtNobits) { hdr = ReadSectionForUnwind(elf, h, limits); hdrAddr = h.Address; }
        if (elf.FindSection(".debug_frame") is { } d && d.Type != ShtNobits) debug = ReadSectionForUnwind(elf, d, limits);
        else if (elf.FindSection(".zdebug_frame") is { } z && z.Type != ShtNobits) debug = ReadSectionForUnwind(elf, z, limits);
        if (eh is { Length: 0 }) eh = null;
        if (debug is { Length: 0 }) debug = null;
        var module = FromSections(elf.Path, arch, eh, ehAddr, hdr, hdrAddr, debug);
        if (arch.HasSigreturnTrampoline) ScanSigreturns(elf, module);
        return module;
    }

    private const ulong ShfExecinstr = 4; // ELF gABI SHF_EXECINSTR
    private const uint ShtProgbits = 1; // ELF gABI SHT_PROGBITS

    /// <summary>AArch64: finds the signal return trampolines in the executable sections (a vdso's <c>__kernel_rt_sigreturn</c>).</summary>
    private static void ScanSigreturns(ElfFile elf, UnwindModule module)
    {
        var found = new List<ulong>();
        var any = false;
        foreach (var s in elf.Sections)
        {
            if (s.Type != ShtProgbits || (s.Flags & ShfExecinstr) == 0 || s.Size == 0) continue;
            byte[] code;
            try { code = elf.ReadSection(s); }
            catch (Stackweave.Formats.IO.CaptureFormatException) { continue; }
            any = true;
            Aarch64SignalFrame.FindTrampolines(code, s.Address, found);
        }
        if (any) module.SetSigreturnTrampolines(found);
    }

    private const uint ShtNobits = 8; // ELF gABI SHT_NOBITS
    private const ulong ShfCompressed = 0x800; // ELF gABI SHF_COMPRESSED

    /// <summary>
    /// A section's bytes, inflated when compressed (gABI Elf64_Chdr: ch_type 1 = ZLIB, 2 = ZSTD; or GNU ".zdebug": "ZLIB" +
    /// big-endian size), the declared size capped by the expansion ratio of <paramref name="limits"/> as for DWARF sections.
    /// </summary>
    public static byte[] ReadSectionForUnwind(ElfFile elf, Symbols.ElfSection s, Limits? limits = null)
    {
        limits ??= Limits.Default;
        var raw = elf.ReadSection(s);
        try
        {
            if ((s.Flags & ShfCompressed) != 0)
                return ElfDecompress.Gabi(raw, elf.Is64, elf.IsLittleEndian, elf.Path, (long)s.Offset, limits);
            if (s.Name.StartsWith(".zdebug", StringComparison.Ordinal) && raw.Length >= 12 && raw.AsSpan(0, 4).SequenceEqual("ZLIB"u8))
                return ElfDecompress.Legacy(raw, elf.Path, (long)s.Offset, limits);
        }
        catch (CaptureFormatException e) { throw new CfiException(e.Expected); }
        return raw;
    }

    /// <summary>The CFI row and plan for <paramref name="pc"/> (an ELF address), or (null, null) when no FDE covers it.</summary>
    public (CfiRow? Row, UnwindPlan? Plan) Find(ulong pc)
    {
        if (_rows.TryGetValue(pc, out var hit)) return hit;
        var result = Lookup(_eh, pc);
        if (result.Row is null) result = Lookup(_debug, pc);
        if (_rows.Count < MaxCachedPcs) _rows[pc] = result;
        return result;
    }

    private static (CfiRow? Row, UnwindPlan? Plan) Lookup(CfiSection? section, ulong pc)
    {
        if (section is null || !section.TryFind(pc, out var fde)) return (null, null);
        var plan = section.PlanOf(fde);
        return (plan.RowFor(pc), plan);
    }
}
