using System.Text.Json;
using Stackweave.Formats.Model;
using Stackweave.Formats.Speedscope;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Speedscope;

/// <summary>The speedscope files the tests check: outputs of the CLI on the bundled captures, and of hand-built profiles.</summary>
public static class SpeedscopeCases
{
    /// <summary>Case name → convert arguments after the input (the input is testdata/DIR/perf.data).</summary>
    public static readonly (string Name, string Dir, string[] Args)[] CliCases =
    [
        ("go-fp", "go-fp", []),
        ("go-fp-sampled", "go-fp", ["--sampled"]),
        ("go-fp-sampled-count", "go-fp", ["--sampled", "--weight", "count"]),
        ("cpp-fp", "cpp-fp", []),
        ("threads", "threads", []),
        ("two-events", "two-events", []),
        ("two-events-all", "two-events", ["--all-events"]),
        ("two-events-all-sampled", "two-events", ["--all-events", "--sampled"]),
        ("two-events-task-clock", "two-events", ["--event", "task-clock/period=4000000/"]),
        ("tracepoints-all", "tracepoints", ["--all-events"]),
    ];

    /// <summary>Runs <c>stackweave convert testdata/DIR/perf.data --format speedscope ARGS</c> and returns the JSON text.</summary>
    public static string Convert(string dir, params string[] args)
    {
        var r = CliRunner.Run(["convert", RepoPaths.TestData(dir, "perf.data"), "--format", "speedscope", "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms, .. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    /// <summary>Case name → (bpftrace output in testdata/bpftrace, convert arguments after the input).</summary>
    public static readonly (string Name, string File, string[] Args)[] BpftraceCases =
    [
        ("printf-timeline", "printf.txt", []),
        ("printf-timeline-json", "printf.json", []),
        ("printf-timeline-sampled", "printf.txt", ["--sampled"]),
        ("printf-kv-timeline", "printf-kv.txt", ["--bpftrace-line", KvPattern]),
    ];

    /// <summary>The <c>--bpftrace-line</c> pattern of printf-kv.bt's lines.</summary>
    public const string KvPattern = @"^ts=(?<ts>\d+) pid=(?<pid>\d+) tid=(?<tid>\d+) comm=(?<comm>\S+) op=(?<name>\S+) count=(?<value>-?\d+)$";

    /// <summary>Runs <c>stackweave convert testdata/bpftrace/FILE --format speedscope ARGS</c> and returns the JSON text.</summary>
    public static string ConvertBpftrace(string file, params string[] args)
    {
        var r = CliRunner.Run(["convert", RepoPaths.TestData("bpftrace", file), "--format", "speedscope", .. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    /// <summary>The JSON of a named case (CLI cases and the hand-built ones).</summary>
    public static string Json(string name)
    {
        foreach (var (n, dir, args) in CliCases)
            if (n == name) return Convert(dir, args);
        foreach (var (n, file, args) in BpftraceCases)
            if (n == name) return ConvertBpftrace(file, args);
        var p = name switch
        {
            "aggregate" => AggregateProfile(),
            "mixed-time" => MixedTimeProfile(),
            "marks" => MarksProfile(),
            _ => throw new ArgumentException(name),
        };
        var ms = new MemoryStream();
        SpeedscopeWriter.Write(p, ms, new SpeedscopeOptions { Exporter = "stackweave test" });
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Every case name.</summary>
    public static IEnumerable<string> Names => CliCases.Select(c => c.Name).Concat(BpftraceCases.Select(c => c.Name)).Concat(["aggregate", "mixed-time", "marks"]);

    /// <summary>A pprof-like profile: two value columns, no timestamps, a symbol with every awkward character.</summary>
    public static Profile AggregateProfile()
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("cpu", "nanoseconds")]);
        p.Source.File = "cpu.pb.gz";
        var names = new[] { "main", "std::map<int, std::string>::find(\"k\")", "main.func1\n\"quoted\",", "leaf é ☃" };
        var locs = names.Select((n, i) =>
        {
            var l = p.InternLocation(-1, (ulong)(0x1000 + i));
            p.Locations[l].Lines.Add(new Line(p.InternFunction(n, null, i == 1 ? "map.h" : null), 0));
            return l;
        }).ToArray();
        var unresolved = p.InternLocation(-1, 0xdead);
        var s1 = p.Stacks.FromRootFirst([locs[0], locs[1], locs[3]]);
        var s2 = p.Stacks.FromRootFirst([locs[0], locs[2]]);
        var s3 = p.Stacks.FromRootFirst([locs[0], unresolved]);
        p.Samples.Add(s1, -1, SampleTable.NoTime, [3, 30_000_000]);
        p.Samples.Add(s2, -1, SampleTable.NoTime, [1, 10_000_000]);
        p.Samples.Add(s3, -1, SampleTable.NoTime, [2, 20_000_000]);
        return p;
    }

    /// <summary>A timestamped profile with one sample that has no time, two threads and a mark.</summary>
    public static Profile MixedTimeProfile()
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Source.File = "mixed.data";
        p.Events.Add(new EventInfo { Name = "cpu-clock", PeriodUnit = "nanoseconds" });
        var a = p.InternLocation(-1, 1); p.Locations[a].Lines.Add(new Line(p.InternFunction("a"), 0));
        var b = p.InternLocation(-1, 2); p.Locations[b].Lines.Add(new Line(p.InternFunction("b"), 0));
        var t1 = p.InternThread(10, 10, "one");
        var t2 = p.InternThread(10, 11, "two");
        var sa = p.Stacks.FromRootFirst([a]);
        var sab = p.Stacks.FromRootFirst([a, b]);
        p.Samples.Add(sab, t1, 5_000, [1, 1000]);
        p.Samples.Add(sa, t1, 4_000, [1, 1000]);   // out of time order on purpose
        p.Samples.Add(sab, t2, 4_500, [1, 1000]);
        p.Samples.Add(sa, t1, SampleTable.NoTime, [1, 1000]);
        p.Marks.Add(new Mark(4_200, t1, "write", 12, "write 12 bytes"));
        return p;
    }

    /// <summary>
    /// Samples on one thread and marks on two threads and on no thread: marks at equal times, out of time order, one
    /// before the first sample's period and one after the last sample, one without a time.
    /// </summary>
    public static Profile MarksProfile()
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Source.File = "/tmp/marks.data";
        p.Events.Add(new EventInfo { Name = "cpu-clock", PeriodUnit = "nanoseconds" });
        var a = p.InternLocation(-1, 1); p.Locations[a].Lines.Add(new Line(p.InternFunction("a"), 0));
        var t1 = p.InternThread(10, 10, "one");
        var t2 = p.InternThread(20, 21, "two");
        var sa = p.Stacks.FromRootFirst([a]);
        p.Samples.Add(sa, t1, 5_000, [1, 1000]);
        p.Samples.Add(sa, t1, 6_000, [1, 1000]);
        p.Marks.Add(new Mark(4_500, t1, "write", 12, "write 12"));
        p.Marks.Add(new Mark(3_500, t1, "open", null, "open"));        // before the first sample's period (4000)
        p.Marks.Add(new Mark(4_500, t1, "read", 3, "read 3"));         // same time as "write"
        p.Marks.Add(new Mark(7_000, t2, "a", null, "a"));              // after the last sample; same name as a function
        p.Marks.Add(new Mark(5_000, -1, "tick", null, "tick"));
        p.Marks.Add(new Mark(SampleTable.NoTime, t2, "lost", null, "lost"));
        return p;
    }

    /// <summary>Frame indexes a profile uses.</summary>
    public static HashSet<int> FramesUsed(JsonElement profile)
    {
        var used = new HashSet<int>();
        if (profile.GetProperty("type").GetString() == "evented")
            foreach (var e in profile.GetProperty("events").EnumerateArray()) used.Add(e.GetProperty("frame").GetInt32());
        else
            foreach (var s in profile.GetProperty("samples").EnumerateArray())
                foreach (var f in s.EnumerateArray()) used.Add(f.GetInt32());
        return used;
    }
}
