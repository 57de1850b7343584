using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Stackweave.Formats;
using Stackweave.Formats.Folded;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Tests.TextInputs;

/// <summary>Generated samples and texts for the text readers' properties.</summary>
public static class TextArbitraries
{
    /// <summary>One generated frame: printed address, symbol (null = [unknown]), offset, dso index.</summary>
    public sealed record GenFrame(ulong Address, string? Symbol, ulong Offset, int Dso);

    /// <summary>One generated sample.</summary>
    public sealed record GenSample(int Comm, int Tid, int Event, long TimeUs, long Period, int Cpu, GenFrame[] Frames, int Trace);

    /// <summary>A generated capture: samples over fixed comm, event and dso tables.</summary>
    public sealed record GenProfile(GenSample[] Samples);

    public static readonly string[] Comms = ["burn-go", "Web Content", "java", "a", "x 1 y", "swapper", "prog-9", "ünïcode"];
    public static readonly string[] Dsos = ["[kernel.kallsyms]", "/usr/lib/x86_64-linux-gnu/libc.so.6", "[unknown]", "/tmp/perf-123.map", "/opt/my app/bin", "[nf_tables]"];
    public static readonly (string Name, EventKind Kind, bool Cpu)[] Events =
        [("cpu-clock:ppp", EventKind.Software, false), ("cycles:uppp", EventKind.Hardware, false), ("sched:sched_switch", EventKind.Tracepoint, false)];
    public static readonly string[] Traces = ["prev_comm=a prev_pid=1 ==> next_comm=b next_pid=2", "fd: 0x00000001, buf: 0x7ffc, count: 0x00000040"];
    private static readonly string[] s_symbols =
        ["main", "main.fib", "std::vector<int, std::allocator<int> >::push_back(int const&)", "(anonymous namespace)::f", "a->b->c", "x.y$z", "op+", "[unknown]"];

    private static Gen<GenFrame> Frame() =>
        from addr in Gen.Choose(0, int.MaxValue).Select(v => (ulong)v * 4099UL)
        from sym in Gen.Elements(s_symbols)
        from off in Gen.Choose(0, 0x5000)
        from dso in Gen.Choose(0, Dsos.Length - 1)
        select new GenFrame(addr, sym == "[unknown]" ? null : sym, sym == "[unknown]" ? 0 : (ulong)off, dso);

    private static Gen<GenSample> Sample() =>
        from comm in Gen.Choose(0, Comms.Length - 1)
        from tid in Gen.Choose(0, 4_000_000)
        from evt in Gen.Choose(0, Events.Length - 1)
        from time in Gen.Choose(0, int.MaxValue).Select(v => (long)v * 997L)
        from period in Gen.Choose(1, int.MaxValue)
        from frames in Gen.ArrayOf(Frame()).Select(a => a.Take(12).ToArray())
        from trace in Gen.Choose(0, Traces.Length - 1)
        select new GenSample(comm, tid, evt, time, period, -1, frames, trace);

    public static Arbitrary<GenProfile> Profiles() =>
        Arb.From(Gen.ArrayOf(Sample()).Select(a => new GenProfile(a.Take(30).ToArray())));

    /// <summary>The model of a generated capture, as the perf.data reader would build it.</summary>
    public static Profile Build(GenProfile g, bool withPid = false)
    {
        var p = new Profile(PerfScriptReader.SampleTypes);
        foreach (var (name, kind, _) in Events)
            p.Events.Add(new EventInfo
            {
                Name = name, Kind = kind,
                // IP | TID | TIME | CALLCHAIN | PERIOD (+ RAW for tracepoints), include/uapi/linux/perf_event.h
                PerfSampleType = 1UL | 2UL | 4UL | 32UL | 256UL | (kind == EventKind.Tracepoint ? 1024UL : 0),
            });
        var maps = Dsos.Select(d => d == "[unknown]" ? -1 : p.AddMapping(new Mapping { Path = d, Start = 0, Limit = ulong.MaxValue })).ToArray();
        var locs = new List<int>();
        foreach (var s in g.Samples)
        {
            locs.Clear();
            foreach (var f in s.Frames)
            {
                var loc = new Location { Id = p.Locations.Count, MappingId = maps[f.Dso], Address = f.Address, SymbolOffset = f.Offset };
                if (f.Symbol is { } sym) loc.Lines.Add(new Line(p.InternFunction(sym), 0));
                p.Locations.Add(loc);
                locs.Add(loc.Id);
            }
            locs.Reverse();
            var stack = p.Stacks.FromRootFirst(locs.ToArray());
            var thread = p.InternThread(withPid ? s.Tid / 3 + 1 : -1, s.Tid, Comms[s.Comm]);
            var tp = Events[s.Event].Kind == EventKind.Tracepoint;
            p.Samples.Add(stack, thread, s.TimeUs * 1000, [1, tp ? 1 : s.Period], s.Event, -1, tp ? [new Label("trace", Traces[s.Trace])] : null);
        }
        return p;
    }

    /// <summary>What the text says of each sample: comm, tid, time, event, period, trace, frames (address, symbol, offset, dso).</summary>
    public static List<string> Describe(Profile p, PerfScriptFields fields = PerfScriptFields.Default)
    {
        var list = new List<string>();
        var layout = new PerfScriptLayout(p, fields);
        var pidTid = fields == PerfScriptFields.PidTid;
        var locs = new List<int>();
        for (var i = 0; i < p.Samples.Count; i++)
        {
            var th = p.Threads[p.Samples.Thread(i)];
            var sb = new StringBuilder();
            sb.Append(FormattableString.Invariant($"{th.Name}|{(pidTid ? th.Pid : -1)}|{th.Tid}|{p.Samples.Time(i)}|{p.Events[p.Samples.Event(i)].Name}|{layout.PeriodOf(i)}|{(pidTid ? "" : PerfScriptLayout.TraceText(p, i))}"));
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            foreach (var l in locs)
            {
                var loc = p.Locations[l];
                sb.Append(FormattableString.Invariant($" [{layout.PrintedAddress(loc):x} {layout.SymbolOf(loc) ?? "?"} {(loc.Lines.Count > 0 && !pidTid ? loc.SymbolOffset : 0):x} {layout.DsoOf(loc)}]"));
            }
            list.Add(sb.ToString());
        }
        return list;
    }

