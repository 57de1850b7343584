using System.Diagnostics;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Go;

namespace Stackweave.Tests.Symbols.Go;

/// <summary>A fact that needs an esbuild binary fetched by testdata/gopclntab/fetch-esbuild.sh: skipped (never passed) without it.</summary>
public sealed class RequiresEsbuildFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless the named binary is in the esbuild cache with the listed sha256 (and, when <paramref name="needsGo"/>, /usr/bin/go exists).</summary>
    public RequiresEsbuildFactAttribute(string name, bool needsGo = false)
    {
        if (GoReference.Esbuild(name) is null)
            Skip = name + " is not in " + GoReference.EsbuildDir + " (testdata/gopclntab/fetch-esbuild.sh downloads it; .ci/run does)";
        else if (needsGo && !File.Exists("/usr/bin/go"))
            Skip = "/usr/bin/go is not installed (.ci/run installs golang-go)";
    }
}

/// <summary>The pclntab reader against Go 1.19's debug/gosym and the DWARF of the unstripped build (addr2line).</summary>
public sealed class GoPclnTabTests
{
    [Fact]
    public void StrippedProgramWithoutSectionHeadersIsFoundByTheHeaderScan()
    {
        using (var elf = ElfFile.Open(GoReference.NoShdr)) Assert.Empty(elf.Sections);
        var go = GoReference.Load(GoReference.NoShdr);
        Assert.Equal(GoPclnRoute.HeaderScan, go.Route);
        Assert.Equal(GoPclnLayout.Go118, go.Table.Layout);
        Assert.Equal(8, go.Table.PointerSize);
        Assert.Equal(1, go.Table.Quantum);
        Assert.False(go.Table.IsBigEndian);
        Assert.Equal("go1.19.8", go.GoVersion);
        Assert.True(go.Table.HasInlineTrees);
    }

    [Fact]
    public void PclntabIsUsedOnlyWhereTheElfSymbolsNameNoGoFunction()
    {
        // A C++ binary has no pclntab (and, having section headers, is not scanned).
        using (var cpp = ElfFile.Open(RepoPaths.TestData("programs", "bin", "burn-cpp"))) Assert.Null(GoBinary.Load(cpp));
        var locator = new BinaryLocator(new SymbolOptions { DebugDirs = [] });
        // An unstripped Go binary keeps its .symtab route (perf-compatible names); the pclntab is not loaded.
        var unstripped = locator.Load(RepoPaths.TestData("programs", "bin", "burn-go"), null);
        Assert.NotNull(unstripped.Table);
        Assert.Null(unstripped.Go);
        // The stripped copy has neither .symtab nor .dynsym: the pclntab is its only symbol source.
        var stripped = locator.Load(GoReference.NoShdr, null);
        Assert.Null(stripped.Table);
        Assert.NotNull(stripped.Go);
        Assert.True(stripped.Found);
        Assert.Equal(SymbolRoute.RecordedPath, stripped.Route);
        Assert.Empty(stripped.Messages);
    }

