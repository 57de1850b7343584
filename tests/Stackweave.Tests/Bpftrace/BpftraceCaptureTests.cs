using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stackweave.Formats;
using Stackweave.Formats.Bpftrace;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Bpftrace;

/// <summary>Real bpftrace 0.17 captures (testdata/bpftrace, made by regen-bpftrace.sh) and stackcollapse-bpftrace.pl's outputs on them.</summary>
public class BpftraceCaptureTests
{
    private static string Data(string name) => RepoPaths.TestData("bpftrace", name);

    private static Profile Read(string name, BpftraceOptions? b = null, bool salvage = false)
        => FormatRegistry.Read(Data(name), new ReadOptions { Salvage = salvage, Bpftrace = b ?? BpftraceOptions.Default });

    /// <summary>Folded lines with counts of equal stacks summed and sorted by their bytes (flamegraph.pl reads them so).</summary>
    private static string MergeSorted(IEnumerable<string> lines, bool dropOffsets)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var l in lines)
        {
            if (l.Length == 0) continue;
            var sp = l.LastIndexOf(' ');
            var stack = l[..sp];
            // stackcollapse-bpftrace.pl keeps "+off"; stackweave drops it unless --offsets (as stackcollapse-perf.pl does)
            if (dropOffsets) stack = string.Join(';', stack.Split(';').Select(f => Regex.Replace(f, @"\+[0-9]+$", "")));
            sums[stack] = sums.GetValueOrDefault(stack) + long.Parse(l[(sp + 1)..], CultureInfo.InvariantCulture);
        }
        var keys = sums.Keys.ToList();
        keys.Sort((a, b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
        var sb = new StringBuilder();
        foreach (var k in keys) sb.Append(k).Append(' ').Append(sums[k].ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    [Theory]
    [InlineData("kstack.txt", false)]
    [InlineData("kstack.txt", true)]
    [InlineData("ustack.txt", false)]
    [InlineData("ustack.txt", true)]
    public void FoldedEqualsStackcollapseBpftrace(string capture, bool offsets)
    {
        // Golden: perl stackcollapse-bpftrace.pl CAPTURE (one line per map entry, offsets kept)
        var golden = File.ReadAllLines(Data(capture + ".folded"));
        Assert.NotEmpty(golden);
        var args = new List<string> { "convert", Data(capture), "--format", "folded", "--kallsyms", CliRunner.Kallsyms };
        if (offsets) args.Add("--offsets");
        var r = CliRunner.Run([.. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(MergeSorted(golden, dropOffsets: !offsets), r.Stdout);
    }

    [Fact]
    public void JsonStackCountsEqualTheJsonValues()
    {
        var p = Read("kstack.json");
        Assert.Null(p.Damage);
        long expected = 0;
        var entries = 0;
        foreach (var line in File.ReadLines(Data("kstack.json")))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.GetProperty("type").GetString() != "map") continue;
            foreach (var kv in doc.RootElement.GetProperty("data").GetProperty("@").EnumerateObject()) { expected += kv.Value.GetInt64(); entries++; }
        }
        Assert.Equal(entries, p.Samples.Count);
        long total = 0;
        for (var i = 0; i < p.Samples.Count; i++) total += p.Samples.Values(i)[0];
        Assert.Equal(expected, total);
        // a single stack map: no map-name root frame; kernel frames carry the kernel mapping
        var locs = new List<int>();
        for (var i = 0; i < p.Samples.Count; i++)
        {
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            foreach (var l in locs) Assert.Equal(MappingKind.Kernel, p.Mappings[p.Locations[l].MappingId].Kind);
        }
    }

    private static List<List<string>> SampleFrames(Profile p)
    {
        var all = new List<List<string>>();
        var locs = new List<int>();
        for (var i = 0; i < p.Samples.Count; i++)
        {
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            locs.Reverse();
            all.Add(locs.Select(l => p.Locations[l].Lines.Count > 0 ? p.FunctionName(p.Locations[l].Lines[^1].FunctionId)
                                                                    : "0x" + p.Locations[l].Address.ToString("x", CultureInfo.InvariantCulture)).ToList());
        }
        return all;
    }

    [Fact]
    public void SeveralStackMapsGetTheirNameAsRootFrame()
    {
        var p = Read("stacks.txt");
        var roots = SampleFrames(p).Select(f => f[0]).Distinct().ToList();
        // text output of this run printed @, @k, @ku and @u (see testdata/README.md)
        Assert.Equal(["@", "@k", "@ku", "@u"], roots);
        var text = File.ReadAllText(Data("stacks.txt"));
        Assert.Equal(Regex.Matches(text, @"^@(k|ku|u)?\[", RegexOptions.Multiline).Count, p.Samples.Count);
        // an empty kstack prints "@k[]: N": a sample on the map's root frame alone
        var empty = long.Parse(Regex.Match(text, @"^@k\[\]: (\d+)$", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
        var frames = SampleFrames(p);
        var only = Enumerable.Range(0, p.Samples.Count).Single(i => frames[i] is ["@k"]);
        Assert.Equal(empty, p.Samples.Values(only)[0]);
        // "@[, " + user frames: an empty kstack before a ustack leaves user frames only
        Assert.Equal(Regex.Matches(text, @"^@\[, $", RegexOptions.Multiline).Count,
            Enumerable.Range(0, p.Samples.Count).Count(i => frames[i][0] == "@" && p.Stacks.Count > 0
                && !Leaf(p, i, out var k) && !k));
    }

    /// <summary>False when the sample's frames hold no kernel frame; <paramref name="kernelAny"/> says whether any was found.</summary>
    private static bool Leaf(Profile p, int sample, out bool kernelAny)
    {
        var locs = new List<int>();
        p.Stacks.LeafFirst(p.Samples.Stack(sample), locs);
        kernelAny = locs.Any(l => p.Locations[l].MappingId >= 0 && p.Mappings[p.Locations[l].MappingId].Kind == MappingKind.Kernel);
        return kernelAny;
    }

    [Fact]
    public void UnwindFailureFramesAreKeptAndCounted()
    {
        // FACTS.md: newer bpftrace prints "<unwind failure>" where unwinding stopped (not seen with 0.17 here)
        const string text = "Attaching 1 probe...\n\n\n@[\n        <unwind failure>\n        main+4\n]: 3\n\n";
        var p = BpftracePropertyTests.ReadText(text);
        Assert.Equal(1, p.Diagnostics.Get(BpftraceProfileBuilder.UnwindCounter));
        Assert.Equal(["main+4", "<unwind failure>"], SampleFrames(p)[0]);
    }

    [Fact]
    public void KernelAndUserStacksInOneKeyBecomeOneStackUserTowardTheRoot()
    {
        // @ku[kstack(perf), ustack(perf), pid]: perf mode, user frames carry their module
        var p = Read("stacks.txt", new BpftraceOptions { Map = "ku" });
        var locs = new List<int>();
        var both = 0;
        for (var i = 0; i < p.Samples.Count; i++)
        {
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            locs.Reverse();
            var kernel = locs.Select(l => p.Locations[l].MappingId >= 0 && p.Mappings[p.Locations[l].MappingId].Kind == MappingKind.Kernel).ToList();
            // root-first: no user frame after the first kernel frame
            var firstKernel = kernel.IndexOf(true);
            if (firstKernel >= 0) Assert.DoesNotContain(false, kernel.Skip(firstKernel));
            if (firstKernel > 0)
            {
                both++;
                // the kernel's outermost frame is a syscall or interrupt entry
                Assert.Matches("^(entry_SYSCALL_64|asm_)", p.FunctionName(p.Locations[locs[firstKernel]].Lines[0].FunctionId));
            }
            // the pid is an unnamed key: label key3
            var label = Assert.Single(p.Samples.Labels(i).ToArray());
            Assert.Equal("key3", label.Key);
            Assert.True(label.Num > 0);
        }
        Assert.True(both > 0, "some @ku entries hold both a kernel and a user stack");
    }

    [Fact]
    public void KeysNameThreadFields()
    {
        var p = Read("stacks.txt", new BpftraceOptions { Map = "@u", Keys = ["comm", "pid", "tid"] });
        Assert.NotEqual(0, p.Samples.Count);
        for (var i = 0; i < p.Samples.Count; i++)
        {
            var t = p.Threads[p.Samples.Thread(i)];
            Assert.Contains(t.Name, new[] { "burn-cpp", "dd" }); // the profile probe's filter
            Assert.True(t.Pid > 0);
            Assert.Equal(t.Pid, t.Tid);
            Assert.Empty(p.Samples.Labels(i).ToArray());
        }
        var r = CliRunner.Run("convert", Data("stacks.txt"), "--map", "u", "--keys", "comm,pid,tid", "--tid", "--kallsyms", CliRunner.Kallsyms);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.All(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^(burn-cpp|dd)-\d+/\d+;", l));
    }

    [Fact]
    public void UnknownMapIsAFormatError()
    {
        Assert.Throws<CaptureFormatException>(() => Read("stacks.txt", new BpftraceOptions { Map = "nosuch" }));
        var r = CliRunner.Run("convert", Data("stacks.txt"), "--map", "nosuch");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("@nosuch", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void RawModeAddressesSymbolizeLikeBpftraceDid()
    {
        // raw-mode.txt = @ku of stacks.txt with every frame cut to its address (bpftrace 0.17 has no raw mode)
        var raw = Read("raw-mode.txt");
        Symbolizer.Symbolize(raw, new SymbolOptions { KallsymsPath = Data("kallsyms.gz"), UseRunningKernel = false });
        var perf = Read("stacks.txt", new BpftraceOptions { Map = "ku", KeepOffsets = true });
        Assert.Equal(perf.Samples.Count, raw.Samples.Count);
        var perfFrames = SampleFrames(perf);
        var kernelFrames = 0;
        for (var i = 0; i < raw.Samples.Count; i++)
        {
            var locs = new List<int>();
            raw.Stacks.LeafFirst(raw.Samples.Stack(i), locs);
            locs.Reverse();
            Assert.Equal(perfFrames[i].Count, locs.Count);
            for (var k = 0; k < locs.Count; k++)
            {
                var loc = raw.Locations[locs[k]];
                if (loc.MappingId < 0) continue; // user addresses stay unresolved without the binaries
                kernelFrames++;
                var name = raw.FunctionName(loc.Lines[0].FunctionId) + "+" + loc.SymbolOffset.ToString(CultureInfo.InvariantCulture);
                Assert.Equal(perfFrames[i][k], name);
            }
        }
        Assert.True(kernelFrames > 0);
    }

    [Fact]
    public void RawModeFoldedWithKallsyms()
    {
        var r = CliRunner.Run("convert", Data("raw-mode.txt"), "--kallsyms", Data("kallsyms.gz"), "--kernel");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("entry_SYSCALL_64_after_hwframe_[k];do_syscall_64_[k]", r.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"^0x7f[0-9a-f]+;", r.Stdout);
    }

    private static long StatsCount(Profile p, string map)
    {
        var c = p.Comments.Single(c => c.StartsWith(map + ": count ", StringComparison.Ordinal));
        return long.Parse(Regex.Match(c, @"count (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("hist.txt")]
    [InlineData("hist.json")]
    public void HistogramsAgreeWithTheStatsOfTheSameReads(string capture)
    {
        var p = Read(capture);
        Assert.Null(p.Damage);
        var reads = StatsCount(p, "@st");
        Assert.True(reads > 0);
        // @ns, @big (hist) and @bytes[comm] (lhist) each count every read once
        Assert.Equal(reads, p.Histograms.Where(h => h.Map == "@ns").Sum(h => h.Buckets.Sum(b => b.Count)));
        Assert.Equal(reads, p.Histograms.Where(h => h.Map == "@big").Sum(h => h.Buckets.Sum(b => b.Count)));
        Assert.Equal(reads, p.Histograms.Where(h => h.Map == "@bytes").Sum(h => h.Buckets.Sum(b => b.Count)));
        var cnt = p.Comments.Where(c => c.StartsWith("@cnt[", StringComparison.Ordinal)).Sum(c => long.Parse(c[(c.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        Assert.Equal(reads, cnt);
        // @big = hist(ret * 100000): 64K reads land in [4G, 8G) (a G suffix); lhist steps of 16K
        Assert.Contains(p.Histograms.Single(h => h.Map == "@big").Buckets, b => b.Lo >= 1L << 30);
        Assert.All(p.Histograms.Where(h => h.Map == "@bytes").SelectMany(h => h.Buckets), b => Assert.True(b.Lo is null || b.Lo % 16384 == 0));
        Assert.Contains(p.Histograms, h => h.Map == "@bytes" && h.Key == "dd");
        Assert.Contains(p.Comments, c => c.StartsWith("@avg: ", StringComparison.Ordinal));
        Assert.Contains(p.Comments, c => c.StartsWith("@mx: ", StringComparison.Ordinal));
        Assert.Contains(p.Comments, c => c.StartsWith("@sum[dd]: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("printf.txt")]
    [InlineData("printf.json")]
    public void PrintfLinesWithALeadingNanosecondColumnBecomeMarks(string capture)
    {
        var p = Read(capture);
        var lines = capture.EndsWith(".json", StringComparison.Ordinal)
            ? File.ReadLines(Data(capture)).Where(l => l.Contains("\"printf\"", StringComparison.Ordinal)).ToList()
            : File.ReadLines(Data(capture)).Where(l => Regex.IsMatch(l, @"^\d+ ")).ToList();
        Assert.NotEmpty(lines);
        Assert.Equal(lines.Count, p.Marks.Count);
        Assert.Equal(ClockDomain.BootTime, p.Clock.Domain);
        Assert.All(p.Marks, m => Assert.Contains(m.Name, new[] { "burn-cpp", "cat" }));
        Assert.Contains(p.Marks, m => m.Name == "burn-cpp" && m.Value > 0 && m.Text.Contains(" write ", StringComparison.Ordinal));
        Assert.Equal(p.Marks.Min(m => m.Time), p.StartTime);
        Assert.Equal(p.Marks.Max(m => m.Time) - p.Marks.Min(m => m.Time), p.DurationNs);
        var monotonic = Read(capture, new BpftraceOptions { Clock = ClockDomain.Monotonic });
        Assert.Equal(ClockDomain.Monotonic, monotonic.Clock.Domain);
    }

    [Fact]
    public void UserPatternNamesTheFieldsOfMarks()
    {
        var re = new Regex(@"^ts=(?<ts>\d+) pid=(?<pid>\d+) tid=(?<tid>\d+) comm=(?<comm>\S+) op=(?<name>\S+) count=(?<value>-?\d+)$");
        var p = Read("printf-kv.txt", new BpftraceOptions { LinePattern = re });
        Assert.NotEmpty(p.Marks);
        Assert.All(p.Marks, m =>
        {
            Assert.Equal("write", m.Name);
            Assert.True(m.Value > 0);
            var t = p.Threads[m.Thread];
            Assert.Equal("burn-cpp", t.Name);
            Assert.True(t.Pid > 0 && t.Tid > 0);
        });
        // @writes[comm] = count() ran in the same probe as the printf
        Assert.Equal(FormattableString.Invariant($"@writes[burn-cpp]: {p.Marks.Count}"), Assert.Single(p.Comments));
        Assert.True(p.Diagnostics.Get(BpftraceProfileBuilder.TimeCounter) > 0);
        // without the pattern these lines carry no leading number: counted, not lost
        var plain = Read("printf-kv.txt");
        Assert.Empty(plain.Marks);
        Assert.Equal(p.Marks.Count, plain.Diagnostics.Get(BpftraceProfileBuilder.UntimedCounter));
    }

    [Theory]
    [InlineData("lost.txt")]
    [InlineData("lost.json")]
    public void LostEventsAreCounted(string capture)
    {
        var text = File.ReadAllText(Data(capture));
        var expected = capture.EndsWith(".json", StringComparison.Ordinal)
            ? Regex.Matches(text, "\"lost_events\", \"data\": \\{\"events\": (\\d+)\\}").Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            : Regex.Matches(text, @"^Lost (\d+) events$", RegexOptions.Multiline).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(expected > 0);
        var p = Read(capture);
        Assert.Equal(expected, p.Diagnostics.Get(BpftraceProfileBuilder.LostCounter));
        Assert.NotEmpty(p.Marks);
    }

    [Theory]
    [InlineData("interrupted.txt", "stacks.txt")]
    [InlineData("interrupted.json", "stacks.json")]
    public void InterruptedCaptureIsReadUpToTheDamage(string capture, string whole)
    {
        var e = Assert.Throws<CaptureFormatException>(() => Read(capture));
        Assert.InRange(e.Offset, 0, new FileInfo(Data(capture)).Length);
        var salvaged = Read(capture, salvage: true);
        Assert.NotNull(salvaged.Damage);
        var full = SampleFrames(Read(whole));
        var part = SampleFrames(salvaged);
        Assert.InRange(part.Count, 1, full.Count - 1);
        for (var i = 0; i < part.Count; i++) Assert.Equal(full[i], part[i]);

        var r = CliRunner.Run("convert", Data(capture), "--kallsyms", CliRunner.Kallsyms);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("at byte", r.Stderr, StringComparison.Ordinal);
        r = CliRunner.Run("convert", Data(capture), "--salvage", "--kallsyms", CliRunner.Kallsyms);
        Assert.Equal(3, r.ExitCode);
        Assert.NotEmpty(r.Stdout);
    }

    [Theory]
    [InlineData("stacks.txt")]
    [InlineData("stacks.json")]
    [InlineData("kstack.txt")]
    [InlineData("kstack.json")]
    [InlineData("ustack.txt")]
    [InlineData("hist.txt")]
    [InlineData("hist.json")]
    [InlineData("printf.txt")]
    [InlineData("printf.json")]
    [InlineData("printf-kv.txt")]
    [InlineData("lost.txt")]
    [InlineData("lost.json")]
    [InlineData("raw-mode.txt")]
    [InlineData("perf.txt")]
    [InlineData("perf.json")]
    public void CapturesAreDetectedByContent(string capture)
    {
        var bytes = File.ReadAllBytes(Data(capture));
        var head = bytes.AsSpan(0, Math.Min(bytes.Length, FormatRegistry.HeaderSize));
        Assert.Equal(DetectResult.Yes, BpftraceFormat.Instance.Detect(head));
        Assert.Equal(DetectResult.No, Stackweave.Formats.PerfData.PerfDataFormat.Instance.Detect(head));
    }

    [Theory]
    [InlineData("bpftrace", "kstack.txt.folded")]
    [InlineData("bpftrace", "stacks.bt")]
    [InlineData("cpp-fp", "perf.data")]
    [InlineData("cpp-fp", "perf.data.script.txt")]
    [InlineData("cpp-fp", "perf.data.folded")]
    public void OtherFilesAreNotBpftrace(string dir, string file)
    {
        var bytes = File.ReadAllBytes(RepoPaths.TestData(dir, file));
        Assert.NotEqual(DetectResult.Yes, BpftraceFormat.Instance.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, BpftraceFormat.Instance.HeaderSize))));
    }

    [Theory]
    [InlineData("--bpftrace-line", "no-ts-group")]
    [InlineData("--bpftrace-line", "(unclosed")]
    [InlineData("--bpftrace-clock", "sundial")]
    [InlineData("--keys", "pid,,comm")]
    public void BadBpftraceOptionsAreUsageErrors(string option, string value)
    {
        var r = CliRunner.Run("convert", Data("printf.txt"), option, value);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(option, r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("perf.txt")]
    [InlineData("perf.json")]
    public void PerfModeStacksFoldLikeTheDefaultModeOnes(string capture)
    {
        // perf.bt fills @kp[kstack(perf), comm] and @k[kstack] in the same probe: summed over comm they are equal
        var kp = CliRunner.Run("convert", Data(capture), "--map", "kp", "--kallsyms", CliRunner.Kallsyms);
        var k = CliRunner.Run("convert", Data(capture), "--map", "@k", "--kallsyms", CliRunner.Kallsyms);
        Assert.True(kp.ExitCode == 0, kp.Stderr);
        Assert.True(k.ExitCode == 0, k.Stderr);
        Assert.NotEmpty(k.Stdout);
        Assert.Equal(k.Stdout, kp.Stdout);
        // perf-mode user frames: names without address, offset or module
        var up = CliRunner.Run("convert", Data(capture), "--map", "up", "--kallsyms", CliRunner.Kallsyms);
        Assert.True(up.ExitCode == 0, up.Stderr);
        Assert.Contains("__libc_start_call_main;main;worker(int, long, int, unsigned long*);", up.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("/burn-cpp)", up.Stdout, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\+\d+[; ]", up.Stdout);
        // the comm key names the thread when asked
        var p = Read(capture, new BpftraceOptions { Map = "kp", Keys = ["_", "comm"] });
        Assert.All(Enumerable.Range(0, p.Samples.Count), i => Assert.Contains(p.Threads[p.Samples.Thread(i)].Name, new[] { "burn-cpp", "dd" }));
    }
}
