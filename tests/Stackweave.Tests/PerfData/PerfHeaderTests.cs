using System.Globalization;
using System.Text;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.PerfData;

/// <summary>Decoded features equal what perf report --header-only -I prints (golden files in Data/).</summary>
public sealed class PerfHeaderTests
{
    public static TheoryData<string> Captures() => PerfTestUtil.Captures();

    // tools/perf/util/header.c feat_ops names, by feature bit
    private static readonly string[] s_featNames =
    [
        "RESERVED", "TRACING_DATA", "BUILD_ID", "HOSTNAME", "OSRELEASE", "VERSION", "ARCH", "NRCPUS", "CPUDESC",
        "CPUID", "TOTAL_MEM", "CMDLINE", "EVENT_DESC", "CPU_TOPOLOGY", "NUMA_TOPOLOGY", "BRANCH_STACK",
        "PMU_MAPPINGS", "GROUP_DESC", "AUXTRACE", "STAT", "CACHE", "SAMPLE_TIME", "MEM_TOPOLOGY", "CLOCKID",
        "DIR_FORMAT", "BPF_PROG_INFO", "BPF_BTF", "COMPRESSED", "CPU_PMU_CAPS", "CLOCK_DATA", "HYBRID_TOPOLOGY",
        "PMU_CAPS",
    ];

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Usec(ulong ns) => Inv($"{ns / 1_000_000_000}.{ns % 1_000_000_000 / 1000:D6}");

    /// <summary>Our features rendered the way perf prints them, for the lines we compare.</summary>
    private static List<string> Render(PerfDataFile f)
    {
        var x = f.Features;
        var l = new List<string>();
        l.Add(Inv($"# data offset    : {f.DataOffset}"));
        l.Add(Inv($"# data size      : {f.DataSize}"));
        if (x.Hostname is not null) l.Add("# hostname : " + x.Hostname);
        if (x.OsRelease is not null) l.Add("# os release : " + x.OsRelease);
        if (x.Version is not null) l.Add("# perf version : " + x.Version);
        if (x.Arch is not null) l.Add("# arch : " + x.Arch);
        if (x.NrCpusOnline is { } on) l.Add(Inv($"# nrcpus online : {on}"));
        if (x.NrCpusAvailable is { } av) l.Add(Inv($"# nrcpus avail : {av}"));
        if (x.CpuDesc is not null) l.Add("# cpudesc : " + x.CpuDesc);
        if (x.CpuId is not null) l.Add("# cpuid : " + x.CpuId);
        if (x.TotalMemKb is { } mem) l.Add(Inv($"# total memory : {mem} kB"));
        if (x.Cmdline is not null)
        {
            var sb = new StringBuilder("# cmdline : ");
            foreach (var a in x.Cmdline) sb.Append(a).Append(' ');
            l.Add(sb.ToString());
        }
        for (var i = 0; i < f.Attrs.Count; i++)
            l.Add(Inv($"# event : name = {f.EventName(i)}, , id = {{ {string.Join(", ", f.Attrs[i].Ids)} }}, type = {f.Attrs[i].Type}, size = {f.Attrs[i].Size}"));
        if (x.CpuTopology is { } t)
        {
            foreach (var s in t.CoreSiblings) l.Add("# sibling sockets : " + s);
            foreach (var s in t.DieSiblings ?? []) l.Add("# sibling dies    : " + s);
            foreach (var s in t.ThreadSiblings) l.Add("# sibling threads : " + s);
            if (t.Cpus is { } cpus)
                for (var i = 0; i < cpus.Length; i++)
                    l.Add(t.DieIds is { } d
                        ? Inv($"# CPU {i}: Core ID {cpus[i].CoreId}, Die ID {d[i]}, Socket ID {cpus[i].SocketId}")
                        : Inv($"# CPU {i}: Core ID {cpus[i].CoreId}, Socket ID {cpus[i].SocketId}"));
        }
        foreach (var n in x.NumaTopology ?? [])
        {
            l.Add(Inv($"# node{n.Node} meminfo  : total = {n.MemTotalKb} kB, free = {n.MemFreeKb} kB"));
            l.Add(Inv($"# node{n.Node} cpu list : {n.Cpus}"));
        }
        if (x.Cache is { } cache)
        {
            l.Add("# CPU cache info:");
            foreach (var c1 in cache) l.Add(Inv($"#  L{c1.Level} {c1.Type,-15} {c1.Size,8} [{c1.Map}]"));
        }
        if (x.PmuMappings is { } pm) l.Add("# pmu mappings: " + string.Join(", ", pm.Select(p => Inv($"{p.Name} = {p.Type}"))));
        if (x.SampleTime is { } st)
        {
            l.Add("# time of first sample : " + Usec(st.First));
            l.Add("# time of last sample : " + Usec(st.Last));
        }
        if (x.MemTopology is { } mt) l.Add(Inv($"# memory nodes (nr {mt.Nodes.Count}, block size 0x{mt.BlockSize:x}):"));
        if (x.ClockResolutionNs is { } res && res > 0) l.Add(Inv($"# clockid frequency: {1_000_000_000 / res / 1_000_000} MHz"));
        if (x.Compressed is { } c) l.Add(Inv($"# compressed : {(c.Type == 1 ? "Zstd" : "Unknown")}, level = {c.Level}, ratio = {c.Ratio}"));
        if (x.DirFormatVersion is { } dv) l.Add(Inv($"# directory data version : {dv}"));
        return l;
    }

