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
    /// <summary>
    /// Wall-clock text the capture printed that pins it only up to a day or to whole seconds (bpftrace <c>strftime()</c> without
    /// a date, <c>time()</c> lines); the day comes from other inputs. The last resort, after assumptions.
    /// </summary>
    PrintedTime,
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
    /// <summary>What <see cref="ResidualNs"/> measures, in words; null: the spread of an estimate (1.4826 × MAD over the matched events).</summary>
    public string? ResidualBasis { get; set; }
    /// <summary>Wall-clock text the capture printed beside its own times (bpftrace <c>strftime()</c>, <c>time()</c>), one summary per kind.</summary>
    public List<PrintedClock> Printed { get; } = [];

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
        Derivation = other.Derivation; ResidualNs = other.ResidualNs; Matches = other.Matches; ResidualBasis = other.ResidualBasis;
    }
}

/// <summary>Kinds of wall-clock text a capture can print beside its own times.</summary>
public enum PrintedClockKind
{
    /// <summary>bpftrace <c>strftime(FMT, nsecs)</c> on a line that also prints the same nsecs: the capture tool's own conversion.</summary>
    Strftime,
    /// <summary>bpftrace <c>time()</c>: the wall clock when user space printed the line, paired with the nsecs of the line before it.</summary>
    Time,
}

/// <summary>
/// A summary of wall-clock readings of one kind: every reading says utc = t + offset with offset in
/// [wall − t, wall − t + resolution) (the text truncates); the summary keeps the intersection of those intervals, so it costs
/// the same for ten lines as for a million. Without a date the wall time is the time of day and offsets are known modulo a
/// day: they are unwrapped around the first reading.
/// </summary>
public sealed class PrintedClock
{
    /// <summary>Nanoseconds in a day (86,400 s; UTC days without leap seconds, as Unix time counts them).</summary>
    public const long DayNs = 86_400_000_000_000;

    /// <summary>Which kind of text.</summary>
    public PrintedClockKind Kind { get; init; }
    /// <summary>True when the text carries a date (the offsets are absolute); false: time of day only.</summary>
    public bool HasDate { get; init; }
    /// <summary>Readings summarised.</summary>
    public int Count { get; private set; }
    /// <summary>Largest lower bound of the offset (utc − source ns) over the readings.</summary>
    public long LowNs { get; private set; }
    /// <summary>Smallest upper bound of the offset over the readings.</summary>
    public long HighNs { get; private set; }
    /// <summary>The coarsest resolution of the text seen, ns (1,000 for bpftrace's <c>%f</c>, 10⁹ for whole seconds).</summary>
    public long ResolutionNs { get; private set; }
    /// <summary>Readings whose text named its zone (Z or ±hh:mm); the others are read as UTC.</summary>
    public int WithZone { get; private set; }
    /// <summary>The first reading's text, for reports.</summary>
    public string? Example { get; private set; }

    /// <summary>True when the intervals of all readings overlap.</summary>
    public bool Consistent => LowNs <= HighNs;
    /// <summary>The offset in the middle of the summarised interval (modulo a day without a date).</summary>
    public long OffsetNs => LowNs + (HighNs - LowNs) / 2;
    /// <summary>Half the width of the interval (or half the disagreement when the readings do not overlap), ns.</summary>
    public long HalfWidthNs => Math.Abs(HighNs - LowNs) / 2;

    /// <summary>Adds one reading: the source time <paramref name="sourceNs"/> printed as <paramref name="wallNs"/> (Unix ns, or ns since midnight without a date), truncated to <paramref name="resolutionNs"/>.</summary>
    public void Add(long sourceNs, long wallNs, long resolutionNs, bool zoneGiven, string text)
    {
        var lo = wallNs - sourceNs;
        if (Count == 0)
        {
            LowNs = lo; HighNs = lo + resolutionNs; ResolutionNs = resolutionNs; Example = text;
        }
        else
        {
            if (!HasDate)
            {
                // unwrap around the first reading: the nearest whole-day shift
                var d = lo - LowNs;
                d -= (long)Math.Round(d / (double)DayNs) * DayNs;
                lo = LowNs + d;
            }
            LowNs = Math.Max(LowNs, lo);
            HighNs = Math.Min(HighNs, lo + resolutionNs);
            ResolutionNs = Math.Max(ResolutionNs, resolutionNs);
        }
        Count++;
        if (zoneGiven) WithZone++;
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
