namespace Stackweave.Formats.PerfData;

/// <summary>struct perf_event_attr as stored in a capture (include/uapi/linux/perf_event.h); fields past the stored size are zero.</summary>
public sealed class PerfEventAttr
{
    /// <summary>Major type (PERF_TYPE_HARDWARE = 0, SOFTWARE = 1, TRACEPOINT = 2, HW_CACHE = 3, RAW = 4, BREAKPOINT = 5, or a PMU's dynamic type).</summary>
    public uint Type { get; set; }
    /// <summary>Size as stored (0 means PERF_ATTR_SIZE_VER0 = 64).</summary>
    public uint Size { get; set; }
    /// <summary>Type-specific configuration (event id; tracepoint id for tracepoints).</summary>
    public ulong Config { get; set; }
    /// <summary>sample_period or sample_freq (see <see cref="Freq"/>).</summary>
    public ulong SamplePeriodOrFreq { get; set; }
    /// <summary>Which fields samples carry.</summary>
    public SampleFormat SampleType { get; set; }
    /// <summary>What a READ value holds.</summary>
    public ReadFormat ReadFormat { get; set; }
    /// <summary>The bitfield word (disabled, inherit, ... as in the kernel header), in native bit order.</summary>
    public ulong Flags { get; set; }
    /// <summary>wakeup_events or wakeup_watermark.</summary>
    public uint WakeupEvents { get; set; }
    /// <summary>bp_type.</summary>
    public uint BpType { get; set; }
    /// <summary>config1 (or bp_addr, kprobe_func, uprobe_path).</summary>
    public ulong Config1 { get; set; }
    /// <summary>config2 (or bp_len, kprobe_addr, probe_offset).</summary>
    public ulong Config2 { get; set; }
    /// <summary>branch_sample_type.</summary>
    public ulong BranchSampleType { get; set; }
    /// <summary>sample_regs_user: which user registers REGS_USER holds.</summary>
    public ulong SampleRegsUser { get; set; }
    /// <summary>sample_stack_user: bytes of user stack requested.</summary>
    public uint SampleStackUser { get; set; }
    /// <summary>clockid (meaningful when <see cref="UseClockId"/>).</summary>
    public int ClockId { get; set; }
    /// <summary>sample_regs_intr.</summary>
    public ulong SampleRegsIntr { get; set; }
    /// <summary>aux_watermark.</summary>
    public uint AuxWatermark { get; set; }
    /// <summary>sample_max_stack.</summary>
    public ushort SampleMaxStack { get; set; }
    /// <summary>aux_sample_size.</summary>
    public uint AuxSampleSize { get; set; }
    /// <summary>sig_data.</summary>
    public ulong SigData { get; set; }
    /// <summary>config3.</summary>
    public ulong Config3 { get; set; }

    /// <summary>Event ids that belong to this attr (from the attr's id section, HEADER_ATTR or ID_INDEX).</summary>
    public List<ulong> Ids { get; } = [];
    /// <summary>Event name (from EVENT_DESC, EVENT_TYPE or EVENT_UPDATE), when known.</summary>
    public string? Name { get; set; }

    private bool Bit(int n) => (Flags >> n & 1) != 0;

    /// <summary>attr.freq: <see cref="SamplePeriodOrFreq"/> is a frequency.</summary>
    public bool Freq => Bit(10);
    /// <summary>attr.sample_id_all: non-sample records carry the sample_id trailer.</summary>
    public bool SampleIdAll => Bit(18);
    /// <summary>attr.use_clockid.</summary>
    public bool UseClockId => Bit(25);
    /// <summary>attr.exclude_kernel.</summary>
    public bool ExcludeKernel => Bit(5);
    /// <summary>attr.exclude_user.</summary>
    public bool ExcludeUser => Bit(4);

    /// <summary>Size of the trailer sample_id_all adds to non-sample records.</summary>
    public int SampleIdSize
    {
        get
        {
            if (!SampleIdAll) return 0;
            var t = SampleType;
            var n = 0;
            if ((t & SampleFormat.Tid) != 0) n += 8;
            if ((t & SampleFormat.Time) != 0) n += 8;
            if ((t & SampleFormat.Id) != 0) n += 8;
            if ((t & SampleFormat.StreamId) != 0) n += 8;
            if ((t & SampleFormat.Cpu) != 0) n += 8;
            if ((t & SampleFormat.Identifier) != 0) n += 8;
            return n;
        }
    }
}
