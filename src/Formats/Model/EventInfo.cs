namespace Stackweave.Formats.Model;

/// <summary>What produced a sample: perf's event kinds (perf_event_attr.type), or another source's.</summary>
public enum EventKind
{
    /// <summary>Not a perf event, or unknown.</summary>
    Other,
    /// <summary>PERF_TYPE_HARDWARE.</summary>
    Hardware,
    /// <summary>PERF_TYPE_SOFTWARE.</summary>
    Software,
    /// <summary>PERF_TYPE_TRACEPOINT.</summary>
    Tracepoint,
    /// <summary>PERF_TYPE_HW_CACHE.</summary>
    HwCache,
    /// <summary>PERF_TYPE_RAW or a dynamic PMU type.</summary>
    Raw,
    /// <summary>PERF_TYPE_BREAKPOINT.</summary>
    Breakpoint,
}

/// <summary>One event of a capture: its name as the tool prints it and what its samples carry.</summary>
public sealed class EventInfo
{
    /// <summary>Name as the capturing tool prints it (e.g. "cpu-clock", "sched:sched_switch").</summary>
    public string Name { get; set; } = "";
    /// <summary>What kind of event it is.</summary>
    public EventKind Kind { get; set; }
    /// <summary>Sampling period (or frequency when <see cref="Freq"/>), 0 when unknown.</summary>
    public ulong PeriodOrFreq { get; set; }
    /// <summary>True when sampling was by frequency.</summary>
    public bool Freq { get; set; }
    /// <summary>perf sample_type bits of the event (0 for other sources).</summary>
    public ulong PerfSampleType { get; set; }
    /// <summary>Unit of the event's period values ("nanoseconds" for time-based events, "count" otherwise).</summary>
    public string PeriodUnit { get; set; } = "count";

    /// <inheritdoc/>
    public override string ToString() => Name;
}
