using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.Writer;

/// <summary>One PERF_RECORD_SAMPLE as <c>perf script -D</c> (perf 6.1) prints it.</summary>
public sealed class DumpSample
{
    public int? Cpu;
    public ulong Time;
    public long Offset;
    public int Pid, Tid;
    public ulong Ip, Period, Addr;
    public List<ulong>? Callchain;
    public List<(ulong From, ulong To, int Cycles, bool Mispred, bool Predicted, bool Abort, bool InTx)>? Branches;
    /// <summary>weight, or (weight, ins_lat, p_stage_cyc) for WEIGHT_STRUCT.</summary>
    public ulong[]? Weight;
    public ulong? DataSrc, Transaction, PhysAddr;
    public ulong? TimeEnabled, TimeRunning;
    public List<(ulong Id, ulong Value)>? ReadValues;
}

/// <summary>Parses the golden outputs of perf 6.1 under Writer/Data/.</summary>
public static partial class PerfGolden
{
    public static string DataPath(string file) => Path.Combine(GoldenBless.DataDir, file);

    /// <summary>The "Aggregated stats" of <c>perf report --stats</c>: count per record type (TOTAL left out).</summary>
    public static SortedDictionary<uint, long> Stats(string name) => ParseStats(File.ReadLines(DataPath(name + ".stats.txt")), name);

