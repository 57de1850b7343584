using Stackweave.Tests.Integration;

namespace Stackweave.Tests.DebugJit;

/// <summary>
/// Real JIT captures (testdata/debugjit): .NET 10 with DOTNET_PerfMapEnabled=1 (perf map and jitdump), Node 20 with
/// --perf-basic-prof (perf map) and --perf-prof (jitdump). The JIT frames must carry the names perf 6.1 shows with the
/// same files: `perf script` for perf maps, `perf inject --jit` then `perf script` for jitdumps (read here directly).
/// </summary>
public sealed class JitCaptureTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("sw-jit-").FullName;
    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private static readonly string Kallsyms = RepoPaths.TestData("system-wide", "kallsyms.gz");

    /// <summary>Our perf-script text of the capture with the JIT files in a --jit-dir (recorded binaries only if their build id matches).</summary>
    private string Script(string capture, bool maps, bool dumps)
    {
        DebugJitData.UnpackJitFiles(capture, _tmp, maps, dumps);
        var r = CliRunner.Run("script", DebugJitData.Path(capture, "perf.data"), "--jit-dir", _tmp, "--kallsyms", Kallsyms,
            "--symfs", Path.Combine(_tmp, "no-symfs"), "--debug-dir", Path.Combine(_tmp, "no-debug"));
        Assert.Equal(0, r.ExitCode);
        return r.Stdout;
    }

    /// <summary>Every frame perf shows in JIT code has the same symbol and offset here, sample by sample.</summary>
    private static int AssertJitFramesMatch(string golden, string ours)
    {
        var want = DebugJitData.Samples(golden);
        var got = DebugJitData.Samples(ours);
        Assert.Equal(want.Count, got.Count);
        var jit = 0;
        for (var i = 0; i < want.Count; i++)
        {
            Assert.Equal(want[i].Count, got[i].Count);
            for (var k = 0; k < want[i].Count; k++)
            {
                if (!DebugJitData.IsJitDso(want[i][k].Dso)) continue;
                Assert.True(want[i][k].Symbol == got[i][k].Symbol, $"sample {i} frame {k}: perf {want[i][k]}, stackweave {got[i][k]}");
                jit++;
            }
        }
        return jit;
    }

    [Theory]
    [InlineData("dotnet", 700)]
    [InlineData("node", 200)]
    public void PerfMapFramesAreNamedAsPerfNamesThem(string capture, int atLeast)
    {
        var jit = AssertJitFramesMatch(DebugJitData.Gz(capture, "perfmap.script.txt.gz"), Script(capture, maps: true, dumps: false));
        Assert.True(jit >= atLeast, $"{jit} JIT frames");
    }

    [Theory]
    [InlineData("dotnet", 700)]
    [InlineData("nodeprof", 700)]
    public void JitDumpFramesAreNamedAsPerfInjectNamesThem(string capture, int atLeast)
    {
        var jit = AssertJitFramesMatch(DebugJitData.Gz(capture, "jitdump.script.txt.gz"), Script(capture, maps: false, dumps: true));
        Assert.True(jit >= atLeast, $"{jit} JIT frames");
    }

    [Fact]
    public void DotnetMethodNamesAppear()
    {
        var text = Script("dotnet", maps: false, dumps: true);
        Assert.Contains("int64 [dotnet-burn] Burner::Inner(int32)[OptimizedTier1]+0x", text, StringComparison.Ordinal);
        Assert.Contains("(/tmp/perf-", text, StringComparison.Ordinal);
    }

    [Fact]
    public void NextToTheCaptureIsLookedIn()
    {
        // No --jit-dir: testdata/debugjit/node/ holds the capture and its perf-PID.map.
        var r = CliRunner.Run("convert", DebugJitData.Path("node", "perf.data"), "--kallsyms", Kallsyms, "--symfs", Path.Combine(_tmp, "no-symfs"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("JS:*", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutTheJitFilesFramesAreUnknownAndTheMissingMapIsReported()
    {
        // The capture alone (its directory in testdata holds the map, and that is one of the places looked in).
        var alone = Path.Combine(_tmp, "perf.data");
        File.Copy(DebugJitData.Path("node", "perf.data"), alone);
        var r = CliRunner.Run("convert", alone, "--kallsyms", Kallsyms, "--jit-dir", _tmp, "--verbose", "--symfs", Path.Combine(_tmp, "no-symfs"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("missing JIT map: perf-", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("JS:", r.Stdout, StringComparison.Ordinal);
    }

    private string Folded(string capture, bool maps, bool dumps, params string[] extra)
    {
        DebugJitData.UnpackJitFiles(capture, _tmp, maps, dumps);
        var r = CliRunner.Run(["convert", DebugJitData.Path(capture, "perf.data"), "--jit-dir", _tmp, "--kallsyms", Kallsyms, "--format", "folded", .. extra]);
        Assert.Equal(0, r.ExitCode);
        return r.Stdout;
    }

    [RequiresRecordedBinariesFact("dotnet")]
    public void DotnetPerfMapFoldsAsStackcollapse()
    {
        Assert.Equal(DebugJitData.Gz("dotnet", "perfmap.folded.gz"), Folded("dotnet", true, false));
        Assert.Equal(DebugJitData.Gz("dotnet", "perfmap.jit.folded.gz"), Folded("dotnet", true, false, "--jit"));
    }

    [RequiresRecordedBinariesFact("dotnet")]
    public void DotnetJitDumpFoldsAsStackcollapseAfterPerfInject()
    {
        Assert.Equal(DebugJitData.Gz("dotnet", "jitdump.folded.gz"), Folded("dotnet", false, true));
    }

    [RequiresRecordedBinariesFact("node")]
    public void NodePerfMapFoldsAsStackcollapse()
    {
        Assert.Equal(DebugJitData.Gz("node", "perfmap.folded.gz"), Folded("node", true, false));
        Assert.Equal(DebugJitData.Gz("node", "perfmap.jit.folded.gz"), Folded("node", true, false, "--jit"));
    }

    [RequiresRecordedBinariesFact("nodeprof")]
    public void NodeJitDumpFoldsAsStackcollapseAfterPerfInject()
    {
        var ours = Folded("nodeprof", false, true);
        Assert.Equal(DebugJitData.Gz("nodeprof", "jitdump.folded.gz"), ours);
        // --jit marks jitdump frames in anonymous memory too (perf inject's jitted-*.so names are not marked by
        // stackcollapse-perf.pl); without the marks the output is the same.
        var marked = Folded("nodeprof", false, true, "--jit");
        Assert.Contains("_[j]", marked, StringComparison.Ordinal);
        Assert.Equal(ours, marked.Replace("_[j]", "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, false, "perf map")]
    [InlineData(false, true, "jitdump")]
    [InlineData(true, true, "perf map + jitdump")]
    public void InfoNamesTheJitRoute(bool maps, bool dumps, string route)
    {
        DebugJitData.UnpackJitFiles("dotnet", _tmp, maps, dumps);
        var alone = Path.Combine(_tmp, "perf.data");
        File.Copy(DebugJitData.Path("dotnet", "perf.data"), alone);
        var r = CliRunner.Run("info", alone, "--json", "--kallsyms", Kallsyms);
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var jit = doc.RootElement[0].GetProperty("binaries").EnumerateArray().Single(b => b.GetProperty("kind").GetString() == "Jit");
        Assert.Equal(route, jit.GetProperty("route").GetString());
        Assert.Equal(0, jit.GetProperty("unresolved").GetInt32());
        // 281 samples in the capture (perf report --stats), 229 of them with their leaf in JIT code (perfmap.script.txt.gz).
        var samples = jit.GetProperty("samples").GetInt64();
        Assert.Equal(229, jit.GetProperty("leafSamples").GetInt64());
        Assert.InRange(samples, 230, 281);
    }
}
