using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats;
using Stackweave.Formats.Bpftrace;
using Stackweave.Formats.Model;
using Stackweave.Merge.Clock;
using Stackweave.Tests.Integration;
using Xunit;

namespace Stackweave.Tests.Clock;

/// <summary>
/// Issue 9 point 1: bpftrace's strftime() and time() text as clock anchors, on testdata/anchors (one run of clockprobe watched by
/// perf -k CLOCK_MONOTONIC_RAW, bpftrace 0.17 text and JSON output of anchors.bt, and runtime/pprof; TZ=UTC).
/// </summary>
public class PrintedAnchorTests
{
    private static string Data(string f) => RepoPaths.TestData("anchors", f);

    /// <summary>The program's own readings (clockprobe.stdout): "start"/"end" → clock name → ns.</summary>
    private static Dictionary<string, Dictionary<string, long>> Probe()
    {
        var r = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Data("clockprobe.stdout")))
        {
            var parts = line.Split(' ');
            var d = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var kv in parts.Skip(1))
            {
                var eq = kv.IndexOf('=', StringComparison.Ordinal);
                d[kv[..eq]] = long.Parse(kv[(eq + 1)..], CultureInfo.InvariantCulture);
            }
            r[parts[0]] = d;
        }
        return r;
    }

    /// <summary>CLOCK_REALTIME − CLOCK_BOOTTIME as the program read it at start (the two realtime readings around the boottime one, averaged).</summary>
    private static long ProbeBootWallNs()
    {
        var s = Probe()["start"];
        return (s["realtime"] + s["realtime_after"]) / 2 - s["boottime"];
    }

    private static List<Profile> Read(params string[] files) => [.. files.Select(f => FormatRegistry.Read(Data(f)))];

    private static PrintedClock Summary(Profile p, PrintedClockKind kind, bool hasDate)
        => p.Clock.Printed.Single(x => x.Kind == kind && x.HasDate == hasDate);

    [Fact]
    public void Reader_summarises_every_wall_clock_line_of_the_text_and_json_outputs()
    {
        foreach (var f in new[] { "bpftrace.txt", "bpftrace.json" })
        {
            var p = Read(f)[0];
            var lines = f.EndsWith(".json", StringComparison.Ordinal)
                ? File.ReadLines(Data(f)).Where(l => l.Contains("\"printf\"", StringComparison.Ordinal)).ToList()
                : File.ReadLines(Data(f)).ToList();
            int writes = lines.Count(l => l.Contains(" write ", StringComparison.Ordinal)), ticks = lines.Count(l => l.Contains(" tick ", StringComparison.Ordinal));
            var times = f.EndsWith(".json", StringComparison.Ordinal)
                ? File.ReadLines(Data(f)).Count(l => l.Contains("\"type\": \"time\"", StringComparison.Ordinal))
                : lines.Count(l => l.Length == 8 && l[2] == ':' && l[5] == ':');
            Assert.True(writes > 200 && ticks > 5 && times > 5, $"{f}: {writes} writes, {ticks} ticks, {times} time() lines");
            Assert.Equal(writes, Summary(p, PrintedClockKind.Strftime, true).Count);
            Assert.Equal(ticks, Summary(p, PrintedClockKind.Strftime, false).Count);
            Assert.Equal(times, Summary(p, PrintedClockKind.Time, false).Count);
            Assert.Equal(times, p.Diagnostics.Get(BpftraceProfileBuilder.TimeCounter));
            Assert.Equal(writes + ticks, p.Diagnostics.Get(BpftraceProfileBuilder.StrftimeCounter));
            // %f: microseconds; time(): whole seconds
            Assert.Equal(1_000, Summary(p, PrintedClockKind.Strftime, true).ResolutionNs);
            Assert.Equal(1_000_000_000, Summary(p, PrintedClockKind.Time, false).ResolutionNs);
            // one bpftrace run has one boot-time wall clock: the readings' intervals overlap, in less than their resolution
            Assert.All(p.Clock.Printed.Where(x => x.Kind == PrintedClockKind.Strftime), x => Assert.True(x.Consistent && x.HighNs - x.LowNs < 1_000));
        }
    }

    [Fact]
    public void Wall_clock_text_is_read_as_bpftrace_prints_it()
    {
        // lines as they are in the capture
        var line = File.ReadLines(Data("bpftrace.txt")).First(l => l.Contains(" write ", StringComparison.Ordinal));
        Assert.True(WallClockText.TryFind(line, out var w));
        var text = line[w.Start..w.End];
        Assert.True(w.HasDate);
        Assert.Equal(1_000, w.ResolutionNs);
        Assert.False(w.ZoneGiven);
        var parsed = DateTime.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.Equal((parsed - DateTime.UnixEpoch).Ticks * 100, w.WallNs);
        var time = File.ReadLines(Data("bpftrace.txt")).First(l => l.Length == 8 && l[2] == ':');
        Assert.True(WallClockText.TryWhole(time + "\n", out var t));
        Assert.False(t.HasDate);
        Assert.Equal(TimeSpan.ParseExact(time, @"hh\:mm\:ss", CultureInfo.InvariantCulture).Ticks * 100, t.WallNs);
        // a zone (strftime %z, or Z) is applied; numbers that only look like times are not times
        Assert.True(WallClockText.TryFind("1 2026-11-25T23:12:01.5+0100 x", out var z));
        Assert.True(z.ZoneGiven);
        Assert.Equal((new DateTime(2026, 11, 25, 22, 12, 1, 500, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100, z.WallNs);
        Assert.Equal(100_000_000, z.ResolutionNs);
        Assert.True(WallClockText.TryWhole("22:12:01Z", out var zz) && zz.ZoneGiven && !zz.HasDate);
        Assert.False(WallClockText.TryFind("kworker/0:1 12:34", out _));
        Assert.False(WallClockText.TryFind("1:22:33:44", out _));
        Assert.False(WallClockText.TryFind("25:00:00", out _));
    }

    [Fact]
    public void Dated_strftime_text_places_bpftrace_as_its_own_reference_inside_the_programs_window()
    {
        var probe = Probe();
        foreach (var f in new[] { "bpftrace.txt", "bpftrace.json" })
        {
            var profiles = Read(f);
            var notes = ClockAligner.Align(profiles, new ClockOptions());
            Assert.DoesNotContain(notes, n => n.Warning);
            var c = profiles[0].Clock;
            Assert.Equal(ClockDerivation.CaptureReference, c.Derivation);
            Assert.Contains("strftime()", c.AlignedBy, StringComparison.Ordinal);
            Assert.Contains("read as UTC", c.AlignedBy, StringComparison.Ordinal);
            Assert.True(c.ResidualNs < 1_000, $"residual {c.ResidualNs}");
            // bpftrace's boot-time wall clock equals the program's CLOCK_REALTIME − CLOCK_BOOTTIME (read moments apart) within 100 µs
            Assert.InRange(c.OffsetToUtcNs!.Value - ProbeBootWallNs(), -100_000, 100_000);
            // every write() bpftrace saw lies inside the program's printed start/end (±2 ms)
            var writes = profiles[0].Marks.Where(m => m.Text.Contains(" write ", StringComparison.Ordinal)).ToList();
            Assert.True(writes.Count > 200);
            Assert.All(writes, m => Assert.InRange(c.ToUtc(m.Time)!.Value, probe["start"]["realtime"] - 2_000_000, probe["end"]["realtime_after"] + 2_000_000));
            // and each line's own text is its UTC time truncated to the microsecond
            Assert.All(writes, m =>
            {
                Assert.True(WallClockText.TryFind(m.Text.AsSpan(m.Text.IndexOf(' ', StringComparison.Ordinal)), out var w));
                Assert.Equal(w.WallNs / 1_000, c.ToUtc(m.Time)!.Value / 1_000);
            });
        }
    }

    [Fact]
    public void Strftime_anchor_agrees_with_the_estimate_from_perfs_clock_data_within_100_us()
    {
        var anchored = Read("perf.data", "bpftrace.txt");
        ClockAligner.Align(anchored, new ClockOptions());
        var estimated = Read("perf.data", "bpftrace.txt");
        ClockAligner.Align(estimated, new ClockOptions { IgnoreClockData = [Data("bpftrace.txt")] });
        Assert.Equal(ClockDerivation.CaptureReference, anchored[1].Clock.Derivation);
        Assert.Equal(ClockDerivation.Estimated, estimated[1].Clock.Derivation);
        Assert.Equal(ClockDerivation.CaptureReference, estimated[0].Clock.Derivation);
        var diff = anchored[1].Clock.OffsetToUtcNs!.Value - estimated[1].Clock.ToUtc(0)!.Value;
        Assert.InRange(diff, -100_000, 100_000);
    }

    [Fact]
    public void Dateless_strftime_text_takes_the_day_from_another_placed_input_and_keeps_its_microseconds()
    {
        var exact = Read("bpftrace.txt");
        ClockAligner.Align(exact, new ClockOptions());
        var profiles = Read("bpftrace.txt", "cpu.pb.gz");
        var notes = ClockAligner.Align(profiles, new ClockOptions { IgnoreClockData = [Data("bpftrace.txt")] });
        Assert.DoesNotContain(notes, n => n.Warning);
        var c = profiles[0].Clock;
        Assert.Equal(ClockDerivation.PrintedTime, c.Derivation);
        Assert.Contains("no date", c.AlignedBy, StringComparison.Ordinal);
        Assert.Contains("the day from placed input", c.AlignedBy, StringComparison.Ordinal);
        Assert.True(c.ResidualNs < 1_000);
        Assert.InRange(c.OffsetToUtcNs!.Value - exact[0].Clock.OffsetToUtcNs!.Value, -1_000, 1_000);
    }

    [Fact]
    public void Time_lines_alone_place_bpftrace_to_one_second_with_the_day_from_another_input()
    {
        var exact = Read("bpftrace.txt");
        ClockAligner.Align(exact, new ClockOptions());
        foreach (var f in new[] { "bpftrace.txt", "bpftrace.json" })
        {
            var profiles = Read(f, "cpu.pb.gz");
            profiles[0].Clock.Printed.RemoveAll(x => x.Kind == PrintedClockKind.Strftime);
            var notes = ClockAligner.Align(profiles, new ClockOptions());
            Assert.DoesNotContain(notes, n => n.Warning);
            var c = profiles[0].Clock;
            Assert.Equal(ClockDerivation.PrintedTime, c.Derivation);
            Assert.Contains("time() lines", c.AlignedBy, StringComparison.Ordinal);
            Assert.Equal(1_000_000_000, c.ResidualNs);
            Assert.InRange(c.OffsetToUtcNs!.Value - exact[0].Clock.OffsetToUtcNs!.Value, -1_000_000_000, 1_000_000_000);
        }
    }

    [Fact]
    public void Without_a_date_and_without_another_input_the_source_stays_on_its_axis_with_a_warning_naming_the_missing_date()
    {
        var profiles = Read("bpftrace.txt");
        var notes = ClockAligner.Align(profiles, new ClockOptions { IgnoreClockData = [Data("bpftrace.txt")] });
        Assert.False(profiles[0].Clock.IsAligned);
        var warning = Assert.Single(notes, n => n.Warning);
        Assert.Contains("prints no date", warning.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_whose_number_is_not_the_converted_one_makes_the_text_refused()
    {
        // the real capture with one line's nsecs column moved by 5 ms: no longer one mapping
        var lines = File.ReadAllLines(Data("bpftrace.txt"));
        var k = Array.FindIndex(lines, l => l.Contains(" write ", StringComparison.Ordinal));
        var sp = lines[k].IndexOf(' ', StringComparison.Ordinal);
        lines[k] = (long.Parse(lines[k][..sp], CultureInfo.InvariantCulture) + 5_000_000).ToString(CultureInfo.InvariantCulture) + lines[k][sp..];
        var file = Path.Combine(Path.GetTempPath(), "stackweave-moved-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".txt");
        File.WriteAllText(file, string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        Profile p;
        try { p = FormatRegistry.Read(file); }
        finally { File.Delete(file); }
        var notes = ClockAligner.Align([p], new ClockOptions());
        Assert.NotEqual(ClockDerivation.CaptureReference, p.Clock.Derivation);
        Assert.Contains(notes, n => n.Warning && n.Text.Contains("disagree by", StringComparison.Ordinal));
    }

    [Fact]
    public void Info_shows_the_anchor_route_and_residual()
    {
        var r = CliRunner.Run("info", Data("bpftrace.txt"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("# derived by: bpftrace strftime() text beside nsecs on ", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("[CaptureReference]", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("# residual: ", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("half the offset interval", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("# wall-clock text: ", r.Stdout, StringComparison.Ordinal);
        var weak = CliRunner.Run("info", Data("bpftrace.txt"), Data("cpu.pb.gz"), "--ignore-clock-data", Data("bpftrace.txt"));
        Assert.True(weak.ExitCode == 0, weak.Stderr);
        Assert.Contains("the day from placed input", weak.Stdout, StringComparison.Ordinal);
        Assert.Contains("[PrintedTime]", weak.Stdout, StringComparison.Ordinal);
        var json = CliRunner.Run("info", Data("bpftrace.txt"), "--json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        Assert.Contains("\"wallClockText\"", json.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"residualBasis\"", json.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Readings made the way bpftrace 0.17 makes them (boot-time wall clock B + nsecs, truncated to microseconds, printed with or
    /// without the date) give an interval that holds B and is narrower than a microsecond once the readings span one.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Readings_of_any_boot_wall_clock_hold_it(ulong seed, bool dated)
    {
        var rng = new Random((int)(seed % int.MaxValue));
        var b = 1_600_000_000_000_000_000L + rng.NextInt64(0, 200_000_000_000_000_000L); // boot wall clock: 2020 … 2026
        var t = rng.NextInt64(1_000_000_000, 10_000_000_000_000_000);                    // nsecs: 1 s … 115 days of uptime
        var pc = new PrintedClock { Kind = PrintedClockKind.Strftime, HasDate = dated };
        for (var i = 0; i < 50; i++)
        {
            t += rng.NextInt64(1, 5_000_000);
            var text = Text(b + t, dated);
            Assert.True(WallClockText.TryWhole(text, out var w), text);
            pc.Add(t, w.WallNs, w.ResolutionNs, w.ZoneGiven, text);
        }
        var off = pc.OffsetNs;
        if (!dated) off += (long)Math.Round((b - off) / (double)PrintedClock.DayNs) * PrintedClock.DayNs;
        var holds = dated ? pc.LowNs <= b && b <= pc.HighNs : Math.Abs(off - b) <= pc.HalfWidthNs + 1;
        return (pc.Consistent && holds && pc.HighNs - pc.LowNs <= 1_000).ToProperty();
    }

    private static string Text(long unixNs, bool dated)
    {
        var dt = DateTime.UnixEpoch.AddTicks(unixNs / 100);
        var us = unixNs % 1_000_000_000 / 1_000;
        return dt.ToString(dated ? "yyyy-MM-dd'T'HH:mm:ss" : "HH:mm:ss", CultureInfo.InvariantCulture) + "." + us.ToString("D6", CultureInfo.InvariantCulture);
    }
}
