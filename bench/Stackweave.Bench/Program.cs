using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Stackweave.Formats;
using Stackweave.Formats.Folded;
using Stackweave.Formats.PerfData;
using Stackweave.Merge.Symbols;

if (args is ["unwind-cpu", ..]) UnwindBenchmarks.PrintCpuTimes(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 9);
else BenchmarkSwitcher.FromAssembly(typeof(PerfDataBenchmarks).Assembly).Run(args);

/// <summary>In-process costs of the main path on a bundled capture (or STACKWEAVE_BENCH_CAPTURE).</summary>
[MemoryDiagnoser]
public class PerfDataBenchmarks
{
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        _path = Environment.GetEnvironmentVariable("STACKWEAVE_BENCH_CAPTURE") ?? FindTestData("system-wide", "perf.data");
    }

    private static string FindTestData(params string[] parts)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Toolkit.sln"))) return Path.Combine([d.FullName, "testdata", .. parts]);
        throw new InvalidOperationException("Toolkit.sln not found");
    }

    /// <summary>Decoding every record in time order.</summary>
    [Benchmark]
    public long ReadRecords()
    {
        using var s = File.OpenRead(_path);
        using var f = PerfDataFile.Open(s, _path, ReadOptions.Default);
        long n = 0;
        foreach (var r in f.Records()) n += r.Size;
        return n;
    }

    /// <summary>Records → model → symbols → folded text.</summary>
    [Benchmark]
    public long ConvertToFolded()
    {
        var p = FormatRegistry.Read(_path);
        Symbolizer.Symbolize(p, new SymbolOptions());
        var w = new StringWriter();
        FoldedWriter.Write(p, w, new FoldedOptions());
        return w.GetStringBuilder().Length;
    }
}
