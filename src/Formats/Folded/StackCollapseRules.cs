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

    // Text rules (FoldedOptions.TextRules): a kernel image with its version appended, as Debian's and Ubuntu's debug packages
    // install it (/usr/lib/debug/boot/vmlinux-VERSION), and kernel modules printed by path (/lib/modules/.../x.ko; both in
    // inferno's versioned-vmlinux case), and the ELF files perf inject --jit
    // writes from a jitdump (tools/perf/util/jitdump.c: "%s/jitted-%d-%" PRIu64 ".so"; inferno's sourcepawn-jitdump case).
    private static readonly Regex s_kernelModText = KernelModTextRegex();
    private static readonly Regex s_jitModText = JitModTextRegex();

    [GeneratedRegex(@"(^\[|vmlinux$|/vmlinux-[^/]+$|\.ko$)", RegexOptions.CultureInvariant)]
    private static partial Regex KernelModTextRegex();
    [GeneratedRegex(@"(/tmp/perf-[0-9]+\.map|/jitted-[0-9]+-[0-9]+\.so$)", RegexOptions.CultureInvariant)]
    private static partial Regex JitModTextRegex();

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
    public static string[]? Frames(string line, bool javaProcess, bool annotateKernel, bool annotateJit, bool includeAddrs, bool textRules = false)
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
            if (s_dotParen.IsMatch(func)) { }
            else if (textRules) { var cut = ArgumentListStart(func); if (cut >= 0) func = func[..cut]; }
            else func = s_paren.Replace(func, "", 1);
            if (func.Contains('"') || func.Contains('\'')) func = func.Replace("\"", "").Replace("'", "");
            // after tidy_generic, which leaves a legacy Rust name alone (no ';', '(' or quotes before its escapes are decoded)
            if (textRules) func = RustLegacy(func);

            // tidy_java
            if (javaProcess && func.Contains('/') && func.StartsWith('L')) func = func[1..];

            if (k > 0)
            {
                if (!func.Contains("_[i]", StringComparison.Ordinal)) func += "_[i]";
            }
            else if (annotateKernel && (textRules ? s_kernelModText : s_kernelMod).IsMatch(mod) && !mod.Contains("unknown", StringComparison.Ordinal))
                func += "_[k]";
            else if (annotateJit && (textRules ? s_jitModText : s_jitMod).IsMatch(mod))
            {
                if (!func.Contains("_[j]", StringComparison.Ordinal)) func += "_[j]";
            }
            result[k] = FromBytes(func);
        }
        return result;
    }

    /// <summary>
    /// Text rules: where the argument list starts, the first '(' outside template arguments '&lt;…&gt;' and not opening
    /// "(anonymous namespace)"; -1 when there is none. The '&lt;' and '&gt;' of an operator name (operator&lt;&lt;, operator-&gt;) are no brackets.
    /// </summary>
    internal static int ArgumentListStart(string func)
    {
        var depth = 0;
        for (var i = 0; i < func.Length; i++)
        {
            var c = func[i];
            if (c == 'o' && string.CompareOrdinal(func, i, "operator", 0, 8) == 0)
            {
                i += 8;
                while (i < func.Length && func[i] is '<' or '>' or '=' or '-') i++;
                i--;
            }
            else if (c == '<') depth++;
            else if (c == '>') { if (depth > 0) depth--; }
            else if (c == '(' && depth == 0 && string.CompareOrdinal(func, i + 1, "anonymous namespace)", 0, 20) != 0) return i;
        }
        return -1;
    }

    /// <summary>
    /// Text rules: a legacy Rust name that perf left half-decoded (libiberty's C++ demangler took it, perf's Rust pass did not:
    /// old perf, or an escape its table lacks such as <c>$u7b$</c>), e.g. <c>_$LT$a..B$LT$T$GT$$GT$::new::h0123456789abcdef</c>,
    /// shown as inferno's suite shows it (and perf's own Rust pass, for the escapes its table knows): <c>&lt;a::B&lt;T&gt;&gt;::new</c>. The name must end in "::h" and
    /// 16 hex digits (the legacy hash, rustc's symbol_names/legacy.rs) and hold only Rust symbol characters; otherwise it is
    /// returned unchanged. Escapes: <c>$SP$ $BP$ $RF$ $LT$ $GT$ $LP$ $RP$ $C$</c> and <c>$uXX$</c> (a hex code point);
    /// ".." is "::"; a leading "_" before '$' only at the start of the name is dropped.
    /// </summary>
    internal static string RustLegacy(string func)
    {
        const int HashLen = 19; // "::h" + 16 hex digits (rustc legacy mangling: the hash is a 64-bit value in hex)
        if (func.Length <= HashLen) return func;
        var end = func.Length - HashLen;
        if (string.CompareOrdinal(func, end, "::h", 0, 3) != 0) return func;
        for (var i = end + 3; i < func.Length; i++) if (!char.IsAsciiHexDigitLower(func[i]) && !char.IsAsciiDigit(func[i])) return func;
        var sb = new StringBuilder(end);
        var j = func.StartsWith("_$", StringComparison.Ordinal) ? 1 : 0;
        while (j < end)
        {
            var c = func[j];
            if (c == '$')
            {
                var close = func.IndexOf('$', j + 1);
                if (close < 0 || close >= end) return func;
                var esc = func.AsSpan(j + 1, close - j - 1);
                char v;
                if (esc.SequenceEqual("SP")) v = '@';
                else if (esc.SequenceEqual("BP")) v = '*';
                else if (esc.SequenceEqual("RF")) v = '&';
                else if (esc.SequenceEqual("LT")) v = '<';
                else if (esc.SequenceEqual("GT")) v = '>';
                else if (esc.SequenceEqual("LP")) v = '(';
                else if (esc.SequenceEqual("RP")) v = ')';
                else if (esc.SequenceEqual("C")) v = ',';
                else if (esc.Length is >= 2 and <= 5 && esc[0] == 'u'
                         && int.TryParse(esc[1..], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var cp)
                         && cp is >= 0x20 and < 0x7f)
                    v = (char)cp;
                else return func;
                sb.Append(v);
                j = close + 1;
            }
            else if (c == '.' && j + 1 < end && func[j + 1] == '.') { sb.Append("::"); j += 2; }
            else if (char.IsAsciiLetterOrDigit(c) || c is '_' or ':' or '.') { sb.Append(c); j++; }
            else return func;
        }
        return sb.ToString();
    }

    /// <summary>Perl's <c>split /-&gt;/, $s</c>: trailing empty fields dropped, nothing for an empty string.</summary>
    private static List<string> PerlSplitArrow(string s)
    {
        var parts = new List<string>(s.Split("->"));
        while (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        return parts;
    }
}
