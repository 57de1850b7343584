using System.Text;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;
using Stackweave.Merge.Symbols;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.TextInputs;

/// <summary>
/// The perf script text reader on text perf 6.1 printed (testdata/*/X.script*.txt and testdata/textin/, see testdata/README.md),
/// compared with what FlameGraph's stackcollapse-perf.pl made of the same text.
/// </summary>
public class PerfScriptReaderTests
{
    public static TheoryData<string, string, string, string> PerfGoldens()
    {
        var d = new TheoryData<string, string, string, string>();
        foreach (var c in new[] { "cpp-fp", "go-fp", "monoraw", "pipe", "switch-ns-cgroup", "system-wide", "threads", "tracepoints", "two-events", "zstd" })
        {
            var b = c == "pipe" ? "perf.data.pipe" : "perf.data";
            d.Add(c, b + ".script.txt", b + ".folded", "");
            d.Add(c, b + ".script.txt", b + ".kernel.folded", "--kernel");
            d.Add(c, b + ".script.txt", b + ".all.folded", "--all");
            d.Add(c, b + ".script.txt", b + ".addrs.folded", "--addrs");
            d.Add(c, b + ".script-pid.txt", b + ".pid.folded", "--pid");
            d.Add(c, b + ".script-pid.txt", b + ".tid.folded", "--tid");
            // --show-*-events text: the side-band record lines are skipped (and counted), the samples fold as in the pid layout
            d.Add(c, b + ".script-side.txt", b + ".pid.folded", "--pid");
        }
        return d;
    }

