using System.Globalization;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Bpftrace;

/// <summary>
/// Pieces of bpftrace's printed syntax shared by the text and JSON readers (bpftrace 0.17 src/output.cpp and
/// src/bpftrace.cpp get_stack, and the raw mode of later versions).
/// </summary>
internal static class BpftraceSyntax
{
    /// <summary>
    /// Reads one stack frame line. Default mode: padding then <c>sym+off</c> or <c>0x…</c>; perf mode: a tab, the hex
    /// address, a blank, the symbol (user frames add <c> (module)</c>); raw mode (bpftrace ≥ 0.18): a bare hex address.
    /// Returns false when the line is no frame.
    /// </summary>
    public static bool TryParseFrame(ReadOnlySpan<char> line, out BpftraceFrame frame)
    {
        frame = default;
        if (line.Length == 0) return false;
        if (line[0] == '\t')
        {
            // perf mode: "\t%lx %s" (get_stack, StackMode::perf)
            var rest = line[1..];
            var sp = rest.IndexOf(' ');
            if (sp <= 0 || !TryHex(rest[..sp], out var addr)) return false;
            var sym = rest[(sp + 1)..];
            string? module = null;
            if (sym.Length > 0 && sym[^1] == ')')
            {
                var open = sym.LastIndexOf(" (", StringComparison.Ordinal);
                if (open >= 0) { module = sym[(open + 2)..^1].ToString(); sym = sym[..open]; }
            }
            frame = Symbol(sym, addr, module);
            return true;
        }
        if (line[0] == ' ')
        {
            var sym = line.TrimStart(' ');
            if (sym.Length == 0) return false;
            frame = Symbol(sym, null, null);
            return true;
        }
        // raw mode: "%lx\n" (get_stack, StackMode::raw), no padding
        if (TryHex(line, out var a))
        {
            frame = new BpftraceFrame(null, null, a, null);
            return true;
        }
        return false;
    }

    /// <summary>A symbol text: <c>name+off</c>, <c>name</c>, or <c>0xADDR</c> for an unresolved address.</summary>
    public static BpftraceFrame Symbol(ReadOnlySpan<char> sym, ulong? address, string? module)
    {
        if (sym.Length > 2 && sym[0] == '0' && sym[1] == 'x' && TryHex(sym[2..], out var a))
            return new BpftraceFrame(null, null, address ?? a, module == "[unknown]" ? null : module);
        var plus = sym.LastIndexOf('+');
        if (plus > 0 && plus < sym.Length - 1 && IsDigits(sym[(plus + 1)..])
            && long.TryParse(sym[(plus + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var off))
            return new BpftraceFrame(sym[..plus].ToString(), off, address, module);
        return new BpftraceFrame(sym.ToString(), null, address, module);
    }

    /// <summary>Parses lower- or upper-case hex digits (1 to 16 of them).</summary>
    public static bool TryHex(ReadOnlySpan<char> s, out ulong v)
    {
        v = 0;
        if (s.Length is 0 or > 16) return false;
        foreach (var c in s)
        {
            int d = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : c is >= 'A' and <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) return false;
            v = (v << 4) | (uint)d;
        }
        return true;
    }

    /// <summary>True for a non-empty run of ASCII digits.</summary>
    public static bool IsDigits(ReadOnlySpan<char> s)
    {
        if (s.Length == 0) return false;
        foreach (var c in s) if (c is < '0' or > '9') return false;
        return true;
    }

    /// <summary>An optionally negative decimal integer.</summary>
    public static bool TryInteger(ReadOnlySpan<char> s, out long v)
    {
        v = 0;
        var digits = s.Length > 0 && s[0] == '-' ? s[1..] : s;
        return IsDigits(digits) && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);
    }

