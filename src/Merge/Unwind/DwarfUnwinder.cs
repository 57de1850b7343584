using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfData;
using Stackweave.Merge.Symbols;

namespace Stackweave.Merge.Unwind;

/// <summary>
/// Unwinds <c>--call-graph dwarf</c> samples (REGS_USER + STACK_USER) with the CFI of every binary the process mapped,
/// found like symbols are (<c>--symfs</c>, the recorded path with its build id checked, perf's build-id cache for the vdso).
/// Each binary is read once; each FDE's plan is built once.
/// </summary>
public sealed class DwarfUnwinder : IUserStackUnwinder
{
    /// <summary>Diagnostics counter: samples whose user stack was unwound.</summary>
    public const string SamplesCounter = "unwind: samples unwound";
    /// <summary>Diagnostics counter: frames found by the frame-pointer fallback (no CFI covered their pc).</summary>
    public const string FramePointerCounter = "unwind: frames from frame-pointer fallback";
    /// <summary>Diagnostics counter: stacks cut short because the next frame lies beyond the stack copy.</summary>
    public const string TruncatedCounter = "unwind: stacks truncated at the end of the stack copy";
    /// <summary>Diagnostics counter prefix: other reasons a walk ended before the outermost frame.</summary>
    public const string StoppedCounter = "unwind: stopped: ";
    /// <summary>Diagnostics counter: binaries whose CFI could not be read.</summary>
    public const string MissingCounter = "unwind: binaries without CFI";
    /// <summary>Diagnostics counter: AArch64 signal frames stepped through at a sigreturn trampoline found by its code.</summary>
    public const string SignalFrameCounter = "unwind: signal frames (aarch64 sigreturn trampoline)";
    /// <summary>Diagnostics counter: AArch64 signal frames recognised from the stack alone (vdso address, no vdso image).</summary>
    public const string SignalFrameFromStackCounter = "unwind: signal frames recognised without a vdso image";
    /// <summary>Diagnostics counter: return addresses whose pointer authentication code was stripped (AArch64).</summary>
    public const string SignedReturnAddressCounter = "unwind: return addresses with a pointer authentication code";

    private readonly SymbolOptions _options;
    private readonly int _maxFrames;
    private readonly Dictionary<int, (UnwindModule? Module, ulong Bias)> _byMapping = [];
    private readonly Dictionary<(string Path, string? BuildId), UnwindModule?> _modules = [];
    private readonly Resolver _resolver;
    private readonly ulong[] _regs = new ulong[64];
    private readonly UnwindCounters _counters = new();

    /// <summary>
    /// An unwinder finding binaries as <paramref name="options"/> says. <paramref name="maxFrames"/> bounds user frames
    /// per sample (perf script's default, PERF_MAX_STACK_DEPTH, is 127 frames for the whole chain).
    /// </summary>
    public DwarfUnwinder(SymbolOptions options, int maxFrames = 1024)
    {
        _options = options;
        _maxFrames = maxFrames;
        _resolver = new Resolver(this);
    }

