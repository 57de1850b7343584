namespace Stackweave.Formats.PerfData;

/// <summary>The names perf gives record types (tools/perf/util/event.c perf_event__names, perf 6.1; COMPRESSED2 from later perf).</summary>
public static class PerfRecordNames
{
    private static readonly Dictionary<uint, string> s_names = new()
    {
        [1] = "MMAP", [2] = "LOST", [3] = "COMM", [4] = "EXIT", [5] = "THROTTLE", [6] = "UNTHROTTLE", [7] = "FORK",
        [8] = "READ", [9] = "SAMPLE", [10] = "MMAP2", [11] = "AUX", [12] = "ITRACE_START", [13] = "LOST_SAMPLES",
        [14] = "SWITCH", [15] = "SWITCH_CPU_WIDE", [16] = "NAMESPACES", [17] = "KSYMBOL", [18] = "BPF_EVENT",
        [19] = "CGROUP", [20] = "TEXT_POKE", [21] = "AUX_OUTPUT_HW_ID",
        [64] = "ATTR", [65] = "EVENT_TYPE", [66] = "TRACING_DATA", [67] = "BUILD_ID", [68] = "FINISHED_ROUND",
        [69] = "ID_INDEX", [70] = "AUXTRACE_INFO", [71] = "AUXTRACE", [72] = "AUXTRACE_ERROR", [73] = "THREAD_MAP",
        [74] = "CPU_MAP", [75] = "STAT_CONFIG", [76] = "STAT", [77] = "STAT_ROUND", [78] = "EVENT_UPDATE",
        [79] = "TIME_CONV", [80] = "FEATURE", [81] = "COMPRESSED", [82] = "FINISHED_INIT", [83] = "COMPRESSED2",
    };

    private static readonly Dictionary<string, uint> s_types = s_names.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    /// <summary>perf's name of a record type, or "UNKNOWN_N".</summary>
    public static string Of(uint type) => s_names.TryGetValue(type, out var n) ? n : "UNKNOWN_" + type.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The record type perf prints as <paramref name="name"/>.</summary>
    public static bool TryParse(string name, out uint type) => s_types.TryGetValue(name, out type);
}