    /// <summary>Parses the "Aggregated stats" block of <c>perf report --stats</c> output.</summary>
    public static SortedDictionary<uint, long> ParseStats(IEnumerable<string> lines, string name)
    {
        var result = new SortedDictionary<uint, long>();
        var inAggregate = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("Aggregated stats:", StringComparison.Ordinal)) { inAggregate = true; continue; }
            if (!inAggregate) continue;
            if (line.EndsWith(" stats:", StringComparison.Ordinal)) break; // per-event section
            var m = StatLine().Match(line);
            if (!m.Success) continue;
            if (m.Groups[1].Value == "TOTAL") continue;
            if (!PerfRecordNames.TryParse(m.Groups[1].Value, out var type)) throw new InvalidDataException("unknown record name " + line);
            result[type] = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        Assert.True(inAggregate, name + ": perf's stats output has no Aggregated stats");
        return result;
    }

    private static ulong Hex(string s) => ulong.Parse(s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    private static ulong Dec(string s) => ulong.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>The samples of <c>perf script -D</c>, in the order perf processed them (time order).</summary>
    public static List<DumpSample> Samples(string name)
    {
        var list = new List<DumpSample>();
        DumpSample? cur = null;
        var mode = "";
        foreach (var line in File.ReadLines(DataPath(name + ".dump.txt")))
        {
            var h = SampleHeader().Match(line);
            if (h.Success)
            {
                cur = new DumpSample
                {
                    Cpu = h.Groups[1].Success ? int.Parse(h.Groups[1].Value, CultureInfo.InvariantCulture) : null,
                    Time = Dec(h.Groups[2].Value),
                    Offset = (long)Hex(h.Groups[3].Value),
                    Pid = int.Parse(h.Groups[4].Value, CultureInfo.InvariantCulture),
                    Tid = int.Parse(h.Groups[5].Value, CultureInfo.InvariantCulture),
                    Ip = Hex(h.Groups[6].Value),
                    Period = Dec(h.Groups[7].Value),
                    Addr = Hex(h.Groups[8].Value),
                };
                list.Add(cur);
                mode = "";
                continue;
            }
            if (cur is null) continue;
            if (line.Length == 0 || line.StartsWith(" ... thread:", StringComparison.Ordinal)) { cur = null; continue; }
            Match m;
            if ((m = ChainHeader().Match(line)).Success) { cur.Callchain = []; mode = "chain"; }
            else if ((m = BranchHeader().Match(line)).Success) { cur.Branches = []; mode = "branch"; }
            else if ((m = BranchEntryLine().Match(line)).Success && mode == "branch")
            {
                var flags = m.Groups[4].Value;
                cur.Branches!.Add((Hex(m.Groups[1].Value), Hex(m.Groups[2].Value), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
                    flags[0] == 'M', flags[1] == 'P', flags[2] == 'A', flags[3] == 'T'));
            }
            else if ((m = ChainEntry().Match(line)).Success && mode == "chain") cur.Callchain!.Add(Hex(m.Groups[1].Value));
            else if ((m = WeightLine().Match(line)).Success)
                cur.Weight = m.Groups[2].Success
                    ? [Dec(m.Groups[1].Value), Hex(m.Groups[2].Value), Hex(m.Groups[3].Value)]
                    : [Dec(m.Groups[1].Value)];
            else if ((m = Field().Match(line)).Success)
            {
                var v = m.Groups[2].Value;
                switch (m.Groups[1].Value)
                {
                    case "data_src": cur.DataSrc = Hex(v); break;
                    case "transaction": cur.Transaction = Dec(v); break;
                    case "phys_addr": cur.PhysAddr = Hex(v); break;
                }
            }
            else if (line == "... sample_read:") { cur.ReadValues = []; mode = "read"; }
            else if ((m = TimeLine().Match(line)).Success)
            {
                if (m.Groups[1].Value == "enabled") cur.TimeEnabled = Hex(m.Groups[2].Value); else cur.TimeRunning = Hex(m.Groups[2].Value);
            }
            else if ((m = ReadValueLine().Match(line)).Success) cur.ReadValues!.Add((Hex(m.Groups[1].Value), Hex(m.Groups[2].Value)));
        }
        return list;
    }

    [GeneratedRegex(@"^\s+(\w+) events:\s+(\d+)")] private static partial Regex StatLine();
    [GeneratedRegex(@"^(?:(-?\d+) )?(\d+) (0x[0-9a-f]+) \[0x[0-9a-f]+\]: PERF_RECORD_SAMPLE\([^)]*\): (-?\d+)/(-?\d+): 0x([0-9a-f]+) period: (\d+) addr: (?:0x)?([0-9a-f]+)")] private static partial Regex SampleHeader();
    [GeneratedRegex(@"^\.\.\. FP chain: nr:(\d+)")] private static partial Regex ChainHeader();
    [GeneratedRegex(@"^\.\.\.\.\. +\d+: ([0-9a-f]{16})$")] private static partial Regex ChainEntry();
    [GeneratedRegex(@"^\.\.\. branch stack: nr:(\d+)")] private static partial Regex BranchHeader();
    [GeneratedRegex(@"^\.\.\.\.\. +\d+: ([0-9a-f]{16}) -> ([0-9a-f]{16}) (\d+) cycles (.{4}) ")] private static partial Regex BranchEntryLine();
    [GeneratedRegex(@"^\.\.\. weight: (\d+)(?:,0x([0-9a-f]+),0x([0-9a-f]+))?$")] private static partial Regex WeightLine();
    private static Regex Field() => s_field;
    private static readonly Regex s_field = new(@"^(?: \.+|\.\.\.) (data_src|transaction|phys_addr): (\S+)$", RegexOptions.CultureInvariant);
    [GeneratedRegex(@"^\.\.\.\.\.\. time (enabled|running) ([0-9a-f]+)$")] private static partial Regex TimeLine();
    [GeneratedRegex(@"^\.\.\.\.\. id ([0-9a-f]+), value ([0-9a-f]+)")] private static partial Regex ReadValueLine();

    /// <summary>Checks one sample against perf's dump of it; <paramref name="pidTidSwapped"/> undoes perf 6.1's pid/tid swap on big-endian pipes.</summary>
    public static void AssertSample(string golden, int index, DumpSample d, SampleRecord s, PerfEventAttr attr, bool pidTidSwapped, bool compareOffset, long offsetBias = 0)
    {
        var where = $"{golden} sample #{index}";
        var t = attr.SampleType;
        var (pid, tid) = pidTidSwapped ? (d.Tid, d.Pid) : (d.Pid, d.Tid);
        if ((t & SampleFormat.Tid) != 0) { Assert.True(pid == s.SampleId.Pid, where + " pid"); Assert.True(tid == s.SampleId.Tid, where + " tid"); }
        if ((t & SampleFormat.Time) != 0) Assert.True(d.Time == s.SampleId.Time, where + " time");
        if ((t & SampleFormat.Cpu) != 0) Assert.True(d.Cpu == s.SampleId.Cpu, where + " cpu");
        if (compareOffset) Assert.True(d.Offset + offsetBias == s.Offset, $"{where} offset {d.Offset} (+{offsetBias}) vs {s.Offset}");
        Assert.True(d.Ip == s.Ip, where + " ip");
        Assert.True(d.Period == s.Period, where + " period");
        Assert.True(d.Addr == s.Addr, where + " addr");
        if ((t & SampleFormat.Callchain) != 0) Assert.Equal(d.Callchain, s.Callchain);
        if ((t & SampleFormat.BranchStack) != 0)
        {
            Assert.NotNull(s.Branches);
            Assert.True(d.Branches!.Count == s.Branches!.Length, where + " branch count");
            for (var i = 0; i < d.Branches.Count; i++)
            {
                var e = s.Branches[i];
                var f = e.Flags; // little-endian struct perf_branch_entry layout
                Assert.Equal(d.Branches[i], (e.From, e.To, (int)((f >> 4) & 0xffff), (f & 1) != 0, (f & 2) != 0, (f & 8) != 0, (f & 4) != 0));
            }
        }
        if ((t & SampleFormat.WeightStruct) != 0)
        {
            // perf 6.1 on x86 prints var1_dw and var2_w (ins_lat); p_stage_cyc is filled on powerpc only
            Assert.True(d.Weight![0] == (s.Weight & 0xffffffff), where + " weight");
            Assert.True(d.Weight[1] == ((s.Weight >> 32) & 0xffff), where + " ins_lat");
        }
        else if ((t & SampleFormat.Weight) != 0) Assert.True(d.Weight![0] == s.Weight, where + " weight");
        if ((t & SampleFormat.DataSrc) != 0) Assert.True(d.DataSrc == s.DataSrc, where + " data_src");
        if ((t & SampleFormat.Transaction) != 0) Assert.True(d.Transaction == s.Transaction, where + " transaction");
        if ((t & SampleFormat.PhysAddr) != 0) Assert.True(d.PhysAddr == s.PhysAddr, where + " phys_addr");
        if ((t & SampleFormat.Read) != 0)
        {
            Assert.NotNull(s.Read);
            if ((attr.ReadFormat & ReadFormat.TotalTimeEnabled) != 0) Assert.True(d.TimeEnabled == s.Read!.TimeEnabled, where + " time enabled");
            if ((attr.ReadFormat & ReadFormat.TotalTimeRunning) != 0) Assert.True(d.TimeRunning == s.Read!.TimeRunning, where + " time running");
            var values = new List<(ulong, ulong)>();
            foreach (var v in s.Read!.Values) values.Add((v.Id, v.Value));
            Assert.Equal(d.ReadValues, values);
        }
    }
}
