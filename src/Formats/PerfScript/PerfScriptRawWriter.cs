using System.Globalization;
using System.Text;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfData;

namespace Stackweave.Formats.PerfScript;

/// <summary>How the raw writer prints callchain lines.</summary>
public enum RawCallchain
{
    /// <summary>No callchain lines (a sample is its header line and a blank line).</summary>
    None,
    /// <summary><c>\t%16lx</c> per entry: the raw addresses from the capture, context markers left out (like <c>-F ...,ip</c> without sym/dso).</summary>
    Addresses,
    /// <summary><c>\t%16lx sym (dso)</c> per entry from <see cref="PerfScriptRawOptions.Symbols"/> (like <c>-F ...,ip,sym,dso</c>).</summary>
    Symbolized,
}

/// <summary>Options of <see cref="PerfScriptRawWriter"/>; the Show* switches mirror perf script's --show-*-events.</summary>
public sealed class PerfScriptRawOptions
{
    /// <summary>--show-mmap-events: MMAP and MMAP2 records. Default true.</summary>
    public bool ShowMmap { get; set; } = true;
    /// <summary>--show-task-events: COMM, FORK and EXIT records. Default true.</summary>
    public bool ShowTask { get; set; } = true;
    /// <summary>--show-switch-events: SWITCH and SWITCH_CPU_WIDE records. Default true.</summary>
    public bool ShowSwitch { get; set; } = true;
    /// <summary>--show-namespace-events: NAMESPACES records. Default true.</summary>
    public bool ShowNamespace { get; set; } = true;
    /// <summary>--show-cgroup-events: CGROUP records. Default true.</summary>
    public bool ShowCgroup { get; set; } = true;
    /// <summary>--show-lost-events: LOST records. Default true.</summary>
    public bool ShowLost { get; set; } = true;
    /// <summary>Print the <c>[cpu]</c> column (-F ...,cpu). Null (default): when every event's samples carry CPU, as perf requires.</summary>
    public bool? Cpu { get; set; }
    /// <summary>Callchain lines. Default <see cref="RawCallchain.Addresses"/>.</summary>
    public RawCallchain Callchain { get; set; } = RawCallchain.Addresses;
    /// <summary>
    /// For <see cref="RawCallchain.Symbolized"/>: the profile built from the same file, whose sample k is the file's k-th
    /// SAMPLE record in <see cref="PerfDataFile.Records"/> order (stack, symbols, dsos are taken from it).
    /// </summary>
    public Profile? Symbols { get; set; }
    /// <summary>
    /// For <see cref="RawCallchain.Symbolized"/>: entry k is the <see cref="Symbols"/> sample made from the k-th SAMPLE record
    /// (-1 when the builder dropped it; collect it from PerfProfileBuilder.Build's onRecord callback). Null: sample k is record k.
    /// </summary>
    public IReadOnlyList<int>? SampleIndexByRecord { get; set; }
}

/// <summary>
/// Writes a perf.data record stream as perf 6.1's
/// <c>perf script -F comm,pid,tid[,cpu],time,event,ip[,sym,dso],period --show-mmap-events --show-task-events
/// --show-switch-events --show-namespace-events --show-cgroup-events --show-lost-events</c> prints it:
/// samples and side-band records in time order, with perf's thread/comm bookkeeping for the comm column.
/// </summary>
public static class PerfScriptRawWriter
{
    // include/uapi/linux/perf_event.h sample_type bits.
    private const SampleFormat NeedCpu = SampleFormat.Cpu;

    // tools/perf/util/namespaces.c perf_ns__names, in the kernel's namespace index order.
    private static readonly string[] s_nsNames = ["net", "uts", "ipc", "pid", "user", "mnt", "cgroup"];

    /// <summary>Writes every record of <paramref name="file"/> (enumerates <see cref="PerfDataFile.Records"/>).</summary>
    public static void Write(PerfDataFile file, TextWriter output, PerfScriptRawOptions? options = null)
        => Write(file.Records(), file.Attrs, file.EventName, output, options);