    [Fact]
    public void EveryFunctionOfTheProgramMatchesGosym()
    {
        var golden = GoReference.Gosym(GoReference.Lines(GoReference.Data("funcs.gosym.txt.gz")));
        var diffs = GoReference.CompareWithGosym(GoReference.Load(GoReference.NoShdr).Table, golden);
        Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(30)));
        Assert.True(golden.Count > 3000, golden.Count + " addresses");
    }

    [Fact]
    public void InlinedFramesOfEveryFunctionMatchTheDwarfOfTheUnstrippedBuild()
    {
        // llvm-addr2line -i on the unstripped build (same code at the same addresses, checked by regen-gopclntab.sh).
        var dwarf = GoReference.Addr2line(GoReference.Lines(GoReference.Data("funcs.llvm-addr2line.txt.gz")));
        var (compared, inlined, diffs) = CompareInline(GoReference.Load(GoReference.NoShdr).Table, dwarf, namesFromFirst: 0);
        Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(30)));
        Assert.True(compared > 2000 && inlined > 100, FormattableString.Invariant($"{compared} addresses, {inlined} with inlined frames"));
    }

    [Fact]
    public void CaptureAddressesMatchBinutilsAddr2line()
    {
        // GNU addr2line 2.40 names the physical function instead of the innermost inlined one in the first frame of a
        // Go inline chain (llvm-addr2line names it right): its locations and caller names are compared.
        var dwarf = GoReference.Addr2line(GoReference.Lines(GoReference.Data("capture.addr2line.txt")));
        var (compared, inlined, diffs) = CompareInline(GoReference.Load(GoReference.NoShdr).Table, dwarf, namesFromFirst: 1);
        Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(30)));
        Assert.True(compared > 50 && inlined > 3, FormattableString.Invariant($"{compared} addresses, {inlined} with inlined frames"));
    }

    internal static (int Compared, int Inlined, List<string> Diffs) CompareInline(GoPclnTab table, Dictionary<ulong, List<(string Function, string Location)>> dwarf, int namesFromFirst)
    {
        var diffs = new List<string>();
        var frames = new List<GoFrame>();
        int compared = 0, inlined = 0;
        foreach (var (addr, want) in dwarf)
        {
            // Assembly functions have no DWARF subprogram: addr2line prints "??".
            if (want.Count == 1 && want[0].Function == "??") continue;
            compared++;
            if (!table.Resolve(addr, frames, out _)) { diffs.Add(FormattableString.Invariant($"0x{addr:x}: unresolved")); continue; }
            if (want.Count > 1) inlined++;
            IReadOnlyList<GoFrame> mine = frames;
            // A method inlined into its compiler-generated pointer wrapper: the pclntab records the inlining, the DWARF
            // does not (one frame named by the wrapper at the method's line). Compare as DWARF shows it.
            if (want.Count == 1 && frames.Count == 2 && frames[1].File == "<autogenerated>")
                mine = [frames[0] with { Function = frames[1].Function }];
            var skip = want.Count > 1 ? namesFromFirst : 0;
            var a = string.Join(" <- ", want.Select((w, i) => (i < skip ? "" : NormalizeName(w.Function) + " ") + w.Location));
            var b = string.Join(" <- ", mine.Select((f, i) => (i < skip ? "" : NormalizeName(f.Function) + " ") + GoReference.Location(f)));
            if (a != b) diffs.Add(FormattableString.Invariant($"0x{addr:x}: dwarf {a}\n          reader {b}"));
        }
        return (compared, inlined, diffs);
    }

    /// <summary>Array lengths in generated equality functions: DWARF spells "type..eq.[5]T", the pclntab "type..eq.[...]T" (cmd/link shortens them).</summary>
    private static string NormalizeName(string name) =>
        name.StartsWith("type..eq.[", StringComparison.Ordinal) && name.IndexOf(']', StringComparison.Ordinal) is var close and > 0
            ? "type..eq.[...]" + name[(close + 1)..]
            : name;

    [RequiresEsbuildFact("esbuild-0.7.22")]
    public void Esbuild_0_7_22_Go115_Layout12() => CheckEsbuild("esbuild-0.7.22", GoPclnLayout.Go12, "go1.15");

    [RequiresEsbuildFact("esbuild-0.11.23")]
    public void Esbuild_0_11_23_Go116_Layout116() => CheckEsbuild("esbuild-0.11.23", GoPclnLayout.Go116, "go1.16.3");

    [RequiresEsbuildFact("esbuild-0.14.10")]
    public void Esbuild_0_14_10_Go117_Layout116() => CheckEsbuild("esbuild-0.14.10", GoPclnLayout.Go116, "go1.17.5");

    [RequiresEsbuildFact("esbuild-0.14.30")]
    public void Esbuild_0_14_30_Go118_Layout118() => CheckEsbuild("esbuild-0.14.30", GoPclnLayout.Go118, "go1.18");

    [RequiresEsbuildFact("esbuild-0.28.2")]
    public void Esbuild_0_28_2_Go126_Layout120() => CheckEsbuild("esbuild-0.28.2", GoPclnLayout.Go120, null);

    private static void CheckEsbuild(string name, GoPclnLayout layout, string? version)
    {
        var go = GoReference.Load(GoReference.Esbuild(name)!);
        Assert.Equal(GoPclnRoute.Section, go.Route);
        Assert.Equal(layout, go.Table.Layout);
        Assert.Equal(version, go.GoVersion);
        Assert.True(go.Table.HasInlineTrees);
        var golden = GoReference.Gosym(GoReference.Lines(GoReference.Data(name + ".gosym.txt.gz")));
        var diffs = GoReference.CompareWithGosym(go.Table, golden);
        Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(30)));
        Assert.True(golden.Count > 800, golden.Count + " addresses");
        CheckInlineConsistency(go.Table, golden.Select(g => g.Address));
    }

    /// <summary>
    /// Inlined frames of binaries without DWARF. Go 1.12–1.19 inline records also store their call site's line, which the
    /// reader does not use (it reads the caller's position at parentPc, as the runtime does): every caller frame's line
    /// must equal the line its callee's record stores. Go 1.20+ records have no line: there the chains must be well
    /// formed (no frame equal to its caller).
    /// </summary>
    private static void CheckInlineConsistency(GoPclnTab table, IEnumerable<ulong> addrs)
    {
        var frames = new List<GoFrame>();
        var recordLines = new List<int>();
        int chains = 0, checkedLines = 0;
        foreach (var a in addrs)
        {
            if (!table.Resolve(a, frames, out var entry)) continue;
            Assert.True(entry <= a);
            if (frames.Count > 1) chains++;
            for (var i = 0; i + 1 < frames.Count; i++)
                Assert.False(frames[i] == frames[i + 1], FormattableString.Invariant($"0x{a:x}: frame {i} repeats its caller"));
            if (table.Layout == GoPclnLayout.Go120) continue;
            Assert.True(table.InlineRecordLines(a, frames, recordLines));
            Assert.Equal(frames.Count - 1, recordLines.Count);
            for (var i = 0; i < recordLines.Count; i++, checkedLines++)
                Assert.True(recordLines[i] == frames[i + 1].Line, FormattableString.Invariant($"0x{a:x}: frame {i + 1} at line {frames[i + 1].Line}, the record says {recordLines[i]}"));
        }
        Assert.True(chains > 10, chains + " inline chains");
        if (table.Layout != GoPclnLayout.Go120) Assert.True(checkedLines > 10, checkedLines + " call-site lines checked");
    }

    [RequiresEsbuildFact("esbuild-0.28.2", needsGo: true)]
    public void LiveGosymAgreesOnEveryFunctionOfEveryEsbuild()
    {
        // Every fetched esbuild (at least the 1.20+ one the attribute requires), each function's entry, middle and end.
        var names = File.ReadLines(GoReference.Data("esbuild.sha256")).Select(l => l.Split(' ')[1]).Where(n => GoReference.Esbuild(n) is not null).ToList();
        var tmp = Directory.CreateTempSubdirectory("stackweave-gosymdump");
        try
        {
            var tool = Path.Combine(tmp.FullName, "gosymdump");
            Run("/usr/bin/go", ["build", "-o", tool, "."], GoReference.Data("gosymdump"), null, out _);
            foreach (var name in names)
            {
                var bin = GoReference.Esbuild(name)!;
                Run(tool, ["-funcs", "1", bin], null, null, out var addrs);
                Run(tool, [bin], null, addrs, out var text);
                var golden = GoReference.Gosym(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                var diffs = GoReference.CompareWithGosym(GoReference.Load(bin).Table, golden);
                Assert.True(diffs.Count == 0, name + ":\n" + string.Join('\n', diffs.Take(30)));
                Assert.True(golden.Count > 10000, name + ": " + golden.Count + " addresses");
            }
        }
        finally { tmp.Delete(true); }
    }

    internal static void Run(string file, string[] args, string? dir, string? stdin, out string stdout, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (dir is not null) psi.WorkingDirectory = dir;
        psi.Environment["GOFLAGS"] = "-buildvcs=false";
        psi.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "stackweave-gocache");
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            var w = Task.Run(() => { p.StandardInput.Write(stdin); p.StandardInput.Close(); });
            stdout = p.StandardOutput.ReadToEnd();
            w.Wait();
        }
        else stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, file + " failed: " + err.Result);
    }
}
