using Stackweave.Formats;
using Stackweave.Formats.Model;
using Stackweave.Formats.Pprof;
using Stackweave.Merge.Pprof;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Pprof;

/// <summary>Profiles written by Go 1.19's runtime (and one crafted by a Go program) against what <c>go tool pprof -raw</c> prints for them.</summary>
public class PprofGoldenTests
{
    public static TheoryData<string> Files() =>
    [
        "cpu.pb.gz", "cpu.pb", "cpu2.pb.gz", "heap.pb.gz", "heap.pb", "allocs.pb.gz", "goroutine.pb.gz", "mutex.pb.gz",
        "block.pb.gz", "crafted.pb", "merged-cpu.pb.gz",
    ];

    internal static string Data(string file) => RepoPaths.TestData("pprof", file);

    internal static RawText Golden(string file)
    {
        var path = Data(file + ".raw.txt");
        Assert.True(File.Exists(path), "golden missing: " + path);
        return RawText.Parse(File.ReadAllText(path));
    }

    /// <summary>Reads as go tool pprof does before printing: drop_frames applied.</summary>
    internal static Profile ReadPruned(string file)
    {
        var p = FormatRegistry.Read(Data(file));
        FramePruner.Apply(p);
        return p;
    }

    private static void AssertSameKeys(SortedDictionary<string, long[]> expected, SortedDictionary<string, long[]> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (k, v) in expected) Assert.True(v.SequenceEqual(actual[k]), $"values of {k}: expected {string.Join(",", v)}, got {string.Join(",", actual[k])}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Stacks_labels_and_values_equal_go_tool_pprof_raw(string file)
    {
        var golden = Golden(file);
        var p = ReadPruned(file);
        Assert.Equal("pprof", p.Source.Format);
        Assert.Equal(golden.Types, p.SampleTypes);
        Assert.Equal(golden.Period, p.Period);
        Assert.Equal(golden.PeriodType, p.PeriodType is { } pt ? pt.Type + " " + pt.Unit : null);
        Assert.Equal(golden.Comments, p.Comments);
        if (golden.DefaultIndex >= 0) Assert.Equal(golden.DefaultIndex, SampleTypes.DefaultIndex(p));
        Assert.NotEmpty(golden.ByKey);
        AssertSameKeys(golden.ByKey, RawText.Reduce(p));
    }

    public static TheoryData<string, int> FilesAndColumns()
    {
        var d = new TheoryData<string, int>();
        foreach (var f in new[] { "cpu.pb.gz", "heap.pb.gz", "allocs.pb.gz", "goroutine.pb.gz", "mutex.pb.gz", "block.pb.gz", "crafted.pb", "merged-cpu.pb.gz" })
        {
            var n = Golden(f).Types.Count;
            for (var k = 0; k < n; k++) d.Add(f, k);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(FilesAndColumns))]
    public void Folded_output_of_every_sample_type_equals_the_golden(string file, int column)
    {
        var golden = Golden(file);
        var r = CliRunner.Run("convert", Data(file), "--sample-type", golden.Types[column].Type);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(golden.Folded(column), r.Stdout);
    }

    [Theory]
    [InlineData("cpu.pb.gz")]
    [InlineData("heap.pb.gz")]
    [InlineData("crafted.pb")]
    public void Folded_output_uses_the_default_sample_type(string file)
    {
        var golden = Golden(file);
        // pprof: default_sample_type when set (crafted: wall, shown as [dflt]), else the last sample type.
        var column = golden.DefaultIndex >= 0 ? golden.DefaultIndex : golden.Types.Count - 1;
        var r = CliRunner.Run("convert", Data(file));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(golden.Folded(column), r.Stdout);
    }

    [Fact]
    public void Crafted_profile_keeps_every_header_field()
    {
        var p = FormatRegistry.Read(Data("crafted.pb"));
        Assert.Equal("malloc_wrapper|std::vector<int>::push_back", p.DropFrames);
        Assert.Equal("std::vector<int>::push_back", p.KeepFrames);
        Assert.Equal("wall", p.DefaultSampleType);
        Assert.Equal("https://example.invalid/doc", p.DocUrl);
        Assert.Equal(1700000000123456789L, p.StartTime);
        Assert.Equal(ClockDomain.Realtime, p.Clock.Domain);
        Assert.Equal(2500000000L, p.DurationNs);
        var app = p.Mappings.Single(m => m.Path == "/opt/app/bin/app");
        Assert.Equal("4f2a9c01de", app.BuildId);
        Assert.True(app.HasFunctions && app.HasFilenames && app.HasLineNumbers && app.HasInlineFrames);
        Assert.Equal((0x400000UL, 0x500000UL, 0x1000UL), (app.Start, app.Limit, app.FileOffset));
        // Two address-0 locations stay two locations; the folded one is flagged; line[0] is the inlined callee.
        Assert.Equal(2, p.Locations.Count(l => l.Address == 0));
        Assert.Single(p.Locations, l => l.IsFolded);
        var inl = p.Locations.Single(l => l.Lines.Count == 2);
        Assert.Equal("inline_helper", p.FunctionName(inl.Lines[0].FunctionId));
        Assert.Equal("run_loop", p.FunctionName(inl.Lines[1].FunctionId));
        var f = p.Functions.Single(x => p.Strings[x.Name] == "run_loop");
        Assert.Equal(20, f.StartLine);
        Assert.Equal("loop.c", p.Strings[f.FileName]);
        // An all-zero sample is read (go tool pprof's merge step drops it later).
        Assert.Equal(8, p.Samples.Count);
    }

    [Fact]
    public void Go_cpu_profile_keeps_pprof_Do_labels_and_its_time_window()
    {
        var p = FormatRegistry.Read(Data("cpu.pb.gz"));
        Assert.Equal([new SampleType("samples", "count"), new SampleType("cpu", "nanoseconds")], p.SampleTypes);
        Assert.Equal(new SampleType("cpu", "nanoseconds"), p.PeriodType);
        Assert.True(p.StartTime > 1_600_000_000_000_000_000L);
        Assert.True(p.DurationNs > 0);
        var workers = new HashSet<string>();
        for (var i = 0; i < p.Samples.Count; i++)
            foreach (var l in p.Samples.Labels(i))
                if (l.Key == "worker") workers.Add(l.Str!);
        Assert.Equal(["alpha", "beta", "main"], workers.Order());
    }

    [Fact]
    public void Raw_and_gzip_read_the_same()
    {
        AssertSameKeys(RawText.Reduce(FormatRegistry.Read(Data("cpu.pb"))), RawText.Reduce(FormatRegistry.Read(Data("cpu.pb.gz"))));
    }

    [Fact]
    public void Label_frames_put_label_values_at_the_root()
    {
        var golden = Golden("cpu.pb.gz");
        var r = CliRunner.Run("convert", Data("cpu.pb.gz"), "--label-frames", "worker,phase");
        Assert.True(r.ExitCode == 0, r.Stderr);
        static string Frames(string labels)
        {
            var parts = labels.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string? V(string k) => parts.FirstOrDefault(x => x.StartsWith(k + ":[", StringComparison.Ordinal)) is { } s ? s[(k.Length + 2)..^1] : null;
            return string.Join(';', new[] { V("worker"), V("phase") }.Where(v => v is not null));
        }
        Assert.Equal(golden.Folded(1, Frames), r.Stdout);
        Assert.Contains("alpha;burn;", r.Stdout, StringComparison.Ordinal);
    }
}
