using FsCheck;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.Symbols;

public sealed class SymbolizerTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("sw-symbolizer-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private const ulong Base = 0x7f0000001000; // where the test "process" maps hello-pie's text (file offset 0x1000)

    private static int Map(Profile p, string path, MappingKind kind, ulong start, ulong limit, ulong pgoff, int pid = 1, string? buildId = null) =>
        p.AddMapping(new Mapping { Path = path, Kind = kind, Start = start, Limit = limit, FileOffset = pgoff, Pid = pid, BuildId = buildId });

    private static string Name(Profile p, int loc)
    {
        var l = p.Locations[loc];
        return l.Lines.Count == 0 ? "[unknown]" : FormattableString.Invariant($"{p.FunctionName(l.Lines[0].FunctionId)}+0x{l.SymbolOffset:x}");
    }

    [Fact]
    public void ResolvesUserKernelJitAndCountsTheRest()
    {
        var kallsyms = Path.Combine(_tmp, "kallsyms");
        File.WriteAllText(kallsyms, "ffffffff81000000 T _text\nffffffff81000100 T do_syscall_64\n");
        File.WriteAllText(Path.Combine(_tmp, "perf-4242.map"), "7f1000001000 40 jitted_fn\n7f1000001040 20 LazyCompile:*foo\n");

        var p = new Profile([new SampleType("samples", "count")]);
        var hello = Map(p, SymData.File("hello-pie"), MappingKind.User, Base, Base + 0x1000, 0x1000, buildId: "4C0991A66CDDEA9722F38F85B90A6723DDBB8521");
        var kernel = Map(p, "[kernel.kallsyms]_text", MappingKind.Kernel, 0xffffffff81000000, 0xffffffff82000000, 0xffffffff81000000, -1);
        var anon = Map(p, "//anon", MappingKind.Anonymous, 0x7f1000000000, 0x7f1000100000, 0, 4242);
        var vdso = Map(p, "[vdso]", MappingKind.Vdso, 0x7fff0000, 0x7fff2000, 0);
        var missing = Map(p, Path.Combine(_tmp, "gone.so"), MappingKind.User, 0x7f2000000000, 0x7f2000010000, 0);

        var leaf = p.InternLocation(hello, Base + (0x1146 + 4 - 0x1000));           // global_work+0x4
        var ret = p.InternLocation(hello, Base + (0x113c - 0x1000), true);          // return address == local_helper's start
        var k = p.InternLocation(kernel, 0xffffffff81000123, true);
        var j = p.InternLocation(anon, 0x7f1000001050, true);
        var v = p.InternLocation(vdso, 0x7fff0100, true);
        var m = p.InternLocation(missing, 0x7f2000000100, true);
        var none = p.InternLocation(-1, 0x1234, true);
        var s1 = p.Stacks.FromRootFirst([none, m, v, j, k, ret, leaf]);
        var s2 = p.Stacks.FromRootFirst([none, m, v, j, k]);
        p.Samples.Add(s1, -1, 0, [1]);
        p.Samples.Add(s1, -1, 1, [1]);
        p.Samples.Add(s2, -1, 2, [1]);

        var report = Symbolizer.Symbolize(p, new SymbolOptions { KallsymsPath = kallsyms, JitMapDirectory = _tmp, DebugDirs = [] }, 0xffffffff81000000);

        Assert.Equal("global_work+0x4", Name(p, leaf));
        Assert.Equal("local_helper+0x0", Name(p, ret)); // perf looks return addresses up as they are
        Assert.Equal("do_syscall_64+0x23", Name(p, k));
        Assert.Equal("LazyCompile:*foo+0x10", Name(p, j));
        Assert.Equal("[unknown]", Name(p, v));
        Assert.Equal("[unknown]", Name(p, m));
        Assert.Equal("[unknown]", Name(p, none));
        Assert.Equal(4, report.Resolved);
        Assert.Equal(3, report.Unresolved);
        Assert.Empty(report.Warnings);
        Assert.Equal(3, p.Diagnostics.Get(Symbolizer.UnresolvedCounter));
        Assert.Equal(1, p.Diagnostics.Get(Symbolizer.MissingBinaryCounter));
        Assert.Contains(p.Diagnostics.Messages, s => s.StartsWith("missing binary: ", StringComparison.Ordinal));

        var helloStats = report.Binaries.Single(b => b.Path == SymData.File("hello-pie"));
        Assert.True(helloStats.Found);
        Assert.Equal(SymbolRoute.RecordedPath, helloStats.Route);
        Assert.Equal(2, helloStats.Locations);
        Assert.Equal(2, helloStats.SelfSamples);
        Assert.Equal(4, helloStats.FrameSamples);
        var kernelStats = report.Binaries.Single(b => b.Kind == MappingKind.Kernel);
        Assert.Equal((SymbolRoute.Kallsyms, 1, 1L, 3L), (kernelStats.Route, kernelStats.Locations, kernelStats.SelfSamples, kernelStats.FrameSamples));
        Assert.Equal(SymbolRoute.PerfMap, report.Binaries.Single(b => b.Kind == MappingKind.Anonymous).Route);
        Assert.Equal(1, report.Binaries.Single(b => b.Kind == MappingKind.Vdso).UnresolvedLocations);
    }

    [Fact]
    public void CallSiteOptionAndKallsymsMismatchWarning()
    {
        var kallsyms = Path.Combine(_tmp, "kallsyms");
        File.WriteAllText(kallsyms, "ffffffff81000000 T _text\n");
        var p = new Profile([new SampleType("samples", "count")]);
        var hello = Map(p, SymData.File("hello-pie"), MappingKind.User, Base, Base + 0x1000, 0x1000);
        var kernel = Map(p, "[kernel.kallsyms]_text", MappingKind.Kernel, 0xffffffff81000000, 0xffffffff82000000, 0xffffffff81000000, -1);
        var ret = p.InternLocation(hello, Base + (0x113c - 0x1000), true);
        p.InternLocation(kernel, 0xffffffff81000010);
        var report = Symbolizer.Symbolize(p, new SymbolOptions { KallsymsPath = kallsyms, ReturnAddressesAtCallSite = true, DebugDirs = [] }, 0xffffffffa0000000);
        // Looked up at the call instruction (address − 1, inside asm_label); the offset still counts from the raw address.
        Assert.Equal("asm_label+0x3", Name(p, ret));
        Assert.Single(report.Warnings);
        Assert.Equal(1, p.Diagnostics.Get(Symbolizer.KallsymsCounter));
    }

    [Fact]
    public void BuildIdCacheGivesVdsoKernelAndReplacedBinaries()
    {
        // perf's ~/.debug layout: .build-id/xx/rest/{elf,vdso,kallsyms}. The vdso copy is Data/vdso-b0af7178.so.
        const string vdsoId = "b0af7178ba47aca58d16966d2c4d17c913589189";
        const string pieId = "4c0991a66cddea9722f38f85b90a6723ddbb8521";
        const string kernelId = "85c7e4e2ed76f4417e8aaad7c6b040d2bb897a26";
        var cache = Path.Combine(_tmp, "cache");
        void Put(string id, string kind, string? dataFile, string? text = null)
        {
            var dir = Path.Combine(cache, ".build-id", id[..2], id[2..]);
            Directory.CreateDirectory(dir);
            if (dataFile is not null) File.Copy(SymData.File(dataFile), Path.Combine(dir, kind));
            else File.WriteAllText(Path.Combine(dir, kind), text);
        }
        Put(vdsoId, "vdso", "vdso-b0af7178.so");
        Put(pieId, "elf", "hello-pie");
        Put(kernelId, "kallsyms", null, "ffffffff81000000 T _text\nffffffff81000400 T schedule\n");
        // The recorded path now holds another build of the program (a rebuilt binary): only the cache has the right one.
        var rebuilt = Path.Combine(_tmp, "bin", "hello");
        Directory.CreateDirectory(Path.GetDirectoryName(rebuilt)!);
        File.Copy(SymData.File("hello-nopie"), rebuilt);

        var p = new Profile([new SampleType("samples", "count")]);
        var vdso = Map(p, "[vdso]", MappingKind.Vdso, 0x7fff0000, 0x7fff2000, 0, buildId: vdsoId);
        var hello = Map(p, rebuilt, MappingKind.User, Base, Base + 0x1000, 0x1000, buildId: pieId);
        var kernel = Map(p, "[kernel.kallsyms]_text", MappingKind.Kernel, 0xffffffff81000000, 0xffffffff82000000, 0xffffffff81000000, -1, kernelId);
        var v = p.InternLocation(vdso, 0x7fff0000 + 0xb00);
        var h = p.InternLocation(hello, Base + (0x1146 - 0x1000));
        var k = p.InternLocation(kernel, 0xffffffff81000404);
        var report = Symbolizer.Symbolize(p, new SymbolOptions { BuildIdCacheDir = cache, DebugDirs = [] });

        // clock_gettime (WEAK) and __vdso_clock_gettime (GLOBAL) share 0xaf0: perf keeps the non-weak one.
        Assert.Equal("__vdso_clock_gettime+0x10", Name(p, v));
        Assert.Equal("global_work+0x0", Name(p, h));
        Assert.Equal("schedule+0x4", Name(p, k));
        Assert.All(report.Binaries, b => Assert.Equal(SymbolRoute.BuildIdCache, b.Route));
        Assert.Contains(p.Diagnostics.Messages, m => m.StartsWith("build-id mismatch: " + rebuilt, StringComparison.Ordinal));
    }

    [Fact]
    public void AlreadySymbolizedLocationsAreLeftAlone()
    {
        var p = new Profile([new SampleType("samples", "count")]);
        var hello = Map(p, SymData.File("hello-pie"), MappingKind.User, Base, Base + 0x1000, 0x1000);
        var l = p.InternLocation(hello, Base + 0x146);
        p.Locations[l].Lines.Add(new Line(p.InternFunction("given"), 7));
        var report = Symbolizer.Symbolize(p, new SymbolOptions());
        Assert.Equal(1, report.AlreadySymbolized);
        Assert.Equal("given", p.FunctionName(Assert.Single(p.Locations[l].Lines).FunctionId));
    }
}

