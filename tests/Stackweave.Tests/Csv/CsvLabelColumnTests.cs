using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.Csv;
using Stackweave.Formats.Model;
using Stackweave.Tests.Integration;
using Stackweave.Tests.Pprof;

namespace Stackweave.Tests.Csv;

/// <summary>pprof sample labels as <c>label:KEY</c> columns of <c>--csv samples</c>, against <c>go tool pprof -raw</c>'s goldens.</summary>
public class CsvLabelColumnTests
{
    [Theory]
    [InlineData("cpu.pb.gz", new[] { "phase", "worker" })]
    [InlineData("crafted.pb", new[] { "bytes", "lang", "request", "thread" })]
    public void Label_columns_with_stacks_and_values_equal_go_tool_pprof_raw(string file, string[] keys)
    {
        var golden = PprofGoldenTests.Golden(file);
        var r = CliRunner.Run("convert", PprofGoldenTests.Data(file), "--csv", "samples");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (header, rows) = CsvWriterTests.ReadBack(r.Stdout);
        var fixedCount = ProfileCsvWriter.SampleColumns.Length;
        Assert.Equal(ProfileCsvWriter.SampleColumns, header[..fixedCount]);
        Assert.Equal(keys, header[fixedCount..].Select(h => h[ProfileCsvWriter.LabelColumnPrefix.Length..]).Order(StringComparer.Ordinal));
        Assert.All(header[fixedCount..], h => Assert.StartsWith("label:", h, StringComparison.Ordinal));

        // Rows summed by (stack, labels as -raw prints them) equal the golden's default sample type column.
        var column = golden.DefaultIndex >= 0 ? golden.DefaultIndex : golden.Types.Count - 1;
        var expected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (k, v) in golden.ByKey) if (v[column] != 0) expected[k] = v[column];
        var actual = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            Assert.Equal(header.Length, row.Length);
            var labels = new List<string>();
            for (var c = fixedCount; c < header.Length; c++)
                if (row[c].Length > 0) labels.Add(header[c][ProfileCsvWriter.LabelColumnPrefix.Length..] + ":[" + row[c] + "]");
            var key = RawText.Key(row[10], labels);
            actual[key] = actual.GetValueOrDefault(key) + long.Parse(row[8], CultureInfo.InvariantCulture);
        }
        foreach (var k in actual.Where(kv => kv.Value == 0).Select(kv => kv.Key).ToList()) actual.Remove(k);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Go_cpu_profile_rows_carry_the_pprof_Do_worker_of_their_sample()
    {
        var r = CliRunner.Run("convert", PprofGoldenTests.Data("cpu.pb.gz"), "--csv", "samples");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (header, rows) = CsvWriterTests.ReadBack(r.Stdout);
        var worker = Array.IndexOf(header, "label:worker");
        var phase = Array.IndexOf(header, "label:phase");
        Assert.True(worker > 0 && phase > 0);
        // go tool pprof -raw: 'worker:[main]' samples have no phase label; alpha and beta burn in phase 'burn'.
        var raw = File.ReadAllText(PprofGoldenTests.Data("cpu.pb.gz.raw.txt"));
        int Count(string s) => raw.Split('\n').Count(l => l.Trim() == s);
        Assert.Equal(Count("worker:[main]"), rows.Count(x => x[worker] == "main" && x[phase] == ""));
        Assert.Equal(Count("phase:[burn] worker:[alpha]"), rows.Count(x => x[worker] == "alpha" && x[phase] == "burn"));
        Assert.Equal(Count("phase:[burn] worker:[beta]"), rows.Count(x => x[worker] == "beta" && x[phase] == "burn"));
        // every sample is a row; those -raw prints without a label line have empty label cells
        var samples = raw[..raw.IndexOf("\nLocations", StringComparison.Ordinal)].Split('\n').Count(l => l.Contains(": ", StringComparison.Ordinal) && l.TrimStart().Length > 0 && char.IsAsciiDigit(l.TrimStart()[0]) && l.StartsWith("    ", StringComparison.Ordinal));
        Assert.Equal(samples, rows.Count);
        Assert.Equal(samples - Count("worker:[main]") - Count("phase:[burn] worker:[alpha]") - Count("phase:[burn] worker:[beta]"),
            rows.Count(x => x[worker].Length == 0 && x[phase].Length == 0));
    }

    [Fact]
    public void Perf_pprof_labels_comm_pid_tid_become_columns_that_go_tool_pprof_raw_prints()
    {
        // perf-go-fp.pb.gz: Stackweave's perf.data → pprof, labels comm (string), pid and tid (numbers) as perf_to_profile sets them.
        var r = CliRunner.Run("convert", PprofGoldenTests.Data("perf-go-fp.pb.gz"), "--csv", "samples");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (header, rows) = CsvWriterTests.ReadBack(r.Stdout);
        var n = ProfileCsvWriter.SampleColumns.Length;
        Assert.Equal(["label:comm", "label:pid", "label:tid"], header[n..].Order(StringComparer.Ordinal));
        int Col(string h) => Array.IndexOf(header, h);
        Assert.NotEmpty(rows);
        Assert.All(rows, x => Assert.Equal("burn-go", x[Col("label:comm")]));
        var raw = File.ReadAllText(PprofGoldenTests.Data("perf-go-fp.pb.gz.raw.txt"));
        Assert.All(rows, x => Assert.Contains("pid:[" + x[Col("label:pid")] + "]", raw, StringComparison.Ordinal));
        Assert.All(rows, x => Assert.Contains("tid:[" + x[Col("label:tid")] + "]", raw, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, 3)]
    [InlineData("alloc_space", 1)]
    [InlineData("inuse_objects", 2)]
    public void Value_column_is_the_default_sample_type_or_the_one_sample_type_names(string? sampleType, int column)
    {
        // heap.pb.gz: alloc_objects, alloc_space, inuse_objects, inuse_space (default, the last).
        string[] args = ["convert", PprofGoldenTests.Data("heap.pb.gz"), "--csv", "stacks"];
        var r = CliRunner.Run(sampleType is null ? args : [.. args, "--sample-type", sampleType]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (_, rows) = CsvWriterTests.ReadBack(r.Stdout);
        var golden = PprofGoldenTests.Golden("heap.pb.gz");
        Assert.Equal(golden.ByKey.Values.Sum(v => v[column]), rows.Sum(x => long.Parse(x[5], CultureInfo.InvariantCulture)));
        Assert.Equal(golden.Folded(column), string.Concat(rows.Where(x => x[5] != "0").Select(x => x[6] + " " + x[5] + "\n").Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Stacks_table_sums_across_label_values()
    {
        var r = CliRunner.Run("convert", PprofGoldenTests.Data("cpu.pb.gz"), "--csv", "stacks");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (header, rows) = CsvWriterTests.ReadBack(r.Stdout);
        Assert.Equal(ProfileCsvWriter.StackColumns, header);
        var golden = PprofGoldenTests.Golden("cpu.pb.gz");
        Assert.Equal(golden.Folded(1).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, rows.Count);
    }

    // ---- label text with commas, quotes and line breaks round trips through CsvHelper ----

    private static readonly char[] s_special = [',', '"', '\r', '\n', ' ', ';', ':', '[', ']', 'é', '☃'];

    private static Gen<string> Text() =>
        Gen.Frequency((3, Gen.Elements(s_special)), (3, Gen.Choose('a', 'e').Select(c => (char)c)))
            .ArrayOf().Select(a => new string(a)).Select(s => s.Length > 12 ? s[..12] : s);

    /// <summary>Samples, each with 0–3 labels: a key from a small pool, then a string, or a number with an optional unit.</summary>
    public static Arbitrary<(int Key, string? Str, long Num, string Unit)[][]> Samples()
    {
        var label =
            from key in Gen.Choose(0, 3)
            from isStr in Gen.Elements(true, false)
            from str in Text()
            from num in Gen.Choose(-1000, 1_000_000).Select(n => (long)n)
            from unit in Gen.Frequency((1, Gen.Constant("")), (2, Text()))
            select (key, isStr ? str : null, num, unit);
        return label.ArrayOf().Where(a => a.Length <= 3).ArrayOf().Where(a => a.Length is > 0 and < 12).ToArbitrary();
    }

    [FsCheck.Xunit.Property(Arbitrary = [typeof(CsvLabelColumnTests)], MaxTest = 150)]
    public void Label_cells_round_trip_through_CsvHelper((int Key, string? Str, long Num, string Unit)[][] samples)
    {
        // Keys themselves hold CSV's special characters.
        string[] pool = ["worker", "a,b", "say \"hi\"", "line\r\nbreak"];
        var p = new Profile([new SampleType("samples", "count")]);
        var loc = p.InternLocation(-1, 0x1000);
        p.Locations[loc].Lines.Add(new Line(p.InternFunction("f"), 0));
        var stack = p.Stacks.FromRootFirst([loc]);
        var keys = new List<string>();
        var t = 1L;
        foreach (var s in samples)
        {
            var labels = s.Select(l => new Label(pool[l.Key], l.Str, l.Num, l.Unit.Length > 0 ? l.Unit : null)).ToArray();
            foreach (var l in labels) if (!keys.Contains(l.Key)) keys.Add(l.Key);
            p.Samples.Add(stack, -1, t++, [1], labels: labels);
        }
        var sw = new StringWriter();
        ProfileCsvWriter.Write(p, sw);
        var (header, rows) = CsvWriterTests.ReadBack(sw.ToString());
        Assert.Equal([.. ProfileCsvWriter.SampleColumns, .. keys.Select(k => "label:" + k)], header);
        Assert.Equal(samples.Length, rows.Count);
        for (var i = 0; i < samples.Length; i++)
            for (var k = 0; k < keys.Count; k++)
            {
                var texts = samples[i].Where(l => pool[l.Key] == keys[k])
                    .Select(l => l.Str ?? (l.Unit.Length > 0 ? l.Num.ToString(CultureInfo.InvariantCulture) + " " + l.Unit : l.Num.ToString(CultureInfo.InvariantCulture)));
                Assert.Equal(string.Join(' ', texts), rows[i][ProfileCsvWriter.SampleColumns.Length + k]);
            }
    }
}
