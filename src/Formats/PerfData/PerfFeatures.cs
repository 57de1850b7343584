namespace Stackweave.Formats.PerfData;

/// <summary>Decoded feature sections of the perf.data header (tools/perf/util/header.c write_*/process_* functions).</summary>
public sealed class PerfFeatures
{
    /// <summary>HEADER_HOSTNAME.</summary>
    public string? Hostname;
    /// <summary>HEADER_OSRELEASE.</summary>
    public string? OsRelease;
    /// <summary>HEADER_VERSION (perf version).</summary>
    public string? Version;
    /// <summary>HEADER_ARCH.</summary>
    public string? Arch;
    /// <summary>HEADER_CPUDESC.</summary>
    public string? CpuDesc;
    /// <summary>HEADER_CPUID.</summary>
    public string? CpuId;
    /// <summary>HEADER_NRCPUS first u32 (nr_cpus_avail).</summary>
    public uint? NrCpusAvailable;
    /// <summary>HEADER_NRCPUS second u32 (nr_cpus_online).</summary>
    public uint? NrCpusOnline;
    /// <summary>HEADER_TOTAL_MEM in kB.</summary>
    public ulong? TotalMemKb;
    /// <summary>HEADER_CMDLINE arguments.</summary>
    public string[]? Cmdline;
    /// <summary>HEADER_CLOCKID: clock resolution in ns per tick.</summary>
    public ulong? ClockResolutionNs;
    /// <summary>HEADER_CLOCK_DATA.</summary>
    public (uint Version, int ClockId, ulong WallClockNs, ulong ClockIdTimeNs)? ClockData;
    /// <summary>HEADER_SAMPLE_TIME (first, last).</summary>
    public (ulong First, ulong Last)? SampleTime;
    /// <summary>HEADER_BUILD_ID entries (and pipe-mode HEADER_BUILD_ID records).</summary>
    public List<BuildIdRecord> BuildIds { get; } = [];
    /// <summary>Feature bits set in the header (pipe mode: features received as HEADER_FEATURE records).</summary>
    public List<PerfFeature> Present { get; } = [];

    /// <summary>HEADER_TRACING_DATA (file mode) or the payload of PERF_RECORD_HEADER_TRACING_DATA (pipe mode), raw, for the tracepoint decoder.</summary>
    public byte[]? TracingData;
    /// <summary>HEADER_EVENT_DESC entries.</summary>
    public List<EventDesc>? EventDescs;
    /// <summary>HEADER_CPU_TOPOLOGY.</summary>
    public CpuTopology? CpuTopology;
    /// <summary>HEADER_NUMA_TOPOLOGY nodes.</summary>
    public List<NumaNode>? NumaTopology;
    /// <summary>HEADER_BRANCH_STACK present (the section has no payload).</summary>
    public bool BranchStack;
    /// <summary>HEADER_PMU_MAPPINGS: (PMU type number, PMU name) in file order.</summary>
    public List<(uint Type, string Name)>? PmuMappings;
    /// <summary>HEADER_GROUP_DESC entries.</summary>
    public List<GroupDesc>? GroupDescs;
    /// <summary>HEADER_AUXTRACE: (file offset, size) of each AUXTRACE record.</summary>
    public List<(ulong FileOffset, ulong Size)>? AuxtraceIndex;
    /// <summary>HEADER_STAT present (perf stat record; no payload).</summary>
    public bool Stat;
    /// <summary>HEADER_CACHE levels.</summary>
    public List<CacheLevel>? Cache;
    /// <summary>HEADER_MEM_TOPOLOGY.</summary>
    public MemTopology? MemTopology;
    /// <summary>HEADER_DIR_FORMAT version (directory mode).</summary>
    public ulong? DirFormatVersion;
    /// <summary>HEADER_BPF_PROG_INFO, raw section bytes.</summary>
    public byte[]? BpfProgInfo;
    /// <summary>HEADER_BPF_BTF, raw section bytes.</summary>
    public byte[]? BpfBtf;
    /// <summary>HEADER_COMPRESSED.</summary>
    public CompressedInfo? Compressed;
    /// <summary>HEADER_CPU_PMU_CAPS (name, value) pairs.</summary>
    public List<(string Name, string Value)>? CpuPmuCaps;
    /// <summary>HEADER_HYBRID_TOPOLOGY: (PMU name, CPU list).</summary>
    public List<(string PmuName, string Cpus)>? HybridTopology;
    /// <summary>HEADER_PMU_CAPS per PMU.</summary>
    public List<PmuCaps>? PmuCaps;
}

/// <summary>One HEADER_EVENT_DESC entry.</summary>
public sealed class EventDesc
{
    /// <summary>The attr as stored in the section.</summary>
    public PerfEventAttr Attr = new();
    /// <summary>Event name as perf prints it (e.g. "cpu-clock:ppp").</summary>
    public string Name = "";
    /// <summary>Event ids of the event.</summary>
    public ulong[] Ids = [];
}

/// <summary>HEADER_CPU_TOPOLOGY.</summary>
public sealed class CpuTopology
{
    /// <summary>Core sibling lists ("sibling sockets" in perf's header print).</summary>
    public string[] CoreSiblings = [];
    /// <summary>Thread sibling lists.</summary>
    public string[] ThreadSiblings = [];
    /// <summary>(core id, socket id) per CPU, when present.</summary>
    public (int CoreId, int SocketId)[]? Cpus;
    /// <summary>Die sibling lists, when present.</summary>
    public string[]? DieSiblings;
    /// <summary>Die id per CPU, when present.</summary>
    public int[]? DieIds;
}

/// <summary>One HEADER_NUMA_TOPOLOGY node.</summary>
public readonly record struct NumaNode(uint Node, ulong MemTotalKb, ulong MemFreeKb, string Cpus);

/// <summary>One HEADER_GROUP_DESC entry.</summary>
public readonly record struct GroupDesc(string Name, uint LeaderIndex, uint MemberCount);

/// <summary>One HEADER_CACHE level.</summary>
public readonly record struct CacheLevel(uint Level, uint LineSize, uint Sets, uint Ways, string Type, string Size, string Map);

/// <summary>HEADER_MEM_TOPOLOGY.</summary>
public sealed class MemTopology
{
    /// <summary>Section version.</summary>
    public ulong Version;
    /// <summary>Memory block size in bytes.</summary>
    public ulong BlockSize;
    /// <summary>Nodes: node number, size in bytes, bitmap of memory blocks.</summary>
    public List<(ulong Node, ulong Size, ulong[] Bitmap, ulong Bits)> Nodes = [];
}

/// <summary>HEADER_COMPRESSED.</summary>
public readonly record struct CompressedInfo(uint Version, uint Type, uint Level, uint Ratio, uint MmapLen);

/// <summary>HEADER_PMU_CAPS entry: a PMU's capabilities.</summary>
public sealed class PmuCaps
{
    /// <summary>PMU name.</summary>
    public string Pmu = "";
    /// <summary>(name, value) pairs.</summary>
    public List<(string Name, string Value)> Caps = [];
}
