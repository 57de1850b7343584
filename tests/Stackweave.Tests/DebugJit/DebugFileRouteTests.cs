using Stackweave.Formats;
using Stackweave.Merge.Symbols;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.DebugJit;

/// <summary>
/// A stripped C program (testdata/debugjit/debug: only .dynsym and a .gnu_debuglink left) captured with perf record -g,
/// its detached debug file laid out in each place perf, gdb and debuginfod keep one. Every route must name the
/// program's frames exactly as perf 6.1 names them with the debug file (debuglink.script.txt.gz); a debug file of
/// another build (other build id, other CRC) is refused, reported, and leaves the frames unresolved as perf shows them
/// without a debug file (nodebug.script.txt.gz).
/// </summary>
public sealed class DebugFileRouteTests : IDisposable
{
    private const string Recorded = "/tmp/stackweave-debugjit/bin/burn-c";
    private readonly string _tmp = Directory.CreateTempSubdirectory("sw-debugroutes-").FullName;
    private readonly string _id = File.ReadAllText(DebugJitData.Path("debug", "burn-c.buildid")).Trim();

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string Put(string relative, string dataFile)
    {
        var p = Path.Combine(_tmp, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.Copy(DebugJitData.Path("debug", dataFile), p, overwrite: true);
        return p;
    }

    private string Dir(string relative) => Directory.CreateDirectory(Path.Combine(_tmp, relative)).FullName;

    /// <summary>Binary under ROOT (a --symfs), laid out as it was recorded.</summary>
    private void BinaryInSymfs() => Put("root" + Recorded, "burn-c");

    private string[] Options(params string[] extra) =>
        ["--symfs", Dir("root"), "--debug-dir", Dir("nodebug"), "--buildid-dir", Dir("nocache"), "--debuginfod-cache", Dir("nodebuginfod"), .. extra];

    private static List<string> ProgramFrames(string script) =>
        [.. DebugJitData.Samples(script).SelectMany(s => s).Where(f => f.Dso == Recorded).Select(f => f.Address + " " + f.Symbol)];

    /// <summary>Runs `script` and the symbolizer with these options; checks frames against perf's and returns burn-c's stats.</summary>
    private BinaryStats Resolve(string[] cli, SymbolOptions api, bool expectNamed, string? note = null)
    {
        var r = CliRunner.Run(["script", DebugJitData.Path("debug", "perf.data"), .. cli]);
        Assert.Equal(0, r.ExitCode);
        var golden = DebugJitData.Gz("debug", expectNamed ? "debuglink.script.txt.gz" : "nodebug.script.txt.gz");
        var want = ProgramFrames(golden);
        Assert.True(want.Count > 300, "frames of burn-c in the golden: " + want.Count);
        Assert.Equal(want, ProgramFrames(r.Stdout));
        if (note is null) Assert.DoesNotContain("note:", r.Stderr, StringComparison.Ordinal);
        else Assert.Contains("stackweave: note: " + note, r.Stderr, StringComparison.Ordinal);

        var profile = FormatRegistry.Read(DebugJitData.Path("debug", "perf.data"), ReadOptions.Default);
        var report = Symbolizer.Symbolize(profile, api);
        var stats = report.Binaries.Single(b => b.Path == Recorded);
        Assert.Equal(expectNamed, stats.Found && stats.UnresolvedLocations == 0);
        Assert.True(stats.FrameSamples >= 160);
        return stats;
    }

    private SymbolOptions Api(string? symfs = "root", IReadOnlyList<string>? debugDirs = null, string? cache = null, string? debuginfod = null) => new()
    {
        Symfs = symfs is null ? Dir("emptyroot") : Dir(symfs), DebugDirs = debugDirs ?? [Dir("nodebug")], BuildIdCacheDir = cache, DebuginfodCacheDir = debuginfod,
    };

    [Fact]
    public void DebugLinkNextToTheBinary()
    {
        BinaryInSymfs();
        Put("root/tmp/stackweave-debugjit/bin/burn-c.debug", "burn-c.debug");
        var s = Resolve(Options(), Api(), expectNamed: true);
        Assert.Equal(SymbolRoute.DebugLink, s.Route);
    }

    [Fact]
    public void DebugLinkInDotDebug()
    {
        BinaryInSymfs();
        Put("root/tmp/stackweave-debugjit/bin/.debug/burn-c.debug", "burn-c.debug");
        Assert.Equal(SymbolRoute.DebugLink, Resolve(Options(), Api(), expectNamed: true).Route);
    }

    [Fact]
    public void DebugLinkUnderADebugDirPlusTheBinarysDirectory()
    {
        BinaryInSymfs();
        var dbg = Path.Combine(_tmp, "dbg");
        Put("dbg/tmp/stackweave-debugjit/bin/burn-c.debug", "burn-c.debug");
        Assert.Equal(SymbolRoute.DebugLink, Resolve(Options("--debug-dir", dbg), Api(debugDirs: [dbg]), expectNamed: true).Route);
    }

    [Fact]
    public void BuildIdDebugDirectory()
    {
        BinaryInSymfs();
        var dbg = Path.Combine(_tmp, "dbg");
        Put($"dbg/.build-id/{_id[..2]}/{_id[2..]}.debug", "burn-c.debug");
        var s = Resolve(Options("--debug-dir", dbg), Api(debugDirs: [dbg]), expectNamed: true);
        Assert.Equal(SymbolRoute.BuildIdDebugFile, s.Route);
    }

    [Fact]
    public void PerfBuildIdCacheLinks()
    {
        // perf buildid-cache --add: ~/.debug/<path>/<build id>/{elf,debug} and the link .build-id/xx/rest -> ../../<path>/<build id>.
        var cache = Dir("cache");
        Put($"cache{Recorded}/{_id}/elf", "burn-c");
        Put($"cache{Recorded}/{_id}/debug", "burn-c.debug");
        Dir($"cache/.build-id/{_id[..2]}");
        File.CreateSymbolicLink(Path.Combine(cache, ".build-id", _id[..2], _id[2..]), $"../..{Recorded}/{_id}");
        var s = Resolve(["--symfs", Dir("emptyroot"), "--debug-dir", Dir("nodebug"), "--buildid-dir", cache], Api(symfs: null, cache: cache), expectNamed: true);
        Assert.Equal(SymbolRoute.BuildIdCache, s.Route);
        Assert.StartsWith(Path.Combine(cache, ".build-id"), s.SymbolFile, StringComparison.Ordinal);
    }

    [Fact]
    public void OldStylePerfBuildIdCacheLinkToTheFile()
    {
        // Older perfs linked .build-id/xx/rest to the saved binary itself; its debug file comes from a build-id debug dir.
        var cache = Dir("cache");
        Put($"cache{Recorded}/{_id}", "burn-c");
        Dir($"cache/.build-id/{_id[..2]}");
        File.CreateSymbolicLink(Path.Combine(cache, ".build-id", _id[..2], _id[2..]), $"../..{Recorded}/{_id}");
        var dbg = Path.Combine(_tmp, "dbg");
        Put($"dbg/.build-id/{_id[..2]}/{_id[2..]}.debug", "burn-c.debug");
        var s = Resolve(["--symfs", Dir("emptyroot"), "--debug-dir", dbg, "--buildid-dir", cache], Api(symfs: null, debugDirs: [dbg], cache: cache), expectNamed: true);
        Assert.Equal(SymbolRoute.BuildIdDebugFile, s.Route);
    }

    [Fact]
    public void DebuginfodClientCache()
    {
        var di = Dir("debuginfod");
        Put($"debuginfod/{_id}/executable", "burn-c");
        Put($"debuginfod/{_id}/debuginfo", "burn-c.debug");
        var s = Resolve(["--symfs", Dir("emptyroot"), "--debug-dir", Dir("nodebug"), "--buildid-dir", Dir("nocache"), "--debuginfod-cache", di],
            Api(symfs: null, debuginfod: di), expectNamed: true);
        Assert.Equal(SymbolRoute.Debuginfod, s.Route);
        Assert.Equal(Path.Combine(di, _id, "debuginfo"), s.SymbolFile);
    }

    [Fact]
    public void DebuginfodDebugInfoWithTheBinaryFromSymfs()
    {
        BinaryInSymfs();
        var di = Dir("debuginfod");
        Put($"debuginfod/{_id}/debuginfo", "burn-c.debug");
        Assert.Equal(SymbolRoute.Debuginfod, Resolve(Options("--debuginfod-cache", di), Api(debuginfod: di), expectNamed: true).Route);
    }

    [Fact]
    public void DebugLinkWithAnotherCrcIsRefusedAndReported()
    {
        BinaryInSymfs();
        // The debug file of the other build, under the name the link gives: same name, other CRC.
        Put("root/tmp/stackweave-debugjit/bin/burn-c.debug", "other.debug");
        var s = Resolve(Options(), Api(), expectNamed: false, note: "debuglink CRC mismatch");
        Assert.Contains(s.Messages, m => m.StartsWith("debuglink CRC mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public void BuildIdDebugFileOfAnotherBuildIsRefusedAndReported()
    {
        BinaryInSymfs();
        var dbg = Path.Combine(_tmp, "dbg");
        Put($"dbg/.build-id/{_id[..2]}/{_id[2..]}.debug", "other.debug");
        var s = Resolve(Options("--debug-dir", dbg), Api(debugDirs: [dbg]), expectNamed: false, note: "build-id mismatch");
        Assert.Contains(s.Messages, m => m.Contains("the capture recorded " + _id, StringComparison.Ordinal));
    }

    [Fact]
    public void BinaryOfAnotherBuildUnderSymfsIsRefusedAndReported()
    {
        // Another build where the recorded path leads: never used, even with a good debug file next to it.
        Put("root" + Recorded, "other.debug");
        var s = Resolve(Options(), Api(), expectNamed: false, note: "build-id mismatch");
        Assert.Equal(SymbolRoute.NotFound, s.Route);
    }

    [Fact]
    public void InfoListsEachBinarysSamplesRouteAndUnresolvedAddresses()
    {
        BinaryInSymfs();
        var dbg = Path.Combine(_tmp, "dbg");
        Put($"dbg/.build-id/{_id[..2]}/{_id[2..]}.debug", "burn-c.debug");
        var found = Info(Options("--debug-dir", dbg));
        Assert.True(found.GetProperty("found").GetBoolean());
        Assert.Equal("build-id debug dir", found.GetProperty("route").GetString());
        Assert.Equal(Path.Combine(dbg, ".build-id", _id[..2], _id[2..] + ".debug"), found.GetProperty("symbolFile").GetString());
        Assert.Equal(0, found.GetProperty("unresolved").GetInt32());
        var samples = found.GetProperty("samples").GetInt64();
        // Every sample of the capture (perf's stats: 160 samples) has frames in burn-c.
        Assert.Equal(DebugJitData.Samples(DebugJitData.Gz("debug", "debuglink.script.txt.gz")).Count, (int)found.GetProperty("leafSamples").GetInt64());
        Assert.Equal(found.GetProperty("leafSamples").GetInt64(), samples);
        Assert.True(found.GetProperty("frames").GetInt64() > samples, "several frames per sample in burn-c");

        // Without the debug file only .dynsym is left: the binary is found, its program's addresses stay unresolved and are counted.
        var stripped = Info(Options());
        Assert.Equal("symfs", stripped.GetProperty("route").GetString());
        Assert.Equal(found.GetProperty("addresses").GetInt32(), stripped.GetProperty("unresolved").GetInt32());
        Assert.Equal(samples, stripped.GetProperty("samples").GetInt64());

        // Another build's debug file: refused, said so.
        Put($"dbg/.build-id/{_id[..2]}/{_id[2..]}.debug", "other.debug");
        var refused = Info(Options("--debug-dir", dbg));
        Assert.Contains(refused.GetProperty("messages").EnumerateArray(), m => m.GetString()!.StartsWith("build-id mismatch", StringComparison.Ordinal));
    }

    private static System.Text.Json.JsonElement Info(string[] options)
    {
        var r = CliRunner.Run(["info", DebugJitData.Path("debug", "perf.data"), "--json", .. options]);
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        return doc.RootElement[0].GetProperty("binaries").EnumerateArray().Single(b => b.GetProperty("path").GetString() == Recorded).Clone();
    }
}