    /// <summary>Writes the given records; <paramref name="eventName"/> names attr i as perf does.</summary>
    public static void Write(IEnumerable<PerfRecord> records, IReadOnlyList<PerfEventAttr> attrs, Func<int, string> eventName,
        TextWriter output, PerfScriptRawOptions? options = null)
    {
        var o = options ?? new PerfScriptRawOptions();
        var names = new string[attrs.Count];
        var width = 0;
        var useCallchain = false;
        var allCpu = attrs.Count > 0;
        for (var i = 0; i < attrs.Count; i++)
        {
            names[i] = eventName(i);
            width = Math.Max(width, Encoding.UTF8.GetByteCount(names[i]));
            useCallchain |= (attrs[i].SampleType & SampleFormat.Callchain) != 0;
            allCpu &= (attrs[i].SampleType & NeedCpu) != 0;
        }
        var cpuColumn = o.Cpu ?? allCpu;
        var threads = new PerfThreads();
        var maps = new PerfUserMaps();
        var sb = new StringBuilder(1024);
        var sampleIndex = 0;
        var locs = new List<int>();
        PerfScriptLayout? layout = o.Callchain == RawCallchain.Symbolized && o.Symbols is { } prof
            ? new PerfScriptLayout(prof, PerfScriptFields.PidTid) : null;

        foreach (var r in records)
        {
            sb.Clear();
            var attrIndex = r.AttrIndex >= 0 && r.AttrIndex < attrs.Count ? r.AttrIndex : attrs.Count > 0 ? 0 : -1;
            var hasCallchain = attrIndex >= 0 && (attrs[attrIndex].SampleType & SampleFormat.Callchain) != 0;
            var sampleIdAll = attrIndex >= 0 && attrs[attrIndex].SampleIdAll;
            // evsel__parse_sample defaults for fields a record does not carry.
            int pid = -1, tid = -1, cpu = -1;
            var time = ulong.MaxValue;
            if (r.SampleId.Present || r is SampleRecord)
            {
                pid = r.SampleId.Pid; tid = r.SampleId.Tid; cpu = r.SampleId.Cpu; time = r.SampleId.Time;
            }
            switch (r)
            {
                case SampleRecord s:
                {
                    var a = attrs[attrIndex];
                    var st = a.SampleType;
                    if ((st & SampleFormat.Cpu) == 0) cpu = -1;
                    var comm = threads.Find(pid, tid);
                    Start(sb, comm, pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    // "%10" PRIu64 " " period (attr.sample_period when the sample has no PERIOD), then "%*s: " event name.
                    var period = (st & SampleFormat.Period) != 0 ? s.Period : a.SamplePeriodOrFreq;
                    PerfScriptLayout.PadLeft(sb, period.ToString(CultureInfo.InvariantCulture), 10).Append(' ');
                    PerfScriptLayout.PadLeft(sb, names[attrIndex], width).Append(": ");
                    if (hasCallchain && useCallchain)
                    {
                        sb.Append('\n');
                        if (o.Callchain == RawCallchain.Addresses && s.Callchain is { } cc)
                        {
                            // thread__resolve_callchain_sample: entries are user-mode until a context marker says otherwise.
                            var user = true;
                            foreach (var ip in cc)
                            {
                                if (ip >= PerfConstants.ContextMax)
                                {
                                    user = ip is PerfConstants.ContextUser or PerfConstants.ContextGuestUser;
                                    continue;
                                }
                                sb.Append('\t');
                                PerfScriptLayout.AppendHex(sb, user ? maps.MapIp(pid, ip) : ip, 16).Append('\n');
                            }
                        }
                        else if (layout is not null && SymbolSample(o, sampleIndex) is var si && si >= 0)
                        {
                            o.Symbols!.Stacks.LeafFirst(o.Symbols.Samples.Stack(si), locs);
                            foreach (var l in locs)
                            {
                                sb.Append('\t');
                                layout.AppendFrame(sb, l, withOffset: false);
                                sb.Append('\n');
                            }
                        }
                    }
                    else
                    {
                        // No callchain: ip on the header line.
                        sb.Append(' ');
                        PerfScriptLayout.PadLeft(sb, s.Ip.ToString("x", CultureInfo.InvariantCulture), 16);
                    }
                    sb.Append('\n');
                    sampleIndex++;
                    break;
                }
                case MmapRecord m:
                {
                    if (!sampleIdAll) { cpu = 0; time = 0; pid = m.Pid; tid = m.Tid; }
                    if (m.Pid != -1) maps.Add(m.Pid, m.Start, m.Length, m.PageOffset, m.Filename);
                    if (!o.ShowMmap) continue;
                    var comm = threads.Find(m.Pid, m.Tid);
                    Start(sb, comm, pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    sb.Append(m.IsMmap2 ? "PERF_RECORD_MMAP2" : "PERF_RECORD_MMAP");
                    // util/event.c perf_event__fprintf_mmap / _mmap2.
                    sb.Append(' ').Append(I(m.Pid)).Append('/').Append(I(m.Tid)).Append(": [").Append(HexAlt(m.Start))
                      .Append('(').Append(HexAlt(m.Length)).Append(") @ ").Append(HexAlt(m.PageOffset));
                    if (!m.IsMmap2)
                    {
                        sb.Append("]: ").Append(m.IsData ? 'r' : 'x').Append(' ').Append(m.Filename).Append('\n');
                        break;
                    }
                    if (m.BuildId is { } bid)
                        sb.Append(" <").Append(bid).Append('>');
                    else
                        sb.Append(' ').Append(m.Major.ToString("x2", CultureInfo.InvariantCulture)).Append(':')
                          .Append(m.Minor.ToString("x2", CultureInfo.InvariantCulture)).Append(' ')
                          .Append(m.Inode.ToString(CultureInfo.InvariantCulture)).Append(' ')
                          .Append(m.InodeGeneration.ToString(CultureInfo.InvariantCulture));
                    // PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4, MAP_SHARED 1 (include/uapi/asm-generic/mman-common.h, mman.h).
                    sb.Append("]: ").Append((m.Prot & 1) != 0 ? 'r' : '-').Append((m.Prot & 2) != 0 ? 'w' : '-')
                      .Append((m.Prot & 4) != 0 ? 'x' : '-').Append((m.Flags & 1) != 0 ? 's' : 'p')
                      .Append(' ').Append(m.Filename).Append('\n');
                    break;
                }
                case CommRecord c:
                {
                    threads.SetComm(c.Pid, c.Tid, c.Comm);
                    if (!sampleIdAll) { cpu = 0; time = 0; pid = c.Pid; tid = c.Tid; }
                    if (!o.ShowTask) continue;
                    Start(sb, threads.Find(c.Pid, c.Tid), pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    sb.Append("PERF_RECORD_COMM").Append(c.IsExec ? " exec" : "").Append(": ").Append(c.Comm).Append(':')
                      .Append(I(c.Pid)).Append('/').Append(I(c.Tid)).Append('\n');
                    break;
                }
                case ForkExitRecord fe:
                {
                    var fork = fe.Type == PerfRecordType.Fork;
                    if (fork)
                    {
                        threads.Fork(fe.Pid, fe.Tid, fe.Ppid, fe.Ptid);
                        if (fe.Pid != fe.Ppid) maps.Fork(fe.Pid, fe.Ppid);
                    }
                    if (!sampleIdAll) { cpu = 0; time = fe.ForkTime; pid = fe.Pid; tid = fe.Tid; }
                    if (!o.ShowTask) continue;
                    Start(sb, threads.Find(fe.Pid, fe.Tid), pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    // perf_event__fprintf_task: "(%d:%d):(%d:%d)\n" pid, tid, ppid, ptid.
                    sb.Append(fork ? "PERF_RECORD_FORK" : "PERF_RECORD_EXIT").Append('(').Append(I(fe.Pid)).Append(':')
                      .Append(I(fe.Tid)).Append("):(").Append(I(fe.Ppid)).Append(':').Append(I(fe.Ptid)).Append(")\n");
                    break;
                }
                case SwitchRecord sw:
                {
                    if (!o.ShowSwitch) continue;
                    Start(sb, threads.Find(pid, tid), pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    // perf_event__fprintf_switch.
                    var inOut = !sw.IsOut ? "IN         " : !sw.IsPreempt ? "OUT        " : "OUT preempt";
                    if (sw.Type == PerfRecordType.Switch)
                        sb.Append("PERF_RECORD_SWITCH ").Append(inOut).Append('\n');
                    else
                    {
                        sb.Append("PERF_RECORD_SWITCH_CPU_WIDE ").Append(inOut).Append("  ").Append(sw.IsOut ? "next" : "prev")
                          .Append(" pid/tid: ");
                        PerfScriptLayout.PadLeft(sb, I(sw.NextPrevPid), 5).Append('/');
                        PerfScriptLayout.PadRight(sb, I(sw.NextPrevTid), 5).Append('\n');
                    }
                    break;
                }
                case NamespacesRecord ns:
                {
                    if (!sampleIdAll) { cpu = 0; time = 0; pid = ns.Pid; tid = ns.Tid; }
                    if (!o.ShowNamespace) continue;
                    Start(sb, threads.Find(ns.Pid, ns.Tid), pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    // perf_event__fprintf_namespaces: four entries per line.
                    var n = ns.Namespaces.Length;
                    sb.Append("PERF_RECORD_NAMESPACES ").Append(I(ns.Pid)).Append('/').Append(I(ns.Tid))
                      .Append(" - nr_namespaces: ").Append(n.ToString(CultureInfo.InvariantCulture)).Append("\n\t\t[");
                    for (var k = 0; k < n; k++)
                    {
                        if (k != 0 && k % 4 == 0) sb.Append("\n\t\t ");
                        sb.Append(k.ToString(CultureInfo.InvariantCulture)).Append('/')
                          .Append(k < s_nsNames.Length ? s_nsNames[k] : "UNKNOWN").Append(": ")
                          .Append(ns.Namespaces[k].Dev.ToString(CultureInfo.InvariantCulture)).Append('/')
                          .Append(HexAlt(ns.Namespaces[k].Inode)).Append(k + 1 != n ? ", " : "]\n");
                    }
                    if (n == 0) sb.Append('\n');
                    break;
                }
                case CgroupRecord cg:
                {
                    if (!sampleIdAll) { cpu = 0; time = 0; }
                    if (!o.ShowCgroup) continue;
                    Start(sb, threads.Find(pid, tid), pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    sb.Append("PERF_RECORD_CGROUP cgroup: ").Append(cg.Id.ToString(CultureInfo.InvariantCulture)).Append(' ')
                      .Append(cg.Path).Append('\n');
                    break;
                }
                case LostRecord lost:
                {
                    if (!o.ShowLost) continue;
                    Start(sb, threads.Find(pid, tid), pid, tid, cpu, time, cpuColumn, hasCallchain && useCallchain);
                    sb.Append("PERF_RECORD_LOST lost ").Append(lost.Lost.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    break;
                }
                default:
                    continue;
            }
            output.Write(sb);
        }
    }

    private static int SymbolSample(PerfScriptRawOptions o, int recordOrdinal)
    {
        var k = o.SampleIndexByRecord is { } map ? (recordOrdinal < map.Count ? map[recordOrdinal] : -1) : recordOrdinal;
        return k >= 0 && k < o.Symbols!.Samples.Count ? k : -1;
    }

    /// <summary>perf_sample__fprintf_start for -F comm,pid,tid[,cpu],time.</summary>
    private static void Start(StringBuilder sb, string comm, int pid, int tid, int cpu, ulong time, bool cpuColumn, bool callchainComm)
    {
        if (callchainComm) sb.Append(comm).Append(' ');
        else PerfScriptLayout.PadLeft(sb, comm, 16).Append(' ');
        // perf 6.1: "%5d/%-5d ", "[%03d] ", "%12s: ".
        PerfScriptLayout.PadLeft(sb, I(pid), 5).Append('/');
        PerfScriptLayout.PadRight(sb, I(tid), 5).Append(' ');
        if (cpuColumn) PerfScriptLayout.AppendZeroPadded3(sb.Append('['), cpu).Append("] ");
        PerfScriptLayout.AppendTimeUsec(sb, time, 12).Append(": ");
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>C's "%#lx": "0x" prefix except for zero.</summary>
    private static string HexAlt(ulong v) => v == 0 ? "0" : "0x" + v.ToString("x", CultureInfo.InvariantCulture);
}

/// <summary>perf's thread table as far as the comm column needs it (tools/perf/util/machine.c, thread.c).</summary>
internal sealed class PerfThreads
{
    private readonly Dictionary<int, string> _comm = new() { [0] = "swapper" }; // machine__idle_thread names tid 0 "swapper"

    /// <summary>Comm of thread <paramref name="tid"/>; a thread never named prints as ":tid" (thread__new).</summary>
    public string Find(int pid, int tid)
    {
        if (_comm.TryGetValue(tid, out var c)) return c;
        c = ":" + tid.ToString(CultureInfo.InvariantCulture);
        _comm[tid] = c;
        return c;
    }

    /// <summary>COMM record: the thread takes the new name.</summary>
    public void SetComm(int pid, int tid, string comm) => _comm[tid] = comm;

    /// <summary>FORK record: the child starts with its parent's comm (thread__fork).</summary>
    public void Fork(int pid, int tid, int ppid, int ptid) => _comm[tid] = Find(ppid, ptid);
}

/// <summary>
/// User address spaces as far as printing callchain addresses needs them: per process, the MMAP/MMAP2 ranges, newest first
/// (a new mapping hides what it overlaps, like perf's maps__fixup_overlappings).
/// </summary>
internal sealed class PerfUserMaps
{
    private readonly Dictionary<int, List<(ulong Start, ulong End, ulong PgOff, bool Identity)>> _maps = [];

    /// <summary>Records a mapping of process <paramref name="pid"/>.</summary>
    public void Add(int pid, ulong start, ulong len, ulong pgoff, string filename)
    {
        if (!_maps.TryGetValue(pid, out var list)) _maps[pid] = list = [];
        list.Add((start, start + len, pgoff, IsIdentity(filename)));
    }

    /// <summary>A new process starts with a copy of its parent's mappings (thread__fork / maps__clone).</summary>
    public void Fork(int pid, int ppid)
        => _maps[pid] = _maps.TryGetValue(ppid, out var parent) ? [.. parent] : [];

    /// <summary>The address perf prints for a user-mode ip: map-relative (ip - start + pgoff), raw outside any mapping or in anonymous memory.</summary>
    public ulong MapIp(int pid, ulong ip)
    {
        if (!_maps.TryGetValue(pid, out var list)) return ip;
        for (var k = list.Count - 1; k >= 0; k--)
        {
            var m = list[k];
            if (ip >= m.Start && ip < m.End) return m.Identity ? ip : ip - m.Start + m.PgOff;
        }
        return ip;
    }

    // tools/perf/util/map.c is_anon_memory / is_no_dso_memory and perf-PID.map JIT maps: identity__map_ip.
    private static bool IsIdentity(string f)
        => f is "//anon" or "/dev/zero" or "/anon_hugepage" or "[heap]"
           || f.StartsWith("[stack", StringComparison.Ordinal) || f.StartsWith("/SYSV", StringComparison.Ordinal)
           || (f.StartsWith("/tmp/perf-", StringComparison.Ordinal) && f.EndsWith(".map", StringComparison.Ordinal));
}
