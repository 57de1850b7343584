using System.Globalization;
using Stackweave.Testing;
using Stackweave.Tests.Bpftrace;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Generators;

/// <summary><c>stackweave gen bpftrace</c> files and Stackweave's bpftrace readers agree with the truth they were made from.</summary>
public class GenBpftraceTests
{
    [Fact]
    public void Generated_files_are_deterministic_and_read_back_as_their_sidecar_says()
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-gen-bt-");
        try
        {
            var (code, _, err) = CliRunner.Run("gen", "bpftrace", "--seed", "77", "--count", "40", "-o", dir.FullName);
            Assert.True(code == 0, err);
            for (var i = 0; i < 40; i++)
            {
                var truth = GenCorpus.Bpftrace(new BtGenOptions(), 77, i);
                var path = Path.Combine(dir.FullName, "gen-" + i.ToString("D4", CultureInfo.InvariantCulture) + (truth.Json ? ".bpftrace.json" : ".bpftrace.txt"));
                Assert.Equal(truth.Render(), File.ReadAllText(path));
                Assert.Equal(GenCorpus.SidecarJson(truth), File.ReadAllText(path + GenCorpus.SidecarSuffix));
                var text = File.ReadAllText(path);
                var read = truth.Json ? BpftracePropertyTests.ReadJson(text) : BpftracePropertyTests.ReadText(text);
                Assert.Equal(BpftracePropertyTests.Expected([.. truth.Maps], [.. truth.PrintfLines]), BpftracePropertyTests.Dump(read));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [FsCheck.Xunit.Property(Arbitrary = [typeof(BpftraceArbitraries)], MaxTest = 200)]
    public void Stackweave_reads_generated_outputs_with_their_values(BtCapture truth)
    {
        var text = truth.Render();
        var read = truth.Json ? BpftracePropertyTests.ReadJson(text) : BpftracePropertyTests.ReadText(text);
        Assert.Equal(BpftracePropertyTests.Expected([.. truth.Maps], [.. truth.PrintfLines]), BpftracePropertyTests.Dump(read));
    }

    [Fact]
    public void Gen_rejects_unknown_options_and_kinds()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stackweave-gen-bad-" + Environment.ProcessId);
        Assert.Equal(1, CliRunner.Run("gen", "pprof", "--options", "nonsense=1", "-o", dir).ExitCode);
        Assert.Equal(1, CliRunner.Run("gen", "perf.data", "--options", "mode=tape", "-o", dir).ExitCode);
        Assert.Equal(1, CliRunner.Run("gen", "elf", "-o", dir).ExitCode);
        Assert.Equal(1, CliRunner.Run("gen", "pprof").ExitCode);
        Assert.False(Directory.Exists(dir), "a refused command line wrote nothing");
    }
}
