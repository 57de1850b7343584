using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

/// <summary>Clock ids of perf_event_attr.clockid and CLOCK_DATA (include/uapi/linux/time.h).</summary>
public static class PerfClocks
{
    /// <summary>The clock id the capture's samples are stamped with, or null for perf_clock (attr.use_clockid unset).</summary>
    public static int? ClockIdOf(PerfDataFile file) => file.Attrs.Count > 0 && file.Attrs[0].UseClockId ? file.Attrs[0].ClockId : null;

    /// <summary>The model's clock domain for a clock id (null = perf_clock).</summary>
    public static ClockDomain DomainOf(int? clockId) => clockId switch
    {
        null => ClockDomain.PerfClock,
        0 => ClockDomain.Realtime,
        1 => ClockDomain.Monotonic,
        4 => ClockDomain.MonotonicRaw,
        7 => ClockDomain.BootTime,
        11 => ClockDomain.Tai,
        _ => ClockDomain.Unknown,
    };

    /// <summary>The name perf prints for a clock id (null = "perf_clock").</summary>
    public static string NameOf(int? clockId) => clockId switch
    {
        null => "perf_clock",
        0 => "CLOCK_REALTIME", 1 => "CLOCK_MONOTONIC", 4 => "CLOCK_MONOTONIC_RAW", 7 => "CLOCK_BOOTTIME", 11 => "CLOCK_TAI",
        _ => "clockid " + clockId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
