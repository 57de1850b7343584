using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

/// <summary>Classifies a recorded mapping name the way perf 6.1 treats it (tools/perf/util/map.c: is_anon_memory, is_no_dso_memory, vdso and JIT map names).</summary>
public static class MappingClassifier
{
    /// <summary>The kind perf gives a mapping with this recorded file name; <paramref name="kernelSpace"/> for maps from kernel (cpumode kernel) MMAP records.</summary>
    public static MappingKind Classify(string path, bool kernelSpace = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.StartsWith("[kernel.kallsyms]", StringComparison.Ordinal) || path.StartsWith("[guest.kernel.kallsyms", StringComparison.Ordinal))
            return MappingKind.Kernel;
        if (kernelSpace)
            return MappingKind.KernelModule; // perf: other kernel maps are modules ("/lib/modules/.../x.ko" or "[x]")
        if (path is "[vdso]" or "[vdso32]" or "[vdsox32]")
            return MappingKind.Vdso;
        if (IsPerfMapPath(path))
            return MappingKind.Jit;
        // is_anon_memory: "//anon", "/dev/zero…", "/anon_hugepage…"; is_no_dso_memory: "[stack…", "/SYSV…", "[heap]";
        // Android-style named anonymous memory "[anon:…]" and "[vsyscall]" have no file either.
        if (path == "//anon" || path.StartsWith("/dev/zero", StringComparison.Ordinal) || path.StartsWith("/anon_hugepage", StringComparison.Ordinal)
            || path.StartsWith("[stack", StringComparison.Ordinal) || path.StartsWith("/SYSV", StringComparison.Ordinal) || path == "[heap]"
            || path.StartsWith("[anon:", StringComparison.Ordinal) || path == "[vsyscall]")
            return MappingKind.Anonymous;
        if (path.Length == 0 || path == "[unknown]")
            return MappingKind.Unknown;
        return MappingKind.User;
    }

    /// <summary>True for a JIT symbol map name <c>…/perf-PID.map</c>.</summary>
    public static bool IsPerfMapPath(string path)
    {
        var name = Path.GetFileName(path.AsSpan());
        if (!name.StartsWith("perf-", StringComparison.Ordinal) || !name.EndsWith(".map", StringComparison.Ordinal)) return false;
        var digits = name[5..^4];
        if (digits.IsEmpty) return false;
        foreach (var c in digits) if (c is < '0' or > '9') return false;
        return true;
    }
}
