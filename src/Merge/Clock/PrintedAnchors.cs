using System.Globalization;
using Stackweave.Formats.Model;

namespace Stackweave.Merge.Clock;

/// <summary>A clock mapping read from wall-clock text a capture printed: the offset (utc = t + offset), its uncertainty and how it was found.</summary>
public sealed record PrintedAnchor(long OffsetNs, long ResidualNs, int Readings, string Text, string ResidualBasis);

/// <summary>
/// Clock anchors from wall-clock text bpftrace printed (see <see cref="PrintedClock"/>). Two strengths:
/// <list type="bullet">
/// <item><c>strftime()</c> with a date on lines that also print its nsecs argument is bpftrace's own conversion of that clock
/// (its boot-time wall clock, CLOCK_REALTIME − CLOCK_BOOTTIME read once at start, plus nsecs): a reference the capture recorded,
/// exact to the text's resolution, trusted like perf's CLOCK_DATA (<see cref="Exact"/>).</item>
/// <item><c>strftime()</c> without a date pins the offset modulo a day, and <c>time()</c> lines (whole seconds, printed in user
/// space after the event) to ±1 s; both need the day from elsewhere and are used last (<see cref="Dated"/>).</item>
/// </list>
/// Text without a zone is bpftrace's local time; it is read as UTC and the report says so.
/// </summary>
public static class PrintedAnchors
{
    // Readings of one kind whose intervals miss each other by more than this are not one clock mapping (the printed number is
    // not strftime()'s argument): 1 ms for strftime text (1000 × bpftrace's %f resolution), and time() one resolution (1 s).
    private const long StrftimeTolerance = 1_000_000;

    /// <summary>The anchor of dated strftime() text, or null (with the reason in <paramref name="why"/> when there was such text).</summary>
    public static PrintedAnchor? Exact(Formats.Model.Clock c, out string? why)
    {
        why = null;
        var pc = Find(c, PrintedClockKind.Strftime, true);
        if (pc is null || pc.Count == 0) return null;
        if (!Agree(pc, out why)) return null;
        return new PrintedAnchor(pc.OffsetNs, pc.HalfWidthNs, pc.Count,
            Inv($"bpftrace strftime() text beside nsecs on {pc.Count} lines (to {Res(pc.ResolutionNs)}, e.g. \"{pc.Example}\")") + Zone(pc),
            Basis(pc));
    }

    /// <summary>
    /// The anchor of dateless strftime() text, else of time() lines, with the day taken from the nearest of
    /// <paramref name="dayHint"/> (a UTC offset another input suggests, ns), or null with the reason in <paramref name="why"/>.
    /// </summary>
    public static PrintedAnchor? Dated(Formats.Model.Clock c, long? dayHint, string? hintText, out string? why)
    {
        why = null;
        var dateless = Find(c, PrintedClockKind.Strftime, false);
        var timeDated = Find(c, PrintedClockKind.Time, true);
        var timeDateless = Find(c, PrintedClockKind.Time, false);
        // a dated time() line fixes the day for the rest of the file's text
        long? hint = dayHint;
        string? hintFrom = hintText;
        if (timeDated is { Count: > 0 } && Agree(timeDated, out _)) { hint = timeDated.OffsetNs; hintFrom = "the file's dated time() lines"; }
        foreach (var pc in new[] { dateless, timeDated, timeDateless })
        {
            if (pc is null || pc.Count == 0) continue;
            if (!Agree(pc, out var disagree)) { why = disagree; continue; }
            var what = pc.Kind == PrintedClockKind.Strftime
                ? Inv($"bpftrace strftime() time of day beside nsecs on {pc.Count} lines (to {Res(pc.ResolutionNs)}, no date, e.g. \"{pc.Example}\")")
                : Inv($"bpftrace time() lines: {pc.Count} (whole seconds, printed in user space, paired with the nsecs of the line before each{(pc.HasDate ? "" : ", no date")}, e.g. \"{pc.Example}\")");
            var offset = pc.OffsetNs;
            if (!pc.HasDate)
            {
                if (hint is not { } h)
                {
                    why = "its wall-clock text prints no date, and no other placed input (or a dated time() line) gives the day; --anchor places it";
                    return null;
                }
                offset += (long)Math.Round((h - offset) / (double)PrintedClock.DayNs) * PrintedClock.DayNs;
                what += ", the day from " + hintFrom;
            }
            // time(): the text is printed after the event, to whole seconds: ±1 s is what one line promises
            var residual = pc.Kind == PrintedClockKind.Time ? Math.Max(pc.HalfWidthNs, 1_000_000_000) : pc.HalfWidthNs;
            var basis = pc.Kind == PrintedClockKind.Time
                ? "bound of time() text: whole seconds at print time, after the event"
                : Basis(pc);
            return new PrintedAnchor(offset, residual, pc.Count, what + Zone(pc), basis);
        }
        return null;
    }

    /// <summary>True when the source has wall-clock text of a kind only <see cref="Dated"/> uses (no dated strftime text).</summary>
    public static bool HasWeakText(Formats.Model.Clock c)
    {
        foreach (var pc in c.Printed) if (pc.Count > 0 && !(pc.Kind == PrintedClockKind.Strftime && pc.HasDate)) return true;
        return false;
    }

    private static bool Agree(PrintedClock pc, out string? why)
    {
        why = null;
        if (pc.Consistent) return true;
        var tolerance = pc.Kind == PrintedClockKind.Time ? pc.ResolutionNs : StrftimeTolerance;
        var miss = pc.LowNs - pc.HighNs;
        if (miss <= tolerance) return true;
        why = Inv($"its {(pc.Kind == PrintedClockKind.Time ? "time()" : "strftime()")} readings disagree by {TimeText.FormatDuration(miss).TrimStart('+')} (the printed number is not the converted one, or the clock was reset)");
        return false;
    }

    private static PrintedClock? Find(Formats.Model.Clock c, PrintedClockKind kind, bool hasDate)
    {
        foreach (var pc in c.Printed) if (pc.Kind == kind && pc.HasDate == hasDate) return pc;
        return null;
    }

    private static string Basis(PrintedClock pc) => pc.Consistent
        ? Inv($"half the offset interval {pc.Count} readings leave; text truncated to {Res(pc.ResolutionNs)}")
        : Inv($"half the disagreement of {pc.Count} readings; text truncated to {Res(pc.ResolutionNs)}");

    private static string Zone(PrintedClock pc) => pc.WithZone == pc.Count
        ? ""
        : "; read as UTC (bpftrace prints local time and the text names no zone)";

    private static string Res(long ns) => ns switch
    {
        1_000_000_000 => "1 s",
        >= 1_000_000 => Inv($"{ns / 1_000_000} ms"),
        >= 1_000 => Inv($"{ns / 1_000} µs"),
        _ => Inv($"{ns} ns"),
    };

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