public class ElfFuzzTests
{
    private static readonly byte[] s_elf = File.ReadAllBytes(SymData.File("hello-pie"));

    /// <summary>Truncations and bit flips (biased to the ELF header and the section header table) only ever raise CaptureFormatException.</summary>
    [FsCheck.Xunit.Property(MaxTest = 400)]
    public bool MutatedElfOnlyThrowsCaptureFormatException(NonNegativeInt cut, bool truncate, int[] flips)
    {
        var data = (byte[])s_elf.Clone();
        if (truncate) data = data[..(cut.Get % (data.Length + 1))];
        if (data.Length > 0)
        {
            var shTable = Math.Max(0, data.Length - 2048);
            foreach (var f in flips ?? [])
            {
                var u = (uint)f;
                var region = u % 3;
                var pos = region switch
                {
                    0 => (int)(u / 3 % (uint)Math.Min(64, data.Length)),
                    1 => shTable + (int)(u / 3 % (uint)(data.Length - shTable)),
                    _ => (int)(u / 3 % (uint)data.Length),
                };
                data[pos] ^= (byte)(1 << (int)(u % 8));
            }
        }
        try
        {
            using var elf = ElfFile.FromBytes(data, "fuzz");
            _ = elf.BuildId; _ = elf.DebugLink;
            foreach (var s in elf.Sections)
            {
                if (s.Type is 2 or 11) _ = elf.ReadSymbols(s);
                if (s.Type is 4 or 9) _ = elf.ReadRelocationSymbols(s);
            }
            var t = SymbolTable.FromElf(elf, elf);
            _ = t.Find(0x1146);
            _ = elf.FileOffsetToAddress(0x1146);
            _ = elf.ComputeCrc32();
        }
        catch (CaptureFormatException)
        {
        }
        return true;
    }

    [Fact]
    public void NotElfNamesTheProblem()
    {
        var e = Assert.Throws<CaptureFormatException>(() => ElfFile.FromBytes("#!/bin/sh\necho hi\n"u8.ToArray(), "script"));
        Assert.Equal(0, e.Offset);
        Assert.Contains("ELF magic", e.Expected);
        var trunc = Assert.Throws<CaptureFormatException>(() => ElfFile.FromBytes(s_elf[..40], "short"));
        Assert.Contains("ELF header", trunc.Expected);
    }
}
