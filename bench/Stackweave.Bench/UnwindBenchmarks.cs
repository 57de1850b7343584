using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Attributes;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Unwind;

/// <summary>
/// Issue 10 point 4: building the profile of a --call-graph dwarf capture with and without unwinding (the difference is
/// the unwinder's cost). The capture is testdata/unwind/libcall-dwarf (or STACKWEAVE_BENCH_UNWIND), held decompressed in
/// memory; the unwinder is created once, so its binaries and plans are cached as in one long run.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessShort))]
public class UnwindBenchmarks
{
    /// <summary>In-process (no generated project to build on a busy machine), 2 warm-up and 7 measured iterations.</summary>
    public sealed class InProcessShort : BenchmarkDotNet.Configs.ManualConfig
    {
        public InProcessShort() => AddJob(Job.Default
            .WithToolchain(BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(7));
    }

    private byte[] _data = [];
    private DwarfUnwinder? _unwinder;

    [GlobalSetup]
    public void Setup()
    {
        string root = "";
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Toolkit.sln"))) { root = d.FullName; break; }
        var path = Environment.GetEnvironmentVariable("STACKWEAVE_BENCH_UNWIND") ?? Path.Combine(root, "testdata", "unwind", "libcall-dwarf", "perf.data.zst");
        using var opened = InputOpener.Open(path, ReadOptions.Default.Limits);
        using var ms = new MemoryStream();
        opened.CopyTo(ms);
        _data = ms.ToArray();
        var u = Path.Combine(root, "testdata", "unwind");
        _unwinder = new DwarfUnwinder(new SymbolOptions
        {
            Symfs = Path.Combine(u, "symfs"), BuildIdCacheDir = Path.Combine(u, "buildid"), DebugDirs = [Path.Combine(u, "debug")],
        });
        Build(_unwinder);
    }

    private int Build(IUserStackUnwinder? unwinder)
    {
        using var f = PerfDataFile.Open(new MemoryStream(_data), "bench.data", ReadOptions.Default);
        var p = PerfProfileBuilder.Build(f, ReadOptions.Default with { AggregateSamples = true, UserStackUnwinder = unwinder });
        return p.Stacks.Count;
    }

    /// <summary>
    /// CPU time (not wall time: the build machine is shared) per build with and without unwinding, median of
    /// <paramref name="runs"/>, and the samples/s of the unwinding step; for <c>dotnet run -- unwind-cpu [RUNS]</c>.
    /// </summary>
    public static void PrintCpuTimes(int runs)
    {
        var b = new UnwindBenchmarks();
        b.Setup();
        int samples;
        using (var f = PerfDataFile.Open(new MemoryStream(b._data), "bench.data", ReadOptions.Default))
            samples = PerfProfileBuilder.Build(f, ReadOptions.Default).Samples.Count;
        double Median(Func<int> build)
        {
            var t = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var before = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                build();
                t.Add((System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds);
            }
            t.Sort();
            return t[t.Count / 2];
        }
        var with = Median(b.BuildUnwinding);
        var without = Median(b.BuildRecordedChains);
        var step = with > without ? FormattableString.Invariant($"{samples / (with - without):F0} samples/s") : "below the timing noise";
        Console.WriteLine(FormattableString.Invariant($"samples {samples}; CPU s per build: unwinding {with:F3}, recorded chains {without:F3}; unwinding step {step}"));
    }

    /// <summary>Records → profile, user stacks unwound.</summary>
    [Benchmark]
    public int BuildUnwinding() => Build(_unwinder);

    /// <summary>Records → profile, recorded chains only.</summary>
    [Benchmark(Baseline = true)]
    public int BuildRecordedChains() => Build(null);
}
