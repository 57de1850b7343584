using System.Text;
using System.Text.RegularExpressions;

namespace Stackweave.Formats.Folded;

/// <summary>
/// The text rules of FlameGraph's stackcollapse-perf.pl (commit 41fee1f, 2024-10-21), restated as .NET regular expressions
/// with Perl's byte-string character classes spelled out (\s = [ \t\n\r\f\v], \d = [0-9], \w = [A-Za-z0-9_]).
/// </summary>
internal static partial class StackCollapseRules
{
    private const string Ws = @"[ \t\n\r\f\v]";
    private const string NonWs = @"[^ \t\n\r\f\v]";

    /// <summary>Header line: comm, then pid (or tid), then optionally /tid.</summary>
    public static Regex Header => HeaderRegex();

    [GeneratedRegex("^(" + NonWs + ".+?)" + Ws + "+([0-9]+)/*([0-9]+)*" + Ws + "+", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderRegex();

    /// <summary>Event at the end of a header line: optional period digits, then the event name followed by a colon.</summary>
    public static Regex Event => EventRegex();

    [GeneratedRegex(":" + Ws + "*([0-9]+)*" + Ws + "+(" + NonWs + "+):" + Ws + "*$", RegexOptions.CultureInvariant)]
    private static partial Regex EventRegex();

    /// <summary>Callchain line: address, symbol text, (dso).</summary>
    public static Regex Frame => FrameRegex();

    [GeneratedRegex("^" + Ws + "*([A-Za-z0-9_]+)" + Ws + "*(.+) \\((.*)\\)", RegexOptions.CultureInvariant)]
    private static partial Regex FrameRegex();

    private static readonly Regex s_offset = OffsetRegex();
    private static readonly Regex s_dotParen = DotParenRegex();
    private static readonly Regex s_paren = ParenRegex();
    private static readonly Regex s_kernelMod = KernelModRegex();
    private static readonly Regex s_jitMod = JitModRegex();

    [GeneratedRegex(@"\+0x[0-9a-f]+$", RegexOptions.CultureInvariant)]
    private static partial Regex OffsetRegex();
    [GeneratedRegex(@"\.\(.*\)\.", RegexOptions.CultureInvariant)]
    private static partial Regex DotParenRegex();
    [GeneratedRegex(@"\((?!anonymous namespace\)).*", RegexOptions.CultureInvariant)]
    private static partial Regex ParenRegex();
    [GeneratedRegex(@"(^\[|vmlinux$)", RegexOptions.CultureInvariant)]
    private static partial Regex KernelModRegex();
    [GeneratedRegex(@"/tmp/perf-[0-9]+\.map", RegexOptions.CultureInvariant)]
    private static partial Regex JitModRegex();

    /// <summary>True for the characters Perl's \s matches in a byte string.</summary>
    public static bool IsPerlSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v';

    /// <summary>Perl truth of a string: false for "" and "0".</summary>
    public static bool PerlTrue(string? s) => !string.IsNullOrEmpty(s) && s != "0";

    /// <summary>Result of reading a header line.</summary>
    public readonly record struct HeaderInfo(bool Recognized, string Comm, string Pid, string Tid, bool EventMatched, string Event, string Period);

    /// <summary>
    /// The script reads perf's output as bytes: one char per UTF-8 byte (Latin-1), so "\S.+?" and friends count bytes as Perl does.
    /// Every place the rules cut a string is an ASCII character, so mapping back never splits a UTF-8 sequence.
    /// </summary>
    public static string ToBytes(string s)
    {
        foreach (var c in s)
            if (c >= 0x80) return Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(s));
        return s;
    }

    /// <summary>Inverse of <see cref="ToBytes"/>.</summary>
    public static string FromBytes(string s)
    {
        foreach (var c in s)
            if (c >= 0x80) return Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(s));
        return s;
    }

    /// <summary>Reads a header line the way stackcollapse-perf.pl does (pid "?" when only one number is printed or the tid is 0).</summary>
    public static HeaderInfo ParseHeader(string line)
    {
        line = ToBytes(line);
        var m = Header.Match(line);
        if (!m.Success) return default;
        var comm = FromBytes(m.Groups[1].Value);
        var pid = m.Groups[2].Value;
        var tid = m.Groups[3].Success ? m.Groups[3].Value : "";
        if (!PerlTrue(tid)) { tid = pid; pid = "?"; }
        var e = Event.Match(line);
        if (!e.Success) return new HeaderInfo(true, comm, pid, tid, false, "", "");
        return new HeaderInfo(true, comm, pid, tid, true, FromBytes(e.Groups[2].Value), e.Groups[1].Success ? e.Groups[1].Value : "");
    }

    /// <summary>Process-name root frame: comm, comm-pid or comm-pid/tid, spaces turned into underscores.</summary>
    public static string ProcessName(string comm, string pid, string tid, bool includePid, bool includeTid)
    {
        var s = includeTid ? comm + "-" + pid + "/" + tid : includePid ? comm + "-" + pid : comm;
        return s.Replace(' ', '_');
    }

    /// <summary>
    /// The frames stackcollapse-perf.pl makes of one callchain line (caller-to-callee order within the line),
    /// an empty array when it skips the line's symbol, null when the line is not recognised.
    /// </summary>
    public static string[]? Frames(string line, bool javaProcess, bool annotateKernel, bool annotateJit, bool includeAddrs)
    {
        var m = Frame.Match(ToBytes(line));
        if (!m.Success) return null;
        var pc = m.Groups[1].Value;
        var rawfunc = s_offset.Replace(m.Groups[2].Value, "", 1);
        var mod = m.Groups[3].Value;
        if (rawfunc.StartsWith('(')) return [];

        var parts = PerlSplitArrow(rawfunc);
        var result = new string[parts.Count];
        for (var k = 0; k < parts.Count; k++)
        {
            var func = parts[k];
            if (func == "[unknown]")
            {
                string name;
                if (mod != "[unknown]")
                {
                    var slash = mod.LastIndexOf('/');
                    name = slash >= 0 ? mod[(slash + 1)..] : mod;
                }
                else name = "unknown";
                func = includeAddrs ? "[" + name + " <" + pc + ">]" : "[" + name + "]";
            }

            // tidy_generic
            func = func.Replace(';', ':');
            if (!s_dotParen.IsMatch(func)) func = s_paren.Replace(func, "", 1);
            if (func.Contains('"') || func.Contains('\'')) func = func.Replace("\"", "").Replace("'", "");

            // tidy_java
            if (javaProcess && func.Contains('/') && func.StartsWith('L')) func = func[1..];

            if (k > 0)
            {
                if (!func.Contains("_[i]", StringComparison.Ordinal)) func += "_[i]";
            }
            else if (annotateKernel && s_kernelMod.IsMatch(mod) && !mod.Contains("unknown", StringComparison.Ordinal))
                func += "_[k]";
            else if (annotateJit && s_jitMod.IsMatch(mod))
            {
                if (!func.Contains("_[j]", StringComparison.Ordinal)) func += "_[j]";
            }
            result[k] = FromBytes(func);
        }
        return result;
    }

    /// <summary>Perl's <c>split /-&gt;/, $s</c>: trailing empty fields dropped, nothing for an empty string.</summary>
    private static List<string> PerlSplitArrow(string s)
    {
        var parts = new List<string>(s.Split("->"));
        while (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        return parts;
    }
}
