using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Tests.Output;

/// <summary>The folded writer's shortcut (comm and event read straight from the model) must agree with reading the header text perf would print.</summary>
public class FoldedPropertyTests
{
    private static readonly char[] s_chars = ['a', 'b', 'j', 'v', ' ', '\t', '1', '0', '9', ':', '/', '-', '.', 'é', '(', ')', ';', '[', ']'];

    private static Gen<string> Text(int max) =>
        Gen.Elements(s_chars).ArrayOf().Select(a => new string(a.Take(max).ToArray()));

    public static Arbitrary<(string Comm, int Pid, int Tid, string Event, string Trace, bool NoTime)[]> Samples() =>
        (from comm in Text(16)
         from pid in Gen.Choose(-1, 5)
         from tid in Gen.Choose(-1, 5)
         from evt in Gen.Elements("cpu-clock", "task-clock", "sched:sched_switch", "a b", "x:", "12")
         from trace in Gen.Elements("", "prev_comm=a ==> next_comm=b", "weird: x:", "y: ", "a: 5 b:")
         from noTime in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
         select (comm, pid, tid, evt, trace, noTime)).ArrayOf().ToArbitrary();

    [FsCheck.Xunit.Property(Arbitrary = [typeof(FoldedPropertyTests)], MaxTest = 200)]
    public void Shortcut_equals_text_path((string Comm, int Pid, int Tid, string Event, string Trace, bool NoTime)[] rows, bool pid, bool tid, bool pidLayout)
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        // sample_type IP|TID|TIME|CALLCHAIN|PERIOD (include/uapi/linux/perf_event.h).
        const ulong St = 1 | 2 | 4 | 32 | 256;
        var names = new Dictionary<string, int>();
        var loc = p.InternLocation(-1, 0x1234);
        p.Locations[loc].Lines.Add(new Line(p.InternFunction("f"), 0));
        var stack = p.Stacks.Push(StackTable.Root, loc);
        var time = 1L;
        foreach (var r in rows)
        {
            if (!names.TryGetValue(r.Event, out var e))
            {
                e = p.Events.Count;
                names[r.Event] = e;
                var tp = r.Event.StartsWith("sched", StringComparison.Ordinal);
                p.Events.Add(new EventInfo { Name = r.Event, Kind = tp ? EventKind.Tracepoint : EventKind.Software, PerfSampleType = St });
            }
            var th = p.InternThread(r.Pid, r.Tid, r.Comm);
            p.Samples.Add(stack, th, r.NoTime ? SampleTable.NoTime : time += 1000, [1, 7], e, -1,
                p.Events[e].Kind == EventKind.Tracepoint ? [new Label("trace", r.Trace)] : null);
        }
        var o = new FoldedOptions { Pid = pid, Tid = tid, InputFields = pidLayout ? PerfScriptFields.PidTid : PerfScriptFields.Default };
        var fast = FoldedWriter.Collapse(p, o, out var r1, forceTextPath: false);
        var slow = FoldedWriter.Collapse(p, o, out var r2, forceTextPath: true);
        Assert.Equal(slow, fast);
        Assert.Equal(r2.SkippedSamples, r1.SkippedSamples);
        Assert.Equal(r2.FilterWarningEvent, r1.FilterWarningEvent);
        Assert.Equal(r2.UnattributedSamples, r1.UnattributedSamples);
    }
}
