using Stackweave.Formats;
using Stackweave.Formats.Model;
using Stackweave.Formats.Pprof;
using Stackweave.Merge.Pprof;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Pprof;

/// <summary>read → write → read, merging, and perf.data → pprof.</summary>
public class PprofRoundTripTests
{
    private static string Data(string f) => PprofGoldenTests.Data(f);

    internal static Profile RoundTrip(Profile p, bool gzip)
    {
        var ms = new MemoryStream();
        PprofWriter.Write(p, ms, new PprofWriteOptions { Gzip = gzip });
        ms.Position = 0;
        var path = gzip ? "roundtrip.pb.gz" : "roundtrip.pb";
        var opened = gzip ? Formats.IO.InputOpener.Unwrap(path, ms, Formats.IO.Limits.Default) : ms;
        return PprofReader.Read(opened, path);
    }

    internal static void AssertSameProfile(Profile a, Profile b)
    {
        Assert.Equal(a.SampleTypes, b.SampleTypes);
        Assert.Equal(a.PeriodType, b.PeriodType);
        Assert.Equal(a.Period, b.Period);
        Assert.Equal(a.StartTime, b.StartTime);
        Assert.Equal(a.DurationNs, b.DurationNs);
        Assert.Equal(a.Comments, b.Comments);
        Assert.Equal(a.DefaultSampleType, b.DefaultSampleType);
        Assert.Equal(a.DropFrames, b.DropFrames);
        Assert.Equal(a.KeepFrames, b.KeepFrames);
        Assert.Equal(a.DocUrl, b.DocUrl);
        var ra = RawText.Reduce(a);
        var rb = RawText.Reduce(b);
        Assert.Equal(ra.Keys, rb.Keys);
        foreach (var (k, v) in ra) Assert.Equal(v, rb[k]);
        // Mappings, functions and lines survive field by field.
        Assert.Equal(a.Mappings.Select(m => (m.Start, m.Limit, m.FileOffset, m.Path, m.BuildId, m.HasFilenames, m.HasLineNumbers, m.HasInlineFrames)),
                     b.Mappings.Select(m => (m.Start, m.Limit, m.FileOffset, m.Path, m.BuildId, m.HasFilenames, m.HasLineNumbers, m.HasInlineFrames)));
        Assert.Equal(a.Functions.Select(f => (a.Strings[f.Name], a.Strings[f.SystemName], a.Strings[f.FileName], f.StartLine)),
                     b.Functions.Select(f => (b.Strings[f.Name], b.Strings[f.SystemName], b.Strings[f.FileName], f.StartLine)));
        Assert.Equal(a.Locations.Select(l => (l.MappingId, l.Address, l.IsFolded, string.Join(",", l.Lines))),
                     b.Locations.Select(l => (l.MappingId, l.Address, l.IsFolded, string.Join(",", l.Lines))));
    }

    [Theory]
    [InlineData("cpu.pb.gz", true)]
    [InlineData("heap.pb.gz", false)]
    [InlineData("allocs.pb.gz", true)]
    [InlineData("goroutine.pb.gz", true)]
    [InlineData("mutex.pb.gz", true)]
    [InlineData("block.pb.gz", false)]
    [InlineData("crafted.pb", true)]
    [InlineData("crafted.pb", false)]
    public void Read_write_read_is_identity(string file, bool gzip)
    {
        var a = FormatRegistry.Read(Data(file));
        AssertSameProfile(a, RoundTrip(a, gzip));
    }

    [Fact]
    public void Merge_equals_go_tool_pprof_proto_of_the_same_inputs_in_either_order()
    {
        var golden = PprofGoldenTests.Golden("merged-cpu.pb.gz");
        foreach (var order in new[] { new[] { "cpu.pb.gz", "cpu2.pb.gz" }, new[] { "cpu2.pb.gz", "cpu.pb.gz" } })
        {
            var dir = Directory.CreateTempSubdirectory("stackweave-merge-");
            try
            {
                var outPath = Path.Combine(dir.FullName, "m.pb.gz");
                var r = CliRunner.Run("convert", Data(order[0]), Data(order[1]), "-o", outPath);
                Assert.True(r.ExitCode == 0, r.Stderr);
                var m = FormatRegistry.Read(outPath);
                Assert.Equal(golden.ByKey.Keys, RawText.Reduce(m).Keys);
                foreach (var (k, v) in golden.ByKey) Assert.Equal(v, RawText.Reduce(m)[k]);
                var a = FormatRegistry.Read(Data("cpu.pb.gz"));
                var b = FormatRegistry.Read(Data("cpu2.pb.gz"));
                // pprof combineHeaders: earliest time, summed durations.
                Assert.Equal(Math.Min(a.StartTime!.Value, b.StartTime!.Value), m.StartTime);
                Assert.Equal(a.DurationNs + b.DurationNs, m.DurationNs);
                // Folded output of the merge equals the golden's too.
                var folded = CliRunner.Run("convert", Data(order[0]), Data(order[1]));
                Assert.Equal(golden.Folded(1), folded.Stdout);
            }
            finally { dir.Delete(true); }
        }
    }

    [Fact]
    public void Merging_different_sample_types_exits_2_naming_files_and_types()
    {
        var r = CliRunner.Run("convert", Data("cpu.pb.gz"), Data("heap.pb.gz"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("heap.pb.gz", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("cpu.pb.gz", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("samples/count, cpu/nanoseconds", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("alloc_objects/count, alloc_space/bytes", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        // go tool pprof refuses the same pair.
        Assert.Contains("incompatible", File.ReadAllText(Data("merge-mismatch.stderr.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public void Sample_type_chosen_by_name_lets_different_profiles_merge()
    {
        var r = CliRunner.Run("convert", Data("heap.pb.gz"), Data("allocs.pb.gz"), "--sample-type", "alloc_space");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var heap = PprofGoldenTests.Golden("heap.pb.gz");
        var allocs = PprofGoldenTests.Golden("allocs.pb.gz");
        var k = heap.Types.FindIndex(t => t.Type == "alloc_space");
        var total = heap.ByKey.Values.Sum(v => v[k]) + allocs.ByKey.Values.Sum(v => v[k]);
        Assert.Equal(total, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        var missing = CliRunner.Run("convert", Data("cpu.pb.gz"), Data("heap.pb.gz"), "--sample-type", "alloc_space");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("cpu.pb.gz", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merged_perf_captures_fold_to_both_FlameGraph_goldens()
    {
        // Captures of two programs: the merged folded output is the union of stackcollapse-perf.pl's outputs.
        var r = CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), RepoPaths.TestData("cpp-fp", "perf.data"),
            "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var expected = File.ReadAllLines(RepoPaths.TestData("go-fp", "perf.data.folded"))
            .Concat(File.ReadAllLines(RepoPaths.TestData("cpp-fp", "perf.data.folded"))).Order(StringComparer.Ordinal);
        Assert.Equal(expected, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Merge_with_itself_doubles_every_value()
    {
        var a = FormatRegistry.Read(Data("crafted.pb"));
        var m = ProfileMerger.Merge([a, a]);
        var once = RawText.Reduce(a);
        var twice = RawText.Reduce(m);
        Assert.Equal(once.Keys, twice.Keys);
        foreach (var (k, v) in once) Assert.Equal(v.Select(x => 2 * x), twice[k]);
        // zero samples dropped as pprof's merge does
        Assert.Equal(7, m.Samples.Count);
    }
}