    /// <summary>
    /// Splits a printed key into its elements. Stacks are the parts that start with a newline (get_stack prints "\n"
    /// then one frame per line); other elements are separated by <paramref name="separator"/> (", " in text output,
    /// "," in JSON keys). Returns null when a stack holds a line that is no frame.
    /// </summary>
    public static List<BpftraceKey>? SplitKey(string key, string separator, BpftraceProfileBuilder b)
    {
        var list = new List<BpftraceKey>();
        if (key.Length == 0) { list.Add(new BpftraceKey("", null)); return list; }
        var pos = 0;
        while (true)
        {
            if (pos < key.Length && key[pos] == '\n')
            {
                // a stack: frames "…\n" until a line that starts with the separator or the end
                var frames = new List<int>();
                pos++;
                while (pos < key.Length && !key.AsSpan(pos).StartsWith(separator.AsSpan(0, 1), StringComparison.Ordinal))
                {
                    var nl = key.IndexOf('\n', pos);
                    if (nl < 0) return null; // a frame line always ends in "\n"
                    if (!TryParseFrame(key.AsSpan(pos, nl - pos), out var f)) return null;
                    frames.Add(b.Frame(f));
                    pos = nl + 1;
                }
                list.Add(new BpftraceKey("", [.. frames]));
                if (pos >= key.Length) return list;
                pos += key.AsSpan(pos).StartsWith(separator, StringComparison.Ordinal) ? separator.Length : 1;
                if (pos >= key.Length) { list.Add(new BpftraceKey("", null)); return list; }
                continue;
            }
            var next = key.IndexOf(separator, pos, StringComparison.Ordinal);
            // A stack starts right after a separator with "\n"; a separator followed by "\n" may also be "," + stack in JSON.
            var nlAt = key.IndexOf('\n', pos);
            if (nlAt >= 0 && (next < 0 || nlAt < next))
            {
                // text element runs into a stack without a separator: not bpftrace's syntax
                return null;
            }
            if (next < 0)
            {
                list.Add(new BpftraceKey(key[pos..], null));
                return list;
            }
            list.Add(new BpftraceKey(key[pos..next], null));
            pos = next + separator.Length;
            if (pos >= key.Length) { list.Add(new BpftraceKey("", null)); return list; }
        }
    }

    /// <summary>A histogram bound as printed: an integer with an optional K/M/G/T/P/E suffix (powers of 1024, bpftrace hist labels).</summary>
    public static bool TryBound(ReadOnlySpan<char> s, out long v)
    {
        v = 0;
        s = s.Trim(' ');
        if (s.Length == 0) return false;
        var shift = s[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, 'P' => 50, 'E' => 60, _ => 0 };
        if (shift > 0) s = s[..^1];
        if (!TryInteger(s, out var n)) return false;
        if (shift == 0) { v = n; return true; }
        var limit = long.MaxValue >> shift;
        if (n > limit || n < -limit) return false;
        v = n << shift;
        return true;
    }

    /// <summary>
    /// One bucket line of a text histogram: <c>[lo, hi)</c>, <c>[n]</c>, <c>(..., hi)</c> or <c>[lo, ...)</c>, blanks,
    /// the count, blanks, then the bar <c>|@@@ |</c>. Returns false for anything else.
    /// </summary>
    public static bool TryParseBucket(ReadOnlySpan<char> line, out HistogramBucket bucket)
    {
        bucket = default;
        if (line.Length < 3) return false;
        var close = line.IndexOfAny(')', ']');
        if (close < 0) return false;
        var range = line[..(close + 1)];
        var rest = line[(close + 1)..].TrimStart(' ');
        var bar = rest.IndexOf('|');
        if (bar <= 0 || rest[^1] != '|' || bar == rest.Length - 1) return false;
        if (!TryInteger(rest[..bar].TrimEnd(' '), out var count)) return false;
        long? lo, hi;
        if (range[0] == '(' && range.StartsWith("(..., ") && range[^1] == ')')
        {
            if (!TryBound(range[6..^1], out var h)) return false;
            lo = null; hi = h;
        }
        else if (range[0] == '[' && range[^1] == ']')
        {
            if (!TryBound(range[1..^1], out var n) || n == long.MaxValue) return false;
            lo = n; hi = n + 1;
        }
        else if (range[0] == '[' && range[^1] == ')')
        {
            var inner = range[1..^1];
            var comma = inner.IndexOf(", ");
            if (comma < 0) return false;
            if (!TryBound(inner[..comma], out var l)) return false;
            lo = l;
            var h = inner[(comma + 2)..];
            if (h.SequenceEqual("...")) hi = null;
            else if (TryBound(h, out var hv)) hi = hv;
            else return false;
        }
        else return false;
        bucket = new HistogramBucket(lo, hi, count);
        return true;
    }

    /// <summary>A stats() value: <c>count N, average N, total N</c>.</summary>
    public static bool TryParseStats(ReadOnlySpan<char> s, out long count, out long average, out long total)
    {
        count = average = total = 0;
        if (!s.StartsWith("count ")) return false;
        s = s[6..];
        var c1 = s.IndexOf(", average ");
        if (c1 < 0 || !TryInteger(s[..c1], out count)) return false;
        s = s[(c1 + 10)..];
        var c2 = s.IndexOf(", total ");
        return c2 >= 0 && TryInteger(s[..c2], out average) && TryInteger(s[(c2 + 8)..], out total);
    }
}
