using System.Text.RegularExpressions;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Dwarf;

/// <summary>
/// Folded output of the C++ captures in testdata/dwarf/ against stackcollapse-perf.pl: with --inline (which runs
/// addr2line -i -f -C on every user frame of perf script --inline's text) and without.
/// </summary>
public sealed partial class InlineFoldedTests
{
    [GeneratedRegex(@";__GI___(munmap|mprotect|mmap64|close|read|openat64);")]
    private static partial Regex GlibcAlias();

    // The system libraries' DWARF comes from Debian's libc6-dbg (2.36-9+deb12u14) of the recording machine: these are the
    // debug files of the libc.so.6 and ld-linux-x86-64.so.2 the captures recorded (by build id).
    private const string LibcDebug = "/usr/lib/debug/.build-id/93/ac61ec5a8eb1396f9fbd350e3169a558528a40.debug";
    private const string LdDebug = "/usr/lib/debug/.build-id/7e/bc65e52f2bbea498b4040fa92f7238377aaba9.debug";

    private static readonly Lazy<string> s_symfs = new(() =>
    {
        // The captures name the program by the path it was recorded from; a --symfs folder leads it to testdata/dwarf/bin.
        var root = Path.Combine(Path.GetTempPath(), "stackweave-dwarf-symfs-" + Environment.ProcessId);
        var dir = root + Path.GetDirectoryName(DwarfData.RecordedBinDir);
        Directory.CreateDirectory(dir);
        var link = Path.Combine(dir, "bin");
        if (!Directory.Exists(link)) Directory.CreateSymbolicLink(link, RepoPaths.TestData("dwarf", "bin"));
        return root;
    });

    public static TheoryData<string> Builds() => new(DwarfData.Builds);

    private static string Fold(string build, params string[] extra)
    {
        var r = CliRunner.Run([
            "convert", DwarfData.Capture(build, "perf.data"), "--format", "folded", "--symfs", s_symfs.Value,
            "--kallsyms", RepoPaths.TestData("system-wide", "kallsyms.gz"), .. extra,
        ]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    [RequiresFilesTheory(LibcDebug, LdDebug)]
    [MemberData(nameof(Builds))]
    public void InlineMatchesStackcollapseInlineOfPerfScript(string build)
    {
        var golden = File.ReadAllText(DwarfData.Capture(build, "perf.data.inline.folded"));
        var ours = Fold(build, "--inline");
        // The one explained difference: ld.so's system call wrappers (munmap, mprotect) are assembly (syscall-template.S,
        // no DWARF function), so addr2line names them from the debug file's symbol table, where binutils 2.40 (elf.c
        // elf_find_function) takes the last of the aliases at that address (__GI_munmap) and perf 6.1 (symbol.c
        // choose_best_symbol) another (__GI___munmap). stackcollapse-perf.pl keeps addr2line's name; Stackweave keeps
        // perf's, as for every frame DWARF does not name.
        ours = GlibcAlias().Replace(ours, ";__GI_$1;");
        Assert.Equal(golden, ours);
        Assert.Contains(";mathx::step(unsigned long) ", golden, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void WithoutInlineMatchesStackcollapse(string build)
    {
        Assert.Equal(File.ReadAllText(DwarfData.Capture(build, "perf.data.folded")), Fold(build));
    }
}

/// <summary>A theory skipped (never passed) where a file it needs is missing: here libc6-dbg's debug files.</summary>
public sealed class RequiresFilesTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the theory unless every one of <paramref name="paths"/> exists.</summary>
    public RequiresFilesTheoryAttribute(params string[] paths)
    {
        foreach (var p in paths)
            if (!File.Exists(p)) { Skip = p + " is missing (Debian libc6-dbg 2.36-9+deb12u14; .ci/run installs libc6-dbg)"; break; }
    }
}
