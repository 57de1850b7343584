namespace Stackweave.Formats.Model;

/// <summary>Clock domains captures stamp time in.</summary>
public enum ClockDomain
{
    /// <summary>No per-sample time, or unknown.</summary>
    Unknown,
    /// <summary>perf's own clock (local_clock, close to MONOTONIC).</summary>
    PerfClock,
    /// <summary>CLOCK_MONOTONIC.</summary>
    Monotonic,
    /// <summary>CLOCK_MONOTONIC_RAW.</summary>
    MonotonicRaw,
    /// <summary>CLOCK_BOOTTIME.</summary>
    BootTime,
    /// <summary>CLOCK_REALTIME (UTC).</summary>
    Realtime,
    /// <summary>CLOCK_TAI.</summary>
    Tai,
}

/// <summary>A source's clock and, once aligned, how it maps onto UTC nanoseconds.</summary>
public sealed class Clock
{
    /// <summary>The clock domain of the source's timestamps.</summary>
    public ClockDomain Domain { get; set; }
    /// <summary>Offset added to source nanoseconds to give UTC Unix nanoseconds, once known.</summary>
    public long? OffsetToUtcNs { get; set; }
    /// <summary>How the offset was obtained (e.g. "CLOCK_DATA"), when known.</summary>
    public string? AlignedBy { get; set; }
    /// <summary>A reference pair recorded by the capture: wall-clock ns and the same instant on the source clock (perf CLOCK_DATA).</summary>
    public (long WallNs, long ClockNs)? Reference { get; set; }
}
