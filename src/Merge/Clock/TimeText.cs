using System.Globalization;
using System.Text.RegularExpressions;

namespace Stackweave.Merge.Clock;

/// <summary>Parsing and printing of the times and durations the clock options take (RFC 3339 with up to 9 fractional digits, Unix ns, Go-style durations).</summary>
public static partial class TimeText
{
    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    [GeneratedRegex(@"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPart();

    /// <summary>Parses RFC 3339 (e.g. 2026-11-25T19:23:44.588052497Z, offsets allowed) or integer Unix nanoseconds to UTC Unix ns.</summary>
    public static bool TryParseUtc(string text, out long unixNs)
    {
        unixNs = 0;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out unixNs)) return true;
        var m = Rfc3339().Match(text);
        if (!m.Success) return false;
        if (!DateTime.TryParseExact(m.Groups[1].Value + "T" + m.Groups[2].Value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt)) return false;
        var frac = m.Groups[3].Success ? long.Parse(m.Groups[3].Value.PadRight(9, '0'), NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        long zone = 0;
        var z = m.Groups[4].Value;
        if (z is not "Z" and not "z")
        {
            var h = int.Parse(z.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture);
            var mi = int.Parse(z.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture);
            zone = (h * 60L + mi) * 60_000_000_000L * (z[0] == '-' ? -1 : 1);
        }
        // 100 ns per DateTime tick (System.DateTime.Ticks)
        unixNs = (dt - DateTime.UnixEpoch).Ticks * 100 + frac - zone;
        return true;
    }

    /// <summary>Parses a signed duration: integer nanoseconds, or number+unit parts (ns, us/µs, ms, s, m, h) as in "+1.5s", "-250ms", "1m30s".</summary>
    public static bool TryParseDuration(string text, out long ns)
    {
        ns = 0;
        if (text.Length == 0) return false;
        var sign = 1;
        var body = text;
        if (body[0] is '+' or '-') { sign = body[0] == '-' ? -1 : 1; body = body[1..]; }
        if (body.Length == 0) return false;
        if (long.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out var plain)) { ns = sign * plain; return true; }
        decimal total = 0;
        var pos = 0;
        foreach (Match m in DurationPart().Matches(body))
        {
            if (m.Index != pos) return false;
            pos = m.Index + m.Length;
            if (!decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v)) return false;
            total += v * m.Groups[2].Value switch
            {
                "ns" => 1m, "us" or "µs" => 1_000m, "ms" => 1_000_000m, "s" => 1_000_000_000m, "m" => 60_000_000_000m, _ => 3_600_000_000_000m,
            };
        }
        if (pos != body.Length || total > long.MaxValue) return false;
        ns = sign * (long)Math.Round(total);
        return true;
    }

    /// <summary>UTC Unix ns as RFC 3339 with 9 fractional digits.</summary>
    public static string FormatUtc(long unixNs)
    {
        var secs = Math.DivRem(unixNs, 1_000_000_000L, out var frac);
        if (frac < 0) { frac += 1_000_000_000; secs--; }
        var dt = DateTime.UnixEpoch.AddSeconds(secs);
        return dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + FormattableString.Invariant($".{frac:D9}Z");
    }

    /// <summary>A signed duration in the largest fitting unit, e.g. "+203.828121 ms".</summary>
    public static string FormatDuration(double ns)
    {
        var sign = ns < 0 ? "-" : "+";
        var a = Math.Abs(ns);
        return a switch
        {
            >= 1e9 => FormattableString.Invariant($"{sign}{a / 1e9:0.#########} s"),
            >= 1e6 => FormattableString.Invariant($"{sign}{a / 1e6:0.######} ms"),
            >= 1e3 => FormattableString.Invariant($"{sign}{a / 1e3:0.###} µs"),
            _ => FormattableString.Invariant($"{sign}{a:0.#} ns"),
        };
    }
}
