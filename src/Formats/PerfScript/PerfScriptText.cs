using System.Globalization;

namespace Stackweave.Formats.PerfScript;

/// <summary>One sample header line of <c>perf script</c> text, split into its fields.</summary>
internal struct ScriptHeader
{
    public string Comm;
    public int Pid;          // -1 when not printed
    public int Tid;
    public int Cpu;          // -1 when not printed
    public bool HasTime;
    public long TimeNs;
    public bool HasTod;
    public long TodNs;       // tod as printed, read as UTC
    public bool HasPeriod;
    public ulong Period;
    public string? Event;    // null when no event name was printed
    public int RestStart;    // index in the line where the text after "event: " starts (trace text or the sample's ip)
}

/// <summary>
/// Field grammar of perf's text output (tools/perf/builtin-script.c, perf 3.x to 6.x): perf_sample__fprintf_start prints
/// <c>comm</c> ("%s " or "%16s "), <c>pid/tid</c> ("%5d/%-5d ", or one of them "%5d "; 7 wide in newer perfs), <c>[cpu]</c> ("[%03d] "),
/// <c>tod</c> ("YYYY-MM-DD HH:MM:SS.uuuuuu ", "disabled" without clock data), <c>time</c> ("%12s: " of sec.usec, "%5lu.%09llu: " with --ns);
/// then the period ("%10lu "), the event name ("%*s: ") and the trace fields or the sample's ip.
/// Callchain lines are <c>\t%16lx sym[+0xoff] (dso)</c>, -F subsets dropping the symbol offset, the symbol or the dso.
/// </summary>
internal static class PerfScriptText
{
    private static bool IsSpace(char c) => c is ' ' or '\t';

    /// <summary>True for a side-band record line of <c>perf script --show-*-events</c> ("comm pid/tid time: PERF_RECORD_X ...").</summary>
    public static bool IsSideBand(ReadOnlySpan<char> line)
        => line.IndexOf(": PERF_RECORD_") > 0;

    /// <summary>Splits a header line; false when the line is not one.</summary>
    public static bool TryParseHeader(string line, out ScriptHeader h)
    {
        h = default;
        var i = 0;
        while (i < line.Length && IsSpace(line[i])) i++;
        var commStart = i;
        if (commStart == line.Length) return false;
        // The comm may hold blanks (perf prints it as is): try each blank-separated number after it, shortest comm first,
        // and keep the first split whose remaining fields all parse (stackcollapse-perf.pl's lazy "^(\S.+?)\s+(\d+)" does the same).
        var pos = commStart;
        while (true)
        {
            // advance to the end of the current token
            while (pos < line.Length && !IsSpace(line[pos])) pos++;
            var commEnd = pos;
            while (pos < line.Length && IsSpace(line[pos])) pos++;
            if (pos >= line.Length) return false;
            var tokEnd = pos;
            while (tokEnd < line.Length && !IsSpace(line[tokEnd])) tokEnd++;
            if (TryPidTid(line.AsSpan(pos, tokEnd - pos), out var pid, out var tid) && TryRest(line, tokEnd, ref h))
            {
                h.Comm = line[commStart..commEnd];
                h.Pid = pid;
                h.Tid = tid;
                return true;
            }
        }
    }

    private static bool TryPidTid(ReadOnlySpan<char> tok, out int pid, out int tid)
    {
        pid = tid = -1;
        var slash = tok.IndexOf('/');
        if (slash < 0) return TryInt(tok, out tid);
        return TryInt(tok[..slash], out pid) && TryInt(tok[(slash + 1)..], out tid);
    }

