using Stackweave.Formats.Folded;
using Stackweave.Formats.Html;
using Stackweave.Formats.Model;
using Stackweave.Formats.Svg;

namespace Stackweave.Tests.Pictures;

/// <summary>
/// Check 6, size: a 500,000-sample capture (synthetic: 16 threads under 5 comms, 20,000 distinct stacks up to 60 frames deep, drawn
/// with a Zipf-like skew over 10 s) renders to an SVG under 5 MB and an HTML page under 20 MB, written as a stream
/// while the managed heap stays bounded.
/// </summary>
[Collection(nameof(PictureSizeTests))]
public class PictureSizeTests
{
    private const int Samples = 500_000;

    private static Profile Synthetic()
    {
        var rnd = new Random(20261125);
        var p = new Profile([new SampleType("samples", "count")]);
        p.Source.File = "synthetic";
        p.Source.Format = "synthetic";
        var functions = new int[3000];
        for (var i = 0; i < functions.Length; i++)
        {
            var name = (i % 3) switch { 0 => $"pkg{i % 40}.Func{i}", 1 => $"ns{i % 25}::Class{i % 300}::method{i}", _ => $"c_function_{i}" };
            var loc = p.InternLocation(-1, (ulong)(0x1000 + i));
            p.Locations[loc].Lines.Add(new Line(p.InternFunction(name), 0));
            functions[i] = loc;
        }
        // distinct stacks: random walks that share prefixes (children picked from a few per frame), some recursion
        var stacks = new int[20_000];
        for (var s = 0; s < stacks.Length; s++)
        {
            var depth = 5 + rnd.Next(56);
            var st = StackTable.Root;
            var f = rnd.Next(8);
            for (var d = 0; d < depth; d++)
            {
                st = p.Stacks.Push(st, functions[f]);
                f = rnd.Next(10) == 0 ? f : (f * 7 + 1 + rnd.Next(d < 6 ? 4 : 60)) % functions.Length;
            }
            stacks[s] = st;
        }
        var threads = new int[16];
        // a process's threads share its comm, as in perf captures; a few have their own
        for (var t = 0; t < threads.Length; t++) threads[t] = p.InternThread(1000, 1000 + t, t < 12 ? "app" : "helper-" + t);
        Span<long> one = [1];
        for (var i = 0; i < Samples; i++)
        {
            // Zipf-like: rank = floor(n^u) spreads weight over a few hot stacks and a long tail
            var rank = (int)Math.Min(stacks.Length - 1, Math.Pow(stacks.Length, rnd.NextDouble()) - 1);
            var time = 1_000_000_000L + i * 20_000L + rnd.Next(20_000); // 10 s at 50 kHz
            p.Samples.Add(stacks[rank], threads[rnd.Next(threads.Length)], time, one);
        }
        return p;
    }

    [Fact]
    public void Half_a_million_samples_fit_in_5_MB_of_svg_and_20_MB_of_html_in_bounded_memory()
    {
        var p = Synthetic();
        GC.Collect();
        var baseline = GC.GetTotalMemory(true);

        var svg = new CountingStream(baseline);
        using (var w = new StreamWriter(svg, leaveOpen: true)) SvgFlameGraphWriter.Write(p, w, new SvgOptions());
        Assert.True(svg.Length < 5 << 20, $"SVG of {Samples} samples is {svg.Length} bytes");
        Assert.True(svg.Length > 100_000, $"SVG is only {svg.Length} bytes: frames are missing");
        Assert.True(svg.PeakGrowth < 160L << 20, $"the live managed heap grew by {svg.PeakGrowth >> 20} MB while writing the SVG ({svg.Length} bytes)");

        // the page is measured from its own baseline: what the SVG left behind is not the page's
        GC.Collect();
        var html = new CountingStream(GC.GetTotalMemory(true));
        using (var w = new StreamWriter(html, leaveOpen: true)) HtmlTimelineWriter.Write([p], w, new HtmlOptions());
        Assert.True(html.Length < 20 << 20, $"HTML of {Samples} samples is {html.Length} bytes");
        // The page's writer folds to UTF-8 (FoldedWriter.CollapseUtf8), builds its frame tree from those bytes through one reused
        // char buffer (sized for the lines' frame count, so no column regrows) and drops the texts once each line has its node;
        // its JSON goes out through one reused char buffer. No string per folded line: the live heap grows by about 160 MB
        // here (the SVG's: about 110 MB), measured from the page's own baseline with garbage collected; bounds at 1.5×.
        Assert.True(html.PeakGrowth < 240L << 20, $"the live managed heap grew by {html.PeakGrowth >> 20} MB while writing the page ({html.Length} bytes)");

        // the page holds every sample's weight: the folded total
        var total = FoldedWriter.Collapse(p, new FoldedOptions(), out _).Aggregate(UInt128.Zero, (a, l) => a + l.Value);
        Assert.Equal((UInt128)Samples, total);
    }

    /// <summary>Counts bytes and samples the live managed heap at the first write and every 256th after (no bytes are kept).</summary>
    private sealed class CountingStream(long baseline) : Stream
    {
        private long _length;
        public long PeakGrowth { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        private int _writes;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _length += buffer.Length;
            // Live data, not garbage: how much uncollected garbage the heap holds depends on the GC's budgets, which earlier
            // tests in the same process tune, so only a collected heap measures the writer. The first write comes after the
            // writer has built what it keeps; later ones are sampled.
            if (_writes++ % 256 == 0) PeakGrowth = Math.Max(PeakGrowth, GC.GetTotalMemory(true) - baseline);
        }
    }
}

/// <summary>The heap measure is process-wide: the size test runs alone, not beside other tests.</summary>
[CollectionDefinition(nameof(PictureSizeTests), DisableParallelization = true)]
public sealed class PictureSizeCollection;
