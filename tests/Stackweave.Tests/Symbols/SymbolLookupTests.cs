using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Demangle;

namespace Stackweave.Tests.Symbols;

public class SymbolLookupTests
{
    private static SymbolTable Load(string name)
    {
        using var elf = ElfFile.Open(SymData.File(name));
        return SymbolTable.FromElf(elf, elf);
    }

    [Fact]
    public void NonPieLookupsMatchAddr2line()
    {
        // Golden: addr2line -f at (function start + 1) for every defined FUNC of hello-nopie (Data/README.md).
        using var elf = ElfFile.Open(SymData.File("hello-nopie"));
        var table = SymbolTable.FromElf(elf, elf);
        var sizes = SymData.ReadelfSymbols(SymData.File("hello-nopie.readelf-s.txt"))[".symtab"]
            .Where(s => s.Type == "FUNC").ToDictionary(s => s.Name, s => s.Size);
        var n = 0;
        foreach (var line in File.ReadLines(SymData.File("hello-nopie.addr2line.txt")))
        {
            var f = line.Split('\t');
            var vaddr = SymData.Hex(f[0]);
            // perf looks symbols up by file offset: vaddr − p_vaddr + p_offset of the PT_LOAD holding it.
            var off = elf.AddressToFileOffset(vaddr);
            Assert.NotNull(off);
            var hit = table.Find(off.Value);
            if (sizes[f[1]] == 1)
            {
                // addr2line picks the nearest symbol below; perf (and we) find none past a sized symbol's end.
                Assert.True(hit is null, line);
                continue;
            }
            Assert.True(hit is not null, line);
            Assert.Equal(f[1], hit.Value.Name);
            Assert.Equal(1UL, hit.Value.Offset);
            n++;
        }
        Assert.True(n >= 10);
    }

    [Fact]
    public void PerfAliasAndZeroSizeRules()
    {
        var t = Load("hello-pie");
        // PIE: text PT_LOAD has p_offset == p_vaddr, so file offsets equal the readelf values here.
        Assert.Equal("asm_label+0x2", t.Find(0x113b)!.Value.ToString()); // zero-size label extends to local_helper (0x113c)
        Assert.Equal("local_helper+0x0", t.Find(0x113c)!.Value.ToString());
        // alias_name and alias_target share 0x117e, both GLOBAL size 4: perf keeps the longer name.
        Assert.Equal("alias_target+0x1", t.Find(0x117f)!.Value.ToString());
        Assert.Equal("weak_fn+0x3", t.Find(0x117d)!.Value.ToString());
        // Sized symbols are not extended: the byte after global_work (0x1146 + 52) belongs to no symbol when nothing starts there.
        var gw = t.Symbols.ToArray().Single(s => s.Name == "global_work");
        Assert.Equal(gw.Start + 52, gw.End);
    }

    [Fact]
    public void ChooseBestSymbolOrder()
    {
        SymbolEntry S(string name, byte bind, ulong size = 4) => new(0x100, 0x100 + size, name, bind, 2);
        // Non-zero size beats zero size, then non-weak beats weak, then global beats local, then fewer leading underscores, then longer name.
        Assert.False(SymbolTable.ChooseFirst(S("a", 1, 0), S("b", 0)));
        Assert.True(SymbolTable.ChooseFirst(S("local", 0), S("weak", 2)));
        Assert.True(SymbolTable.ChooseFirst(S("g", 1), S("l", 0)));
        Assert.True(SymbolTable.ChooseFirst(S("memcpy", 1), S("__memcpy", 1)));
        Assert.False(SymbolTable.ChooseFirst(S("abc", 1), S("abcd", 1)));
        Assert.False(SymbolTable.ChooseFirst(S("SyS_read", 1), S("sys_read", 1)));
        Assert.True(SymbolTable.ChooseFirst(S("sys_read", 1), S("SyS_read", 1)));
    }

    [Fact]
    public void StrippedPieUsesDynsym()
    {
        var t = Load("hello-pie-stripped");
        // .dynsym holds only undefined imports; perf still synthesizes one "name@plt" per .rela.plt entry (printf here).
        var only = Assert.Single(t.Symbols.ToArray());
        Assert.Equal("printf@plt", only.Name);
        using var elf = ElfFile.Open(SymData.File("hello-pie-stripped"));
        var plt = elf.FindSection(".plt")!.Value;
        Assert.Equal(plt.Offset + plt.EntrySize, only.Start);
    }

