using System.Globalization;
using System.Text.Json;
using Stackweave.Merge.Clock;
using Stackweave.Tests.Integration;
using Xunit;

namespace Stackweave.Tests.Clock;

/// <summary>Issue 9 points 2–4 through the CLI, on testdata/clock (perf.data + bpftrace.txt + cpu.pb.gz of one run).</summary>
public class ClockCliTests
{
    private static string Data(string f) => RepoPaths.TestData("clock", f);
    private static readonly string s_perf = Data("perf.data"), s_bt = Data("bpftrace.txt"), s_pprof = Data("cpu.pb.gz");
    private const string Line = "--bpftrace-line=" + ClockCaptureTests.LinePattern;

    private static (string[] Header, List<string[]> Rows) Table(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        return Csv.CsvWriterTests.ReadBack(r.Stdout);
    }

    [Fact]
    public void Csv_samples_of_all_sources_sorted_by_utc_with_a_source_column()
    {
        var (h, rows) = Table(CliRunner.Run("convert", s_perf, s_bt, s_pprof, Line, "--format", "csv"));
        int src = Array.IndexOf(h, "source"), utc = Array.IndexOf(h, "time_utc_ns"), tns = Array.IndexOf(h, "time_ns");
        Assert.Equal(0, src);
        var sources = rows.Select(r => r[src]).Distinct().ToList();
        Assert.Equal(new[] { s_perf, s_bt, s_pprof }.Order(StringComparer.Ordinal), sources.Order(StringComparer.Ordinal));
        var timed = rows.Where(r => r[utc].Length > 0).Select(r => long.Parse(r[utc], CultureInfo.InvariantCulture)).ToList();
        Assert.True(timed.Count > 800);
        for (var i = 1; i < timed.Count; i++) Assert.True(timed[i - 1] <= timed[i], $"row {i} out of UTC order");
        // the untimed pprof rows come last
        Assert.All(rows.Where(r => r[src] == s_pprof), r => Assert.Equal("", r[tns]));
        // time_ns stays each source's own clock: bpftrace's BOOTTIME column is its nsecs
        var firstBt = rows.First(r => r[src] == s_bt);
        Assert.StartsWith(firstBt[tns] + " ", firstBt[^2], StringComparison.Ordinal);
        // every timed row of the program lies inside its printed start/end (±2 ms)
        var (start, end, _) = ClockCaptureTests.Readings();
        Assert.All(timed, t => Assert.InRange(t, start["realtime"] - 2_000_000, end["realtime_after"] + 2_000_000));
    }