    /// <summary>Frames found by the frame-pointer fallback, per binary path (binaries with no CFI, or pcs no FDE covers).</summary>
    public IReadOnlyDictionary<string, long> FramePointerFramesByBinary
    {
        get
        {
            var d = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var kv in _modules)
                if (kv.Value is { FramePointerFrames: > 0 } m) d[kv.Key.Path] = m.FramePointerFrames;
            return d;
        }
    }

    /// <summary>Binaries with CFI, by recorded path.</summary>
    public IEnumerable<string> BinariesWithCfi
    {
        get { foreach (var kv in _modules) if (kv.Value is { HasCfi: true }) yield return kv.Key.Path; }
    }

    /// <summary>Unwinds one sample; callers' frames are their return addresses − 1, as perf records them.</summary>
    public void Unwind(in UserStackSample sample, Profile profile, IMappingLookup mappings, List<ulong> frames)
    {
        var arch = UnwindArch.FromPerfName(sample.Arch);
        if (arch is null) { profile.Diagnostics.Count(StoppedCounter + "unsupported architecture " + (sample.Arch ?? "(none)")); return; }
        // PERF_SAMPLE_REGS_ABI_64 = 2 (include/uapi/linux/perf_event.h); 32-bit tasks are not unwound
        if (sample.RegsAbi != 2) { if (sample.RegsAbi != 0) profile.Diagnostics.Count(StoppedCounter + "not a 64-bit task"); return; }
        var regs = _regs.AsSpan(0, arch.Columns);
        regs.Clear();
        if (!arch.TryLoad(sample.RegsMask, sample.Regs, regs, out var valid, out var pc))
        {
            profile.Diagnostics.Count(StoppedCounter + "REGS_USER lacks the pc or stack pointer");
            return;
        }
        var memory = new StackMemory(sample.Stack, regs[arch.SpColumn]);
        _resolver.Set(profile, mappings, arch);
        var before = frames.Count;
        _counters.SignalFrames = _counters.SignalFramesFromStack = _counters.SignedReturnAddresses = 0;
        var stop = StackWalker.Walk(arch, regs, valid, pc, memory, _resolver, frames, _maxFrames, out var fpFrames, callSites: true, _counters);
        if (_counters.SignalFrames > 0) profile.Diagnostics.Count(SignalFrameCounter, _counters.SignalFrames);
        if (_counters.SignalFramesFromStack > 0) profile.Diagnostics.Count(SignalFrameFromStackCounter, _counters.SignalFramesFromStack);
        if (_counters.SignedReturnAddresses > 0) profile.Diagnostics.Count(SignedReturnAddressCounter, _counters.SignedReturnAddresses);
        // A sampled pc in no mapping (a sample inside execve, before the new image's mmaps): perf adds no user frame then
        // (its unwinder is set up per address space on the first map, util/unwind-libunwind.c unwind__prepare_access).
        if (stop == UnwindStop.NoMapping && frames.Count == before + 1) frames.RemoveAt(before);
        profile.Diagnostics.Count(SamplesCounter);
        if (fpFrames > 0) profile.Diagnostics.Count(FramePointerCounter, fpFrames);
        switch (stop)
        {
            case UnwindStop.Outermost: case UnwindStop.ZeroReturnAddress: break;
            case UnwindStop.EndOfStackCopy: profile.Diagnostics.Count(TruncatedCounter); break;
            default: profile.Diagnostics.Count(StoppedCounter + StopName(stop)); break;
        }
    }

    private static string StopName(UnwindStop s) => s switch
    {
        UnwindStop.MissingData => "a needed register or stack slot is not in the sample",
        UnwindStop.NoMapping => "pc outside every mapping",
        UnwindStop.NoCfi => "no CFI and no frame pointer",
        UnwindStop.FrameLimit => "frame limit",
        UnwindStop.NoProgress => "stack pointer did not move up",
        UnwindStop.BadCfi => "malformed CFI",
        _ => s.ToString(),
    };

    private (UnwindModule? Module, ulong Bias) ModuleOf(Profile profile, int mappingId, UnwindArch arch)
    {
        if (_byMapping.TryGetValue(mappingId, out var hit)) return hit;
        (UnwindModule?, ulong) result = (null, 0);
        if (mappingId >= 0 && mappingId < profile.Mappings.Count)
        {
            var m = profile.Mappings[mappingId];
            if (m.Kind is MappingKind.User or MappingKind.Vdso)
            {
                var key = (m.Path, BinaryLocator.Normalize(m.BuildId));
                var elf = Open(m.Path, key.Item2, profile);
                try
                {
                    if (!_modules.TryGetValue(key, out var module))
                    {
                        module = null;
                        if (elf is not null)
                        {
                            try { module = UnwindModule.FromElf(elf, arch, _options.Limits); }
                            catch (CfiException e) { profile.Diagnostics.Report(MissingCounter, "unwind: " + m.Path + ": " + e.Message); }
                            catch (CaptureFormatException e) { profile.Diagnostics.Report(MissingCounter, "unwind: " + m.Path + ": " + e.Message); }
                        }
                        else profile.Diagnostics.Report(MissingCounter, "unwind: binary not found: " + m.Path);
                        _modules[key] = module;
                    }
                    // process address − bias = ELF address: the mapping's start holds its file offset's address
                    var bias = m.Start - m.FileOffset;
                    if (elf is not null && LoadDelta(elf, m.FileOffset) is { } delta) bias -= delta;
                    result = (module, bias);
                }
                finally { elf?.Dispose(); }
            }
        }
        _byMapping[mappingId] = result;
        return result;
    }

    /// <summary>
    /// vaddr − offset of the PT_LOAD segment a mapping at file offset <paramref name="pgoff"/> shows. The mapping starts at a
    /// page boundary that may lie before the segment's own offset (lld lays .text at offset 0x14450, vaddr 0x15450, mapped
    /// from pgoff 0x14000), so executable segments whose page-aligned range holds pgoff come first.
    /// </summary>
    private static ulong? LoadDelta(ElfFile elf, ulong pgoff)
    {
        const uint PtLoad = 1, PfX = 1; // ELF gABI p_type PT_LOAD, p_flags PF_X
        ulong? any = null;
        foreach (var seg in elf.Segments)
        {
            if (seg.Type != PtLoad) continue;
            var alignedStart = seg.Offset & ~0xfffUL; // mmap works in 4 KiB pages (perf's pgoff is page-aligned)
            if (pgoff < alignedStart || pgoff >= seg.Offset + Math.Max(seg.FileSize, 1)) continue;
            var delta = seg.VirtualAddress - seg.Offset;
            if ((seg.Flags & PfX) != 0) return delta;
            any ??= delta;
        }
        return any;
    }

    /// <summary>The runtime binary: under --symfs, else at its recorded path (build id checked), else perf's build-id cache.</summary>
    private ElfFile? Open(string path, string? buildId, Profile profile)
    {
        var candidates = new List<string>();
        if (!path.StartsWith('['))
        {
            if (_options.Symfs is { Length: > 0 } symfs) candidates.Add(Path.Join(symfs, path.TrimStart('/')));
            if (_options.Symfs is not { Length: > 0 } || _options.FallBackToRecordedPath) candidates.Add(path);
        }
        if (buildId is { Length: > 2 } && _options.BuildIdCacheDir is { Length: > 0 } cache)
            foreach (var kind in new[] { "elf", "vdso" })
                candidates.Add(Path.Combine(cache, ".build-id", buildId[..2], buildId[2..], kind));
        foreach (var p in candidates)
        {
            if (!File.Exists(p)) continue;
            ElfFile f;
            try { f = ElfFile.Open(p); }
            catch (CaptureFormatException) { continue; }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (buildId is null || string.Equals(f.BuildId, buildId, StringComparison.Ordinal)) return f;
            f.Dispose();
        }
        _ = profile;
        return null;
    }

    private sealed class Resolver(DwarfUnwinder owner) : IUnwindModules
    {
        private Profile? _profile;
        private IMappingLookup? _mappings;
        private UnwindArch _arch = UnwindArch.X86_64;

        public void Set(Profile profile, IMappingLookup mappings, UnwindArch arch)
        {
            _profile = profile;
            _mappings = mappings;
            _arch = arch;
        }

        public bool TryFind(ulong pc, out UnwindModule? module, out ulong bias)
        {
            var id = _mappings!.Find(pc);
            if (id < 0) { module = null; bias = 0; return false; }
            (module, bias) = owner.ModuleOf(_profile!, id, _arch);
            return true;
        }

        public bool IsVdso(ulong pc)
        {
            var id = _mappings!.Find(pc);
            return id >= 0 && id < _profile!.Mappings.Count && _profile.Mappings[id].Kind == MappingKind.Vdso;
        }
    }
}
