using System.Globalization;
using System.Text;

namespace Stackweave.Formats.PerfData;

/// <summary>Event names perf derives from an attr when no EVENT_DESC / EVENT_UPDATE name exists (tools/perf/util/evsel.c evsel__name).</summary>
public static class PerfEventNames
{
    // tools/perf/util/evsel.c evsel__hw_names, indexed by PERF_COUNT_HW_* (include/uapi/linux/perf_event.h)
    private static readonly string[] s_hw =
    [
        "cycles", "instructions", "cache-references", "cache-misses", "branches", "branch-misses",
        "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles",
    ];

    // tools/perf/util/evsel.c evsel__sw_names, indexed by PERF_COUNT_SW_*
    private static readonly string[] s_sw =
    [
        "cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations", "minor-faults",
        "major-faults", "alignment-faults", "emulation-faults", "dummy", "bpf-output", "cgroup-switches",
    ];

    // tools/perf/util/evsel.c evsel__hw_cache[], evsel__hw_cache_op[][0/1], evsel__hw_cache_result[][0]
    private static readonly string[] s_cache = ["L1-dcache", "L1-icache", "LLC", "dTLB", "iTLB", "branch", "node"];
    private static readonly string[] s_cacheOp = ["load", "store", "prefetch"];
    private static readonly string[] s_cacheOps = ["loads", "stores", "prefetches"];

    /// <summary>Derives the name of <paramref name="a"/>: hardware, software, cache, tracepoint (via <paramref name="tracepoint"/>), raw, breakpoint or PMU.</summary>
    public static string Derive(PerfEventAttr a, Func<ulong, string?>? tracepoint = null, IReadOnlyList<(uint Type, string Name)>? pmus = null)
    {
        var cfg = a.Config;
        switch (a.Type)
        {
            case 0: // PERF_TYPE_HARDWARE
                return cfg < (ulong)s_hw.Length ? s_hw[cfg] : Invariant($"unknown-hardware:{cfg}");
            case 1: // PERF_TYPE_SOFTWARE
                return cfg < (ulong)s_sw.Length ? s_sw[cfg] : Invariant($"unknown-software:{cfg}");
            case 2: // PERF_TYPE_TRACEPOINT
                return tracepoint?.Invoke(cfg) ?? Invariant($"unknown tracepoint:{cfg}");
            case 3: // PERF_TYPE_HW_CACHE: config = id | op << 8 | result << 16
            {
                var id = cfg & 0xff; var op = (cfg >> 8) & 0xff; var res = (cfg >> 16) & 0xff;
                if (id >= (ulong)s_cache.Length || op >= 3 || res >= 2) return "unknown-ext-hardware-cache-type";
                return res == 0 ? s_cache[id] + "-" + s_cacheOps[op] : s_cache[id] + "-" + s_cacheOp[op] + "-misses";
            }
            case 4: // PERF_TYPE_RAW
                return Invariant($"raw 0x{cfg:x}");
            case 5: // PERF_TYPE_BREAKPOINT
                return Invariant($"mem:0x{a.Config1:x}:") + BpType(a.BpType);
            default:
                if (pmus is not null)
                    foreach (var (t, n) in pmus)
                        if (t == a.Type) return Invariant($"{n}/config=0x{cfg:x}/");
                return Invariant($"unknown attr type: {a.Type}");
        }
    }

    private static string BpType(uint t)
    {
        // HW_BREAKPOINT_R = 1, W = 2, X = 4 (include/uapi/linux/hw_breakpoint.h)
        var sb = new StringBuilder();
        if ((t & 1) != 0) sb.Append('r');
        if ((t & 2) != 0) sb.Append('w');
        if ((t & 4) != 0) sb.Append('x');
        return sb.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
