using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.PerfData;

/// <summary>Samples come out in the order perf script prints them (perf's ordered-events rules, directory merge).</summary>
public sealed partial class PerfOrderTests
{
    public static TheoryData<string> Captures() => PerfTestUtil.Captures();

    [GeneratedRegex(@"\s(-?\d+)/(-?\d+)\s+(\d+\.\d{6}):\s")]
    private static partial Regex SampleHead();

    [Theory]
    [MemberData(nameof(Captures))]
    public void SampleOrderEqualsPerfScript(string name)
    {
        var (_, golden) = PerfTestUtil.Locate(name);
        var expected = new List<string>();
        foreach (var line in File.ReadLines(golden + ".script-pid.txt"))
        {
            if (line.Length == 0 || line[0] == '\t') continue;
            var m = SampleHead().Match(line);
            Assert.True(m.Success, line);
            expected.Add(m.Groups[1].Value + "/" + m.Groups[2].Value + " " + m.Groups[3].Value);
        }
        using var f = PerfTestUtil.Open(name);
        var ours = new List<string>();
        foreach (var r in f.Records())
            if (r is SampleRecord s)
                ours.Add(string.Create(CultureInfo.InvariantCulture, $"{s.SampleId.Pid}/{s.SampleId.Tid} {s.Time / 1_000_000_000}.{s.Time % 1_000_000_000 / 1000:D6}"));
        Assert.Equal(expected, ours);
    }

    [GeneratedRegex(@"\s(\d+\.\d{6}):\s")]
    private static partial Regex TimeField();

    [GeneratedRegex(@"PERF_RECORD_([A-Z0-9_]+)")]
    private static partial Regex RecordKind();

    /// <summary>Side-band records (mmap, comm, fork, exit, switch, namespaces, cgroup, lost) interleave with samples as perf script shows them.</summary>
    [Theory]
    [MemberData(nameof(Captures))]
    public void SideBandOrderEqualsPerfScript(string name)
    {
        var (_, golden) = PerfTestUtil.Locate(name);
        var expected = new List<string>();
        foreach (var line in File.ReadLines(golden + ".script-side.txt"))
        {
            if (line.Length == 0 || line[0] == '\t' || line[0] == ' ' && line.TrimStart().StartsWith("...", StringComparison.Ordinal)) continue;
            var tm = TimeField().Match(line);
            Assert.True(tm.Success, line);
            var k = RecordKind().Match(line);
            expected.Add((k.Success ? k.Groups[1].Value : "SAMPLE") + " " + tm.Groups[1].Value);
        }
        var shown = new HashSet<PerfRecordType>
        {
            PerfRecordType.Mmap, PerfRecordType.Mmap2, PerfRecordType.Comm, PerfRecordType.Fork, PerfRecordType.Exit,
            PerfRecordType.Switch, PerfRecordType.SwitchCpuWide, PerfRecordType.Namespaces, PerfRecordType.Cgroup,
            PerfRecordType.Lost, PerfRecordType.Sample,
        };
        using var f = PerfTestUtil.Open(name);
        var ours = new List<string>();
        foreach (var r in f.Records())
        {
            if (!shown.Contains(r.Type)) continue;
            var kind = r.Type switch
            {
                PerfRecordType.Sample => "SAMPLE",
                PerfRecordType.SwitchCpuWide => "SWITCH_CPU_WIDE",
                _ => r.Type.ToString().ToUpperInvariant(),
            };
            ours.Add(string.Create(CultureInfo.InvariantCulture, $"{kind} {r.Time / 1_000_000_000}.{r.Time % 1_000_000_000 / 1000:D6}"));
        }
        Assert.Equal(expected, ours);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void EveryRecordHasItsAttrAndATypedClass(string name)
    {
        using var f = PerfTestUtil.Open(name);
        var n = 0;
        foreach (var r in f.Records())
        {
            n++;
            Assert.True(r.AttrIndex >= 0, r.Type + " at " + r.Offset);
            Assert.IsNotType<RawRecord>(r);
        }
        Assert.True(n > 0);
    }

    [Fact]
    public void GzipWrappedFileModeStreamIsSpooled()
    {
        var (capture, _) = PerfTestUtil.Locate("cpp-fp");
        var raw = File.ReadAllBytes(capture);
        var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        ms.Position = 0;
        using var unwrapped = Stackweave.Formats.IO.InputOpener.Unwrap("x.gz", ms, Stackweave.Formats.IO.Limits.Default);
        Assert.False(unwrapped.CanSeek);
        using var a = PerfDataFile.Open(unwrapped, "x.gz", ReadOptions.Default);
        using var b = PerfDataFile.Open(new MemoryStream(raw), capture, ReadOptions.Default);
        Assert.Equal(b.Records().Select(r => (r.Type, r.Offset, r.Time)), a.Records().Select(r => (r.Type, r.Offset, r.Time)));
        Assert.Equal(b.RecordCounts, a.RecordCounts);
        Assert.Equal(b.Features.Hostname, a.Features.Hostname);
    }

    [Fact]
    public void PipeStreamReadsFromNonSeekableStream()
    {
        var (capture, _) = PerfTestUtil.Locate("pipe");
        var raw = File.ReadAllBytes(capture);
        using var peek = new Stackweave.Formats.IO.PeekStream(new MemoryStream(raw));
        using var f = PerfDataFile.Open(peek, "-", ReadOptions.Default);
        Assert.True(f.IsPipe);
        // metadata is there right after Open
        Assert.Single(f.Attrs);
        Assert.Equal("cpu-clock:ppp", f.EventName(0));
        Assert.NotNull(f.Features.Hostname);
        Assert.True(f.Records().OfType<SampleRecord>().Count() > 0);
    }

    [Fact]
    public void TracepointNamesComeFromTracingData()
    {
        using var f = PerfTestUtil.Open("tracepoints");
        Assert.NotNull(f.Features.TracingData);
        Assert.NotNull(f.Tracing);
        var derived = Enumerable.Range(0, f.Attrs.Count).Select(i => PerfEventNames.Derive(f.Attrs[i], id => f.Tracing!.FindById((long)id)?.ToString())).ToList();
        Assert.Equal(new[] { "syscalls:sys_enter_write", "sched:sched_switch" }, derived);
        Assert.Equal(derived, Enumerable.Range(0, f.Attrs.Count).Select(f.EventName));
        // RAW payloads of tracepoint samples: common_type (u16) at offset 0 is the tracepoint id
        foreach (var s in f.Records().OfType<SampleRecord>())
        {
            Assert.NotNull(s.Raw);
            Assert.Equal(f.Attrs[s.AttrIndex].Config, BitConverter.ToUInt16(s.Raw!, 0));
        }
    }

    [Fact]
    public void DerivedNamesFollowPerf()
    {
        Assert.Equal("cpu-clock", PerfEventNames.Derive(new PerfEventAttr { Type = 1, Config = 0 }));
        Assert.Equal("task-clock", PerfEventNames.Derive(new PerfEventAttr { Type = 1, Config = 1 }));
        Assert.Equal("cycles", PerfEventNames.Derive(new PerfEventAttr { Type = 0, Config = 0 }));
        Assert.Equal("L1-dcache-load-misses", PerfEventNames.Derive(new PerfEventAttr { Type = 3, Config = 0 | 0 << 8 | 1 << 16 }));
        Assert.Equal("LLC-loads", PerfEventNames.Derive(new PerfEventAttr { Type = 3, Config = 2 }));
    }
}