    /// <summary>perf's own text, read back and folded, equals stackcollapse-perf.pl's output on that text.</summary>
    [Theory]
    [MemberData(nameof(PerfGoldens))]
    public void PerfTextFoldsLikeStackcollapse(string capture, string text, string golden, string option)
    {
        string[] args = option.Length == 0 ? ["convert", RepoPaths.TestData(capture, text)] : ["convert", RepoPaths.TestData(capture, text), option];
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData(capture, golden)), r.Stdout);
    }

    [Fact]
    public void SideBandRecordLinesAreCounted()
    {
        var path = RepoPaths.TestData("go-fp", "perf.data.script-side.txt");
        var p = FormatRegistry.Read(path);
        var lines = File.ReadAllLines(path);
        Assert.Equal(lines.Count(l => l.Contains(": PERF_RECORD_", StringComparison.Ordinal)), p.Diagnostics.Get(PerfScriptReader.SideBandCounter));
        Assert.Equal(0, p.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Equal(HeaderLines(File.ReadAllText(path)) - (int)p.Diagnostics.Get(PerfScriptReader.SideBandCounter), p.Samples.Count);
        // "comm pid/tid": the pid is kept
        Assert.All(p.Threads, t => Assert.True(t.Pid >= 0));
    }

    public static TheoryData<string> TextinLayouts() => ["go-fp.ns", "monoraw.tod", "nog", "system-wide.header", "tracepoints.cpu-trace"];

    /// <summary>Other layouts (--ns, -F +tod, no call graph with a blank in the comm, --header, -F with cpu and trace).</summary>
    [Theory]
    [MemberData(nameof(TextinLayouts))]
    public void LayoutsFoldLikeStackcollapse(string name)
    {
        var input = RepoPaths.TestData("textin", name + ".txt");
        var r = CliRunner.Run("convert", input);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData("textin", name + ".folded")), r.Stdout);
        r = CliRunner.Run("convert", input, "--kernel");
        Assert.Equal(File.ReadAllText(RepoPaths.TestData("textin", name + ".kernel.folded")), r.Stdout);
        var p = FormatRegistry.Read(input);
        Assert.Equal("perf-script", p.Source.Format);
        Assert.Equal(0, p.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
    }

    private static int HeaderLines(string text) => text.Split('\n').Count(l => l.Length > 0 && l[0] is not ('\t' or '#'));

    [Fact]
    public void NanosecondTimestampsAndPeriodsAreKept()
    {
        var text = File.ReadAllText(RepoPaths.TestData("textin", "go-fp.ns.txt"));
        var p = FormatRegistry.Read(RepoPaths.TestData("textin", "go-fp.ns.txt"));
        Assert.Equal(HeaderLines(text), p.Samples.Count);
        // first line: "burn-go  6786   858.714880568:    2004008 cpu-clock:ppp: "
        var first = text[..text.IndexOf('\n')];
        Assert.StartsWith("burn-go ", first);
        Assert.Contains(" 858.714880568: ", first);
        Assert.Equal(858_714_880_568L, p.Samples.Time(0));
        Assert.Equal(2004008L, p.Samples.Values(0)[1]);
        Assert.Equal(ClockDomain.PerfClock, p.Clock.Domain);
        Assert.Equal("cpu-clock:ppp", p.Events[0].Name);
        Assert.Equal(EventKind.Software, p.Events[0].Kind);
        Assert.Equal("burn-go", p.Threads[p.Samples.Thread(0)].Name);
        Assert.Equal(-1, p.Threads[p.Samples.Thread(0)].Pid);
        Assert.Equal(6786, p.Threads[p.Samples.Thread(0)].Tid);
    }

    [Fact]
    public void TimeOfDayGivesTheClockReference()
    {
        // "burn-go  7927 2026-11-25 15:01:23.835200   879.227920:    2004008 cpu-clock:ppp: " (perf script -F +tod, TZ=UTC)
        var p = FormatRegistry.Read(RepoPaths.TestData("textin", "monoraw.tod.txt"));
        var first = File.ReadLines(RepoPaths.TestData("textin", "monoraw.tod.txt")).First();
        var parts = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var tod = DateTime.Parse(parts[2] + "T" + parts[3] + "Z", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal);
        var (wall, clock) = p.Clock.Reference!.Value;
        Assert.Equal((tod - DateTime.UnixEpoch).Ticks * 100, wall);
        Assert.Equal(p.Samples.Time(0), clock);
        // perf's own -F tod golden (no dso on callchain lines) and the pipe-mode "disabled" column read as well
        var golden = FormatRegistry.Read(RepoPaths.TestData("monoraw", "perf.data.script-tod.txt"));
        Assert.Equal(HeaderLines(File.ReadAllText(RepoPaths.TestData("monoraw", "perf.data.script-tod.txt"))), golden.Samples.Count);
        Assert.Equal(0, golden.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.NotNull(golden.Clock.Reference);
        var pipe = FormatRegistry.Read(RepoPaths.TestData("pipe", "perf.data.pipe.script-tod.txt"));
        Assert.True(pipe.Samples.Count > 0);
        Assert.Null(pipe.Clock.Reference);
        Assert.Equal(0, pipe.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
    }

    [Fact]
    public void OneLineStacksAndCommsWithBlanks()
    {
        // perf record without -g: "         burn go  3094  9021.305379:    2004008 cpu-clock:ppp:  ffffffff8225fd19 pvm_irq_enable+0x19 ([kernel.kallsyms])"
        var path = RepoPaths.TestData("textin", "nog.txt");
        var p = FormatRegistry.Read(path);
        Assert.Equal(File.ReadAllLines(path).Length, p.Samples.Count);
        for (var i = 0; i < p.Samples.Count; i++)
        {
            Assert.Equal("burn go", p.Threads[p.Samples.Thread(i)].Name);
            var s = p.Samples.Stack(i);
            Assert.Equal(StackTable.Root, p.Stacks.Parent(s)); // one frame
        }
        // the first line's ip part, e.g. "4015e5 internal/cpu.doinit+0x25 (/work/.../prog/burn go)" (a dso with a blank)
        var first = File.ReadLines(path).First();
        var ip = first[(first.IndexOf("cpu-clock:ppp:", StringComparison.Ordinal) + 14)..].TrimStart();
        var addr = Convert.ToUInt64(ip[..ip.IndexOf(' ')], 16);
        var symOff = ip[(ip.IndexOf(' ') + 1)..ip.IndexOf(" (", StringComparison.Ordinal)];
        var dso = ip[(ip.IndexOf(" (", StringComparison.Ordinal) + 2)..^1];
        var loc = p.Locations[p.Stacks.Location(p.Samples.Stack(0))];
        Assert.Equal(addr, loc.Address);
        Assert.Equal(symOff[..symOff.LastIndexOf("+0x", StringComparison.Ordinal)], p.FunctionName(loc.Lines[0].FunctionId));
        Assert.Equal(Convert.ToUInt64(symOff[(symOff.LastIndexOf("+0x", StringComparison.Ordinal) + 3)..], 16), loc.SymbolOffset);
        Assert.Equal(dso, p.Mappings[loc.MappingId].Path);
        Assert.EndsWith("/burn go", dso, StringComparison.Ordinal);
        // without callchains, stackcollapse-perf.pl records nothing (the golden is empty) and so does the folded writer
        Assert.Equal("", File.ReadAllText(RepoPaths.TestData("textin", "nog.folded")));
    }

    [Fact]
    public void TracepointFieldTextAndCpuAreKept()
    {
        var p = FormatRegistry.Read(RepoPaths.TestData("tracepoints", "perf.data.script.txt"));
        var sw = p.Events.FindIndex(e => e.Name == "sched:sched_switch");
        Assert.True(sw >= 0);
        Assert.Equal(EventKind.Tracepoint, p.Events[sw].Kind);
        var i = Enumerable.Range(0, p.Samples.Count).First(k => p.Samples.Event(k) == sw);
        // "burn-cpp  7517 [001]   873.101776:       sched:sched_switch: prev_comm=burn-cpp prev_pid=7517 ..."
        Assert.Equal(1, p.Samples.Cpu(i));
        Assert.StartsWith("prev_comm=burn-cpp prev_pid=7517 ", PerfScriptLayout.TraceText(p, i));
        // and the text comes back out of the writer byte for byte
        var sb = new StringWriter();
        PerfScriptWriter.Write(p, sb);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData("tracepoints", "perf.data.script.txt")), sb.ToString());
    }

    public static TheoryData<string> ScriptGoldens() =>
        ["cpp-fp/perf.data.script.txt", "go-fp/perf.data.script.txt", "system-wide/perf.data.script.txt", "two-events/perf.data.script.txt", "tracepoints/perf.data.script.txt"];

    /// <summary>perf's default text read and written again is the same text (nothing the writer needs is lost).</summary>
    [Theory]
    [MemberData(nameof(ScriptGoldens))]
    public void DefaultLayoutReprints(string file)
    {
        var path = RepoPaths.TestData(file.Split('/'));
        var p = FormatRegistry.Read(path);
        var sw = new StringWriter();
        PerfScriptWriter.Write(p, sw);
        Assert.Equal(File.ReadAllText(path), sw.ToString());
    }

    [Fact]
    public void FramesWithoutDsoOrOffsetAreRead()
    {
        // perf script -F comm,tid,time,ip,sym: "\t    55d0c4a8f3a9 fib" (stackcollapse-perf.pl recognises none of these lines)
        var path = RepoPaths.TestData("textin", "cpp-fp.comm-tid-time-ip-sym.txt");
        var text = File.ReadAllText(path);
        var p = FormatRegistry.Read(path);
        Assert.Equal(HeaderLines(text), p.Samples.Count);
        Assert.Equal(0, p.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Contains(p.Functions, f => p.Strings[f.Name] == "fib");
        Assert.Equal("", p.Events[0].Name); // no event printed
    }

    [Fact]
    public void SymbolizerLeavesTextFramesAlone()
    {
        // "[unknown]" frames of a library present on this machine must stay unknown: perf already tried on the recording host.
        const string text = "prog 12 1.000000: 1 cycles: \n\t    7f0000001000 [unknown] (/usr/lib/x86_64-linux-gnu/libc.so.6)\n\t          401000 main+0x10 (/usr/bin/true)\n\n";
        var p = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.txt");
        var report = Symbolizer.Symbolize(p, new SymbolOptions());
        Assert.Equal(0, report.Resolved);
        Assert.Equal(2, report.AlreadySymbolized);
        Assert.Empty(p.Locations[0].Lines);
        Assert.Equal("main", p.FunctionName(p.Locations[1].Lines[0].FunctionId));
    }

    [Fact]
    public void JitInlinedFramesAreLinesOfOneLocation()
    {
        const string text = "java 10488 9962.502413: 10101010 cpu-clock: \n\t    7f89cc467bf0 Ljava/io/PrintStream;::println->Ljava/io/PrintStream;::write+0x0 (/tmp/perf-10487.map)\n\n";
        var p = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.txt");
        var loc = p.Locations[0];
        Assert.True(loc.IsFolded);
        Assert.Equal(["Ljava/io/PrintStream;::write", "Ljava/io/PrintStream;::println"], loc.Lines.Select(l => p.FunctionName(l.FunctionId)));
        Assert.Equal(MappingKind.Jit, p.Mappings[loc.MappingId].Kind);
        Assert.Equal(10487, p.Mappings[loc.MappingId].Pid);
        var r = new StringWriter();
        Formats.Folded.FoldedWriter.Write(p, r);
        Assert.Equal("java;java/io/PrintStream:::println;java/io/PrintStream:::write_[i] 10101010\n", r.ToString());
    }

    [Fact]
    public void OddLinesAreCountedAndSkipped()
    {
        const string text = "# a comment\nprog 12 1.000000: 1 cycles: \n\t  401000 main+0x10 (/usr/bin/true)\n\tnot a frame line\n\n\t  401000 main+0x10 (/usr/bin/true)\ngarbage\n";
        var p = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.txt");
        Assert.Equal(1, p.Samples.Count);
        Assert.Equal(3, p.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Contains(p.Diagnostics.Messages, m => m.Contains("(at byte ", StringComparison.Ordinal));
    }

    [Fact]
    public void TextWithoutAnySampleIsAFormatError()
    {
        var bytes = Encoding.UTF8.GetBytes("hello\nworld\n");
        var e = Assert.Throws<CaptureFormatException>(() => PerfScriptReader.Read(new MemoryStream(bytes), "x.txt"));
        Assert.Equal(0, e.Offset);
        var salvaged = PerfScriptReader.Read(new MemoryStream(bytes), "x.txt", new ReadOptions { Salvage = true });
        Assert.NotNull(salvaged.Damage);
    }

    [Fact]
    public void OverlongAndBinaryLinesAreSkipped()
    {
        var ms = new MemoryStream();
        ms.Write(Encoding.UTF8.GetBytes(new string('a', TextLineReader.MaxLineBytes * 2 + 17) + "\n"));
        ms.Write("bin\0ary\n"u8);
        ms.Write("prog 12 1.000000: 1 cycles: \n\t  401000 main+0x10 (/usr/bin/true)\n\n"u8);
        ms.Position = 0;
        var p = PerfScriptReader.Read(ms, "t.txt");
        Assert.Equal(1, p.Samples.Count);
        Assert.Equal(2, p.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Contains(p.Diagnostics.Messages, m => m.Contains("overlong", StringComparison.Ordinal) && m.EndsWith("(at byte 0)", StringComparison.Ordinal));
    }

    [Fact]
    public void CrLfTextReadsLikeLfText()
    {
        var path = RepoPaths.TestData("two-events", "perf.data.script.txt");
        var crlf = File.ReadAllText(path).Replace("\n", "\r\n", StringComparison.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), "stackweave-crlf-" + Environment.ProcessId + ".txt");
        File.WriteAllText(file, crlf);
        try
        {
            var r = CliRunner.Run("convert", file);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal(File.ReadAllText(RepoPaths.TestData("two-events", "perf.data.folded")), r.Stdout);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void TruncatedLastSampleIsDroppedAndCountedWithoutSymbolOffsets()
    {
        const string text = "prog 12 1.000000: 1 cycles: \n\t  401000 main (/usr/bin/true)\n\nprog 12 2.000000: 1 cycles: \n\t  401000 main (/usr/bin/true)\n";
        var p = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.txt");
        Assert.Equal(1, p.Samples.Count);
        Assert.Equal(1, p.Diagnostics.Get(PerfScriptReader.TruncatedSampleCounter));
    }

    [Fact]
    public void LastSampleWithoutClosingBlankLineIsKeptWhenFramesPrintOffsets()
    {
        const string text = "prog 12 1.000000: 1 cycles: \n\t  401000 main+0x10 (/usr/bin/true)\n\nprog 12 2.000000: 1 cycles: \n\t  401000 main+0x10 (/usr/bin/true)\n";
        var p = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.txt");
        Assert.Equal(2, p.Samples.Count);
        Assert.Equal(0, p.Diagnostics.Get(PerfScriptReader.TruncatedSampleCounter));
    }

    [Fact]
    public void DetectionPrefersBinaryMagicsAndTellsTextFormatsApart()
    {
        Assert.Equal(DetectResult.Yes, PerfScriptFormat.Instance.Detect("prog 12 1.000000: 1 cycles: \n"u8));
        Assert.Equal(DetectResult.Yes, PerfScriptFormat.Instance.Detect("# ========\n# captured on: x\n"u8));
        Assert.Equal(DetectResult.No, PerfScriptFormat.Instance.Detect("main;foo;bar 12\n"u8));
        Assert.Equal(DetectResult.Yes, Formats.Folded.FoldedFormat.Instance.Detect("main;foo;bar 12\nmain 3\n"u8));
        Assert.Equal(DetectResult.No, Formats.Folded.FoldedFormat.Instance.Detect("prog 12 1.000000: 1 cycles: \n"u8));
        Assert.Equal(DetectResult.No, PerfScriptFormat.Instance.Detect("PERFILE2\0\0\0\0"u8));
        var f = FormatRegistry.Detect("x", new PeekStream(new MemoryStream(File.ReadAllBytes(RepoPaths.TestData("go-fp", "perf.data")))));
        Assert.Equal("perf.data", f.Name);
    }
}
