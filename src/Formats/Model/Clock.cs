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

/// <summary>How a source's clock was mapped onto UTC, in the order of trust the alignment pass applies.</summary>
public enum ClockDerivation
{
    /// <summary>Not mapped: the source stays on its own time axis.</summary>
    None,
    /// <summary>A wall-clock/clock pair the capture recorded (perf CLOCK_DATA, a perf script <c>tod</c> column).</summary>
    CaptureReference,
    /// <summary>The source's times are wall-clock times already (pprof time_nanos, perf <c>-k CLOCK_REALTIME</c>).</summary>
    SourceWallClock,
    /// <summary>A user anchor (<c>--anchor FILE=SOURCE_TIME@UTC_TIME</c>).</summary>
    Anchor,
    /// <summary>A user offset alone (<c>--clock-offset FILE=DURATION</c>) on a source nothing else places.</summary>
    UserOffset,
    /// <summary>Estimated from events this source and an already placed one both saw.</summary>
    Estimated,
    /// <summary>A stated assumption (<c>--assume-clock</c>): the clock is taken to be another source's clock domain.</summary>
    Assumed,
}

/// <summary>A source's clock and, once aligned, how it maps onto UTC nanoseconds (utc = t + offset + drift·(t − pivot)).</summary>
public sealed class Clock
{
    /// <summary>The clock domain of the source's timestamps.</summary>
    public ClockDomain Domain { get; set; }
    /// <summary>Offset added to source nanoseconds to give UTC Unix nanoseconds (at <see cref="PivotNs"/> when drifting), once known.</summary>
    public long? OffsetToUtcNs { get; set; }
    /// <summary>Rate error of the source clock against UTC (UTC ns per source ns, minus 1); 0 when no drift was estimated.</summary>
    public double Drift { get; set; }
    /// <summary>Source time (ns) at which <see cref="OffsetToUtcNs"/> holds exactly when <see cref="Drift"/> is not 0.</summary>
    public long PivotNs { get; set; }
    /// <summary>How the offset was obtained, in words (e.g. "CLOCK_DATA"), when known.</summary>
    public string? AlignedBy { get; set; }
    /// <summary>Which rule placed the clock on UTC.</summary>
    public ClockDerivation Derivation { get; set; }
    /// <summary>For an estimate: robust spread (1.4826 × median absolute deviation) of the matched events around the fit, ns.</summary>
    public double? ResidualNs { get; set; }
    /// <summary>For an estimate: how many event pairs were matched.</summary>
    public int Matches { get; set; }
    /// <summary>A reference pair recorded by the capture: wall-clock ns and the same instant on the source clock (perf CLOCK_DATA).</summary>
    public (long WallNs, long ClockNs)? Reference { get; set; }
    /// <summary>The wall-clock window the capture covers when it has no per-sample times (pprof time_nanos, duration_nanos), UTC ns.</summary>
    public (long StartUtcNs, long DurationNs)? Window { get; set; }

    /// <summary>True once the clock maps onto UTC.</summary>
    public bool IsAligned => OffsetToUtcNs is not null;

    /// <summary>UTC nanoseconds of a source time, or null when the clock is not aligned.</summary>
    public long? ToUtc(long sourceNs)
    {
        if (OffsetToUtcNs is not { } off) return null;
        if (Drift == 0) return sourceNs + off;
        return sourceNs + off + (long)Math.Round(Drift * (sourceNs - PivotNs));
    }

    /// <summary>The source time of a UTC instant (inverse of <see cref="ToUtc"/>, to the nanosecond), or null when not aligned.</summary>
    public long? FromUtc(long utcNs)
    {
        if (OffsetToUtcNs is not { } off) return null;
        if (Drift == 0) return utcNs - off;
        // utc = t + off + d(t − p)  ⇒  t − p = (utc − off − p) / (1 + d)
        var rel = (utcNs - off - PivotNs) / (1 + Drift);
        return PivotNs + (long)Math.Round(rel);
    }

    /// <summary>Copies another clock's mapping (offset, drift, derivation, residual) onto this one.</summary>
    public void CopyMappingFrom(Clock other)
    {
        OffsetToUtcNs = other.OffsetToUtcNs; Drift = other.Drift; PivotNs = other.PivotNs; AlignedBy = other.AlignedBy;
        Derivation = other.Derivation; ResidualNs = other.ResidualNs; Matches = other.Matches;
    }
}

/// <summary>One input of a timeline merge: where it came from, its clock and how its times sit on the merged axis.</summary>
public sealed class SourcePart
{
    /// <summary>The input.</summary>
    public Source Source { get; init; } = new();
    /// <summary>The input's clock and its UTC mapping (as the alignment pass left it).</summary>
    public Clock Clock { get; init; } = new();
    /// <summary>True when the part's times in the merged profile are UTC ns; false: its own axis, shifted by <see cref="AxisShiftNs"/>.</summary>
    public bool OnUtcAxis { get; init; }
    /// <summary>For a part on its own axis: merged time = source time + this (its first time put at the start of the merged axis).</summary>
    public long AxisShiftNs { get; init; }
    /// <summary>The merged value column that weighs this part's samples (its own default sample type).</summary>
    public int ValueColumn { get; init; }
    /// <summary>The input's capture start on its own clock (ns), when known.</summary>
    public long? StartTime { get; init; }
    /// <summary>The input's capture duration in ns, 0 when unknown.</summary>
    public long DurationNs { get; init; }

    /// <summary>The source-clock time of a merged-axis time.</summary>
    public long SourceTime(long axisNs) => OnUtcAxis ? Clock.FromUtc(axisNs) ?? axisNs : axisNs - AxisShiftNs;

    /// <summary>The UTC time of a merged-axis time, null for a part on its own axis.</summary>
    public long? UtcTime(long axisNs) => OnUtcAxis ? axisNs : null;
}
