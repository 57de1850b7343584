using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Stackweave.Formats.PerfData.Tracing;

namespace Stackweave.Tests.Tracing;

/// <summary>Rendering of every tracepoint sample of real captures against perf script's own output.</summary>
public partial class TracingGoldenTests
{
    internal static string OwnData(string name) => Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Tracing", "Data", name);

    // "<comm> <pid> [cpu] <secs>.<usecs>: <system:event>: <text>" — perf script's default sample line.
    [GeneratedRegex(@"^.*? (\d+\.\d{6}):\s+(\w+:\w+): (.*)$")]
    private static partial Regex LineRegex();

    private static Dictionary<string, List<string>> GoldenLines(string path)
    {
        var d = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var text = System.Text.Encoding.UTF8.GetString(PerfDataMini.ReadMaybeGz(path));
        foreach (var line in text.Split('\n'))
        {
            var m = LineRegex().Match(line);
            if (!m.Success) continue;
            string key = m.Groups[1].Value + " " + m.Groups[2].Value;
            if (!d.TryGetValue(key, out var l)) d[key] = l = [];
            l.Add(m.Groups[3].Value);
        }
        return d;
    }

    private static string TimeKey(ulong ns) =>
        (ns / 1_000_000_000).ToString(CultureInfo.InvariantCulture) + "." + (ns % 1_000_000_000 / 1000).ToString("D6", CultureInfo.InvariantCulture);

