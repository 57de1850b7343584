namespace Stackweave.Formats.PerfData;

/// <summary>The sample_id trailer of non-sample records (sample_id_all), or the same fields of a sample.</summary>
public struct SampleId
{
    /// <summary>Process id (TID field), -1 when absent.</summary>
    public int Pid;
    /// <summary>Thread id (TID field), -1 when absent.</summary>
    public int Tid;
    /// <summary>Timestamp (TIME field), 0 when absent.</summary>
    public ulong Time;
    /// <summary>Event id (ID or IDENTIFIER field), 0 when absent.</summary>
    public ulong Id;
    /// <summary>STREAM_ID field.</summary>
    public ulong StreamId;
    /// <summary>CPU (CPU field), -1 when absent.</summary>
    public int Cpu;
    /// <summary>True when the record carried a trailer.</summary>
    public bool Present;
}

/// <summary>One record of the data section, after decompression.</summary>
public abstract class PerfRecord
{
    /// <summary>perf_event_header.type.</summary>
    public PerfRecordType Type { get; set; }
    /// <summary>perf_event_header.misc.</summary>
    public ushort Misc { get; set; }
    /// <summary>perf_event_header.size.</summary>
    public ushort Size { get; set; }
    /// <summary>Byte offset of the record: in the file, or in the decompressed stream of a COMPRESSED record (see <see cref="InCompressed"/>).</summary>
    public long Offset { get; set; }
    /// <summary>True when the record came out of a COMPRESSED/COMPRESSED2 record.</summary>
    public bool InCompressed { get; set; }
    /// <summary>Index of the data stream it came from (directory mode: 0 = data, N = data.N-1 ...).</summary>
    public int Stream { get; set; }
    /// <summary>Index into <see cref="PerfDataFile.Attrs"/> of the event that produced the record, -1 when unknown.</summary>
    public int AttrIndex { get; set; } = -1;
    /// <summary>The sample_id trailer (non-sample records) or the sample's own id fields.</summary>
    public SampleId SampleId;

    /// <summary>Time used for ordering: the sample time or trailer time, 0 when none.</summary>
    public ulong Time => SampleId.Time;
    /// <summary>cpumode of misc.</summary>
    public ushort CpuMode => (ushort)(Misc & PerfConstants.MiscCpuModeMask);
}

/// <summary>A record type Stackweave keeps as raw bytes (payload after the 8-byte header, trailer included).</summary>
public sealed class RawRecord : PerfRecord
{
    /// <summary>Payload after perf_event_header.</summary>
    public byte[] Payload { get; set; } = [];
}

/// <summary>PERF_RECORD_SAMPLE.</summary>
public sealed class SampleRecord : PerfRecord
{
    /// <summary>IP field.</summary>
    public ulong Ip;
    /// <summary>ADDR field.</summary>
    public ulong Addr;
    /// <summary>PERIOD field (0 when absent).</summary>
    public ulong Period;
    /// <summary>READ values (null when absent).</summary>
    public ReadValues? Read;
    private ulong[]? _callchain;
    private int _callchainLength;

    /// <summary>CALLCHAIN entries, context markers included (null when absent).</summary>
    public ulong[]? Callchain
    {
        get
        {
            if (_callchain is not null && _callchainLength != _callchain.Length) { _callchain = _callchain[.._callchainLength]; }
            return _callchain;
        }
        set { _callchain = value; _callchainLength = value?.Length ?? 0; }
    }

    /// <summary>CALLCHAIN entries without copying them (empty when absent).</summary>
    public ReadOnlySpan<ulong> CallchainSpan => _callchain.AsSpan(0, _callchainLength);
    /// <summary>True when the sample carries a CALLCHAIN field (possibly empty).</summary>
    public bool HasCallchain => _callchain is not null;

    /// <summary>This record's callchain buffer when it holds <paramref name="n"/> entries, else a new one (recycled records).</summary>
    internal ulong[] CallchainBuffer(int n) => _spare is { } b && b.Length >= n ? b : _spare = new ulong[Math.Max(n, 16)];

    private ulong[]? _spare;

