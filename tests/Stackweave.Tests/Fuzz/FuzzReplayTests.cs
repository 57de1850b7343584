using Stackweave.Fuzz;

namespace Stackweave.Tests.Fuzz;

/// <summary>
/// Replays every file of each fuzz target's saved corpus (fuzz/corpus/TARGET/, the afl-cmin'd AFL queue) and every
/// regression input (tests/Stackweave.Tests/Regression/READER/) through the harness's own entry point: each must end in
/// accepted input or a format error, within <see cref="Bound"/> (a hang check, not a speed test) and the harness's
/// allocation cap.
/// </summary>
public sealed class FuzzReplayTests
{
    /// <summary>Longest time one input may take (AFL's hang limit is 2 s; this leaves room for a loaded CI machine and a cold JIT).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Regression folder of each target (named after the reader).</summary>
    internal static readonly IReadOnlyDictionary<string, string> RegressionFolder = new Dictionary<string, string>
    {
        ["perf"] = "PerfData", ["pprof"] = "Pprof", ["dwarf"] = "Dwarf", ["cfi"] = "Cfi", ["elf"] = "Elf", ["pclntab"] = "GoPclnTab",
        ["bpftrace-text"] = "BpftraceText", ["bpftrace-json"] = "BpftraceJson", ["jitdump"] = "JitDump", ["folded"] = "Folded",
        ["perf-script"] = "PerfScript", ["kallsyms"] = "Kallsyms",
    };

    public static TheoryData<string> Targets()
    {
        var d = new TheoryData<string>();
        foreach (var t in FuzzTargets.Names) d.Add(t);
        return d;
    }

    internal static string RegressionDir(string target) => Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Regression", RegressionFolder[target]);

    private static IEnumerable<string> Inputs(string target)
    {
        foreach (var dir in new[] { Path.Combine(RepoPaths.Root, "fuzz", "corpus", target), RegressionDir(target) })
            if (Directory.Exists(dir))
                foreach (var f in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                    yield return f;
    }

    [Fact]
    public void EveryTargetHasARegressionFolderName()
    {
        foreach (var t in FuzzTargets.Names) Assert.True(RegressionFolder.ContainsKey(t), t);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task CorpusAndRegressionInputsGiveOnlyFormatErrors(string target)
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var file in Inputs(target))
        {
            count++;
            var data = File.ReadAllBytes(file);
            var run = Task.Factory.StartNew(() => FuzzTargets.Run(target, data), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (await Task.WhenAny(run, Task.Delay(Bound)) != run)
            {
                failures.Add(FormattableString.Invariant($"{file}: still running after {Bound.TotalSeconds} s"));
                continue; // the runaway task is abandoned; the test fails below
            }
            if (run.Exception is { } e) failures.Add(file + ": " + e.InnerException);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The seeds of every target are committed, so a target without any input means the corpus went missing.
        Assert.True(count > 0, "no corpus or regression input for " + target);
    }
}
