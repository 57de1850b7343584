namespace Stackweave.Formats.PerfData;

/// <summary>perf_event_header.type values (include/uapi/linux/perf_event.h enum perf_event_type; tools/lib/perf/include/perf/event.h enum perf_user_event_type).</summary>
public enum PerfRecordType : uint
{
    Mmap = 1, Lost = 2, Comm = 3, Exit = 4, Throttle = 5, Unthrottle = 6, Fork = 7, Read = 8, Sample = 9,
    Mmap2 = 10, Aux = 11, ItraceStart = 12, LostSamples = 13, Switch = 14, SwitchCpuWide = 15,
    Namespaces = 16, Ksymbol = 17, BpfEvent = 18, Cgroup = 19, TextPoke = 20, AuxOutputHwId = 21,
    // user (perf tool) record types start at 64 (PERF_RECORD_USER_TYPE_START)
    HeaderAttr = 64, HeaderEventType = 65, HeaderTracingData = 66, HeaderBuildId = 67, FinishedRound = 68,
    IdIndex = 69, AuxtraceInfo = 70, Auxtrace = 71, AuxtraceError = 72, ThreadMap = 73, CpuMap = 74,
    StatConfig = 75, Stat = 76, StatRound = 77, EventUpdate = 78, TimeConv = 79, HeaderFeature = 80,
    Compressed = 81, FinishedInit = 82, Compressed2 = 83,
}

/// <summary>perf_event_attr.sample_type bits (include/uapi/linux/perf_event.h enum perf_event_sample_format).</summary>
[Flags]
public enum SampleFormat : ulong
{
    None = 0,
    Ip = 1UL << 0, Tid = 1UL << 1, Time = 1UL << 2, Addr = 1UL << 3, Read = 1UL << 4, Callchain = 1UL << 5,
    Id = 1UL << 6, Cpu = 1UL << 7, Period = 1UL << 8, StreamId = 1UL << 9, Raw = 1UL << 10,
    BranchStack = 1UL << 11, RegsUser = 1UL << 12, StackUser = 1UL << 13, Weight = 1UL << 14,
    DataSrc = 1UL << 15, Identifier = 1UL << 16, Transaction = 1UL << 17, RegsIntr = 1UL << 18,
    PhysAddr = 1UL << 19, Aux = 1UL << 20, Cgroup = 1UL << 21, DataPageSize = 1UL << 22,
    CodePageSize = 1UL << 23, WeightStruct = 1UL << 24,
}

/// <summary>perf_event_attr.read_format bits (include/uapi/linux/perf_event.h enum perf_event_read_format).</summary>
[Flags]
public enum ReadFormat : ulong
{
    None = 0, TotalTimeEnabled = 1, TotalTimeRunning = 2, Id = 4, Group = 8, Lost = 16,
}

/// <summary>Feature section bits of the perf.data header (tools/perf/util/header.h enum HEADER_*).</summary>
public enum PerfFeature
{
    Reserved = 0, TracingData = 1, BuildId = 2, Hostname = 3, OsRelease = 4, Version = 5, Arch = 6,
    NrCpus = 7, CpuDesc = 8, CpuId = 9, TotalMem = 10, Cmdline = 11, EventDesc = 12, CpuTopology = 13,
    NumaTopology = 14, BranchStack = 15, PmuMappings = 16, GroupDesc = 17, Auxtrace = 18, Stat = 19,
    Cache = 20, SampleTime = 21, MemTopology = 22, ClockId = 23, DirFormat = 24, BpfProgInfo = 25,
    BpfBtf = 26, Compressed = 27, CpuPmuCaps = 28, ClockData = 29, HybridTopology = 30, PmuCaps = 31,
}

/// <summary>Well-known numbers of the perf.data format.</summary>
public static class PerfConstants
{
    /// <summary>"PERFILE2" as a little-endian u64 (tools/perf/util/header.c __perf_magic2).</summary>
    public const ulong Magic2 = 0x32454c4946524550UL;
    /// <summary>"PERFILE2" as read on the other endianness.</summary>
    public const ulong Magic2Swapped = 0x50455246494c4532UL;
    /// <summary>perf_event_header size.</summary>
    public const int EventHeaderSize = 8;
    /// <summary>Header size of a pipe-mode stream (struct perf_pipe_file_header: magic, size).</summary>
    public const int PipeHeaderSize = 16;
    /// <summary>perf_event_attr size of PERF_ATTR_SIZE_VER0 (also meant by size 0).</summary>
    public const int AttrSizeVer0 = 64;

    /// <summary>Callchain context markers (include/uapi/linux/perf_event.h enum perf_callchain_context).</summary>
    public const ulong ContextHv = unchecked((ulong)-32L), ContextKernel = unchecked((ulong)-128L),
        ContextUser = unchecked((ulong)-512L), ContextUserDeferred = unchecked((ulong)-640L),
        ContextGuest = unchecked((ulong)-2048L), ContextGuestKernel = unchecked((ulong)-2176L),
        ContextGuestUser = unchecked((ulong)-2560L), ContextMax = unchecked((ulong)-4095L);

    /// <summary>misc field: cpumode mask and values (PERF_RECORD_MISC_*).</summary>
    public const ushort MiscCpuModeMask = 7, MiscKernel = 1, MiscUser = 2, MiscHypervisor = 3, MiscGuestKernel = 4, MiscGuestUser = 5;
    /// <summary>misc bit 13: MMAP_DATA (mmap), COMM_EXEC (comm), SWITCH_OUT (switch).</summary>
    public const ushort MiscBit13 = 1 << 13;
    /// <summary>misc bit 14: MMAP_BUILD_ID (mmap2), EXACT_IP (sample), SWITCH_OUT_PREEMPT (switch).</summary>
    public const ushort MiscBit14 = 1 << 14;
    /// <summary>misc bit 15: EXT_RESERVED.</summary>
    public const ushort MiscBit15 = 1 << 15;
}
