using System.Text;
using Stackweave.Formats;
using Stackweave.Formats.Folded;
using Stackweave.Formats.IO;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.TextInputs;

/// <summary>The folded-stacks reader on FlameGraph's own output (testdata/*/X.folded) and on the forms flamegraph.pl accepts.</summary>
public class FoldedReaderTests
{
    private static Formats.Model.Profile Read(string text) => FoldedReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.folded");

    public static TheoryData<string> Goldens() =>
        ["cpp-fp/perf.data.folded", "go-fp/perf.data.folded", "system-wide/perf.data.kernel.folded", "two-events/perf.data.tid.folded",
         "tracepoints/perf.data.all.folded", "pipe/perf.data.pipe.addrs.folded"];

    /// <summary>stackcollapse-perf.pl's output read and folded again is the same file (detected by content).</summary>
    [Theory]
    [MemberData(nameof(Goldens))]
    public void FoldedFilesRoundTrip(string file)
    {
        var path = RepoPaths.TestData(file.Split('/'));
        var p = FormatRegistry.Read(path);
        Assert.Equal("folded", p.Source.Format);
        Assert.Equal(File.ReadAllLines(path).Length, p.Samples.Count);
        var r = CliRunner.Run("convert", path, "--format", "folded");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText(path), r.Stdout);
    }

    [Fact]
    public void CountsAndFrames()
    {
        var p = Read("main;a;b 5\nmain;a 3\nmain;a;b 2\n");
        Assert.Equal(3, p.Samples.Count);
        Assert.Equal([new Formats.Model.SampleType("samples", "count")], p.SampleTypes);
        Assert.Equal(5, p.Samples.Values(0)[0]);
        Assert.Equal(p.Samples.Stack(0), p.Samples.Stack(2));
        Assert.Equal(-1, p.Samples.Thread(0));
        Assert.Equal(Formats.Model.SampleTable.NoTime, p.Samples.Time(0));
        var w = new StringWriter();
        FoldedWriter.Write(p, w);
        Assert.Equal("main;a 3\nmain;a;b 7\n", w.ToString());
    }

    [Fact]
    public void DecimalCountsAreScaled()
    {
        var p = Read("a;b 1.5\na 2\na;c 0.25\n");
        Assert.Equal("count*1e-2", p.SampleTypes[0].Unit);
        Assert.Equal([150L, 200L, 25L], Enumerable.Range(0, 3).Select(i => p.Samples.Values(i)[0]));
        Assert.Contains(p.Comments, c => c.Contains("1e2", StringComparison.Ordinal));
    }

    [Fact]
    public void DifferentialFilesKeepBothColumns()
    {
        var p = Read("a;b 10 12\na;c 3 0\na;d 4\n");
        Assert.Equal(["baseline", "samples"], p.SampleTypes.Select(t => t.Type));
        Assert.Equal([10L, 12L], p.Samples.Values(0).ToArray());
        Assert.Equal([3L, 0L], p.Samples.Values(1).ToArray());
        Assert.Equal([4L, 4L], p.Samples.Values(2).ToArray()); // one column: unchanged
        var w = new StringWriter();
        FoldedWriter.Write(p, w); // the folded writer counts the last column, as flamegraph.pl sizes frames by it
        Assert.Equal("a;b 12\na;d 4\n", w.ToString());
    }

    [Fact]
    public void OddLinesAreCounted()
    {
        var p = Read("a;b 1\nno count here\n\n   \na 1 2 x\nc 4\n");
        Assert.Equal(2, p.Samples.Count);
        Assert.Equal(2, p.Diagnostics.Get(FoldedReader.SkippedLinesCounter));
        Assert.Throws<CaptureFormatException>(() => Read("nothing\nhere\n"));
    }

    [Fact]
    public void FramesAreKeptVerbatim()
    {
        // names that stackcollapse-perf.pl's tidying would change if they were read as perf text
        const string text = "java;operator->;foo(int);\"q\";[unknown];;x 1\n";
        var p = Read(text);
        var w = new StringWriter();
        FoldedWriter.Write(p, w);
        Assert.Equal(text, w.ToString());
    }
}
