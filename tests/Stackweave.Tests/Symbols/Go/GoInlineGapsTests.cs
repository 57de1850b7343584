using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Stackweave.Formats;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Go;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Symbols.Go;

/// <summary>The Go binaries built by Go 1.8–1.13 that testdata/gogaps/fetch-old-go.sh downloads, and the gogaps test data.</summary>
internal static class OldGo
{
    /// <summary>testdata/gogaps/...</summary>
    public static string Data(params string[] parts) => RepoPaths.TestData(["gogaps", .. parts]);

    /// <summary>The binary of this name in the esbuild cache when present with the sha256 old-go.sha256 lists, else null.</summary>
    public static string? Binary(string name)
    {
        var path = Path.Combine(GoReference.EsbuildDir, name);
        if (!File.Exists(path)) return null;
        var want = File.ReadLines(Data("old-go.sha256")).Select(l => l.Split(' ')).First(p => p[1] == name)[0];
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f)) == want ? path : null;
    }

    /// <summary>
    /// The table of a binary opened as if its Go version were unknown (no build info): the 1.2 layout's inline encoding is
    /// then found by validation (the binary's .gopclntab, in the segment holding it).
    /// </summary>
    public static GoPclnTab OpenUnversioned(string path)
    {
        using var elf = ElfFile.Open(path);
        var sec = elf.FindSection(".gopclntab")!.Value;
        var seg = elf.Segments.First(p => p.Type == ElfConstants.PtLoad && sec.Offset >= p.Offset && sec.Offset - p.Offset < p.FileSize);
        var img = elf.ReadFileRange(seg.Offset, seg.FileSize);
        var at = (int)(sec.Offset - seg.Offset);
        return new GoPclnTab(new GoPclnSource(img, seg.VirtualAddress, at, (int)Math.Min(sec.Size, (ulong)(img.Length - at)), null, null, null), path, (long)seg.Offset);
    }

    /// <summary>The bytes of a file without section headers (e_shoff = e_shnum = e_shentsize = e_shstrndx = 0), cut after its last PT_LOAD byte, as regen-gogaps.sh makes them.</summary>
    public static byte[] WithoutSectionHeaders(byte[] d)
    {
        var phoff = BitConverter.ToUInt64(d, 32);
        int phentsize = BitConverter.ToUInt16(d, 54), phnum = BitConverter.ToUInt16(d, 56);
        ulong end = 0;
        for (var i = 0; i < phnum; i++)
        {
            var at = (int)phoff + i * phentsize;
            if (BitConverter.ToUInt32(d, at) == 1) end = Math.Max(end, BitConverter.ToUInt64(d, at + 8) + BitConverter.ToUInt64(d, at + 32));
        }
        var o = d.AsSpan(0, (int)end).ToArray();
        BitConverter.TryWriteBytes(o.AsSpan(40), 0UL);
        o.AsSpan(58, 6).Clear();
        return o;
    }

    public static byte[] Gunzip(string path)
    {
        using var z = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var m = new MemoryStream();
        z.CopyTo(m);
        return m.ToArray();
    }
}

/// <summary>A fact that needs a binary fetched by testdata/gogaps/fetch-old-go.sh: skipped (never passed) without it.</summary>
public sealed class RequiresOldGoFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless the named binary is in the cache with the listed sha256.</summary>
    public RequiresOldGoFactAttribute(string name)
    {
        if (OldGo.Binary(name) is null)
            Skip = name + " is not in " + GoReference.EsbuildDir + " (testdata/gogaps/fetch-old-go.sh downloads it; .ci/run does)";
    }
}

/// <summary>
/// Inlined frames of Go 1.9–1.12 binaries (no build info: the inline encoding is found by validating the table) and of
/// Go 1.18+ PIE binaries (moduledata's pointers come from R_X86_64_RELATIVE relocations), against the DWARF of the same
/// binaries where they have one, and otherwise against what the table itself and the ELF symbols say.
/// </summary>
public sealed class GoInlineGapsTests
{
    [RequiresOldGoFact("pbf2json-4.9.0")]
    public void Go110BinaryInlinedFramesEqualItsDwarf()
    {
        // pbf2json 4.9.0: built by go1.10, not stripped (DWARF with inlined subroutines), no build info.
        var path = OldGo.Binary("pbf2json-4.9.0")!;
        var go = GoReference.Load(path);
        Assert.Equal(GoPclnLayout.Go12, go.Table.Layout);
        Assert.Null(go.GoVersion);
        Assert.True(go.Table.InlineEncodingValidated);
        Assert.Equal(GoInlineEncoding.Go19, go.Table.InlineEncoding);
        CheckGosym(go.Table, "pbf2json-4.9.0", 3000);
        var dwarf = GoReference.Addr2line(GoReference.Lines(OldGo.Data("pbf2json-4.9.0.llvm-addr2line.txt.gz")));
        var r = DwarfComparison.Run(go.Table, dwarf);
        Assert.True(r.Diffs.Count == 0, string.Join('\n', r.Diffs.Take(30)));
        Assert.True(r.Compared > 3000 && r.Inlined > 80, r.ToString());
        // Go 1.10's DWARF leaves some instructions of inlined calls out of their DW_TAG_inlined_subroutine ranges while
        // its own line table gives them the callee's line (testdata/README.md): 20 of 108 here.
        Assert.True(r.DwarfRangeGaps < r.Inlined / 3 && r.DwarfFileQuirks < 10, r.ToString());
    }