    private static bool TryInt(ReadOnlySpan<char> s, out int v)
    {
        v = 0;
        if (s.Length == 0 || s.Length > 11) return false;
        var start = s[0] == '-' ? 1 : 0;
        if (start == s.Length) return false;
        for (var k = start; k < s.Length; k++) if (!char.IsAsciiDigit(s[k])) return false;
        return int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        if (s.Length == 0) return false;
        foreach (var c in s) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    /// <summary>Parses the fields after pid/tid: [cpu] [tod] [time:] [period] [event:] [rest].</summary>
    private static bool TryRest(string line, int pos, ref ScriptHeader h)
    {
        h.Cpu = -1;
        h.HasTime = h.HasTod = h.HasPeriod = false;
        h.Event = null;
        var stage = 0; // 0: cpu next, 1: tod next, 2: time next, 3: period next, 4: event next
        while (true)
        {
            while (pos < line.Length && IsSpace(line[pos])) pos++;
            if (pos >= line.Length)
            {
                // A -F list without the event ends here.
                h.RestStart = line.Length;
                return true;
            }
            var end = pos;
            while (end < line.Length && !IsSpace(line[end])) end++;
            var tok = line.AsSpan(pos, end - pos);
            if (stage <= 0 && tok.Length >= 3 && tok[0] == '[' && tok[^1] == ']' && TryInt(tok[1..^1], out var cpu))
            {
                h.Cpu = cpu; stage = 1; pos = end; continue;
            }
            if (stage <= 1 && tok.SequenceEqual("disabled"))
            {
                stage = 2; pos = end; continue;
            }
            if (stage <= 1 && TryDate(tok, out var days))
            {
                // the clock part follows after one blank
                var p2 = end;
                while (p2 < line.Length && IsSpace(line[p2])) p2++;
                var e2 = p2;
                while (e2 < line.Length && !IsSpace(line[e2])) e2++;
                if (!TryClock(line.AsSpan(p2, e2 - p2), out var clockNs)) return false;
                h.HasTod = true;
                h.TodNs = days * 86_400_000_000_000L + clockNs;
                stage = 2; pos = e2; continue;
            }
            if (stage <= 2 && tok.Length >= 2 && tok[^1] == ':' && TryTime(tok[..^1], out var t))
            {
                h.HasTime = true; h.TimeNs = t; stage = 3; pos = end; continue;
            }
            if (stage <= 3 && AllDigits(tok) && ulong.TryParse(tok, NumberStyles.None, CultureInfo.InvariantCulture, out var period))
            {
                h.HasPeriod = true; h.Period = period; stage = 4; pos = end; continue;
            }
            if (tok.Length >= 2 && tok[^1] == ':' && tok[0] != ':' && !tok.StartsWith("PERF_RECORD_"))
            {
                h.Event = tok[..^1].ToString();
                // perf prints "name: " then the trace fields or the ip: the rest starts after that one blank
                h.RestStart = end < line.Length ? end + 1 : end;
                return true;
            }
            // Nothing else may stand between pid/tid and the event (a -F list without event ends after time or period).
            return false;
        }
    }

    /// <summary>"sec.frac" with 1 to 9 fraction digits (6 by default, 9 with --ns), or whole seconds.</summary>
    public static bool TryTime(ReadOnlySpan<char> s, out long ns)
    {
        ns = 0;
        var dot = s.IndexOf('.');
        var secs = dot < 0 ? s : s[..dot];
        if (!AllDigits(secs) || secs.Length > 10) return false;
        long v = long.Parse(secs, NumberStyles.None, CultureInfo.InvariantCulture) * 1_000_000_000L;
        if (dot >= 0)
        {
            var frac = s[(dot + 1)..];
            if (frac.Length is 0 or > 9 || !AllDigits(frac)) return false;
            long f = long.Parse(frac, NumberStyles.None, CultureInfo.InvariantCulture);
            for (var k = frac.Length; k < 9; k++) f *= 10;
            v += f;
        }
        ns = v;
        return true;
    }

    private static bool TryDate(ReadOnlySpan<char> s, out long days)
    {
        days = 0;
        // YYYY-MM-DD (tod_scnprintf: strftime "%Y-%m-%d %H:%M:%S" then ".%06llu")
        if (s.Length != 10 || s[4] != '-' || s[7] != '-') return false;
        if (!AllDigits(s[..4]) || !AllDigits(s[5..7]) || !AllDigits(s[8..10])) return false;
        var y = int.Parse(s[..4], CultureInfo.InvariantCulture);
        var m = int.Parse(s[5..7], CultureInfo.InvariantCulture);
        var d = int.Parse(s[8..10], CultureInfo.InvariantCulture);
        if (y < 1 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, m)) return false;
        days = (long)(new DateOnly(y, m, d).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber);
        return true;
    }

