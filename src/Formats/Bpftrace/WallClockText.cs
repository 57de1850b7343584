namespace Stackweave.Formats.Bpftrace;

/// <summary>
/// Wall-clock text as bpftrace 0.17 prints it: <c>time()</c> (default format <c>"%H:%M:%S\n"</c>,
/// ast/passes/resource_analyser.cpp) and <c>strftime(FMT, ns)</c> (BPFtrace::resolve_timestamp: boot-time wall clock plus
/// ns, formatted by C strftime after localtime_r, with bpftrace's own <c>%f</c> = microseconds, 6 digits, truncated). Recognised
/// forms: <c>HH:MM:SS</c>, optionally preceded by <c>YYYY-MM-DD</c> and <c>T</c> or a blank, followed by <c>.</c> and 1–9
/// fraction digits, and by a zone <c>Z</c>, <c>±HH:MM</c> or <c>±HHMM</c> (<c>%z</c>). Text without a zone is local time of the
/// machine that ran bpftrace; callers read it as UTC and say so.
/// </summary>
public readonly record struct WallClockText(long WallNs, long ResolutionNs, bool HasDate, bool ZoneGiven, int Start, int End)
{
    private const long SecondNs = 1_000_000_000;
    private const long UnixEpochTicks = 621_355_968_000_000_000; // DateTime ticks (100 ns) of 1970-01-01T00:00:00Z

    /// <summary>Finds the first wall-clock text in <paramref name="line"/>; <see cref="WallNs"/> is Unix ns with a date, else ns since midnight.</summary>
    public static bool TryFind(ReadOnlySpan<char> line, out WallClockText found)
    {
        found = default;
        // the earliest "dd:dd:dd" that is not part of a longer number or time
        for (var i = line.IndexOf(':'); i >= 0; i = Next(line, i))
            if (i >= 2 && TryParseAt(line, i - 2, out found)) return true;
        return false;
    }

    /// <summary>True when the whole of <paramref name="line"/> (blanks and a newline at its end aside) is one wall-clock text, as a <c>time()</c> line is.</summary>
    public static bool TryWhole(ReadOnlySpan<char> line, out WallClockText found)
    {
        var t = line.TrimEnd("\r\n\t ");
        return TryFind(t, out found) && found.Start == 0 && found.End == t.Length;
    }

    private static int Next(ReadOnlySpan<char> line, int i)
    {
        var n = line[(i + 1)..].IndexOf(':');
        return n < 0 ? -1 : i + 1 + n;
    }

    private static bool TryParseAt(ReadOnlySpan<char> s, int h, out WallClockText found)
    {
        found = default;
        if (h + 8 > s.Length || s[h + 2] != ':' || s[h + 5] != ':') return false;
        if (!Two(s, h, out var hh) || !Two(s, h + 3, out var mm) || !Two(s, h + 6, out var ss)) return false;
        // leap second 60 is what strftime prints for tm_sec = 60; Unix time has none, count it as :59
        if (hh > 23 || mm > 59 || ss > 60) return false;
        if (h > 0 && (char.IsAsciiDigit(s[h - 1]) || s[h - 1] == ':')) return false;
        var end = h + 8;
        long frac = 0, res = SecondNs;
        if (end + 1 < s.Length && s[end] == '.' && char.IsAsciiDigit(s[end + 1]))
        {
            var d = 0;
            end++;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                if (d == 9) return false; // more digits than nanoseconds
                frac = frac * 10 + (s[end] - '0');
                res /= 10;
                d++;
                end++;
            }
            frac *= res;
        }
        var zoneNs = 0L;
        var zone = false;
        if (end < s.Length && s[end] == 'Z') { zone = true; end++; }
        else if (end + 5 <= s.Length && s[end] is '+' or '-' && Two(s, end + 1, out var zh))
        {
            var colon = s[end + 3] == ':';
            var zmAt = end + (colon ? 4 : 3);
            if (zmAt + 2 <= s.Length && Two(s, zmAt, out var zm) && zh <= 23 && zm <= 59)
            {
                zone = true;
                zoneNs = (zh * 3600L + zm * 60L) * SecondNs * (s[end] == '-' ? -1 : 1);
                end = zmAt + 2;
            }
        }
        if (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == ':')) return false;
        var start = h;
        var dayNs = ((hh * 60L + mm) * 60L + Math.Min(ss, 59)) * SecondNs + frac;
        var wall = dayNs - zoneNs;
        var hasDate = false;
        if (h >= 11 && s[h - 1] is 'T' or ' ' && s[h - 4] == '-' && s[h - 7] == '-'
            && (h == 11 || !char.IsAsciiDigit(s[h - 12]))
            && Two(s, h - 11, out var y1) && Two(s, h - 9, out var y2) && Two(s, h - 6, out var mo) && Two(s, h - 3, out var dd)
            && y1 * 100 + y2 >= 1970 && mo is >= 1 and <= 12 && dd >= 1 && dd <= DateTime.DaysInMonth(y1 * 100 + y2, mo))
        {
            var days = (new DateTime(y1 * 100 + y2, mo, dd, 0, 0, 0, DateTimeKind.Utc).Ticks - UnixEpochTicks) / TimeSpan.TicksPerDay;
            wall += days * 86_400 * SecondNs;
            hasDate = true;
            start = h - 11;
        }
        found = new WallClockText(wall, res, hasDate, zone, start, end);
        return true;
    }

    private static bool Two(ReadOnlySpan<char> s, int at, out int v)
    {
        v = 0;
        if (at < 0 || at + 2 > s.Length || !char.IsAsciiDigit(s[at]) || !char.IsAsciiDigit(s[at + 1])) return false;
        v = (s[at] - '0') * 10 + (s[at + 1] - '0');
        return true;
    }
}