    private static (int Compared, List<string> Mismatches) Compare(string perfData, string golden, KernelSymbolResolver? symbols)
    {
        var pd = new PerfDataMini(perfData);
        var td = TracingData.Parse(pd.Tracing, perfData, pd.TracingOffset);
        var expected = GoldenLines(golden);
        var actual = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var s in pd.Samples)
        {
            var fmt = td.FindById((long)s.Config);
            Assert.NotNull(fmt);
            string key = TimeKey(s.Time) + " " + fmt!.System + ":" + fmt.Name;
            if (!actual.TryGetValue(key, out var l)) actual[key] = l = [];
            l.Add(fmt.Render(s.Raw, td.IsBigEndian, symbols));
        }
        var mismatches = new List<string>();
        int compared = 0;
        foreach (var (key, exp) in expected)
        {
            if (!actual.TryGetValue(key, out var act))
            {
                mismatches.Add("missing sample " + key);
                continue;
            }
            exp.Sort(StringComparer.Ordinal);
            act.Sort(StringComparer.Ordinal);
            for (int i = 0; i < Math.Max(exp.Count, act.Count); i++)
            {
                string e = i < exp.Count ? exp[i] : "<none>", a = i < act.Count ? act[i] : "<none>";
                if (e != a) mismatches.Add($"{key}\n  perf: {e}\n  ours: {a}");
                else compared++;
            }
        }
        foreach (var key in actual.Keys)
            if (!expected.ContainsKey(key)) mismatches.Add("extra sample " + key);
        return (compared, mismatches);
    }

    [Fact]
    public void TracepointsCaptureMatchesPerfScript()
    {
        string dir = RepoPaths.TestData("tracepoints");
        string golden = Path.Combine(dir, "perf.data.script.txt");
        var (compared, mismatches) = Compare(Path.Combine(dir, "perf.data"), golden, null);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(20)));
        // Every sample line of the golden file was compared (the capture is re-recorded by testdata/regen.sh).
        Assert.Equal(GoldenLines(golden).Values.Sum(l => l.Count), compared);
        Assert.True(compared >= 10, compared + " lines");
    }

    [Fact]
    public void MixedCaptureMatchesPerfScript()
    {
        var syms = KernelSymbols.Parse(File.ReadAllBytes(OwnData("kallsyms.excerpt")));
        var (compared, mismatches) = Compare(OwnData("mixed.perf.data"), OwnData("mixed.script.txt"), syms.Resolve);
        Assert.True(mismatches.Count == 0, mismatches.Count + " mismatches:\n" + string.Join("\n", mismatches.Take(20)));
        Assert.Equal(568, compared); // every line of mixed.script.txt
    }

    [Fact]
    public void SyntheticFormatsMatchPerfScript()
    {
        // mixed.perf.data with seven print fmts rewritten (make-synthetic.py): printf flags, widths, '*', %c,
        // %p of 0, %pS/%ps/%pF, operators and their libtraceevent grouping, casts, helpers, an unknown function.
        var syms = KernelSymbols.Parse(File.ReadAllBytes(OwnData("kallsyms.excerpt")));
        var (compared, mismatches) = Compare(OwnData("synthetic.perf.data"), OwnData("synthetic.script.txt"), syms.Resolve);
        Assert.True(mismatches.Count == 0, mismatches.Count + " mismatches:\n" + string.Join("\n", mismatches.Take(20)));
        Assert.Equal(568, compared);
    }

    [Fact]
    public void WideCaptureOf93EventTypesMatchesPerfScript()
    {
        // sched, irq, timer, workqueue, kmem, block, writeback, signal, task, rcu, net, skb, sock, tcp, filemap,
        // mmap, ext4 and openat tracepoints of a small workload (see Data/README.md).
        var syms = KernelSymbols.Parse(File.ReadAllBytes(OwnData("kallsyms.excerpt")));
        string golden = OwnData("wide.script.txt.gz");
        var (compared, mismatches) = Compare(OwnData("wide.perf.data.gz"), golden, syms.Resolve);
        Assert.True(mismatches.Count == 0, mismatches.Count + " mismatches:\n" + string.Join("\n", mismatches.Take(20)));
        Assert.Equal(27056, compared);
        Assert.Equal(93, GoldenLines(golden).Keys.Select(k => k[(k.IndexOf(' ', StringComparison.Ordinal) + 1)..]).Distinct().Count());
    }

    [Fact]
    public void SecondSyntheticSetMatchesPerfScript()
    {
        // make-synthetic.py set 2: %s of numbers and casts, flags/symbol fallbacks, %*ph, %pM/%pm/%pU/%pI4 on
        // fields of the wrong size, logical operators, octal atoms, __print_hex of a scalar, sizeof (unknown).
        var syms = KernelSymbols.Parse(File.ReadAllBytes(OwnData("kallsyms.excerpt")));
        var (compared, mismatches) = Compare(OwnData("synthetic2.perf.data"), OwnData("synthetic2.script.txt"), syms.Resolve);
        Assert.True(mismatches.Count == 0, mismatches.Count + " mismatches:\n" + string.Join("\n", mismatches.Take(20)));
        Assert.Equal(568, compared);
    }

    [Fact]
    public void IpiCaptureMatchesPerfScriptAndKeepsUnparsableFormat()
    {
        var syms = KernelSymbols.Parse(File.ReadAllBytes(OwnData("kallsyms.excerpt")));
        var (compared, mismatches) = Compare(OwnData("ipi.perf.data"), OwnData("ipi.script.txt"), syms.Resolve);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.Equal(1, compared);

        var pd = new PerfDataMini(OwnData("ipi.perf.data"));
        var td = TracingData.Parse(pd.Tracing, "ipi", pd.TracingOffset);
        var mask = td.Find("ipi", "ipi_send_cpumask")!;
        // perf script's stderr: "[ipi:ipi_send_cpumask] function __get_cpumask not defined"
        Assert.Equal("function __get_cpumask not defined", mask.ParseError);
        Assert.Equal(["cpumask", "callsite", "callback"], mask.Fields.Select(f => f.Name));
        Assert.Null(td.Find("ipi", "ipi_send_cpu")!.ParseError);
    }

    [Fact]
    public void PipeModeBlobAfterItsRecord()
    {
        // Pipe mode: a 16-byte header ("PERFILE2", size 16), then records; PERF_RECORD_HEADER_TRACING_DATA (66)
        // is {header, u32 size, u32 pad} and the blob (size bytes, padded to 8) follows outside header.size.
        string path = OwnData("pipe.perf.data");
        var b = File.ReadAllBytes(path);
        Assert.Equal(16UL, BitConverter.ToUInt64(b, 8));
        int p = 16;
        TracingData? td = null;
        while (p + 8 <= b.Length && td is null)
        {
            uint type = BitConverter.ToUInt32(b, p);
            int size = BitConverter.ToUInt16(b, p + 6);
            if (type == 66)
            {
                int payload = (int)BitConverter.ToUInt32(b, p + 8);
                Assert.Equal(0, payload % 8);
                td = TracingData.Parse(b.AsSpan(p + size, payload), path, p + size);
            }
            p += size;
        }
        Assert.NotNull(td);
        Assert.Equal(["sched:sched_switch", "sched:sched_process_exec"], td!.Formats.Select(f => f.ToString()).Order(StringComparer.Ordinal).Reverse());
        Assert.All(td.Formats, f => Assert.Null(f.ParseError));
        Assert.Empty(td.SavedCmdlines); // perf 6.1 writes a zero-sized saved_cmdlines section here
    }

    [Fact]
    public void BlobHeaderAndFormats()
    {
        string path = RepoPaths.TestData("tracepoints", "perf.data");
        var pd = new PerfDataMini(path);
        var td = TracingData.Parse(pd.Tracing, path, pd.TracingOffset);
        Assert.Equal("0.6", td.Version);
        Assert.False(td.IsBigEndian);
        Assert.Equal(8, td.LongSize);
        Assert.Equal(4096, td.PageSize);
        Assert.Null(td.Kallsyms); // perf 6.1 writes a zero-sized kallsyms section
        Assert.NotEmpty(td.PrintkFormats);
        Assert.Equal(2, td.Formats.Count); // perf 6.1 stores only the recorded events' formats (no ftrace ones)

        var sw = td.Find("sched", "sched_switch");
        Assert.NotNull(sw);
        Assert.Same(sw, td.FindById(sw!.Id));
        Assert.Null(sw.ParseError);
        Assert.Equal(["common_type", "common_flags", "common_preempt_count", "common_pid"], sw.CommonFields.Select(f => f.Name));
        var prevComm = sw.FindField("prev_comm")!;
        Assert.Equal(("char[16]", 8, 16, true, true, 16, 1), (prevComm.Type, prevComm.Offset, prevComm.Size, prevComm.IsArray, prevComm.IsString, prevComm.ArrayLength, prevComm.ElementSize));
        var state = sw.FindField("prev_state")!;
        Assert.Equal(("long", 32, 8, true, true, false), (state.Type, state.Offset, state.Size, state.IsSigned, state.IsLong, state.IsArray));
        Assert.StartsWith("prev_comm=%s prev_pid=%d", sw.PrintFmt, StringComparison.Ordinal);

        var wr = td.Find("syscalls", "sys_enter_write")!;
        Assert.Equal(["__syscall_nr", "fd", "buf", "count"], wr.Fields.Select(f => f.Name));
        Assert.True(wr.FindField("buf")!.IsPointer);
        Assert.Equal("const char *", wr.FindField("buf")!.Type);
    }

    [Fact]
    public void FieldAccessOnRealSamples()
    {
        string path = OwnData("mixed.perf.data");
        var pd = new PerfDataMini(path);
        var td = TracingData.Parse(pd.Tracing, path, pd.TracingOffset);
        var sw = td.Find("sched", "sched_switch")!;
        var s = pd.Samples.OrderBy(x => x.Time).First(x => x.Config == (ulong)sw.Id);
        // First sched_switch line of mixed.script.txt:
        // prev_comm=sh prev_pid=8990 prev_prio=120 prev_state=D ==> next_comm=swapper/1 next_pid=0 next_prio=120
        Assert.True(sw.TryGetField(s.Raw, "prev_comm", out string prev));
        Assert.Equal("sh", prev);
        Assert.True(sw.TryGetField(s.Raw, "next_comm", out string next));
        Assert.Equal("swapper/1", next);
        Assert.True(sw.TryGetField(s.Raw, "prev_pid", out long pid));
        Assert.Equal(8990, pid);
        Assert.True(sw.TryGetField(s.Raw, "prev_prio", out ulong prio));
        Assert.Equal(120UL, prio);
        Assert.True(sw.TryGetField(s.Raw, "common_type", out long type));
        Assert.Equal(sw.Id, type);
        Assert.False(sw.TryGetField(s.Raw, "no_such_field", out long _));
        Assert.False(sw.TryGetField(s.Raw, "prev_comm", out long _)); // an array is not a number
        Assert.False(sw.TryGetField(s.Raw.AsSpan(0, 20), "next_pid", out long _)); // truncated payload

        var exec = td.Find("sched", "sched_process_exec")!;
        var e = pd.Samples.OrderBy(x => x.Time).First(x => x.Config == (ulong)exec.Id);
        Assert.True(exec.FindField("filename")!.IsDynamic);
        Assert.True(exec.TryGetField(e.Raw, "filename", out string file)); // __data_loc string
        Assert.Equal("/usr/bin/sh", file);
        Assert.Equal("filename=/usr/bin/sh pid=8990 old_pid=8990", exec.Render(e.Raw));

        var wr = td.Find("syscalls", "sys_enter_write")!;
        var w = pd.Samples.OrderBy(x => x.Time).First(x => x.Config == (ulong)wr.Id);
        Assert.True(wr.TryGetField(w.Raw, "fd", out ulong fd));
        Assert.Equal(1UL, fd);
        Assert.True(wr.TryGetField(w.Raw, "count", out ulong count));
        Assert.Equal(0x97UL, count); // "count: 0x00000097"
    }
}
