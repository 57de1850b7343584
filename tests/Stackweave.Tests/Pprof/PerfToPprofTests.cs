using System.Diagnostics;
using Stackweave.Formats;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Pprof;

/// <summary>perf.data → pprof, the way perf_to_profile lays it out, checked against FlameGraph's folding of the same capture.</summary>
public class PerfToPprofTests
{
    public static TheoryData<string> Captures() => ["go-fp", "cpp-fp"];

    /// <summary>Folded lines made from pprof -raw text: comm label as the root frame, the cpu-clock column summed.</summary>
    private static string FoldedByComm(RawText raw)
    {
        Assert.Equal(["samples", "cpu-clock"], raw.Types.Select(t => t.Type));
        Assert.Equal("nanoseconds", raw.Types[1].Unit);
        return raw.Folded(1, labels =>
        {
            var comm = labels.Split(' ').Single(l => l.StartsWith("comm:[", StringComparison.Ordinal));
            Assert.Contains("pid:[", labels, StringComparison.Ordinal);
            Assert.Contains("tid:[", labels, StringComparison.Ordinal);
            return comm[6..^1];
        });
    }

    private static string FlameGraphFolded(string capture) => File.ReadAllText(RepoPaths.TestData(capture, "perf.data.folded"));

    [Theory]
    [MemberData(nameof(Captures))]
    public void Committed_go_tool_pprof_reading_has_the_folded_totals_per_stack(string capture)
    {
        var raw = PprofGoldenTests.Golden("perf-" + capture + ".pb.gz");
        Assert.Equal(FlameGraphFolded(capture), FoldedByComm(raw));
    }

    private static string Convert(string capture, string outPath)
    {
        var r = CliRunner.Run("convert", RepoPaths.TestData(capture, "perf.data"), "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms, "-o", outPath);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return outPath;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Written_pprof_reads_back_with_the_folded_totals_per_stack(string capture)
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-perf-pprof-");
        try
        {
            var p = FormatRegistry.Read(Convert(capture, Path.Combine(dir.FullName, "p.pb.gz")));
            var raw = new RawText();
            foreach (var (k, v) in RawText.Reduce(p)) raw.ByKey[k] = v;
            raw.Types.AddRange(p.SampleTypes);
            Assert.Equal(FlameGraphFolded(capture), FoldedByComm(raw));
            // Mappings carry build ids where perf recorded them (the C++ program has a GNU build id).
            if (capture == "cpp-fp") Assert.Contains(p.Mappings, m => m.Path.EndsWith("burn-cpp", StringComparison.Ordinal) && m.BuildId is { Length: 40 });
            Assert.Contains(p.Mappings, m => m.Path == "[kernel.kallsyms]" && m.BuildId is { Length: > 0 });
        }
        finally { dir.Delete(true); }
    }

    [RequiresToolFact("/usr/bin/go")]
    public void Go_tool_pprof_reads_the_written_pprof_with_the_folded_totals_per_stack()
    {
        foreach (var capture in new[] { "go-fp", "cpp-fp" })
        {
            var dir = Directory.CreateTempSubdirectory("stackweave-perf-pprof-");
            try
            {
                var path = Convert(capture, Path.Combine(dir.FullName, "p.pb.gz"));
                var psi = new ProcessStartInfo("/usr/bin/go", ["tool", "pprof", "-symbolize=none", "-raw", path])
                {
                    RedirectStandardOutput = true, RedirectStandardError = true,
                };
                psi.Environment["HOME"] = dir.FullName;
                psi.Environment["GOCACHE"] = Path.Combine(dir.FullName, "gocache");
                using var proc = Process.Start(psi)!;
                var stdout = proc.StandardOutput.ReadToEndAsync();
                var stderr = proc.StandardError.ReadToEnd();
                proc.WaitForExit();
                Assert.True(proc.ExitCode == 0, stderr);
                Assert.Equal(FlameGraphFolded(capture), FoldedByComm(RawText.Parse(stdout.Result)));
            }
            finally { dir.Delete(true); }
        }
    }
}