    private static readonly string[] s_compared =
    [
        "# data offset", "# data size", "# hostname", "# os release", "# perf version", "# arch", "# nrcpus",
        "# cpudesc", "# cpuid", "# total memory", "# cmdline", "# event :", "# sibling", "# CPU ", "# node",
        "# pmu mappings", "# time of first", "# time of last", "# memory nodes", "# clockid frequency",
        "# compressed", "# directory data",
    ];

    [Theory]
    [MemberData(nameof(Captures))]
    public void FeaturesEqualPerfHeaderOnly(string name)
    {
        var golden = Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "PerfData", "Data", name + ".header.txt");
        Assert.True(File.Exists(golden), "missing " + golden + " (see Data/README.md)");
        var expected = File.ReadAllLines(golden).Where(g => s_compared.Any(p => g.StartsWith(p, StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(expected);
        using var f = PerfTestUtil.Open(name);
        var ours = Render(f);
        var sizeLine = expected.FirstOrDefault(e => e.StartsWith("# data size", StringComparison.Ordinal));
        if (sizeLine is not null && !f.IsPipe)
            Assert.True(ours.Contains(sizeLine), "stale golden " + golden + ": capture was re-recorded; regenerate (Data/README.md)");
        foreach (var e in expected)
        {
            if (e.StartsWith("# event :", StringComparison.Ordinal))
            {
                // compare name, ids, type and size (the rest is perf's attr pretty-printer)
                var cut = e.IndexOf(", { sample_period", StringComparison.Ordinal);
                var cut2 = e.IndexOf(", config =", StringComparison.Ordinal);
                var head = e[..(cut2 >= 0 && cut2 < cut ? cut2 : cut)];
                Assert.True(ours.Any(o => o.StartsWith(head + ",", StringComparison.Ordinal) || o == head), head + "\n--- ours:\n" + string.Join("\n", ours));
                continue;
            }
            Assert.True(ours.Contains(e), e + "\n--- ours:\n" + string.Join("\n", ours));
        }

        // "# missing features: A B C" = feature bits not set (perf prints it in file mode)
        var missing = File.ReadAllLines(golden).FirstOrDefault(g => g.StartsWith("# missing features:", StringComparison.Ordinal));
        if (missing is not null)
        {
            var names = missing["# missing features:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            for (var bit = 1; bit <= 30; bit++)
            {
                if (s_featNames[bit] is "BPF_PROG_INFO" or "BPF_BTF") continue;
                Assert.True(names.Contains(s_featNames[bit]) != f.Features.Present.Contains((PerfFeature)bit), s_featNames[bit]);
            }
        }
        if (f.Features.ClockData is { } cd)
        {
            // "# reference time: … = 1795618883.716027 (TOD) = 879.108747274 (monotonic_raw)"
            var line = File.ReadAllLines(golden).Single(g => g.StartsWith("# reference time:", StringComparison.Ordinal));
            Assert.Contains(Inv($"= {cd.WallClockNs / 1_000_000_000}.{cd.WallClockNs % 1_000_000_000 / 1000:D6} (TOD)"), line);
            Assert.Contains(Inv($"= {cd.ClockIdTimeNs / 1_000_000_000}.{cd.ClockIdTimeNs % 1_000_000_000:D9} ("), line);
            Assert.Contains(Inv($"# clockid: monotonic_raw ({cd.ClockId})"), File.ReadAllLines(golden));
        }
    }
}