    /// <summary>Clears the fields a decoder sets, keeping the callchain buffer (recycled records).</summary>
    internal void Reset()
    {
        Ip = Addr = Period = Weight = DataSrc = Transaction = RegsUserAbi = RegsIntrAbi = PhysAddr = Cgroup = DataPageSize = CodePageSize = StackUserDynSize = 0;
        Read = null; Raw = null; Branches = null; BranchHwIndex = null; RegsUser = null; StackUser = null; RegsIntr = null; Aux = null;
        if (_callchain is not null && _callchain.Length > (_spare?.Length ?? 0)) _spare = _callchain;
        _callchain = null;
        _callchainLength = 0;
    }

    /// <summary>Points the callchain at the first <paramref name="length"/> entries of a buffer the reader reuses.</summary>
    internal void SetCallchain(ulong[] buffer, int length) { _callchain = buffer; _callchainLength = length; }
    /// <summary>RAW payload without its u32 size and padding (null when absent).</summary>
    public byte[]? Raw;
    /// <summary>BRANCH_STACK entries (null when absent).</summary>
    public BranchEntry[]? Branches;
    /// <summary>hw_idx of BRANCH_STACK, when branch_sample_type has HW_INDEX.</summary>
    public ulong? BranchHwIndex;
    /// <summary>REGS_USER abi (0 = none).</summary>
    public ulong RegsUserAbi;
    /// <summary>REGS_USER values, in bit order of sample_regs_user.</summary>
    public ulong[]? RegsUser;
    /// <summary>STACK_USER bytes (dyn_size bytes are meaningful).</summary>
    public byte[]? StackUser;
    /// <summary>STACK_USER dyn_size.</summary>
    public ulong StackUserDynSize;
    /// <summary>WEIGHT or WEIGHT_STRUCT 8-byte slot.</summary>
    public ulong Weight;
    /// <summary>DATA_SRC field.</summary>
    public ulong DataSrc;
    /// <summary>TRANSACTION field.</summary>
    public ulong Transaction;
    /// <summary>REGS_INTR abi.</summary>
    public ulong RegsIntrAbi;
    /// <summary>REGS_INTR values.</summary>
    public ulong[]? RegsIntr;
    /// <summary>PHYS_ADDR field.</summary>
    public ulong PhysAddr;
    /// <summary>CGROUP field.</summary>
    public ulong Cgroup;
    /// <summary>DATA_PAGE_SIZE field.</summary>
    public ulong DataPageSize;
    /// <summary>CODE_PAGE_SIZE field.</summary>
    public ulong CodePageSize;
    /// <summary>AUX payload.</summary>
    public byte[]? Aux;
}

/// <summary>READ values of a sample or READ record.</summary>
public sealed class ReadValues
{
    /// <summary>time_enabled (when requested).</summary>
    public ulong TimeEnabled;
    /// <summary>time_running (when requested).</summary>
    public ulong TimeRunning;
    /// <summary>(value, id, lost) per counter: one entry without GROUP, nr entries with it.</summary>
    public (ulong Value, ulong Id, ulong Lost)[] Values = [];
}

/// <summary>perf_branch_entry.</summary>
public readonly record struct BranchEntry(ulong From, ulong To, ulong Flags);

/// <summary>PERF_RECORD_MMAP and PERF_RECORD_MMAP2.</summary>
public sealed class MmapRecord : PerfRecord
{
    public int Pid, Tid;
    public ulong Start, Length, PageOffset;
    /// <summary>MMAP2 without MMAP_BUILD_ID: device and inode identity.</summary>
    public uint Major, Minor;
    public ulong Inode, InodeGeneration;
    /// <summary>MMAP2 with MMAP_BUILD_ID: the build id (lower-case hex), else null.</summary>
    public string? BuildId;
    /// <summary>MMAP2 protection and flags.</summary>
    public uint Prot, Flags;
    public string Filename = "";
    /// <summary>True for MMAP2.</summary>
    public bool IsMmap2 => Type == PerfRecordType.Mmap2;
    /// <summary>True when misc has MMAP_DATA (a non-executable mapping).</summary>
    public bool IsData => (Misc & PerfConstants.MiscBit13) != 0;
}