    [RequiresOldGoFact("esbuild-0.1.0")]
    public void Go113BinaryInlinedFramesEqualItsDwarfWithTheVersionAndByValidation()
    {
        // esbuild 0.1.0: go1.13.8, not stripped (compressed .zdebug_* DWARF); its build info names the version.
        var path = OldGo.Binary("esbuild-0.1.0")!;
        var go = GoReference.Load(path);
        Assert.Equal("go1.13.8", go.GoVersion);
        Assert.False(go.Table.InlineEncodingValidated);
        Assert.Equal(GoInlineEncoding.Go113, go.Table.InlineEncoding);
        var unversioned = OldGo.OpenUnversioned(path);
        Assert.True(unversioned.InlineEncodingValidated);
        Assert.Equal(GoInlineEncoding.Go113, unversioned.InlineEncoding);
        CheckGosym(go.Table, "esbuild-0.1.0", 2000);
        var dwarf = GoReference.Addr2line(GoReference.Lines(OldGo.Data("esbuild-0.1.0.llvm-addr2line.txt.gz")));
        foreach (var table in new[] { go.Table, unversioned })
        {
            var r = DwarfComparison.Run(table, dwarf);
            Assert.True(r.Diffs.Count == 0, string.Join('\n', r.Diffs.Take(30)));
            Assert.True(r.Compared > 2000 && r.Inlined > 100 && r.DwarfRangeGaps < r.Inlined / 10 && r.DwarfFileQuirks < 10, r.ToString());
        }
    }

    [RequiresOldGoFact("pbf2json-4.4.0")]
    public void Go18BinaryHasNoInlineTreeAndItsDwarfNoInlinedFrames()
    {
        var path = OldGo.Binary("pbf2json-4.4.0")!;
        var go = GoReference.Load(path);
        Assert.Equal(GoInlineEncoding.None, go.Table.InlineEncoding);
        Assert.False(go.Table.HasInlineTrees);
        CheckGosym(go.Table, "pbf2json-4.4.0", 400);
        var dwarf = GoReference.Addr2line(GoReference.Lines(OldGo.Data("pbf2json-4.4.0.llvm-addr2line.txt.gz")));
        var r = DwarfComparison.Run(go.Table, dwarf);
        Assert.True(r.Diffs.Count == 0, string.Join('\n', r.Diffs.Take(30)));
        Assert.Equal(0, r.Inlined);
        Assert.True(r.Compared > 400, r.ToString());
    }

    [RequiresOldGoFact("ibazel-0.1.1")]
    public void Go19BinaryInlineChainsAreConsistent() => CheckWithoutDwarf("ibazel-0.1.1", GoInlineEncoding.Go19, minInnerInside: false);

    [RequiresOldGoFact("buildifier-0.19.2")]
    public void Go111BinaryInlineChainsAreConsistent() => CheckWithoutDwarf("buildifier-0.19.2", GoInlineEncoding.Go19);

    [RequiresOldGoFact("buildifier-0.29.0")]
    public void Go112BinaryInlineChainsAreConsistent() => CheckWithoutDwarf("buildifier-0.29.0", GoInlineEncoding.Go112);

    [RequiresOldGoFact("buildifier-0.29.0")]
    public void ValidationRejectsTheOtherEncodingsOfRealTables()
    {
        // Each real table, read under the encodings it is not, gives invalid trees (or none); under its own, only valid ones.
        foreach (var (name, own) in new[] { ("buildifier-0.29.0", GoInlineEncoding.Go112), ("buildifier-0.19.2", GoInlineEncoding.Go19), ("esbuild-0.1.0", GoInlineEncoding.Go113) })
        {
            if (OldGo.Binary(name) is not { } path) continue;
            var table = OldGo.OpenUnversioned(path);
            Assert.Equal(own, table.InlineEncoding);
            foreach (var e in new[] { GoInlineEncoding.Go19, GoInlineEncoding.Go112, GoInlineEncoding.Go113 })
            {
                var (valid, invalid) = table.ScoreEncoding(e, int.MaxValue);
                if (e == own) Assert.True(valid > 500 && invalid == 0, FormattableString.Invariant($"{name} as {e}: {valid} valid, {invalid} invalid"));
                else Assert.True(invalid > 0 || valid == 0, FormattableString.Invariant($"{name} as {e}: {valid} valid, {invalid} invalid"));
            }
        }
    }