    private static bool TryClock(ReadOnlySpan<char> s, out long ns)
    {
        ns = 0;
        if (s.Length < 8 || s[2] != ':' || s[5] != ':' || !AllDigits(s[..2]) || !AllDigits(s[3..5])) return false;
        var hh = int.Parse(s[..2], CultureInfo.InvariantCulture);
        var mm = int.Parse(s[3..5], CultureInfo.InvariantCulture);
        if (hh > 23 || mm > 59 || !TryTime(s[6..], out var secNs) || secNs >= 61_000_000_000L) return false;
        ns = (hh * 3600L + mm * 60L) * 1_000_000_000L + secNs;
        return true;
    }

    /// <summary>A callchain line (or the ip part of a one-line sample): address, symbol text, dso.</summary>
    public readonly record struct Frame(ulong Address, string? Symbol, ulong Offset, bool HasOffset, string? Dso);

    /// <summary>Splits <c>addr sym[+0xoff] (dso)</c>; any part after the address may be missing (-F subsets). False when the line is not one.</summary>
    public static bool TryParseFrame(ReadOnlySpan<char> s, out Frame f)
    {
        f = default;
        var i = 0;
        while (i < s.Length && IsSpace(s[i])) i++;
        var a = i;
        while (i < s.Length && char.IsAsciiHexDigit(s[i])) i++;
        if (i == a || i - a > 16 || (i < s.Length && !IsSpace(s[i]))) return false;
        var addr = ulong.Parse(s[a..i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        // perf prints one blank after the address, then the symbol: a second blank right before "(dso)" is an empty symbol name.
        if (i < s.Length) i++;
        var emptySymbol = i + 1 < s.Length && s[i] == ' ' && s[i + 1] == '(';
        while (i < s.Length && IsSpace(s[i])) i++;
        var rest = s[i..].TrimEnd(' ');
        string? dso = null;
        if (rest.Length > 0 && rest[^1] == ')')
        {
            // The dso is the balanced "(...)" at the end: names like "/memfd:x (deleted)" hold parentheses.
            var depth = 0;
            var open = -1;
            for (var k = rest.Length - 1; k >= 0; k--)
            {
                if (rest[k] == ')') depth++;
                else if (rest[k] == '(' && --depth == 0) { open = k; break; }
            }
            if (open == 0 || (open > 0 && rest[open - 1] == ' '))
            {
                dso = rest[(open + 1)..^1].ToString();
                rest = open == 0 ? [] : rest[..(open - 1)];
            }
        }
        string? sym = null;
        ulong off = 0;
        var hasOff = false;
        if (rest.Length > 0)
        {
            // "+0x<hex>" at the end is the offset into the symbol (symbol__fprintf_symname_offs).
            var plus = rest.LastIndexOf("+0x");
            if (plus > 0 && plus + 3 < rest.Length && rest.Length - plus - 3 <= 16)
            {
                var hex = rest[(plus + 3)..];
                var ok = true;
                foreach (var c in hex) if (!char.IsAsciiHexDigit(c) || char.IsAsciiLetterUpper(c)) { ok = false; break; }
                if (ok)
                {
                    off = ulong.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                    hasOff = true;
                    rest = rest[..plus];
                }
            }
            sym = rest.ToString();
        }
        else if (emptySymbol && dso is not null) sym = "";
        f = new Frame(addr, sym, off, hasOff, dso);
        return true;
    }
}
