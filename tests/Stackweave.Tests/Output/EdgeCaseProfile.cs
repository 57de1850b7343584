using Stackweave.Formats.Model;

namespace Stackweave.Tests.Output;

/// <summary>
/// A hand-built profile full of the cases stackcollapse-perf.pl treats specially (odd comms, symbol tidying, unknown frames,
/// kernel/JIT/vdso dsos, several events, tracepoint text, tid 0, period 0, empty stacks, non-ASCII names).
/// Its perf script text is Data/edge.script.txt; Data/README.md says how the expected folded files were made from it.
/// </summary>
internal static class EdgeCaseProfile
{
    // include/uapi/linux/perf_event.h sample_type bits: IP|TID|TIME|CALLCHAIN|CPU|PERIOD, and RAW for the tracepoint.
    private const ulong Common = (1UL << 0) | (1UL << 1) | (1UL << 2) | (1UL << 5) | (1UL << 7) | (1UL << 8);

    public static Profile Build()
    {
        var p = new Profile([new SampleType("samples", "count"), new SampleType("period", "count")]);
        p.Events.Add(new EventInfo { Name = "cpu-clock", Kind = EventKind.Software, PerfSampleType = Common, PeriodOrFreq = 1000 });
        p.Events.Add(new EventInfo { Name = "task-clock", Kind = EventKind.Software, PerfSampleType = Common, PeriodOrFreq = 1000 });
        p.Events.Add(new EventInfo { Name = "sched:sched_switch", Kind = EventKind.Tracepoint, PerfSampleType = Common | (1UL << 10), PeriodOrFreq = 1 });

        int Map(string path, MappingKind kind, ulong start, ulong off)
            => p.AddMapping(new Mapping { Path = path, Kind = kind, Start = start, Limit = start + 0x100000, FileOffset = off });
        var app = Map("/usr/bin/app", MappingKind.User, 0x555500000000, 0x1000);
        var libfoo = Map("/usr/lib/libfoo.so", MappingKind.User, 0x7f0000000000, 0);
        var kernel = Map("[kernel.kallsyms]", MappingKind.Kernel, 0xffffffff81000000, 0xffffffff81000000);
        var nft = Map("[nf_tables]", MappingKind.KernelModule, 0xffffffffc0000000, 0);
        var jit = Map("/tmp/perf-200.map", MappingKind.Jit, 0x7e0000000000, 0);
        var anon = Map("//anon", MappingKind.Anonymous, 0x7d0000000000, 0);
        var jvm = Map("/usr/lib/jvm/libjvm.so", MappingKind.User, 0x7c0000000000, 0x2000);
        var vdso = Map("[vdso]", MappingKind.Vdso, 0x7ffff7fc1000, 0);
        var memfd = Map("/memfd:x (deleted)", MappingKind.User, 0x7b0000000000, 0);

        ulong next = 0x10;
        int Loc(int map, string? sym, ulong off = 0x10, bool ret = true)
        {
            var start = map >= 0 ? p.Mappings[map].Start : 0xdead0000;
            var id = p.InternLocation(map, start + next, ret);
            next += 0x40;
            if (sym is not null)
            {
                p.Locations[id].Lines.Add(new Line(p.InternFunction(sym), 0));
                p.Locations[id].SymbolOffset = off;
            }
            return id;
        }

        long time = 1_000_000_000;
        void Add(string comm, int pid, int tid, int evt, long period, int[] leafFirst, string? trace = null, int cpu = 0)
        {
            var rootFirst = leafFirst.Reverse().ToArray();
            var stack = p.Stacks.FromRootFirst(rootFirst);
            time += 1_234_567;
            p.Samples.Add(stack, p.InternThread(pid, tid, comm), time, [1, period], evt, cpu,
                trace is null ? null : [new Label("trace", trace)]);
        }

        var main = Loc(app, "main", 0x2a);
        var sysc = Loc(kernel, "do_syscall_64", 0x71);
        var entry = Loc(kernel, "entry_SYSCALL_64_after_hwframe", 0x76);

        // 1. comm with a space; C++ arguments; unknown symbol in a known dso; kernel frames.
        Add("Web Content", 100, 101, 0, 1000,
            [Loc(kernel, "pvm_irq_enable", 0x19, false), sysc, entry, Loc(libfoo, null), Loc(app, "foo(int, char)"), main]);
        // 2. java: L-prefixed JIT frame, anon unknown frame, anonymous namespace; period 0 counts as 1.
        Add("java", 200, 201, 0, 0,
            [Loc(jit, "Ljava/lang/Thread;::run", 0, false), Loc(anon, null), Loc(jvm, "(anonymous namespace)::bar()"), Loc(jvm, "JavaMain")]);
        // 3. one-character comm (the script's "\S.+?" needs two bytes).
        Add("a", 300, 300, 0, 2000, [Loc(app, "work", 0x4, false), main]);
        // 4. comm with '/' and ':'; kernel module frame.
        Add("kworker/0:1", 10, 10, 0, 1000, [Loc(nft, "nft_do_chain", 0x8, false), Loc(kernel, "worker_thread", 0x100)]);
        // 5. tid 0; frame with no mapping.
        Add("swapper", 0, 0, 0, 1000, [Loc(-1, null, 0, false), Loc(kernel, "cpu_startup_entry", 0x20)], cpu: 1);
        // 6. second event: dropped by default, kept by --event-filter task-clock.
        Add("app", 100, 100, 1, 4000, [Loc(app, "spin", 0x8, false), main]);
        // 7. tracepoint: the trace text hides the event name from the script (counted, period 1).
        Add("app", 100, 100, 2, 1, [Loc(kernel, "__schedule", 0x628, false), Loc(kernel, "schedule", 0x23), sysc, entry, main],
            "prev_comm=app prev_pid=100 ==> next_comm=swapper/1 next_pid=0");
        // 8. tracepoint whose text ends in "word:": the script reads "x" as the event.
        Add("app", 100, 100, 2, 1, [Loc(kernel, "__schedule", 0x628, false), main], "weird: x:");
        // 9. symbol tidying: dot-paren names, quotes, semicolons, arrows, leading '(', a literal +0x suffix.
        Add("app", 100, 100, 0, 1000,
            [Loc(app, "Foo.(bar).baz(int)", 1, false), Loc(app, "say\"hi'there"), Loc(app, "x;y"), Loc(app, "operator->"),
             Loc(app, "a->b->"), Loc(app, "(skipped)"), Loc(app, "lit+0x10"), main]);
        // 10. same stack again (aggregation) and an empty stack.
        Add("a", 300, 300, 0, 3000, [p.Locations.Count > 0 ? FindLoc(p, "work") : 0, main]);
        Add("empty", 400, 400, 0, 1000, []);
        // 11. deleted memfd dso; vdso frame.
        Add("memfd:x", 500, 500, 0, 1000, [Loc(vdso, "__vdso_clock_gettime", 0x5, false), Loc(memfd, null), main]);
        // 12. non-ASCII: one two-byte comm, names ordering beyond the BMP.
        Add("é", 600, 600, 0, 1000, [Loc(app, "naïve_ü", 0x1, false), main]);
        Add("uni", 601, 601, 0, 1000, [Loc(app, "\U0001F600", 0x1, false), main]);
        Add("uni", 601, 601, 0, 1000, [Loc(app, "\uFFFD", 0x1, false), main]);
        // 13. comm with a trailing space, and one with a space before digits.
        Add("trail ", 700, 700, 0, 1000, [Loc(app, "t", 0x1, false), main]);
        Add("w 12 x", 701, 702, 0, 1000, [Loc(app, "u", 0x1, false), main]);
        // 14. kernel-only stack of another cpu-clock sample with a large period.
        Add("dd", 800, 800, 0, 3_000_000_000L, [Loc(kernel, "clear_page_erms", 0x7, false), sysc, entry]);
        return p;
    }

    private static int FindLoc(Profile p, string name)
    {
        foreach (var l in p.Locations)
            if (l.Lines.Count > 0 && p.FunctionName(l.Lines[0].FunctionId) == name) return l.Id;
        throw new InvalidOperationException(name);
    }
}