    private static void CheckGosym(GoPclnTab table, string name, int min)
    {
        var golden = GoReference.Gosym(GoReference.Lines(OldGo.Data(name + ".gosym.txt.gz")));
        var diffs = GoReference.CompareWithGosym(table, golden);
        Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(30)));
        Assert.True(golden.Count > min, golden.Count + " addresses");
    }

    /// <summary>
    /// A binary without DWARF (its .symtab kept): names and lines equal debug/gosym's; every inline chain is consistent
    /// (<see cref="InlineChecker"/>); Go 1.12 records also store each call site's line, which must equal the caller frame's
    /// line the reader takes at parentPc.
    /// </summary>
    private static void CheckWithoutDwarf(string name, GoInlineEncoding encoding, bool minInnerInside = true)
    {
        var path = OldGo.Binary(name)!;
        var go = GoReference.Load(path);
        Assert.Null(go.GoVersion);
        Assert.True(go.Table.InlineEncodingValidated);
        Assert.Equal(encoding, go.Table.InlineEncoding);
        CheckGosym(go.Table, name, 800);
        var checker = new InlineChecker(go.Table, path);
        // Every byte of every 4th function (every 7th byte of large ones: each lookup decodes the tables from the entry).
        var frames = new List<GoFrame>();
        var recordLines = new List<int>();
        int chains = 0, recordChecks = 0;
        for (var i = 0; i < go.Table.FunctionCount; i += 4)
        {
            var end = i + 1 < go.Table.FunctionCount ? go.Table.FunctionEntry(i + 1) : go.Table.MaxPc;
            var start = go.Table.FunctionEntry(i);
            var step = end - start > 4096 ? 7UL : 1UL;
            for (var pc = start; pc < end; pc += step)
            {
                Assert.True(go.Table.Resolve(pc, frames, out _));
                if (frames.Count > 1) chains++;
                checker.Check(pc, frames);
                if (encoding != GoInlineEncoding.Go112 || frames.Count < 2) continue;
                Assert.True(go.Table.InlineRecordLines(pc, frames, recordLines));
                for (var k = 0; k < recordLines.Count; k++, recordChecks++)
                    Assert.True(recordLines[k] == frames[k + 1].Line, FormattableString.Invariant($"0x{pc:x}: frame {k + 1} at line {frames[k + 1].Line}, the record says {recordLines[k]}"));
            }
        }
        Assert.True(checker.Failures.Count == 0, string.Join('\n', checker.Failures.Take(30)));
        Assert.True(chains > 1000 && checker.Checked > 1000, FormattableString.Invariant($"{chains} inline chains, {checker.Checked} inlined frames checked"));
        // Go 1.10+ put inlined code at the inlined function's lines, but for constants' uses (their declaration's line).
        // Go 1.9.2, the first release with inline trees, gives about half of the inlined instructions lines of other
        // functions (testdata/README.md): there only the caller frames are checked.
        if (minInnerInside)
            Assert.True(checker.InnerOutside * 20 < checker.InnerChecked, FormattableString.Invariant($"{checker.InnerOutside} of {checker.InnerChecked} innermost frames outside their function's lines: {string.Join('\n', checker.OutsideExamples.Take(10))}"));
        if (encoding == GoInlineEncoding.Go112) Assert.True(recordChecks > 1000, recordChecks + " call-site lines checked");
    }

    /// <summary>The stripped PIE (external link: no .gopclntab section), as committed.</summary>
    private static byte[] Pie() => OldGo.Gunzip(OldGo.Data("pie-stripped.gz"));

    /// <summary>The program headers of a little-endian ELF64 image: (offset of the header, p_type).</summary>
    private static IEnumerable<(int At, uint Type)> ProgramHeaders(byte[] d)
    {
        var phoff = (int)BitConverter.ToUInt64(d, 32);
        int phentsize = BitConverter.ToUInt16(d, 54), phnum = BitConverter.ToUInt16(d, 56);
        for (var i = 0; i < phnum; i++) yield return (phoff + i * phentsize, BitConverter.ToUInt32(d, phoff + i * phentsize));
    }

    private static void CheckPie(byte[] bytes, string name)
    {
        using var elf = ElfFile.FromBytes(bytes, name);
        Assert.Equal(ElfFileType.SharedObject, elf.FileType);
        var go = GoBinary.Load(elf)!;
        Assert.NotNull(go);
        Assert.Equal(GoPclnRoute.HeaderScan, go.Route);
        Assert.Equal(GoPclnLayout.Go118, go.Table.Layout);
        Assert.Equal("go1.19.8", go.GoVersion);
        Assert.Equal(GoInlineEncoding.Go116, go.Table.InlineEncoding);
        var golden = GoReference.Gosym(GoReference.Lines(OldGo.Data("pie.gosym.txt.gz")));
        var diffs = GoReference.CompareWithGosym(go.Table, golden);
        Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(30)));
        Assert.True(golden.Count > 3000, golden.Count + " addresses");
        var dwarf = GoReference.Addr2line(GoReference.Lines(OldGo.Data("pie.llvm-addr2line.txt.gz")));
        var (compared, inlined, idiffs) = GoPclnTabTests.CompareInline(go.Table, dwarf, namesFromFirst: 0);
        Assert.True(idiffs.Count == 0, string.Join('\n', idiffs.Take(30)));
        Assert.True(compared > 2000 && inlined > 100, FormattableString.Invariant($"{compared} addresses, {inlined} with inlined frames"));
    }

    [Fact]
    public void PieGetsNamesLinesAndDwarfsInlinedFrames()
    {
        // The pclntab test program built -buildmode=pie -linkmode=external by Go 1.19 and stripped: the table is inside
        // .data.rel.ro (found by the header scan, since the file has a Go build id), go:func.* in .rodata, another segment.
        var bytes = Pie();
        using (var elf = ElfFile.FromBytes(bytes, "pie"))
        {
            Assert.Null(elf.FindSection(".gopclntab"));
            Assert.NotNull(elf.GoBuildId);
        }
        CheckPie(bytes, "pie-stripped");
    }

    [Fact]
    public void PieWithoutSectionHeadersGetsTheSameFrames() => CheckPie(OldGo.WithoutSectionHeaders(Pie()), "pie-noshdr");

    [Fact]
    public void PieWhoseLinkerLeftRelocatedWordsZeroIsReadThroughItsRelativeRelocations()
    {
        // GNU ld on x86-64 also writes each R_X86_64_RELATIVE addend into the word it relocates; ld on AArch64 (without
        // --apply-dynamic-relocs) and lld leave those words zero. Zero them: moduledata's pointers, the pclntab header's
        // textStart and the build info's pointers then come from .rela.dyn alone (found through PT_DYNAMIC).
        var bytes = OldGo.WithoutSectionHeaders(Pie());
        int zeroed;
        using (var elf = ElfFile.FromBytes(bytes, "pie"))
        {
            var loads = elf.Segments.Where(p => p.Type == ElfConstants.PtLoad).ToList();
            var dyn = elf.Segments.Single(p => p.Type == 2); // PT_DYNAMIC
            ulong rela = 0, relasz = 0;
            for (var at = (int)dyn.Offset; at + 16 <= (int)(dyn.Offset + dyn.FileSize); at += 16)
            {
                var tag = BitConverter.ToInt64(bytes, at);
                if (tag == 7) rela = BitConverter.ToUInt64(bytes, at + 8);   // DT_RELA
                if (tag == 8) relasz = BitConverter.ToUInt64(bytes, at + 8); // DT_RELASZ
            }
            ulong Off(ulong va) => loads.First(p => va >= p.VirtualAddress && va - p.VirtualAddress < p.FileSize) is var p ? va - p.VirtualAddress + p.Offset : 0;
            var r0 = Off(rela);
            zeroed = 0;
            for (var r = r0; r < r0 + relasz; r += 24)
            {
                if (BitConverter.ToUInt32(bytes, (int)r + 8) != 8) continue; // R_X86_64_RELATIVE
                var va = BitConverter.ToUInt64(bytes, (int)r);
                if (!loads.Any(p => va >= p.VirtualAddress && va - p.VirtualAddress + 8 <= p.FileSize)) continue;
                bytes.AsSpan((int)Off(va), 8).Clear();
                zeroed++;
            }
        }
        Assert.True(zeroed > 1000, zeroed + " relocated words");
        CheckPie(bytes, "pie-zeroed");

        // Without PT_DYNAMIC (turned into PT_NULL) nothing fills them: the header's textStart is 0, the scan finds no
        // table whose functions lie in the executable segment.
        foreach (var (at, type) in ProgramHeaders(bytes)) if (type == 2) BitConverter.TryWriteBytes(bytes.AsSpan(at), 0u);
        using var bare = ElfFile.FromBytes(bytes, "pie-zeroed-nodyn");
        Assert.True(GoBinary.Load(bare) is not { Table.HasInlineTrees: true });
    }
}

