using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.Model;
using Stackweave.Formats.Speedscope;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Speedscope;

/// <summary>Timeline marks (bpftrace printf lines) in speedscope output: one evented profile of 1 ns frames per thread.</summary>
public class SpeedscopeMarksTests
{
    private static List<(string Type, string Frame, long At)> Events(JsonElement profile, List<string> frameNames)
        => profile.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("type").GetString()!, frameNames[e.GetProperty("frame").GetInt32()], e.GetProperty("at").GetInt64())).ToList();

    private static (JsonDocument Doc, SpeedscopeResult Result) Write(Profile p, bool sampled)
    {
        var ms = new MemoryStream();
        var result = SpeedscopeWriter.Write(p, ms, new SpeedscopeOptions { Sampled = sampled });
        return (JsonDocument.Parse(ms.ToArray()), result);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Marks_become_one_evented_profile_per_thread_on_the_samples_time_base(bool sampled)
    {
        var (doc, result) = Write(SpeedscopeCases.MarksProfile(), sampled);
        using var _ = doc;
        var root = doc.RootElement;
        var frames = root.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToList();
        var profiles = root.GetProperty("profiles").EnumerateArray().ToList();
        Assert.Equal(["one 10/10", "marks.data events", "one 10/10 events", "two 20/21 events"], profiles.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(sampled ? "sampled" : "evented", profiles[0].GetProperty("type").GetString());
        Assert.All(profiles.Skip(1), p => Assert.Equal("evented", p.GetProperty("type").GetString()));
        Assert.All(profiles.Skip(1), p => Assert.Equal("nanoseconds", p.GetProperty("unit").GetString()));
        // Time 0 is the earliest of the samples' periods (5000 - 1000) and the marks (3500): 3500.
        Assert.Contains("time 0 = 3500 ns", root.GetProperty("name").GetString()!, StringComparison.Ordinal);
        Assert.Equal(0, root.GetProperty("activeProfileIndex").GetInt32());
        if (!sampled)
        {
            // The samples' timeline moves by the same base: "a" ran from 4000 to 6000.
            Assert.Equal([("O", "a", 500L), ("C", "a", 2500L)], Events(profiles[0], frames));
            Assert.Equal(3500, profiles[0].GetProperty("endValue").GetInt64());
        }
        Assert.Equal([("O", "tick", 1500L), ("C", "tick", 1501L)], Events(profiles[1], frames));
        // In time order; "read" has the time of "write" and follows it (source order), starting where it ends.
        Assert.Equal([("O", "open", 0L), ("C", "open", 1L), ("O", "write", 1000L), ("C", "write", 1001L), ("O", "read", 1001L), ("C", "read", 1002L)],
            Events(profiles[2], frames));
        Assert.Equal(3500, profiles[2].GetProperty("endValue").GetInt64());
        // The last mark (7000) ends 1 ns after the end of the samples; the profile's end covers it.
        Assert.Equal([("O", "a", 3500L), ("C", "a", 3501L)], Events(profiles[3], frames));
        Assert.Equal(3501, profiles[3].GetProperty("endValue").GetInt64());
        // The mark "a" is its own frame, not the function "a"; the mark without a time is left out and counted.
        Assert.NotEqual(profiles[0].GetProperty(sampled ? "samples" : "events")[0].ToString(), profiles[3].GetProperty("events")[0].GetProperty("frame").ToString());
        Assert.Equal(2, frames.Count(f => f == "a"));
        Assert.DoesNotContain("lost", frames);
        Assert.Equal(5, result.MarksWritten);
        Assert.Equal(1, result.MarksNotShown);
        Assert.Equal(4, result.Profiles);
        Assert.Equal(frames.Count, result.Frames);
        Assert.Empty(SpeedscopeWriterTests.ImporterRules(root));
    }

    [Fact]
    public void Marks_only_profile_shows_the_thread_with_most_marks_first()
    {
        var p = new Profile([new SampleType("samples", "count")]);
        var t1 = p.InternThread(1, 1, "x");
        var t2 = p.InternThread(2, 2, "y");
        p.Marks.Add(new Mark(100, t1, "m", null, "m"));
        p.Marks.Add(new Mark(300, t2, "m", null, "m"));
        p.Marks.Add(new Mark(200, t2, "n", null, "n"));
        var (doc, result) = Write(p, sampled: false);
        using var _ = doc;
        var root = doc.RootElement;
        Assert.Equal(["x 1/1 events", "y 2/2 events"], root.GetProperty("profiles").EnumerateArray().Select(x => x.GetProperty("name").GetString()));
        Assert.Equal(1, root.GetProperty("activeProfileIndex").GetInt32());
        Assert.Equal(["m", "n"], root.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.Equal("profile (time 0 = 100 ns on the source clock)", root.GetProperty("name").GetString());
        Assert.Equal(3, result.MarksWritten);
        Assert.Empty(SpeedscopeWriterTests.ImporterRules(root));
    }

    /// <summary>The timestamped lines of a bpftrace printf capture: (nsecs, first non-number word), read from the file itself.</summary>
    private static List<(long Time, string Name)> PrintfLines(string file)
    {
        var path = RepoPaths.TestData("bpftrace", file);
        var lines = new List<string>();
        foreach (var l in File.ReadLines(path))
        {
            if (!file.EndsWith(".json", StringComparison.Ordinal)) { lines.Add(l); continue; }
            if (l.Length == 0) continue;
            using var d = JsonDocument.Parse(l);
            if (d.RootElement.GetProperty("type").GetString() == "printf") lines.Add(d.RootElement.GetProperty("data").GetString()!.TrimEnd('\n'));
        }
        var marks = new List<(long, string)>();
        foreach (var l in lines)
        {
            var words = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !long.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var t)) continue;
            marks.Add((t, words.Skip(1).First(w => !long.TryParse(w, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))));
        }
        return marks;
    }

    [Theory]
    [InlineData("printf.txt", false)]
    [InlineData("printf.json", false)]
    [InlineData("printf.txt", true)]
    public void Bpftrace_printf_capture_becomes_a_timeline_of_its_lines(string file, bool sampled)
    {
        var r = CliRunner.Run(["convert", RepoPaths.TestData("bpftrace", file), "--format", "speedscope", .. sampled ? new[] { "--sampled" } : []]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("speedscope", r.Stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        var lines = PrintfLines(file);
        Assert.True(lines.Count > 20, lines.Count.ToString(CultureInfo.InvariantCulture));
        var t0 = lines.Min(l => l.Time);
        Assert.StartsWith(FormattableString.Invariant($"{file} (time 0 = {t0} ns on the CLOCK_BOOTTIME clock)"), root.GetProperty("name").GetString(), StringComparison.Ordinal);
        var profile = Assert.Single(root.GetProperty("profiles").EnumerateArray());
        Assert.Equal(file + " events", profile.GetProperty("name").GetString());
        Assert.Equal("evented", profile.GetProperty("type").GetString());
        var frames = root.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToList();
        var want = new List<(string, string, long)>();
        long prevEnd = long.MinValue;
        foreach (var (t, name) in lines.Select((l, k) => (l, k)).OrderBy(x => x.l.Time).ThenBy(x => x.k).Select(x => x.l))
        {
            var at = Math.Max(t - t0, prevEnd);
            want.Add(("O", name, at));
            want.Add(("C", name, at + 1));
            prevEnd = at + 1;
        }
        Assert.Equal(want, Events(profile, frames));
        Assert.Equal(prevEnd, profile.GetProperty("endValue").GetInt64());
        Assert.Empty(SpeedscopeWriterTests.ImporterRules(root));
    }

    [Fact]
    public void Printf_lines_with_a_thread_go_to_that_threads_profile()
    {
        using var doc = JsonDocument.Parse(SpeedscopeCases.Json("printf-kv-timeline"));
        var root = doc.RootElement;
        var lines = File.ReadLines(RepoPaths.TestData("bpftrace", "printf-kv.txt")).Where(l => l.StartsWith("ts=", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count > 100, lines.Count.ToString(CultureInfo.InvariantCulture));
        Assert.All(lines, l => Assert.Contains(" pid=17994 tid=17994 comm=burn-cpp op=write ", l, StringComparison.Ordinal));
        var profile = Assert.Single(root.GetProperty("profiles").EnumerateArray());
        Assert.Equal("burn-cpp 17994/17994 events", profile.GetProperty("name").GetString());
        Assert.Equal(["write"], root.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.Equal(2 * lines.Count, profile.GetProperty("events").GetArrayLength());
        Assert.Empty(SpeedscopeWriterTests.ImporterRules(root));
    }

    public static Arbitrary<(int Thread, long Time, int Name)[]> GeneratedMarks() =>
        (from thread in Gen.Choose(-2, 2)
         from time in Gen.Frequency((8, Gen.Choose(0, 50).Select(t => (long)t)), (1, Gen.Constant(SampleTable.NoTime)))
         from name in Gen.Choose(0, 3)
         select (thread, time, name)).ArrayOf().ToArbitrary();

    [FsCheck.Xunit.Property(Arbitrary = [typeof(SpeedscopeMarksTests)], MaxTest = 200)]
    public void Any_marks_give_a_file_speedscope_accepts((int Thread, long Time, int Name)[] marks, (long Time, int Thread)[] samples, bool sampled)
    {
        // Equal and missing times, out-of-range threads, marks before and after the samples, names shared with functions.
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Source.File = "gen.data";
        p.Events.Add(new EventInfo { Name = "cpu-clock", PeriodUnit = "nanoseconds" });
        var l = p.InternLocation(-1, 1);
        p.Locations[l].Lines.Add(new Line(p.InternFunction("m0"), 0));
        var threads = new[] { p.InternThread(1, 1, "a"), p.InternThread(1, 2, "b") };
        foreach (var (time, thread) in samples.Take(20))
            p.Samples.Add(p.Stacks.FromRootFirst([l]), threads[(thread & 1)], Math.Abs(time % 100), [1, 10]);
        foreach (var m in marks)
            p.Marks.Add(new Mark(m.Time, m.Thread is 0 or 1 ? threads[m.Thread] : m.Thread, "m" + m.Name.ToString(CultureInfo.InvariantCulture), null, ""));
        var (doc, result) = Write(p, sampled);
        using var _ = doc;
        var root = doc.RootElement;
        if (p.Samples.Count + marks.Count(m => m.Time != SampleTable.NoTime) > 0) Assert.Empty(SpeedscopeWriterTests.ImporterRules(root));
        Assert.Equal(marks.Length, result.MarksWritten + result.MarksNotShown);
        Assert.Equal(marks.Count(m => m.Time == SampleTable.NoTime), result.MarksNotShown);
        var markEvents = root.GetProperty("profiles").EnumerateArray()
            .Where(x => x.GetProperty("name").GetString()!.EndsWith(" events", StringComparison.Ordinal))
            .Sum(x => x.GetProperty("events").GetArrayLength());
        Assert.Equal(2 * result.MarksWritten, markEvents);
    }
}