    [Fact]
    public void A_source_that_cannot_be_placed_keeps_time_ns_and_leaves_time_utc_ns_empty_with_a_warning()
    {
        var r = CliRunner.Run("convert", s_perf, s_bt, "--ignore-clock-data", "perf.data", "--format", "csv");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("warning: " + s_perf + ": cannot place its CLOCK_MONOTONIC_RAW clock on UTC", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("warning: " + s_bt + ": cannot place its CLOCK_BOOTTIME clock on UTC", r.Stderr, StringComparison.Ordinal);
        var (h, rows) = Table(r);
        int utc = Array.IndexOf(h, "time_utc_ns"), tns = Array.IndexOf(h, "time_ns");
        Assert.True(rows.Count > 800);
        Assert.All(rows, row => { Assert.Equal("", row[utc]); Assert.NotEqual("", row[tns]); });
        // perf's own clock values, not shifted
        var perfTimes = rows.Where(x => x[0] == s_perf).Select(x => long.Parse(x[tns], CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(perfTimes.Min(), 17_000_000_000_000, 18_000_000_000_000);
    }

    [Fact]
    public void Speedscope_has_a_profile_per_source_and_thread_on_one_axis()
    {
        var r = CliRunner.Run("convert", s_perf, s_bt, s_pprof, Line, "--format", "speedscope");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var names = doc.RootElement.GetProperty("profiles").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
        Assert.Contains(names, n => n.StartsWith("perf.data: clockprobe ", StringComparison.Ordinal) && n.EndsWith("cpu-clock", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("perf.data: clockprobe ", StringComparison.Ordinal) && n.EndsWith("syscalls:sys_enter_write", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("bpftrace.txt: clockprobe ", StringComparison.Ordinal) && n.EndsWith(" events", StringComparison.Ordinal));
        Assert.Contains(names, n => n.Contains("samples without time", StringComparison.Ordinal));
        // one time base: the bpftrace write events and perf's write samples of the same calls sit within 100 µs of each other
        double FirstAt(string prefix, string suffix)
        {
            var p = doc.RootElement.GetProperty("profiles").EnumerateArray()
                .First(x => x.GetProperty("name").GetString()!.StartsWith(prefix, StringComparison.Ordinal) && x.GetProperty("name").GetString()!.EndsWith(suffix, StringComparison.Ordinal));
            return p.GetProperty("events")[0].GetProperty("at").GetDouble();
        }
        var perfFirst = FirstAt("perf.data: clockprobe ", "/" + ClockCaptureTests.Readings().Pid + " syscalls:sys_enter_write");
        var btFirst = FirstAt("bpftrace.txt: clockprobe ", " events");
        Assert.InRange(Math.Abs(perfFirst - btFirst), 0, 100_000);
    }

    [Fact]
    public void Start_and_end_slice_every_source_and_note_the_pprof_window_overlap()
    {
        var r = CliRunner.Run("convert", s_perf, s_bt, s_pprof, Line, "--format", "csv", "--start", "+0.5s", "--end", "+1s");
        var (h, rows) = Table(r);
        var utc = Array.IndexOf(h, "time_utc_ns");
        var all = CliRunner.Run("convert", s_perf, s_bt, s_pprof, Line, "--format", "csv");
        var origin = Table(all).Rows.Where(x => x[utc].Length > 0).Min(x => long.Parse(x[utc], CultureInfo.InvariantCulture));
        var timed = rows.Where(x => x[utc].Length > 0).Select(x => long.Parse(x[utc], CultureInfo.InvariantCulture)).ToList();
        Assert.True(timed.Count > 100);
        Assert.All(timed, t => Assert.InRange(t, origin + 500_000_000, origin + 1_000_000_000 - 1));
        Assert.Contains(rows, x => x[0] == s_bt);
        Assert.Contains(rows, x => x[0] == s_pprof);
        Assert.Contains(s_pprof + ": its window ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("overlaps the slice by 0.5 s of 1.", r.Stderr, StringComparison.Ordinal);

        // a slice after the pprof window leaves its samples out
        var later = CliRunner.Run("convert", s_pprof, "--format", "csv", "--start", "2100-01-01T00:00:00Z");
        Assert.Empty(Table(later).Rows);
        Assert.Contains("lies outside the slice", later.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Folded_group_by_source_puts_each_input_under_its_own_root_frame()
    {
        var r = CliRunner.Run("convert", s_perf, s_pprof, "--group-by", "source");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.True(l.StartsWith("[perf.data];clockprobe;", StringComparison.Ordinal) || l.StartsWith("[cpu.pb.gz];", StringComparison.Ordinal), l));
        // the perf lines are the perf-only lines with the frame added; the pprof lines sum to the profile's default type (cpu ns)
        var perfOnly = CliRunner.Run("convert", s_perf).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(perfOnly.Select(l => "[perf.data];" + l).Order(StringComparer.Ordinal), lines.Where(l => l.StartsWith("[perf.data]", StringComparison.Ordinal)));
        var pprofTotal = lines.Where(l => l.StartsWith("[cpu.pb.gz]", StringComparison.Ordinal)).Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        // go tool pprof -raw: the sample lines between "samples/count cpu/nanoseconds" and "Locations"
        var raw = File.ReadAllLines(Data("cpu.pb.gz.raw.txt"));
        var from = Array.IndexOf(raw, "samples/count cpu/nanoseconds") + 1;
        var to = Array.IndexOf(raw, "Locations");
        var rawTotal = raw[from..to].Sum(l => long.Parse(l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].TrimEnd(':'), CultureInfo.InvariantCulture));
        Assert.Equal(rawTotal, pprofTotal);
    }

    [Fact]
    public void Keep_going_skips_an_unreadable_input_names_it_and_exits_3()
    {
        var missing = Data("no-such-capture.data");
        var stop = CliRunner.Run("convert", s_pprof, missing);
        Assert.Equal(2, stop.ExitCode);
        var r = CliRunner.Run("convert", s_pprof, missing, "--keep-going");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("skipped " + missing, r.Stderr, StringComparison.Ordinal);
        Assert.Equal(CliRunner.Run("convert", s_pprof).Stdout, r.Stdout);
    }

    [Fact]
    public void Info_shows_each_sources_clock_mapping_derivation_and_residual()
    {
        var r = CliRunner.Run("info", s_perf, s_bt, s_pprof, Line);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var o = r.Stdout;
        Assert.Contains("# format: bpftrace", o, StringComparison.Ordinal);
        Assert.Contains("# format: pprof", o, StringComparison.Ordinal);
        Assert.Contains("# source clock: CLOCK_MONOTONIC_RAW", o, StringComparison.Ordinal);
        Assert.Contains("# derived by: CLOCK_DATA", o, StringComparison.Ordinal);
        Assert.Contains("# source clock: CLOCK_BOOTTIME", o, StringComparison.Ordinal);
        Assert.Contains("# derived by: estimated from ", o, StringComparison.Ordinal);
        Assert.Contains("# residual: ", o, StringComparison.Ordinal);
        Assert.Contains("# derived by: pprof time_nanos", o, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(CliRunner.Run("info", s_perf, s_bt, s_pprof, Line, "--json").Stdout);
        var items = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        var bt = items[1].GetProperty("alignment");
        Assert.Equal("Estimated", bt.GetProperty("derivation").GetString());
        Assert.True(bt.GetProperty("residualNs").GetDouble() < 100_000);
        // the program's own readings say MONOTONIC_RAW − BOOTTIME; the estimate agrees within 100 µs
        var perfOff = items[0].GetProperty("alignment").GetProperty("offsetToUtcNs").GetInt64();
        var (start, _, _) = ClockCaptureTests.Readings();
        Assert.InRange(bt.GetProperty("offsetToUtcNs").GetInt64() - perfOff - (start["monotonic_raw"] - start["boottime"]), -100_000, 100_000);
    }

    [Fact]
    public void Anchor_and_clock_offset_place_a_source_as_told()
    {
        var (start, _, _) = ClockCaptureTests.Readings();
        // the program's start line pairs its BOOTTIME and REALTIME readings: an anchor for bpftrace alone
        var anchor = FormattableString.Invariant($"bpftrace.txt={start["boottime"]}@{TimeText.FormatUtc(start["realtime"])}");
        using var a = JsonDocument.Parse(CliRunner.Run("info", s_bt, "--anchor", anchor, "--json").Stdout);
        var al = a.RootElement[0].GetProperty("alignment");
        Assert.Equal("Anchor", al.GetProperty("derivation").GetString());
        Assert.Equal(start["realtime"] - start["boottime"], al.GetProperty("offsetToUtcNs").GetInt64());

        using var b = JsonDocument.Parse(CliRunner.Run("info", s_pprof, "--clock-offset", "cpu.pb.gz=-250ms", "--json").Stdout);
        Assert.Equal(-250_000_000, b.RootElement[0].GetProperty("alignment").GetProperty("offsetToUtcNs").GetInt64());

        var bad = CliRunner.Run("info", s_pprof, "--clock-offset", "nope.pb.gz=1s");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("no input by that name", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Thread_and_frame_filters_apply_to_every_output()
    {
        var pid = ClockCaptureTests.Readings().Pid.ToString(CultureInfo.InvariantCulture);
        var (h, rows) = Table(CliRunner.Run("convert", s_perf, s_bt, Line, "--format", "csv", "--only-tid", pid));
        var tid = Array.IndexOf(h, "tid");
        Assert.True(rows.Count > 300);
        Assert.All(rows, r => Assert.Equal(pid, r[tid]));

        var kernel = CliRunner.Run("convert", s_perf, "--kernel-only", "--kernel", "--event", "cpu-clock");
        Assert.True(kernel.ExitCode == 0, kernel.Stderr);
        var kl = kernel.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(kl);
        // after the process name, every frame is a kernel frame (_[k])
        Assert.All(kl, l => Assert.All(l[..l.LastIndexOf(' ')].Split(';').Skip(1), f => Assert.EndsWith("_[k]", f, StringComparison.Ordinal)));

        // no kernel frame is left with --user-only ([vdso] is user space, though stackcollapse's --kernel marks every [dso])
        var user = CliRunner.Run("convert", s_perf, "--user-only").Stdout;
        Assert.NotEmpty(user);
        foreach (var k in kl.SelectMany(l => l[..l.LastIndexOf(' ')].Split(';').Skip(1)).Distinct())
            Assert.DoesNotContain(";" + k[..^"_[k]".Length] + ";", user.Replace(" ", ";", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("entry_SYSCALL_64", CliRunner.Run("convert", s_perf).Stdout, StringComparison.Ordinal);

        var focus = CliRunner.Run("convert", s_perf, "--focus", "^do_syscall_64$").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(focus);
        Assert.All(focus, l => Assert.Contains(";do_syscall_64;", l, StringComparison.Ordinal));
        var ignore = CliRunner.Run("convert", s_perf, "--ignore", "^do_syscall_64$").Stdout;
        Assert.DoesNotContain("do_syscall_64", ignore, StringComparison.Ordinal);
        Assert.NotEmpty(ignore);
    }

    [Fact]
    public void Symbol_options_can_name_one_input()
    {
        var goFp = RepoPaths.TestData("go-fp", "perf.data");
        var global = CliRunner.Run("convert", goFp, "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms);
        Assert.True(global.ExitCode == 0, global.Stderr);
        Assert.Contains("main.fib", global.Stdout, StringComparison.Ordinal);
        // FILE=DIR for the input (as written, or by its unique file name) is the same as the global option for it
        var byPath = CliRunner.Run("convert", goFp, "--symfs", goFp + "=" + CliRunner.Symfs, "--kallsyms", "perf.data=" + CliRunner.Kallsyms);
        Assert.Equal(global.Stdout, byPath.Stdout);
        // with two inputs, each gets its own kallsyms and symfs
        var two = CliRunner.Run("convert", goFp, s_pprof, "--symfs", goFp + "=" + CliRunner.Symfs, "--kallsyms", "perf.data=" + CliRunner.Kallsyms,
            "--symfs", "cpu.pb.gz=/nonexistent", "--group-by", "source");
        Assert.True(two.ExitCode == 0, two.Stderr);
        var perfLines = two.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("[perf.data];", StringComparison.Ordinal))
            .Select(l => l["[perf.data];".Length..]);
        Assert.Equal(global.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), perfLines);
    }
}
