using System.Globalization;
using System.Xml.Linq;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.Svg;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Pictures;

/// <summary>
/// The SVG flame graph: every frame weighs what folded output gives its path (check 6), it agrees with flamegraph.pl on
/// the same folded stacks (weights by path, differential colours), narrow frames keep the file small.
/// </summary>
public class SvgFlameGraphTests
{
    /// <summary>Cases: capture and extra options (folded options apply to both outputs).</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "go-fp/perf.data", "" },
        { "go-fp/perf.data", "--pid" },
        { "cpp-fp/perf.data", "--kernel" },
        { "system-wide/perf.data", "--all" },
        { "two-events/perf.data", "--event task-clock/period=4000000/" },
        { "threads/perf.data", "--tid" },
        { "pprof/cpu.pb.gz", "" },
        { "pprof/heap.pb.gz", "--sample-type alloc_space" },
        { "bpftrace/kstack.txt", "" },
        { "bpftrace/stacks.txt", "" },
        { "textin/go-fp.ns.txt", "" },
    };

    private static string[] Args(string input, string extra, string format, params string[] more)
        => ["convert", RepoPaths.TestData(input.Split('/')), "--format", format, "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms,
            .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries), .. more];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_frame_weighs_its_folded_weight(string input, string extra)
    {
        if (!Path.Exists(RepoPaths.TestData(input.Split('/')))) Assert.Fail("missing test capture " + input);
        var folded = CliRunner.Run(Args(input, extra, "folded"));
        Assert.True(folded.ExitCode == 0, folded.Stderr);
        var want = PictureFrames.PrefixWeights(PictureFrames.ParseFolded(folded.Stdout));
        Assert.True(want.Count > 1, "no folded lines for " + input);

        // every frame kept (--min-width 0): the frames are exactly the folded paths, with their weights
        var svg = CliRunner.Run(Args(input, extra, "svg", "--min-width", "0", "--max-frames", "0"));
        Assert.True(svg.ExitCode == 0, svg.Stderr);
        var frames = PictureFrames.FromStackweave(svg.Stdout);
        var got = PictureFrames.ByPath(frames);
        Assert.Equal(frames.Count, got.Count); // one frame per path
        PictureFrames.AssertSame(want, got);
        var total = want[""];
        Assert.Equal(total.ToString(CultureInfo.InvariantCulture), (string)XDocument.Parse(svg.Stdout).Root!.Attribute("data-total")!);

        // default --min-width: fewer frames, each still weighing its folded weight; placeholders stand for narrow runs
        var small = CliRunner.Run(Args(input, extra, "svg"));
        Assert.True(small.ExitCode == 0, small.Stderr);
        foreach (var f in PictureFrames.FromStackweave(small.Stdout))
            if (!f.Merged) Assert.Equal(want[f.Path], f.Weight);
            else Assert.True(f.Width >= 0.1 - 0.01, $"placeholder {f.Path} is narrower than the minimum width");
    }

    [Fact]
    public void Frames_equal_flamegraph_pl_on_the_same_folded_stacks()
    {
        var svg = CliRunner.Run(Args("go-fp/perf.data", "", "svg", "--min-width", "0", "--max-frames", "0"));
        Assert.True(svg.ExitCode == 0, svg.Stderr);
        var mine = PictureFrames.FromStackweave(svg.Stdout);
        var theirs = PictureFrames.FromFlameGraphPl(File.ReadAllText(RepoPaths.TestData("pictures", "go-fp.flamegraph.svg")), inverted: false);
        PictureFrames.AssertSame(PictureFrames.ByPath(theirs), PictureFrames.ByPath(mine));
        // same left-to-right order of siblings: x positions agree to flamegraph.pl's one decimal
        var theirX = theirs.GroupBy(f => f.Path).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().X);
        foreach (var f in mine)
            if (theirX.TryGetValue(f.Path, out var x)) Assert.True(Math.Abs(x - f.X) < 0.06, $"{f.Path}: x {f.X} vs flamegraph.pl {x}");
    }

    [Fact]
    public void Icicle_frames_equal_flamegraph_pl_inverted_and_kernel_frames_are_orange()
    {
        var svg = CliRunner.Run(Args("cpp-fp/perf.data", "--kernel", "svg", "--min-width", "0", "--max-frames", "0", "--icicle"));
        Assert.True(svg.ExitCode == 0, svg.Stderr);
        var mine = PictureFrames.FromStackweave(svg.Stdout);
        var theirs = PictureFrames.FromFlameGraphPl(File.ReadAllText(RepoPaths.TestData("pictures", "cpp-fp-kernel.icicle.flamegraph.svg")), inverted: true);
        // flamegraph.pl shows names without their _[k] annotation (it strips _[kwij] for display)
        PictureFrames.AssertSame(PictureFrames.ByPath(theirs), PictureFrames.ByPath(mine).ToDictionary(k => k.Key.Replace("_[k]", "", StringComparison.Ordinal), k => k.Value));
        // icicle: the root row is at the top, deeper rows below it
        var doc = XDocument.Parse(svg.Stdout);
        var ys = doc.Descendants().Where(e => e.Name.LocalName == "g" && ((string?)e.Attribute("class"))?.StartsWith("frame", StringComparison.Ordinal) == true)
            .Select(g => (Depth: (int)g.Attribute("data-depth")!, Y: double.Parse((string)g.Elements().First(e => e.Name.LocalName == "rect").Attribute("y")!, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.All(ys, a => Assert.All(ys.Where(b => b.Depth > a.Depth), b => Assert.True(b.Y > a.Y)));
        // kernel frames (_[k]) in flamegraph.pl's orange hue: blue 0
        var kernel = mine.Where(f => f.Name.EndsWith("_[k]", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(kernel);
        Assert.All(kernel, f => Assert.EndsWith(",0)", f.Fill, StringComparison.Ordinal));
    }

    [Fact]
    public void Differential_graph_equals_difffolded_and_flamegraph_pl()
    {
        // go-fp is the new profile, zstd/ (the same program) the base: difffolded.pl zstd go-fp | flamegraph.pl
        var svg = CliRunner.Run(Args("go-fp/perf.data", "", "svg", "--min-width", "0", "--max-frames", "0", "--diff", RepoPaths.TestData("zstd", "perf.data")));
        Assert.True(svg.ExitCode == 0, svg.Stderr);
        var mine = PictureFrames.FromStackweave(svg.Stdout);
        var theirs = PictureFrames.FromFlameGraphPl(File.ReadAllText(RepoPaths.TestData("pictures", "zstd-go-fp.diff.flamegraph.svg")), inverted: false);
        // flamegraph.pl keys frames by "name;depth;end": a base-only (zero-width) frame ending where a same-named frame at
        // the same depth ends overwrites it, so flamegraph.pl loses that frame. Those are the only paths it may lack.
        var theirPaths = PictureFrames.ByPath(theirs.Where(f => !f.Path.StartsWith(PictureFrames.Orphan, StringComparison.Ordinal)));
        var minePaths = PictureFrames.ByPath(mine);
        var lost = minePaths.Keys.Except(theirPaths.Keys).ToList();
        var zeroWidth = theirs.Where(f => f.Weight == 0).Select(f => (f.Name, f.Depth)).ToHashSet();
        Assert.All(lost, p => Assert.True(mine.Where(f => f.Path == p || p.StartsWith(f.Path + ";", StringComparison.Ordinal))
            .Any(f => zeroWidth.Contains((f.Name, f.Depth))), "flamegraph.pl lacks " + p));
        PictureFrames.AssertSame(theirPaths, minePaths.Where(k => !lost.Contains(k.Key)).ToDictionary());
        // colours: red growth, blue shrinkage, white unchanged — equal to flamegraph.pl's for every path it draws once
        var once = theirs.GroupBy(f => f.Path).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Fill);
        var compared = 0;
        foreach (var f in mine)
            if (f.Depth > 0 && once.TryGetValue(f.Path, out var fill)) { Assert.True(fill == f.Fill, $"{f.Path}: {f.Fill}, flamegraph.pl {fill}"); compared++; }
        Assert.True(compared > 20, "too few frames compared: " + compared);
        Assert.Contains(mine, f => f.Fill.StartsWith("rgb(255,", StringComparison.Ordinal) && f.Fill != "rgb(255,255,255)");
        Assert.Contains(mine, f => f.Fill.EndsWith(",255)", StringComparison.Ordinal) && f.Fill != "rgb(255,255,255)");
    }

    [Fact]
    public void Title_width_and_a_function_keeps_its_colour_across_files()
    {
        var a = CliRunner.Run(Args("go-fp/perf.data", "", "svg", "--title", "Go <burn> & co", "--width", "800"));
        var b = CliRunner.Run(Args("zstd/perf.data", "", "svg"));
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a.Stderr + b.Stderr);
        var doc = XDocument.Parse(a.Stdout);
        Assert.Equal("800", (string)doc.Root!.Attribute("width")!);
        Assert.Equal("Go <burn> & co", doc.Descendants().Single(e => (string?)e.Attribute("id") == "title").Value);
        Assert.All(PictureFrames.FromStackweave(a.Stdout), f => Assert.True(f.X + f.Width <= 790.01, f.Path));
        var fa = PictureFrames.FromStackweave(a.Stdout).Where(f => !f.Merged).GroupBy(f => f.Name).ToDictionary(g => g.Key, g => g.First().Fill);
        var fb = PictureFrames.FromStackweave(b.Stdout).Where(f => !f.Merged).GroupBy(f => f.Name).ToDictionary(g => g.Key, g => g.First().Fill);
        var common = fa.Keys.Intersect(fb.Keys).ToList();
        Assert.True(common.Count > 5);
        Assert.All(common, n => Assert.Equal(fa[n], fb[n]));
        Assert.Equal(1, CliRunner.Run(Args("go-fp/perf.data", "", "svg", "--width", "abc")).ExitCode);
        Assert.Equal(1, CliRunner.Run(Args("go-fp/perf.data", "", "svg", "--width", "5")).ExitCode);
    }

    [Fact]
    public void Kinds_pick_the_palettes()
    {
        var c = new FrameColors();
        Assert.Equal(FrameKind.Kernel, c.KindOf("do_syscall_64_[k]", 3));
        Assert.Equal(FrameKind.Jit, c.KindOf("Interpreter_[j]", 3));
        Assert.Equal(FrameKind.Inlined, c.KindOf("inner_[i]", 3));
        Assert.Equal(FrameKind.Go, c.KindOf("runtime.mallocgc", 3));
        Assert.Equal(FrameKind.Go, c.KindOf("github.com/x/y.(*T).M", 3));
        Assert.Equal(FrameKind.Cpp, c.KindOf("std::vector<int>::push_back", 3));
        Assert.Equal(FrameKind.Managed, c.KindOf("java/lang/Thread.run", 3));
        Assert.Equal(FrameKind.Script, c.KindOf("<module> (app.py:3)", 3));
        Assert.Equal(FrameKind.User, c.KindOf("fib", 3));
        Assert.Equal(FrameKind.Other, c.KindOf("[unknown]", 3));
        Assert.Equal(FrameKind.Other, c.KindOf("all", 0));
        Assert.Equal(FrameColors.Hash("main.fib"), FrameColors.Hash("main.fib"));
        Assert.NotEqual(FrameColors.Hash("main.fib"), FrameColors.Hash("main.work"));
    }

    private static readonly string[] s_names = ["a", "b", "a.b", "<x>", "&amp;", "\"q\"", "t\tab", "é", "\uD800", "[unknown]", "x y"];

    /// <summary>Arbitrary folded lines, names with markup, control characters and lone surrogates.</summary>
    public static Arbitrary<(string[] Frames, int Count)[]> Lines() =>
        (from frames in Gen.Elements(s_names).ArrayOf().Where(a => a.Length > 0)
         from count in Gen.Choose(0, 1000)
         select (frames, count)).ArrayOf().ToArbitrary();

    [FsCheck.Xunit.Property(Arbitrary = [typeof(SvgFlameGraphTests)], MaxTest = 200)]
    public void Any_lines_give_well_formed_svg_whose_frames_weigh_their_prefix_sums((string[] Frames, int Count)[] lines, bool icicle, bool tiny)
    {
        var folded = lines.Select(l => (Stack: string.Join(';', l.Frames), Count: (decimal)l.Count)).ToList();
        var tree = FlameTree.FromLines(folded.Select(l => new KeyValuePair<string, UInt128>(l.Stack, (UInt128)l.Count)));
        var sw = new StringWriter();
        SvgFlameGraphWriter.Write(tree, new FrameColors(), sw, new SvgOptions { Icicle = icicle, MinWidth = tiny ? 50 : 0 });
        var frames = PictureFrames.FromStackweave(sw.ToString()); // parses as XML
        var want = PictureFrames.PrefixWeights(folded.Select(l => (Clean(l.Stack), l.Count)));
        foreach (var f in frames.Where(f => !f.Merged)) Assert.Equal(want.GetValueOrDefault(f.Path), f.Weight);
        if (!tiny)
            Assert.Equal(want.Where(k => k.Value > 0 && k.Key.Length > 0).Select(k => k.Key).Order(StringComparer.Ordinal),
                frames.Where(f => f.Depth > 0).Select(f => f.Path).Distinct().Order(StringComparer.Ordinal));
    }

    // what XML can carry of a name: characters it forbids become U+FFFD
    private static string Clean(string s)
        => new(s.Select(c => c is '\t' or '\n' or '\r' ? c : c < 0x20 || char.IsSurrogate(c) ? '\uFFFD' : c).ToArray());
}
