using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.Csv;
using Stackweave.Formats.Model;
using Stackweave.Tests.Integration;
using Stackweave.Tests.Speedscope;

namespace Stackweave.Tests.Csv;

/// <summary>The CSV writer: fixed columns, exact round trips through CsvHelper's reader, and perf's own numbers.</summary>
public partial class CsvWriterTests
{
    /// <summary>Reads CSV text back with CsvHelper (RFC 4180, comma, nothing trimmed): header, then rows.</summary>
    internal static (string[] Header, List<string[]> Rows) ReadBack(string text)
    {
        var options = new CsvReaderOptions { Separator = ',', HasHeader = true, TrimWhitespace = false, DetectSeparatorHint = false, SkipEmptyLines = false };
        using var r = CsvReader.Create(new StringReader(text), options);
        var rows = new List<string[]>();
        while (r.Read())
        {
            var row = new string[r.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = r.GetString(i);
            rows.Add(row);
        }
        return ([.. r.Headers], rows);
    }

    private static string Write(Profile p, CsvOptions o)
    {
        var sw = new StringWriter();
        ProfileCsvWriter.Write(p, sw, o);
        return sw.ToString();
    }

    private static string Cli(string dir, params string[] args)
    {
        var r = CliRunner.Run(["convert", RepoPaths.TestData(dir, "perf.data"), "--format", "csv", "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms, .. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    [Theory]
    [InlineData("samples", "source,event,time_ns,time_utc_ns,pid,tid,comm,cpu,value,leaf,stack")]
    [InlineData("stacks", "source,pid,tid,comm,event,value,stack")]
    [InlineData("functions", "function,module,file,line,self,self_pct,total,total_pct")]
    [InlineData("histograms", "source,map,key,bucket_lo,bucket_hi,count")]
    public void Header_starts_with_the_fixed_columns(string table, string columns)
    {
        var text = Cli("go-fp", "--csv", table);
        Assert.StartsWith(columns + (table == "samples" ? ",text\r\n" : "\r\n"), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_follows_the_extension_and_csv_options_are_checked()
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-csv-");
        try
        {
            var out1 = Path.Combine(dir.FullName, "x.csv");
            Assert.Equal(0, CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), "-o", out1).ExitCode);
            Assert.StartsWith("source,event,time_ns,", File.ReadAllText(out1), StringComparison.Ordinal);
            var out2 = Path.Combine(dir.FullName, "x.speedscope.json");
            Assert.Equal(0, CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), "-o", out2).ExitCode);
            Assert.StartsWith("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\"", File.ReadAllText(out2), StringComparison.Ordinal);
        }
        finally { dir.Delete(recursive: true); }
        Assert.Equal(1, CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), "--csv", "nope").ExitCode);
        Assert.Equal(1, CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), "--format", "folded", "--csv", "stacks").ExitCode);
        Assert.Equal(1, CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), "--format", "csv", "--weight", "bytes").ExitCode);
        Assert.StartsWith("source,pid,", CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), "--csv", "stacks").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Samples_rows_are_perfs_samples_in_time_order_with_perfs_wall_clock()
    {
        // perf script -F comm,pid,tid,time,tod,... on a capture with CLOCK_DATA (-k CLOCK_MONOTONIC_RAW).
        var perf = new List<(string Tid, string Tod)>();
        foreach (var line in File.ReadLines(RepoPaths.TestData("monoraw", "perf.data.script-tod.txt")))
        {
            var m = Regex.Match(line, @"^\S+\s+\d+/(\d+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\s+\d+\.\d+:");
            if (m.Success) perf.Add((m.Groups[1].Value, m.Groups[2].Value));
        }
        var (header, rows) = ReadBack(Cli("monoraw"));
        var tid = Array.IndexOf(header, "tid");
        var utc = Array.IndexOf(header, "time_utc_ns");
        var time = Array.IndexOf(header, "time_ns");
        var ours = rows.Select(r =>
        {
            var ns = long.Parse(r[utc], CultureInfo.InvariantCulture);
            // perf prints tod as local time with microseconds, truncated; this machine's local time is UTC.
            var tod = DateTime.UnixEpoch.AddTicks(ns / 100).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            return (r[tid], tod);
        }).ToList();
        Assert.Equal(perf, ours);
        var times = rows.Select(r => long.Parse(r[time], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order().ToList(), times);
    }

    [Theory]
    [InlineData("go-fp")]
    [InlineData("cpp-fp")]
    public void Functions_self_percentages_equal_perf_report(string dir)
    {
        // perf report --stdio --no-children --sort sym -g none (testdata/speedscope/DIR.report-sym.txt) prints 2 decimals.
        var perf = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(RepoPaths.TestData("speedscope", dir + ".report-sym.txt")))
        {
            var m = Regex.Match(line, @"^\s+(\d+\.\d\d)%\s+\[.\]\s+(.+?)\s*$");
            if (m.Success) perf[m.Groups[2].Value] = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        Assert.NotEmpty(perf);
        var (header, rows) = ReadBack(Cli(dir, "--csv", "functions"));
        var ours = rows.Where(r => long.Parse(r[4], CultureInfo.InvariantCulture) > 0)
            .ToDictionary(r => r[0], r => double.Parse(r[5], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        Assert.Equal(perf.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, pct) in perf) Assert.True(Math.Abs(ours[name] - pct) <= 0.005 + 1e-9, $"{name}: perf {pct}, ours {ours[name]}");
        // rows by descending self; total ≥ self; the self shares add up to 100
        var self = rows.Select(r => long.Parse(r[4], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(self.OrderDescending().ToList(), self);
        Assert.All(rows, r => Assert.True(long.Parse(r[6], CultureInfo.InvariantCulture) >= long.Parse(r[4], CultureInfo.InvariantCulture)));
        Assert.InRange(rows.Sum(r => double.Parse(r[5], CultureInfo.InvariantCulture)), 99.999, 100.001);
        Assert.Equal("function,module,file,line,self,self_pct,total,total_pct", string.Join(',', header));
    }

    [Theory]
    [InlineData("go-fp")]
    [InlineData("cpp-fp")]
    public void Stacks_rows_fold_to_stackcollapse_perfs_output(string dir)
    {
        var (_, rows) = ReadBack(Cli(dir, "--csv", "stacks"));
        var values = rows.Select(r => long.Parse(r[5], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(values.OrderDescending().ToList(), values);
        var folded = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            var key = r[3] + ";" + string.Join(';', r[6].Split(';').Select(f => Regex.Replace(f, @"^\[(.*)\+0x[0-9a-f]+\]$", "[$1]")));
            folded[key] = folded.GetValueOrDefault(key) + long.Parse(r[5], CultureInfo.InvariantCulture);
        }
        Assert.Equal(File.ReadAllText(RepoPaths.TestData(dir, "perf.data.folded")),
            string.Concat(folded.Select(kv => kv.Key + " " + kv.Value.ToString(CultureInfo.InvariantCulture) + "\n")));
    }

    [Fact]
    public void Marks_are_rows_in_time_order_and_untimed_samples_come_last()
    {
        var p = SpeedscopeCases.MixedTimeProfile();
        p.Clock.OffsetToUtcNs = 1_000_000;
        var (_, rows) = ReadBack(Write(p, new CsvOptions()));
        Assert.Equal(
        [
            "mixed.data,cpu-clock,4000,1004000,10,10,one,,1000,a,a,",
            "mixed.data,write,4200,1004200,10,10,one,,12,,,write 12 bytes",
            "mixed.data,cpu-clock,4500,1004500,10,11,two,,1000,b,a;b,",
            "mixed.data,cpu-clock,5000,1005000,10,10,one,,1000,b,a;b,",
            "mixed.data,cpu-clock,,,10,10,one,,1000,a,a,",
        ], rows.Select(r => string.Join(',', r)));
        var (_, counted) = ReadBack(Write(p, new CsvOptions { Weight = Formats.Speedscope.WeightMode.Count }));
        Assert.Equal(["1", "12", "1", "1", "1"], counted.Select(r => r[8]));
    }

    [Fact]
    public void Histograms_have_one_row_per_bucket_with_open_bounds_empty()
    {
        var p = new Profile([new SampleType("count", "count")]);
        p.Source.File = "bt.txt";
        p.Histograms.Add(new Histogram("@lat", "", [new HistogramBucket(null, 0, 1), new HistogramBucket(0, 1, 4), new HistogramBucket(1, 2, 0), new HistogramBucket(1024, null, 7)]));
        p.Histograms.Add(new Histogram("@bytes", "\"comm, with comma\"", [new HistogramBucket(8, 16, 2)]));
        var (header, rows) = ReadBack(Write(p, new CsvOptions { Table = CsvTable.Histograms }));
        Assert.Equal(ProfileCsvWriter.HistogramColumns, header);
        Assert.Equal(
        [
            ["bt.txt", "@lat", "", "", "0", "1"], ["bt.txt", "@lat", "", "0", "1", "4"], ["bt.txt", "@lat", "", "1", "2", "0"],
            ["bt.txt", "@lat", "", "1024", "", "7"], ["bt.txt", "@bytes", "\"comm, with comma\"", "8", "16", "2"],
        ], rows);
    }

    [Fact]
    public void Functions_count_a_recursive_function_once_per_sample_in_total()
    {
        var p = new Profile([new SampleType("samples", "count")]);
        var f = p.InternLocation(-1, 1); p.Locations[f].Lines.Add(new Line(p.InternFunction("fib"), 0));
        var m = p.InternLocation(-1, 2); p.Locations[m].Lines.Add(new Line(p.InternFunction("main"), 0));
        p.Samples.Add(p.Stacks.FromRootFirst([m, f, f, f]), -1, SampleTable.NoTime, [3]);
        p.Samples.Add(p.Stacks.FromRootFirst([m]), -1, SampleTable.NoTime, [1]);
        var (_, rows) = ReadBack(Write(p, new CsvOptions { Table = CsvTable.Functions }));
        Assert.Equal(
        [
            ["fib", "[unknown]", "", "", "3", "75", "3", "75"],
            ["main", "[unknown]", "", "", "1", "25", "4", "100"],
        ], rows);
    }

    // ---- round trip of arbitrary symbol text ----

    private static readonly char[] s_special = [',', '"', '\r', '\n', ' ', '\t', ';', '=', '@', '+', '-', '\'', 'é', '☃', '<', '>', '(', ')', '\0'];

    /// <summary>Valid UTF-16 text (CsvHelper writes lone surrogates as U+FFFD), biased towards the characters CSV must quote.</summary>
    private static Gen<string> Text() =>
        Gen.Frequency(
                (3, Gen.Elements(s_special)),
                (3, Gen.Choose('a', 'z').Select(c => (char)c)),
                (1, Gen.Choose(0, 0xD7FF).Select(c => (char)c)))
            .ArrayOf().Select(a => new string(a))
            .Select(s => s.Length > 40 ? s[..40] : s);

    public static Arbitrary<(string Source, string Comm, string Event, string[] Frames, long Value)[]> Rows() =>
        (from source in Text()
         from comm in Text()
         from evt in Text()
         from frames in Text().ArrayOf().Where(f => f.Length is > 0 and < 6)
         from value in Gen.Choose(0, 1_000_000).Select(v => (long)v)
         select (source, comm, evt, frames, value)).ArrayOf().Where(a => a.Length is > 0 and < 20).ToArbitrary();

    [FsCheck.Xunit.Property(Arbitrary = [typeof(CsvWriterTests)], MaxTest = 150)]
    public void Written_rows_read_back_equal_the_models_values((string Source, string Comm, string Event, string[] Frames, long Value)[] rows)
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Source.File = rows[0].Source;
        var expected = new List<string[]>();
        var t = 100L;
        foreach (var r in rows)
        {
            var evt = p.Events.FindIndex(e => e.Name == r.Event);
            if (evt < 0) { evt = p.Events.Count; p.Events.Add(new EventInfo { Name = r.Event }); }
            var locs = r.Frames.Select((f, k) =>
            {
                // a location per (frame text, position), so equal names at different depths stay distinct frames
                var l = p.InternLocation(-1, (ulong)(f.GetHashCode() & 0x7fffffff) << 8 | (uint)k);
                if (p.Locations[l].Lines.Count == 0) p.Locations[l].Lines.Add(new Line(p.InternFunction(f), 0));
                return l;
            }).ToArray();
            var names = locs.Select(l => p.FunctionName(p.Locations[l].Lines[0].FunctionId)).ToArray();
            var thread = p.InternThread(7, 8, r.Comm);
            p.Samples.Add(p.Stacks.FromRootFirst(locs), thread, t, [1, r.Value], evt, cpu: 3);
            expected.Add([p.Source.File, r.Event, t.ToString(CultureInfo.InvariantCulture), "", "7", "8", r.Comm, "3",
                r.Value.ToString(CultureInfo.InvariantCulture), names[^1], string.Join(';', names), ""]);
            t += 10;
        }
        var (header, got) = ReadBack(Write(p, new CsvOptions()));
        Assert.Equal(ProfileCsvWriter.SampleColumns, header);
        Assert.Equal(expected, got);

        // stacks and functions: every value and every name comes back too
        var (_, stacks) = ReadBack(Write(p, new CsvOptions { Table = CsvTable.Stacks }));
        Assert.Equal(rows.Sum(r => r.Value), stacks.Sum(r => long.Parse(r[5], CultureInfo.InvariantCulture)));
        Assert.Equal(expected.Select(e => e[10]).ToHashSet(), stacks.Select(s => s[6]).ToHashSet());
        var (_, functions) = ReadBack(Write(p, new CsvOptions { Table = CsvTable.Functions, AllEvents = true }));
        Assert.Subset(functions.Select(f => f[0]).ToHashSet(StringComparer.Ordinal), expected.Select(e => e[9]).ToHashSet(StringComparer.Ordinal));
        Assert.Equal(rows.Sum(r => r.Value), functions.Sum(f => long.Parse(f[4], CultureInfo.InvariantCulture)));
    }
}