/// <summary>PERF_RECORD_COMM.</summary>
public sealed class CommRecord : PerfRecord
{
    public int Pid, Tid;
    public string Comm = "";
    /// <summary>misc COMM_EXEC: the name changed because of exec.</summary>
    public bool IsExec => (Misc & PerfConstants.MiscBit13) != 0;
}

/// <summary>PERF_RECORD_FORK and PERF_RECORD_EXIT.</summary>
public sealed class ForkExitRecord : PerfRecord
{
    public int Pid, Ppid, Tid, Ptid;
    public ulong ForkTime;
}

/// <summary>PERF_RECORD_LOST.</summary>
public sealed class LostRecord : PerfRecord
{
    public ulong Id, Lost;
}

/// <summary>PERF_RECORD_LOST_SAMPLES.</summary>
public sealed class LostSamplesRecord : PerfRecord
{
    public ulong Lost;
}

/// <summary>PERF_RECORD_THROTTLE / UNTHROTTLE.</summary>
public sealed class ThrottleRecord : PerfRecord
{
    public ulong ThrottleTime, Id, StreamId;
}

/// <summary>PERF_RECORD_SWITCH and PERF_RECORD_SWITCH_CPU_WIDE.</summary>
public sealed class SwitchRecord : PerfRecord
{
    /// <summary>CPU-wide only: the other task.</summary>
    public int NextPrevPid = -1, NextPrevTid = -1;
    /// <summary>misc SWITCH_OUT.</summary>
    public bool IsOut => (Misc & PerfConstants.MiscBit13) != 0;
    /// <summary>misc SWITCH_OUT_PREEMPT.</summary>
    public bool IsPreempt => (Misc & PerfConstants.MiscBit14) != 0;
}

/// <summary>PERF_RECORD_NAMESPACES.</summary>
public sealed class NamespacesRecord : PerfRecord
{
    public int Pid, Tid;
    /// <summary>(dev, inode) per namespace, in the kernel's order (net, uts, ipc, pid, user, mnt, cgroup, ...).</summary>
    public (ulong Dev, ulong Inode)[] Namespaces = [];
}

/// <summary>PERF_RECORD_CGROUP.</summary>
public sealed class CgroupRecord : PerfRecord
{
    public ulong Id;
    public string Path = "";
}

/// <summary>PERF_RECORD_KSYMBOL.</summary>
public sealed class KsymbolRecord : PerfRecord
{
    public ulong Addr;
    public uint Len;
    public ushort KsymType, Flags;
    public string Name = "";
}

/// <summary>PERF_RECORD_BPF_EVENT.</summary>
public sealed class BpfEventRecord : PerfRecord
{
    public ushort BpfType, Flags;
    public uint ProgId;
    public byte[] Tag = [];
}

/// <summary>PERF_RECORD_TEXT_POKE.</summary>
public sealed class TextPokeRecord : PerfRecord
{
    public ulong Addr;
    public byte[] OldBytes = [], NewBytes = [];
}

/// <summary>PERF_RECORD_AUX.</summary>
public sealed class AuxRecord : PerfRecord
{
    public ulong AuxOffset, AuxSize, Flags;
}

/// <summary>PERF_RECORD_ITRACE_START.</summary>
public sealed class ItraceStartRecord : PerfRecord
{
    public int Pid, Tid;
}

/// <summary>PERF_RECORD_READ.</summary>
public sealed class ReadRecord : PerfRecord
{
    public int Pid, Tid;
    public ReadValues Values = new();
}

/// <summary>PERF_RECORD_HEADER_BUILD_ID (pipe mode) — also the entries of the BUILD_ID feature.</summary>
public sealed class BuildIdRecord : PerfRecord
{
    public int Pid;
    public string BuildId = "";
    public string Filename = "";
}

/// <summary>PERF_RECORD_AUXTRACE: its trailing payload (outside header.size) is skipped and its size kept.</summary>
public sealed class AuxtraceRecord : PerfRecord
{
    public ulong PayloadSize, AuxOffset, Reference;
    public uint Idx, Tid, Cpu;
}

/// <summary>PERF_RECORD_TIME_CONV.</summary>
public sealed class TimeConvRecord : PerfRecord
{
    public ulong TimeShift, TimeMult, TimeZero, TimeCycles, TimeMask;
    public bool CapUserTimeZero, CapUserTimeShort;
}