/// <summary>
/// An AArch64 PIE (Go 1.19 cross-compiles it, internal linking: 3,000+ R_AARCH64_RELATIVE relocations), built when Go is
/// installed: names and lines equal debug/gosym's (pc quantum 4), and with every relocated word zeroed (as GNU ld on
/// AArch64 leaves them without --apply-dynamic-relocs) the reader gets the very same frames, inlined ones included.
/// </summary>
public sealed class GoArm64PieTests
{
    [RequiresToolFact("/usr/bin/go")]
    public void Arm64PieIsReadThroughItsAarch64RelativeRelocations()
    {
        var tmp = Directory.CreateTempSubdirectory("stackweave-arm64pie");
        try
        {
            var bin = Path.Combine(tmp.FullName, "pie");
            var tool = Path.Combine(tmp.FullName, "gosymdump");
            GoPclnTabTests.Run("/usr/bin/go", ["build", "-trimpath", "-buildmode=pie", "-ldflags=-s -w", "-o", bin, "."], GoReference.Data("prog"), null, out _,
                new Dictionary<string, string> { ["GOARCH"] = "arm64", ["CGO_ENABLED"] = "0" });
            GoPclnTabTests.Run("/usr/bin/go", ["build", "-o", tool, "."], GoReference.Data("gosymdump"), null, out _);
            GoPclnTabTests.Run(tool, ["-funcs", "1", bin], null, null, out var addrs);
            GoPclnTabTests.Run(tool, [bin], null, addrs, out var text);
            var golden = GoReference.Gosym(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            var bytes = File.ReadAllBytes(bin);
            using var elf = ElfFile.FromBytes(bytes, "arm64-pie");
            Assert.Equal((ushort)183, elf.Machine); // EM_AARCH64
            var go = GoBinary.Load(elf)!;
            Assert.Equal(4, go.Table.Quantum);
            Assert.Equal(GoInlineEncoding.Go116, go.Table.InlineEncoding);
            var diffs = GoReference.CompareWithGosym(go.Table, golden);
            Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(30)));
            Assert.True(golden.Count > 3000, golden.Count + " addresses");

            // Zero every word an R_AARCH64_RELATIVE (1027) relocation of .rela (DT_RELA, DT_RELASZ) covers.
            var zeroed = (byte[])bytes.Clone();
            var loads = elf.Segments.Where(p => p.Type == ElfConstants.PtLoad).ToList();
            var dyn = elf.Segments.Single(p => p.Type == 2); // PT_DYNAMIC
            ulong rela = 0, relasz = 0;
            for (var at = (int)dyn.Offset; at + 16 <= (int)(dyn.Offset + dyn.FileSize); at += 16)
            {
                var tag = BitConverter.ToInt64(bytes, at);
                if (tag == 7) rela = BitConverter.ToUInt64(bytes, at + 8);
                if (tag == 8) relasz = BitConverter.ToUInt64(bytes, at + 8);
            }
            ulong Off(ulong va) => loads.First(p => va >= p.VirtualAddress && va - p.VirtualAddress < p.FileSize) is var p ? va - p.VirtualAddress + p.Offset : 0;
            var n = 0;
            for (var r = Off(rela); r < Off(rela) + relasz; r += 24)
            {
                if (BitConverter.ToUInt32(bytes, (int)r + 8) != 1027) continue;
                var va = BitConverter.ToUInt64(bytes, (int)r);
                if (!loads.Any(p => va >= p.VirtualAddress && va - p.VirtualAddress + 8 <= p.FileSize)) continue;
                zeroed.AsSpan((int)Off(va), 8).Clear();
                n++;
            }
            Assert.True(n > 1000, n + " relocated words");
            using var elf2 = ElfFile.FromBytes(OldGo.WithoutSectionHeaders(zeroed), "arm64-pie-zeroed");
            var go2 = GoBinary.Load(elf2)!;
            Assert.Equal(GoPclnRoute.HeaderScan, go2.Route);
            Assert.StartsWith("go1.", go2.GoVersion);
            Assert.Equal(go.GoVersion, go2.GoVersion);
            var (a, b) = (new List<GoFrame>(), new List<GoFrame>());
            var inlined = 0;
            foreach (var g in golden)
            {
                Assert.Equal(go.Table.Resolve(g.Address, a, out _), go2.Table.Resolve(g.Address, b, out _));
                Assert.Equal(a, b);
                if (a.Count > 1) inlined++;
            }
            Assert.True(inlined > 100, inlined + " addresses with inlined frames");
        }
        finally { tmp.Delete(true); }
    }
}