    /// <summary>Folded text: 1 to 4 frames from a small alphabet, integer counts.</summary>
    public static Arbitrary<string[]> FoldedLines() =>
        Arb.From(
            from n in Gen.Choose(1, 20)
            from lines in Gen.ArrayOf(
                from frames in Gen.ArrayOf(Gen.Elements("main", "a", "b::c", "[unknown]", "x y", "f(int)", "k_[k]", "é")).Select(a => a.Length == 0 ? ["main"] : a.Take(4).ToArray())
                from count in Gen.Choose(1, 1_000_000)
                select string.Join(';', frames) + " " + count.ToString(System.Globalization.CultureInfo.InvariantCulture), n)
            select lines);
}

/// <summary>Point 6 of issue 8: round trips through the text formats, and arbitrary text only ever gives a format error.</summary>
public class TextPropertyTests
{
    [Property(Arbitrary = [typeof(TextArbitraries)], MaxTest = 200)]
    public void ScriptTextReadsBackTheSamples(TextArbitraries.GenProfile g)
    {
        var p = TextArbitraries.Build(g);
        var text = new StringWriter();
        PerfScriptWriter.Write(p, text);
        var back = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), "gen.txt");
        Assert.Equal(0, back.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Equal(TextArbitraries.Describe(p), TextArbitraries.Describe(back));
        if (g.Samples.Length > 0)
        {
            // the text is recognised by content too
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            Assert.Equal(DetectResult.Yes, PerfScriptFormat.Instance.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, PerfScriptFormat.Instance.HeaderSize))));
        }
    }

    /// <summary>The -F comm,pid,tid,time,event,ip,sym,dso,period layout: pids are read, offsets and trace text are not printed.</summary>
    [Property(Arbitrary = [typeof(TextArbitraries)], MaxTest = 100)]
    public void PidTidLayoutReadsBackTheSamples(TextArbitraries.GenProfile g)
    {
        var p = TextArbitraries.Build(g, withPid: true);
        var text = new StringWriter();
        PerfScriptWriter.Write(p, text, new PerfScriptOptions { Fields = PerfScriptFields.PidTid });
        var back = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), "gen.txt");
        Assert.Equal(0, back.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Equal(TextArbitraries.Describe(p, PerfScriptFields.PidTid), TextArbitraries.Describe(back, PerfScriptFields.PidTid));
    }

    [Property(Arbitrary = [typeof(TextArbitraries)], MaxTest = 200)]
    public void FoldedTextRoundTrips(string[] lines)
    {
        var text = string.Join('\n', lines) + "\n";
        var p = FoldedReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "gen.folded");
        Assert.Equal(lines.Length, p.Samples.Count);
        var w = new StringWriter();
        FoldedWriter.Write(p, w);
        // the writer merges equal stacks and sorts: compare with the same done to the input
        var expected = lines.Select(l => (Stack: l[..l.LastIndexOf(' ')], Count: long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
            .GroupBy(x => x.Stack, StringComparer.Ordinal)
            .Select(gr => gr.Key + " " + gr.Sum(x => x.Count).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Order(Comparer<string>.Create(Utf8Order.Compare));
        Assert.Equal(string.Concat(expected.Select(l => l + "\n")), w.ToString());
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(DetectResult.Yes, FoldedFormat.Instance.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, FoldedFormat.Instance.HeaderSize))));
    }

    private static void OnlyFormatErrors(byte[] bytes)
    {
        foreach (var salvage in new[] { false, true })
        {
            var options = new ReadOptions { Salvage = salvage };
            try { PerfScriptReader.Read(new MemoryStream(bytes), "any.txt", options); }
            catch (CaptureFormatException) { }
            try { FoldedReader.Read(new MemoryStream(bytes), "any.txt", options); }
            catch (CaptureFormatException) { }
        }
        _ = PerfScriptFormat.Instance.Detect(bytes);
        _ = FoldedFormat.Instance.Detect(bytes);
        // and through detection, as the CLI reads an input
        try
        {
            var peek = new PeekStream(new MemoryStream(bytes));
            FormatRegistry.Detect("any", peek).Read(peek, "any", ReadOptions.Default);
        }
        catch (CaptureFormatException) { }
    }

    [Property(MaxTest = 300)]
    public void ArbitraryBytesOnlyGiveFormatErrors(byte[] bytes) => OnlyFormatErrors(bytes);

    [Property(Arbitrary = [typeof(TextArbitraries)], MaxTest = 200)]
    public void DamagedScriptTextOnlyGivesFormatErrors(TextArbitraries.GenProfile g, int cut, int flip, byte with)
    {
        var text = new StringWriter();
        PerfScriptWriter.Write(TextArbitraries.Build(g), text);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (bytes.Length == 0) return;
        bytes[(int)((uint)flip % bytes.Length)] = with;
        OnlyFormatErrors(bytes[..(int)((uint)cut % (bytes.Length + 1))]);
    }

    [Property(MaxTest = 300)]
    public void ArbitraryTextOnlyGivesFormatErrors(string[] lines)
        => OnlyFormatErrors(Encoding.UTF8.GetBytes(string.Join('\n', lines.Where(l => l is not null))));
}
