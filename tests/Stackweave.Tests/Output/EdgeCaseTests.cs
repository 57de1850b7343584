using System.Text;
using Stackweave.Formats.Folded;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Tests.Output;

/// <summary>
/// FoldedWriter on <see cref="EdgeCaseProfile"/> against the real stackcollapse-perf.pl run on that profile's perf script
/// text (files in Output/Data, commands in Output/Data/README.md). Set STACKWEAVE_BLESS=1 to rewrite the two input texts.
/// </summary>
public class EdgeCaseTests
{
    private static string Data(string name)
        => Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Output", "Data", name);

    private static string Script(PerfScriptFields fields)
    {
        var sw = new StringWriter();
        PerfScriptWriter.Write(EdgeCaseProfile.Build(), sw, new PerfScriptOptions { Fields = fields });
        return sw.ToString();
    }

    [Theory]
    [InlineData("edge.script.txt", PerfScriptFields.Default)]
    [InlineData("edge.script-pid.txt", PerfScriptFields.PidTid)]
    public void Input_text_is_what_the_writer_prints(string file, PerfScriptFields fields)
    {
        var text = Script(fields);
        if (Environment.GetEnvironmentVariable("STACKWEAVE_BLESS") == "1")
            File.WriteAllText(Data(file), text, new UTF8Encoding(false));
        GoldenScriptTextTests.AssertSameText(File.ReadAllText(Data(file), Encoding.UTF8), text, file);
    }

    public static TheoryData<string, string> Runs() => new()
    {
        { "edge.folded", "" },
        { "edge.kernel.folded", "--kernel" },
        { "edge.jit.folded", "--jit" },
        { "edge.all.folded", "--all" },
        { "edge.addrs.folded", "--addrs" },
        { "edge.task-clock.folded", "--event-filter=task-clock" },
        { "edge.sched.folded", "--event-filter=sched:sched_switch" },
        { "edge.pid.folded", "--pid" },
        { "edge.tid.folded", "--tid" },
        { "edge.tid-all-addrs.folded", "--tid --all --addrs" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void Folded_equals_stackcollapse(string expectedFile, string args)
    {
        var o = new FoldedOptions();
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (a)
            {
                case "--kernel": o.Kernel = true; break;
                case "--jit": o.Jit = true; break;
                case "--all": o.All = true; break;
                case "--addrs": o.Addrs = true; break;
                case "--pid": o.Pid = true; break;
                case "--tid": o.Tid = true; break;
                default: o.EventFilter = a["--event-filter=".Length..]; break;
            }
        }
        var ms = new MemoryStream();
        var r = FoldedWriter.Write(EdgeCaseProfile.Build(), ms, o);
        var expected = File.ReadAllBytes(Data(expectedFile));
        GoldenScriptTextTests.AssertSameText(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(ms.ToArray()), expectedFile);
        Assert.Equal(expected, ms.ToArray());

        var stderr = File.Exists(Data(expectedFile + ".stderr")) ? File.ReadAllText(Data(expectedFile + ".stderr")) : "";
        const string Prefix = "Filtering for events of type: ";
        var warned = stderr.Split('\n').FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))?[Prefix.Length..];
        Assert.Equal(warned, r.FilterWarningEvent);
    }

    [Fact]
    public void Skipped_events_are_counted_and_named()
    {
        var r = FoldedWriter.Write(EdgeCaseProfile.Build(), new StringWriter(), new FoldedOptions());
        Assert.Equal("cpu-clock", r.KeptEvent);
        Assert.True(r.EventDefaulted);
        Assert.Equal(2, r.SkippedSamples);
        Assert.Equal(["task-clock", "x"], r.SkippedByEvent.Select(k => k.Key));
        Assert.Equal("skipped 2 samples of events task-clock, x (use --event-filter)", r.SkippedNote());
    }
}

/// <summary>printf formats perf uses, checked against the C library's own output (printf(1) follows C printf).</summary>
public class PrintfFormatTests
{
    [Theory]
    [InlineData(0, "000")]
    [InlineData(7, "007")]
    [InlineData(123, "123")]
    [InlineData(1234, "1234")]
    [InlineData(-1, "-01")]   // printf '%03d' -1
    [InlineData(-12, "-12")]
    public void Cpu_is_zero_padded_like_percent_03d(int cpu, string expected)
        => Assert.Equal(expected, Stackweave.Formats.PerfScript.PerfScriptLayout.AppendZeroPadded3(new System.Text.StringBuilder(), cpu).ToString());

    [Theory]
    [InlineData(0UL, "    0.000000")]
    [InlineData(860_738_737_123UL, "  860.738737")]
    [InlineData(123_456_789_012_345UL, "123456.789012")]
    public void Time_is_seconds_dot_microseconds_in_12_columns(ulong ns, string expected)
        => Assert.Equal(expected, Stackweave.Formats.PerfScript.PerfScriptLayout.AppendTimeUsec(new System.Text.StringBuilder(), ns, 12).ToString());
}

/// <summary>Profiles without perf events (pprof, bpftrace) fold by a value column, not by perf script text.</summary>
public class GenericFoldedTests
{
    [Fact]
    public void Profile_without_events_counts_its_last_value_column()
    {
        var p = new Stackweave.Formats.Model.Profile([new("samples", "count"), new("cpu", "nanoseconds")]);
        var m = p.AddMapping(new Stackweave.Formats.Model.Mapping { Path = "/bin/x", Start = 0x1000, Limit = 0x2000, Kind = Stackweave.Formats.Model.MappingKind.User });
        int Loc(string name, ulong a)
        {
            var l = p.InternLocation(m, a);
            p.Locations[l].Lines.Add(new Stackweave.Formats.Model.Line(p.InternFunction(name), 0));
            return l;
        }
        var main = Loc("main", 0x1100);
        var work = Loc("work(int)", 0x1200);
        var unk = p.InternLocation(m, 0x1300);
        var s1 = p.Stacks.FromRootFirst([main, work]);
        var s2 = p.Stacks.FromRootFirst([main, unk]);
        p.Samples.Add(s1, -1, Stackweave.Formats.Model.SampleTable.NoTime, [3, 30_000_000]);
        p.Samples.Add(s1, -1, Stackweave.Formats.Model.SampleTable.NoTime, [1, 10_000_000]);
        p.Samples.Add(s2, -1, Stackweave.Formats.Model.SampleTable.NoTime, [2, 20_000_000]);
        p.Samples.Add(s2, -1, Stackweave.Formats.Model.SampleTable.NoTime, [0, 0]);
        var sw = new StringWriter();
        var r = FoldedWriter.Write(p, sw);
        Assert.Equal("main;[x] 20000000\nmain;work 40000000\n", sw.ToString());
        Assert.Equal(3, r.SamplesWritten);

        sw = new StringWriter();
        FoldedWriter.Write(p, sw, new FoldedOptions { ValueIndex = 0 });
        Assert.Equal("main;[x] 2\nmain;work 4\n", sw.ToString());
    }
}
