using System.Text.RegularExpressions;
using Stackweave.Formats.Bpftrace;
using Stackweave.Formats.Model;

namespace Stackweave.Cli;

public static partial class Commands
{
    /// <summary>The bpftrace reading options from <c>--keys</c>, <c>--map</c>, <c>--bpftrace-line</c>, <c>--bpftrace-clock</c>, <c>--offsets</c>.</summary>
    private static BpftraceOptions BpftraceOptions(CliArgs a)
    {
        var keys = a.Value("--keys") is { } k ? k.Split(',', StringSplitOptions.TrimEntries) : [];
        foreach (var name in keys)
            if (name.Length == 0) throw new UsageException("--keys takes names separated by commas (pid, tid, comm, _ or a label name)");
        Regex? line = null;
        if (a.Value("--bpftrace-line") is { } pattern)
        {
            try { line = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException e) { throw new UsageException("--bpftrace-line: " + e.Message); }
            if (Array.IndexOf(line.GetGroupNames(), "ts") < 0) throw new UsageException("--bpftrace-line needs a named group 'ts' (?<ts>...) for the timestamp");
        }
        ClockDomain? clock = a.Value("--bpftrace-clock")?.ToLowerInvariant() switch
        {
            null => null,
            "boottime" or "boot" => ClockDomain.BootTime,
            "monotonic" => ClockDomain.Monotonic,
            "monotonic_raw" or "monotonic-raw" => ClockDomain.MonotonicRaw,
            "realtime" => ClockDomain.Realtime,
            "tai" => ClockDomain.Tai,
            var v => throw new UsageException($"--bpftrace-clock takes boottime, monotonic, monotonic_raw, realtime or tai, not '{v}'"),
        };
        return new BpftraceOptions { Keys = keys, Map = a.Value("--map"), LinePattern = line, Clock = clock, KeepOffsets = a.Has("--offsets") };
    }
}
