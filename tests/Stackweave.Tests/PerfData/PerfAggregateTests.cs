using Stackweave.Formats;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.PerfData;

/// <summary>ReadOptions.AggregateSamples: one row per distinct (stack, thread, event) loses nothing folded or pprof show.</summary>
public sealed class PerfAggregateTests
{
    [Theory]
    [MemberData(nameof(GoldenTests.Captures), MemberType = typeof(GoldenTests))]
    public void AggregatedRowsKeepEveryStackTotalAndTheFoldedText(string dir, string file)
    {
        var path = RepoPaths.TestData(dir, file);
        var rows = FormatRegistry.Read(path, new ReadOptions());
        var aggregated = FormatRegistry.Read(path, new ReadOptions { AggregateSamples = true });

        Assert.Equal(Totals(rows), Totals(aggregated));
        Assert.True(aggregated.Samples.Count <= rows.Samples.Count);

        var symbols = new SymbolOptions { Symfs = CliRunner.Symfs, KallsymsPath = CliRunner.Kallsyms, UseRunningKernel = false };
        Symbolizer.Symbolize(rows, symbols);
        Symbolizer.Symbolize(aggregated, symbols);
        foreach (var o in new[] { new FoldedOptions(), new FoldedOptions { All = true, Pid = true }, new FoldedOptions { Tid = true, Addrs = true } })
        {
            var expected = FoldedWriter.Collapse(rows, o, out var er);
            var actual = FoldedWriter.Collapse(aggregated, o, out var ar);
            Assert.Equal(expected, actual);
            Assert.Equal(er.Lines, ar.Lines);
        }
    }

    [Fact]
    public void SamplesOfCaptureWithManySamePathStacksCollapseToFewerRows()
    {
        var path = RepoPaths.TestData("cpp-fp", "perf.data");
        var rows = FormatRegistry.Read(path, new ReadOptions());
        var aggregated = FormatRegistry.Read(path, new ReadOptions { AggregateSamples = true });
        Assert.True(aggregated.Samples.Count * 2 < rows.Samples.Count, $"{aggregated.Samples.Count} rows of {rows.Samples.Count} samples");
    }

    /// <summary>Summed values per (stack, thread, event), as text so that xunit shows the difference.</summary>
    private static SortedDictionary<string, string> Totals(Profile p)
    {
        var sums = new Dictionary<(int, int, int), (long, long)>();
        for (var i = 0; i < p.Samples.Count; i++)
        {
            var key = (p.Samples.Stack(i), p.Samples.Thread(i), p.Samples.Event(i));
            var v = p.Samples.Values(i);
            sums.TryGetValue(key, out var s);
            sums[key] = (s.Item1 + v[0], s.Item2 + v[1]);
        }
        var r = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in sums) r[k.ToString()] = v.ToString();
        return r;
    }
}
