namespace Stackweave.Formats.Model;

/// <summary>What kind of memory a mapping covers.</summary>
public enum MappingKind
{
    /// <summary>A user-space file mapping (executable or shared library).</summary>
    User,
    /// <summary>The kernel image.</summary>
    Kernel,
    /// <summary>A kernel module.</summary>
    KernelModule,
    /// <summary>JIT-compiled code (perf map or jitdump).</summary>
    Jit,
    /// <summary>The vDSO.</summary>
    Vdso,
    /// <summary>Anonymous memory (no backing file).</summary>
    Anonymous,
    /// <summary>Unknown memory: no mapping was live at the address.</summary>
    Unknown,
}

/// <summary>A range of a process's (or the kernel's) address space backed by one object.</summary>
public sealed class Mapping
{
    /// <summary>Index of this mapping in <see cref="Profile.Mappings"/>.</summary>
    public int Id { get; init; }
    /// <summary>First address covered.</summary>
    public ulong Start { get; set; }
    /// <summary>One past the last address covered.</summary>
    public ulong Limit { get; set; }
    /// <summary>File offset that <see cref="Start"/> maps to.</summary>
    public ulong FileOffset { get; set; }
    /// <summary>Path as recorded in the capture (e.g. <c>/usr/bin/x</c>, <c>[kernel.kallsyms]</c>).</summary>
    public string Path { get; set; } = "";
    /// <summary>Lower-case hex build id, when known.</summary>
    public string? BuildId { get; set; }
    /// <summary>What the mapping covers.</summary>
    public MappingKind Kind { get; set; }
    /// <summary>Process id owning the mapping (-1 for kernel mappings, 0 when unknown).</summary>
    public int Pid { get; set; }
    /// <summary>Its locations carry function names (pprof has_functions).</summary>
    public bool HasFunctions { get; set; }
    /// <summary>Its locations carry file names (pprof has_filenames).</summary>
    public bool HasFilenames { get; set; }
    /// <summary>Its locations carry line numbers (pprof has_line_numbers).</summary>
    public bool HasLineNumbers { get; set; }
    /// <summary>Its locations carry inlined frames (pprof has_inline_frames).</summary>
    public bool HasInlineFrames { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Path} [{Start:x}-{Limit:x}) @{FileOffset:x}";
}
