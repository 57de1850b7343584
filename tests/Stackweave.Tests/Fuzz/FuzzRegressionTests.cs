using Stackweave.Formats;
using Stackweave.Formats.PerfData;
using Stackweave.Fuzz;

namespace Stackweave.Tests.Fuzz;

/// <summary>One test per fuzz finding (inputs under Regression/READER/, named after what they broke): what the reader does with it now.</summary>
public sealed class FuzzRegressionTests
{
    private static string Input(string target, string name) => Path.Combine(FuzzReplayTests.RegressionDir(target), name);

    /// <summary>
    /// HEADER_NR_CPUS says 2^31 or more CPUs available; HEADER_CPU_TOPOLOGY's optional per-CPU ids were then allocated with
    /// a negative count (OverflowException). Now the ids are taken as absent (they cannot fit) and the file reads.
    /// </summary>
    [Fact]
    public void PerfCpuTopologyWithNrCpusOf2Pow31Reads()
    {
        var data = File.ReadAllBytes(Input("perf", "perf-cpu-topology-nr-cpus-2pow31.data"));
        using var s = new MemoryStream(data);
        var file = PerfDataFile.Open(s, "x", ReadOptions.Default);
        Assert.True(file.Features.NrCpusAvailable >= 1u << 31);
        Assert.NotNull(file.Features.CpuTopology);
        Assert.Null(file.Features.CpuTopology!.Cpus);
        Assert.Null(FuzzTargets.Run("perf", data));
    }
}