/// <summary>
/// The reader's frames against llvm-addr2line -i on the unstripped binary, with the DWARF quirks of old Go toolchains
/// accounted for (testdata/README.md, "Go inline trees of Go 1.9–1.13 and PIE"): DWARF names no line for
/// compiler-generated functions ("??:0") where the pclntab says &lt;autogenerated&gt;:1, Go 1.8–1.10 prefix
/// &lt;autogenerated&gt; with the build directory, and Go 1.10's inlined-subroutine ranges miss some instructions that its
/// line table (and the pclntab) put in the inlined callee ("DWARF range gaps": DWARF's innermost location is the
/// reader's, its outer frames are the reader's outermost ones, only inlined frames are missing).
/// </summary>
internal static class DwarfComparison
{
    public sealed record Result(int Compared, int Inlined, int DwarfRangeGaps, int DwarfFileQuirks, List<string> Diffs)
    {
        public override string ToString() => FormattableString.Invariant($"{Compared} addresses, {Inlined} with inlined frames, {DwarfRangeGaps} DWARF range gaps, {DwarfFileQuirks} DWARF file quirks, {Diffs.Count} differences");
    }

    private static string LineOf(string loc) => loc[(loc.LastIndexOf(':') + 1)..];

    public static Result Run(GoPclnTab table, Dictionary<ulong, List<(string Function, string Location)>> dwarf)
    {
        var diffs = new List<string>();
        var frames = new List<GoFrame>();
        int compared = 0, inlined = 0, gaps = 0, fileQuirks = 0;
        foreach (var (addr, raw) in dwarf)
        {
            if (raw.Count == 1 && raw[0].Function == "??") continue; // assembly: no DWARF subprogram
            compared++;
            if (!table.Resolve(addr, frames, out _)) { diffs.Add(FormattableString.Invariant($"0x{addr:x}: unresolved")); continue; }
            if (frames.Count > 1) inlined++;
            var want = raw.Select(w => (Name(w.Function), Loc(w.Location))).ToList();
            var mine = frames.Select(f => (Name(f.Function), GoReference.Location(f))).ToList();
            // A method inlined into its <autogenerated> pointer wrapper: one DWARF frame (GoPclnTabTests.CompareInline).
            if (want.Count == 1 && mine.Count == 2 && frames[1].File == "<autogenerated>") mine = [(mine[1].Item1, mine[0].Item2)];
            // DWARF without a line for the frame (assembly, compiler-generated code): only the names are compared.
            if (want.Count == mine.Count)
                for (var i = 0; i < want.Count; i++)
                    if (want[i].Item2 == "??:0") want[i] = (want[i].Item1, mine[i].Item2);
            if (want.SequenceEqual(mine)) continue;
            var shift = mine.Count - want.Count;
            if (shift > 0 && want[0].Item2 == mine[0].Item2 && want[^1].Item1 == mine[^1].Item1 && Enumerable.Range(1, want.Count - 1).All(i => want[i] == mine[i + shift]))
            {
                gaps++;
                continue;
            }
            // Go 1.10's linker writes DWARF line rows from the pclntab's own pcfile/pcln tables, a few with another file
            // of the compile unit: same frames, same lines, only a file differs (debug/gosym agrees with the reader).
            if (want.Count == mine.Count && Enumerable.Range(0, want.Count).All(i => want[i].Item1 == mine[i].Item1 && LineOf(want[i].Item2) == LineOf(mine[i].Item2)))
            {
                fileQuirks++;
                continue;
            }
            diffs.Add(FormattableString.Invariant($"0x{addr:x}: dwarf {string.Join(" <- ", want.Select(w => w.Item1 + " " + w.Item2))}\n          reader {string.Join(" <- ", mine.Select(w => w.Item1 + " " + w.Item2))}"));
        }
        return new Result(compared, inlined, gaps, fileQuirks, diffs);
    }

