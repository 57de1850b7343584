namespace Stackweave.Merge.Symbols;

/// <summary>How inlined frames found in DWARF are named (see <see cref="SymbolOptions.Inline"/>).</summary>
public enum InlineNames
{
    /// <summary>
    /// As <c>addr2line -i -f -C</c> names them, every frame of a binary with DWARF (the function holding the code too), C++
    /// names with their parameter lists: what stackcollapse-perf.pl <c>--inline</c> puts in folded stacks.
    /// </summary>
    Addr2Line,
    /// <summary>As <c>perf script --inline</c>: inlined frames demangled in <see cref="SymbolOptions.Demangle"/> style, then the ELF symbol.</summary>
    Perf,
}

/// <summary>Where symbols come from (mirrors perf's --symfs, --kallsyms and debug directories).</summary>
public sealed record SymbolOptions
{
    /// <summary>Root directory that recorded paths are looked up under (perf --symfs); null: use recorded paths as they are.</summary>
    public string? Symfs { get; init; }

    /// <summary>Debug directories searched for <c>.build-id/xx/rest.debug</c> and debuglink files (default <c>/usr/lib/debug</c>, as gdb and perf use).</summary>
    public IReadOnlyList<string> DebugDirs { get; init; } = ["/usr/lib/debug"];

    /// <summary>
    /// perf's build-id cache (perf --buildid-dir; perf's default is <c>~/.debug</c>): <c>.build-id/xx/rest/</c> holds
    /// <c>elf</c>, <c>debug</c>, <c>vdso</c> or <c>kallsyms</c> copies saved at record time. Null (default): not used.
    /// </summary>
    public string? BuildIdCacheDir { get; init; }

    /// <summary>A saved <c>/proc/kallsyms</c> (plain or gzip) for kernel addresses; null: kernel frames stay unresolved.</summary>
    public string? KallsymsPath { get; init; }

    /// <summary>Directories searched first for JIT files <c>perf-PID.map</c> and <c>jit-PID.dump</c> (<c>--jit-dir</c>, repeatable); the capture's directory comes next.</summary>
    public IReadOnlyList<string> JitDirs { get; init; } = [];

    /// <summary>
    /// A debuginfod client cache (<c>BUILDID/debuginfo</c> and <c>BUILDID/executable</c>, as elfutils' debuginfod-client
    /// keeps them: <c>$DEBUGINFOD_CACHE_PATH</c>, else <c>$XDG_CACHE_HOME/debuginfod_client</c> or <c>~/.cache/debuginfod_client</c>).
    /// Null (default): not used.
    /// </summary>
    public string? DebuginfodCacheDir { get; init; }

    /// <summary>Directory holding JIT maps <c>perf-PID.map</c> (default <c>/tmp</c>, where perf looks).</summary>
    public string JitMapDirectory { get; init; } = "/tmp";

    /// <summary>
    /// Look caller frames (return addresses) up at address − 1, the call instruction. Default false: perf 6.1's
    /// <c>perf script</c> looks them up at the return address itself (util/machine.c add_callchain_ip), so a call that
    /// ends a function shows the next function; the reported offset is always from the raw address.
    /// </summary>
    public bool ReturnAddressesAtCallSite { get; init; }

    /// <summary>When a binary is missing under <see cref="Symfs"/>, also try its recorded path (used only if its build id matches the capture's).</summary>
    public bool FallBackToRecordedPath { get; init; } = true;
    /// <summary>Without <see cref="KallsymsPath"/> or a cached copy, use this machine's /proc/kallsyms when its kernel build id is the capture's (as perf does). Default true.</summary>
    public bool UseRunningKernel { get; init; } = true;
    /// <summary>How C++ and Rust names are shown: <see cref="Demangle.DemangleStyle.Perf"/> (default, as perf script), <see cref="Demangle.DemangleStyle.Full"/> (as c++filt), or null to keep mangled names.</summary>
    public Demangle.DemangleStyle? Demangle { get; init; } = Symbols.Demangle.DemangleStyle.Perf;
    /// <summary>
    /// Expand each user-space frame into its inlined frames from the binary's DWARF (or its debug file's), innermost first in
    /// <see cref="Formats.Model.Location.Lines"/>, named as <see cref="InlineNames"/> says; null (default): one frame per address.
    /// </summary>
    public InlineNames? Inline { get; init; }
    /// <summary>Give frames the source file and line DWARF has for them (function declaration file/line, line at the address). Implied by <see cref="Inline"/>.</summary>
    public bool SourceLines { get; init; }

    /// <summary>Shared, thread-safe store of loaded symbol sources (see <see cref="SymbolCache.Preload"/>); null: each symbolizer run loads its own.</summary>
    public SymbolCache? Cache { get; init; }
    /// <summary>Resource limits for the files read while symbolizing and unwinding (compressed sections, gzip kallsyms).</summary>
    public Stackweave.Formats.IO.Limits Limits { get; init; } = Stackweave.Formats.IO.Limits.Default;
}