    [Fact]
    public void BigEndianAndElf32SymbolsResolve()
    {
        foreach (var name in new[] { "go-386", "go-s390x", "go-mips" })
        {
            using var elf = ElfFile.Open(SymData.File(name));
            var table = SymbolTable.FromElf(elf, elf);
            var golden = SymData.ReadelfSymbols(SymData.File(name + ".readelf-s.txt"))[".symtab"];
            var work = golden.Single(s => s.Name == "main.work");
            var off = elf.AddressToFileOffset(work.Value + 4)!.Value;
            var hit = table.Find(off);
            Assert.Equal("main.work", hit!.Value.Name);
            Assert.Equal(4UL, hit.Value.Offset);
        }
    }
}

/// <summary>Compares lookups with the real captures' `perf script` output (perf 6.1 on this machine).</summary>
public partial class PerfScriptGoldenTests
{
    // "\t    167a mix+0x2a (/path)" ; "\t  d44a3 [unknown] (/path)"
    [GeneratedRegex(@"^\s+([0-9a-f]+) (.+?)(?:\+0x([0-9a-f]+))? \((.+)\)$")]
    private static partial Regex Frame();

    public static IEnumerable<string> ScriptFiles()
    {
        return Directory.EnumerateFiles(RepoPaths.TestData(), "perf.data.script.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
    }

    [Fact]
    public void UserFramesMatchPerfScript()
    {
        // The test programs are found through --symfs, never at the path they were recorded from.
        var locator = new BinaryLocator(new SymbolOptions { Symfs = Integration.CliRunner.Symfs });
        var tables = new Dictionary<string, SymbolTable?>(StringComparer.Ordinal);
        var checkedFrames = 0;
        var failures = new List<string>();
        var seen = new HashSet<(string, ulong)>();
        foreach (var file in ScriptFiles())
            foreach (var line in File.ReadLines(file))
            {
                var m = Frame().Match(line);
                if (!m.Success) continue;
                var dso = m.Groups[4].Value;
                if (!dso.StartsWith('/')) continue;
                var addr = ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (!seen.Add((dso, addr))) continue;
                if (!tables.TryGetValue(dso, out var table))
                {
                    var b = locator.Load(dso, null);
                    table = b.Table;
                    tables[dso] = table;
                }
                if (table is null)
                {
                    if (File.Exists(dso)) failures.Add($"{dso}: present but no symbol table loaded");
                    continue; // binary gone from this machine
                }
                var hit = table.Find(addr);
                var sym = m.Groups[2].Value;
                checkedFrames++;
                if (sym == "[unknown]")
                {
                    if (hit is not null) failures.Add($"{file}: {line.Trim()} -> {hit}");
                    continue;
                }
                var off = m.Groups[3].Success ? ulong.Parse(m.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 0;
                // perf shows C++ names demangled without parameters (Symbolizer.DisplayName, perf style)
                if (hit is null || hit.Value.Offset != off || Symbolizer.DisplayName(hit.Value.Name, DemangleStyle.Perf) != sym)
                    failures.Add($"{file}: {line.Trim()} -> {hit?.ToString() ?? "null"}");
            }
        Assert.True(checkedFrames > 100, FormattableString.Invariant($"only {checkedFrames} user frames checked"));
        // The dsos the captures hit: the test programs (through --symfs), libc (via libc6-dbg), ld.so.
        foreach (var d in new[]
        {
            "/work/main/testdata/programs/bin/burn-cpp", "/work/main/testdata/programs/bin/burn-go",
            "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        })
            Assert.True(tables.ContainsKey(d) && tables[d] is not null, d);
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(30)));
    }

    [Fact]
    public void KernelFramesMatchPerfScript()
    {
        var ks = SymData.KallsymsForCaptures();
        var checkedFrames = 0;
        var failures = new List<string>();
        foreach (var file in ScriptFiles())
            foreach (var line in File.ReadLines(file))
            {
                var m = Frame().Match(line);
                if (!m.Success || m.Groups[4].Value != "[kernel.kallsyms]") continue;
                var addr = ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var hit = ks.Find(addr);
                var sym = m.Groups[2].Value;
                var off = m.Groups[3].Success ? ulong.Parse(m.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 0;
                checkedFrames++;
                if (sym == "[unknown]" ? hit is not null : hit is null || hit.Value.Name != sym || hit.Value.Offset != off)
                    failures.Add($"{file}: {line.Trim()} -> {hit}");
            }
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(30)));
        Assert.True(!ScriptFiles().Any() || checkedFrames > 0);
    }
}