    // Closures: "f.func1" and "newFunc.1" in DWARF, "f·1"-style middle dots in older pclntabs' generated names.
    private static string Name(string name) => NameOnly(name.Replace('\u00b7', '.'));

    private static string NameOnly(string name) =>
        name.StartsWith("type..eq.[", StringComparison.Ordinal) && name.IndexOf(']', StringComparison.Ordinal) is var close and > 0
            ? "type..eq.[...]" + name[(close + 1)..]
            : name;

    private static string Loc(string loc)
    {
        var i = loc.IndexOf("/<autogenerated>:", StringComparison.Ordinal);
        return i >= 0 ? loc[(i + 1)..] : loc;
    }
}

/// <summary>
/// Consistency of inlined frames where no DWARF exists: each inlined function is a function of the binary (an ELF FUNC
/// symbol, or, when the compiler kept no standalone copy, at least a Go-shaped name); where a standalone copy is in the
/// pclntab, the inlined frame's file is that copy's file and its line lies within the lines the copy's own code covers;
/// no frame repeats its caller.
/// </summary>
internal sealed class InlineChecker
{
    private readonly GoPclnTab _table;
    private readonly HashSet<string> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string? File, int Min, int Max)> _spans = new(StringComparer.Ordinal);
    private readonly List<GoFrame> _scratch = [];

    public List<string> Failures { get; } = [];
    public int Checked { get; private set; }

    public InlineChecker(GoPclnTab table, string path)
    {
        _table = table;
        using (var elf = ElfFile.Open(path))
            if (elf.SymtabSection is { } s)
                foreach (var sym in elf.ReadSymbols(s))
                    if (sym.Type == ElfConstants.SttFunc) _symbols.Add(sym.Name);
        for (var i = 0; i < table.FunctionCount; i++)
            if (table.FunctionName(i) is { } n) _index.TryAdd(n, i);
    }

    /// <summary>Innermost inlined frames checked against their function's own lines, and those outside them.</summary>
    public int InnerChecked { get; private set; }
    public int InnerOutside { get; private set; }
    /// <summary>Innermost inlined frames at exactly their caller's position (Go 1.9 gives much inlined code the call site's line).</summary>
    public int InnerAtCallSite { get; private set; }
    /// <summary>A few chains whose innermost frame lies outside its function's lines.</summary>
    public List<string> OutsideExamples { get; } = [];

    /// <summary>
    /// Checks one chain (innermost first). Caller frames (call sites: from the records' file/line in Go 1.9–1.11, from
    /// parentPc in 1.12+) must lie within their function's own lines; the innermost frame's position is the pc's own
    /// line-table entry, which the compiler sometimes gives the call site's or a constant's declaration line (counted
    /// in <see cref="InnerOutside"/>, not a failure: Go's runtime shows the same).
    /// </summary>
    public void Check(ulong pc, List<GoFrame> frames)
    {
        for (var k = 0; k < frames.Count; k++)
        {
            var f = frames[k];
            if (k + 1 < frames.Count)
            {
                Checked++;
                if (f == frames[k + 1]) Failures.Add(FormattableString.Invariant($"0x{pc:x}: frame {k} repeats its caller"));
                if (_symbols.Count > 0 && !_symbols.Contains(f.Function) && !_index.ContainsKey(f.Function) && !LooksLikeGoName(f.Function))
                    Failures.Add(FormattableString.Invariant($"0x{pc:x}: inlined {f.Function} is no function of the binary"));
            }
            if (frames.Count == 1 || Span(f.Function) is not { } span) continue;
            var inside = span.File == f.File && f.Line >= span.Min && f.Line <= span.Max;
            if (k == 0)
            {
                InnerChecked++;
                if (inside) continue;
                if (f.File == frames[1].File && f.Line == frames[1].Line) InnerAtCallSite++;
                else
                {
                    InnerOutside++;
                    if (OutsideExamples.Count < 40)
                        OutsideExamples.Add(FormattableString.Invariant($"0x{pc:x}: {string.Join(" <- ", frames.Select(x => x.Function + " " + x.File + ":" + x.Line))} (own lines {span.File}:{span.Min}-{span.Max})"));
                }
            }
            else if (!inside)
                Failures.Add(FormattableString.Invariant($"0x{pc:x}: frame {k} {f.Function} at {f.File}:{f.Line}, its own code covers {span.File}:{span.Min}-{span.Max}"));
        }
    }

    private static bool LooksLikeGoName(string s) => s.Contains('.', StringComparison.Ordinal) && !s.Contains(' ', StringComparison.Ordinal);

    /// <summary>File and line range of the standalone copy's own frames (its physical frame at every pc), or null when it has none.</summary>
    private (string? File, int Min, int Max)? Span(string name)
    {
        if (_spans.TryGetValue(name, out var s)) return s.Max == 0 ? null : s;
        if (!_index.TryGetValue(name, out var i)) { _spans[name] = (null, 0, 0); return null; }
        var end = i + 1 < _table.FunctionCount ? _table.FunctionEntry(i + 1) : _table.MaxPc;
        // Inlinable functions are small; a large standalone copy is not worth decoding byte by byte.
        if (end - _table.FunctionEntry(i) > 16384) { _spans[name] = (null, 0, 0); return null; }
        string? file = null;
        int min = int.MaxValue, max = 0;
        var mixed = false;
        for (var pc = _table.FunctionEntry(i); pc < end; pc++)
        {
            if (!_table.Resolve(pc, _scratch, out _)) continue;
            var own = _scratch[^1];
            if (own.Line <= 0) continue;
            if (file is null) file = own.File;
            else if (file != own.File) mixed = true;
            min = Math.Min(min, own.Line);
            max = Math.Max(max, own.Line);
        }
        // A copy whose code comes from more than one file (e.g. a wrapper) gives no single span.
        s = mixed || max == 0 ? (null, 0, 0) : (file, min, max);
        _spans[name] = s;
        return s.Max == 0 ? null : s;
    }
}

/// <summary>
/// A perf capture of a Go 1.11 binary (buildifier 0.19.2 without section headers, 16-byte inline records): every Go frame
/// gets debug/gosym's function and line, its inline chain is consistent, and the folded output with --inline is stable.
/// </summary>
public sealed class GoOldCaptureTests : IDisposable
{
    private const string Recorded = "/tmp/stackweave-gogaps/buildifier";
    private readonly string? _symfs;

    public GoOldCaptureTests()
    {
        if (OldGo.Binary("buildifier-0.19.2") is not { } bin) return;
        _symfs = Directory.CreateTempSubdirectory("stackweave-gogaps").FullName;
        var dir = Path.Combine(_symfs, "tmp", "stackweave-gogaps");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "buildifier"), OldGo.WithoutSectionHeaders(File.ReadAllBytes(bin)));
    }

    public void Dispose()
    {
        if (_symfs is not null) Directory.Delete(_symfs, true);
    }

    [RequiresOldGoFact("buildifier-0.19.2")]
    public void EveryGoFrameGetsGosymsFunctionAndLineAndAConsistentInlineChain()
    {
        var p = FormatRegistry.Read(OldGo.Data("perf.data"));
        var report = Symbolizer.Symbolize(p, new SymbolOptions { Symfs = _symfs, DebugDirs = [], UseRunningKernel = false });
        var stats = Assert.Single(report.Binaries, b => b.Path == Recorded);
        Assert.True(stats.Found);
        Assert.Equal(GoPclnRoute.HeaderScan, stats.GoPclnTab);
        Assert.Equal(0, stats.UnresolvedLocations);

        var go = GoReference.Load(OldGo.Binary("buildifier-0.19.2")!);
        var checker = new InlineChecker(go.Table, OldGo.Binary("buildifier-0.19.2")!);
        var gosym = GoReference.Gosym(GoReference.Lines(OldGo.Data("capture.gosym.txt"))).ToDictionary(g => g.Address);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();
        var frames = new List<GoFrame>();
        int count = 0, inlined = 0;
        foreach (var loc in p.Locations)
        {
            if (loc.MappingId < 0 || p.Mappings[loc.MappingId].Path != Recorded) continue;
            var m = p.Mappings[loc.MappingId];
            var va = go.FileOffsetToAddress(loc.Address - m.Start + m.FileOffset)!.Value;
            seen.Add(FormattableString.Invariant($"0x{va:x} {(loc.IsReturnAddress ? "caller" : "leaf")}"));
            var lookup = loc.IsReturnAddress ? va - 1 : va;
            count++;
            var g = gosym[lookup];
            var lines = loc.Lines;
            if (lines.Count == 0) { failures.Add(FormattableString.Invariant($"0x{lookup:x}: unresolved")); continue; }
            if (p.FunctionName(lines[^1].FunctionId) != g.Function) failures.Add(FormattableString.Invariant($"0x{lookup:x}: function {p.FunctionName(lines[^1].FunctionId)}, gosym {g.Function}"));
            var inner = FormattableString.Invariant($"{p.Strings[p.Functions[lines[0].FunctionId].FileName]}:{lines[0].LineNumber}");
            if (g.File.Length > 0 && inner != FormattableString.Invariant($"{g.File}:{g.Line}")) failures.Add(FormattableString.Invariant($"0x{lookup:x}: {inner}, gosym {g.File}:{g.Line}"));
            if (lines.Count > 1) inlined++;
            frames.Clear();
            foreach (var l in lines) frames.Add(new GoFrame(p.FunctionName(l.FunctionId), p.Strings[p.Functions[l.FunctionId].FileName], (int)l.LineNumber));
            checker.Check(lookup, frames);
        }
        failures.AddRange(checker.Failures);
        Assert.True(checker.InnerOutside * 20 < checker.InnerChecked, FormattableString.Invariant($"{checker.InnerOutside} of {checker.InnerChecked} innermost frames outside their function's lines"));
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(30)));
        Assert.Equal(File.ReadLines(OldGo.Data("capture.addrs")).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.True(count > 300 && inlined > 20, FormattableString.Invariant($"{count} frames, {inlined} with inlined frames"));
    }

    [RequiresOldGoFact("buildifier-0.19.2")]
    public void FoldedWithInlineIsStableAndShowsTheInlinedFrames()
    {
        var a = CliRunner.Run("convert", OldGo.Data("perf.data"), "--symfs", _symfs!, "--format", "folded", "--inline");
        var b = CliRunner.Run("convert", OldGo.Data("perf.data"), "--symfs", _symfs!, "--format", "folded", "--inline");
        var plain = CliRunner.Run("convert", OldGo.Data("perf.data"), "--symfs", _symfs!, "--format", "folded");
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(a.Stdout, b.Stdout);
        Assert.DoesNotContain("[buildifier", a.Stdout, StringComparison.Ordinal);
        Assert.Contains(";runtime.goexit;", plain.Stdout, StringComparison.Ordinal);
        // Same samples, more frames: every folded line of --inline has at least the frames of the plain line.
        long Sum(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        Assert.Equal(Sum(plain.Stdout), Sum(a.Stdout));
        int Frames(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => l.Count(c => c == ';'));
        Assert.True(Frames(a.Stdout) > Frames(plain.Stdout), "no inlined frame added");
    }
}
