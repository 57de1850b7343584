using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Bpftrace;

/// <summary>
/// Reads bpftrace's default text output (bpftrace 0.17 TextOutput, src/output.cpp): <c>Attaching N probes...</c>, map
/// entries <c>@name[key, key]: value</c> whose stack keys span lines (default, perf and raw stack modes), hist/lhist
/// blocks ended by a blank line, stats values, <c>Lost N events</c>, and printf lines anywhere between them.
/// A map entry cut short ends the reading there (kept under salvage, an error otherwise).
/// </summary>
public static class BpftraceTextReader
{
    /// <summary>Reads a whole text capture into a profile.</summary>
    public static Profile Read(Stream input, string path, ReadOptions options)
    {
        var b = new BpftraceProfileBuilder(path, options);
        try
        {
            Parse(input, path, b, options.Limits.MaxLineBytes);
        }
        catch (CaptureFormatException e) when (options.Salvage)
        {
            b.Profile.Damage = e;
        }
        return b.Build();
    }

    private static void Parse(Stream input, string path, BpftraceProfileBuilder b, int maxLine)
    {
        var r = new LineReader(input, path, maxLine);
        // frame lines repeat across entries: parse each distinct one once (and share its name)
        var frameCache = new Dictionary<string, int>(StringComparer.Ordinal);
        var stackBuffer = new List<int>();
        string? pending = null;
        long pendingOffset = 0;
        bool pendingNewline = false;
        while (true)
        {
            string? line;
            long offset;
            bool newline;
            if (pending is not null) { line = pending; offset = pendingOffset; newline = pendingNewline; pending = null; }
            else
            {
                line = r.Next(out offset, out newline);
                if (line is null) return;
            }
            if (line.Length == 0) continue;
            if (TryAttaching(line, out var probes)) { b.Profile.Diagnostics.Count(BpftraceProfileBuilder.ProbesCounter, probes); continue; }
            if (TryLost(line, out var lost)) { b.Profile.Diagnostics.Report(BpftraceProfileBuilder.LostCounter, FormattableString.Invariant($"bpftrace lost {lost} events"), offset); b.Profile.Diagnostics.Count(BpftraceProfileBuilder.LostCounter, lost - 1); continue; }
            if (MapHead(line, out var nameEnd))
            {
                var next = ReadEntry(r, path, b, line, offset, newline, nameEnd, frameCache, stackBuffer);
                if (next is { } n) { pending = n.Line; pendingOffset = n.Offset; pendingNewline = n.Newline; }
                continue;
            }
            b.Line(line, offset);
        }
    }

    private static bool TryAttaching(string line, out long probes)
    {
        // TextOutput::attached_probes: "Attaching N probe..." / "Attaching N probes..."
        probes = 0;
        if (!line.StartsWith("Attaching ", StringComparison.Ordinal)) return false;
        var rest = line.AsSpan(10);
        var sp = rest.IndexOf(' ');
        if (sp <= 0) return false;
        var tail = rest[sp..];
        return (tail.SequenceEqual(" probes...") || tail.SequenceEqual(" probe...")) && BpftraceSyntax.TryInteger(rest[..sp], out probes);
    }

    private static bool TryLost(string line, out long lost)
    {
        // TextOutput::lost_events: "Lost N events"
        lost = 0;
        if (!line.StartsWith("Lost ", StringComparison.Ordinal) || !line.EndsWith(" events", StringComparison.Ordinal) || line.Length <= 12) return false;
        return BpftraceSyntax.TryInteger(line.AsSpan(5, line.Length - 12), out lost) && lost > 0;
    }

    /// <summary>True for a line that starts a map entry: "@" + identifier, then "[" or ":" (nameEnd = index of it).</summary>
    internal static bool MapHead(string line, out int nameEnd)
    {
        nameEnd = 0;
        if (line.Length < 2 || line[0] != '@') return false;
        var i = 1;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_')) i++;
        if (i > 1 && char.IsAsciiDigit(line[1])) return false;
        if (i >= line.Length) return false;
        if (line[i] == '[') { nameEnd = i; return true; }
        if (line[i] == ':' && (i + 1 == line.Length || line[i + 1] == ' ')) { nameEnd = i; return true; }
        return false;
    }

    private readonly record struct Pending(string Line, long Offset, bool Newline);

    private enum SegmentEnd { Closed, Stack, Bad }

    /// <summary>
    /// Reads key elements from text that follows "[" (<paramref name="atHead"/>) or a stack's ", ": elements separated by
    /// ", ", ended by "]: value" (Closed) or by a trailing ", " / nothing, when a stack starts on the next line (Stack).
    /// </summary>
    private static SegmentEnd Segment(string seg, bool atHead, List<BpftraceKey> keys, ref string valueText)
    {
        if (seg.Length > 0 && seg[0] == ']' && (seg.Length == 2 && seg[1] == ':' || seg.StartsWith("]: ", StringComparison.Ordinal)))
        {
            // "]: value" right after "[" is an empty element (an empty stack or string); after a stack it only closes the key
            if (atHead) keys.Add(new BpftraceKey("", null));
            valueText = ValueAfter(seg, 0);
            return SegmentEnd.Closed;
        }
        var close = FindClose(seg);
        var elements = close >= 0 ? seg[..close] : seg;
        var pos = 0;
        while (true)
        {
            var next = elements.IndexOf(", ", pos, StringComparison.Ordinal);
            if (next < 0)
            {
                if (close >= 0)
                {
                    keys.Add(new BpftraceKey(elements[pos..], null));
                    valueText = ValueAfter(seg, close);
                    return SegmentEnd.Closed;
                }
                // no "]: ": the text must end where a stack starts ("" after "[" or after a ", ")
                return pos == elements.Length ? SegmentEnd.Stack : SegmentEnd.Bad;
            }
            keys.Add(new BpftraceKey(elements[pos..next], null));
            pos = next + 2;
        }
    }

    /// <summary>Reads one map entry starting at <paramref name="head"/>; returns a line read ahead that belongs to what follows.</summary>
    private static Pending? ReadEntry(LineReader r, string path, BpftraceProfileBuilder b, string head, long offset, bool newline, int nameEnd, Dictionary<string, int> frameCache, List<int> frames)
    {
        var map = head[..nameEnd];
        string valueText;
        List<BpftraceKey> keys;
        long lastOffset = offset;
        bool lastNewline = newline;
        if (head[nameEnd] == ':')
        {
            keys = [];
            valueText = nameEnd + 2 <= head.Length ? head[(nameEnd + 2)..] : "";
        }
        else
        {
            // key: elements separated by ", " up to the "]: " that ends it; a stack starts on the next line after "[" or ", "
            // (get_stack prints "\n" then one frame per line) and ends at a line starting with ", " or "]"
            keys = [];
            valueText = "";
            var seg = head[(nameEnd + 1)..];
            var first = true;
            while (true)
            {
                var state = Segment(seg, first, keys, ref valueText);
                if (state == SegmentEnd.Closed) break;
                if (state == SegmentEnd.Bad) throw new CaptureFormatException(path, lastOffset, $"a key of {map} made of values and stacks, not '{Short(seg)}'");
                first = false;
                // a stack: frame lines until a line starting with ',' or ']'
                frames.Clear();
                while (true)
                {
                    var line = r.Next(out lastOffset, out lastNewline);
                    if (line is null) throw new CaptureFormatException(path, r.Position, $"the rest of {map}'s entry (a stack frame or ']: value'), not the end of the input");
                    if (!lastNewline) throw new CaptureFormatException(path, lastOffset, $"a whole line in {map}'s entry, not a line cut short by the end of the input");
                    if (line.Length > 0 && line[0] is ',' or ']') { seg = line; break; }
                    if (!frameCache.TryGetValue(line, out var id))
                    {
                        if (!BpftraceSyntax.TryParseFrame(line, out var f))
                            throw new CaptureFormatException(path, lastOffset, $"a stack frame or ']: value' in {map}'s entry, not '{Short(line)}'");
                        frameCache[line] = id = b.Frame(f);
                    }
                    frames.Add(id);
                }
                keys.Add(new BpftraceKey("", [.. frames]));
                // after a stack: ", " then more elements (or another stack), or "]: value"
                if (seg[0] == ',')
                {
                    if (!seg.StartsWith(", ", StringComparison.Ordinal)) throw new CaptureFormatException(path, lastOffset, $"', ' after a stack in {map}'s key, not '{Short(seg)}'");
                    seg = seg[2..];
                }
            }
        }
        if (!lastNewline) throw new CaptureFormatException(path, lastOffset, $"a whole line for {map}'s value, not a line cut short by the end of the input");

        if (valueText.Length == 0)
        {
            // hist()/lhist(): bucket lines until a blank line (TextOutput::map_keyval_to_str puts the value on the next line)
            var buckets = new List<HistogramBucket>();
            while (true)
            {
                var line = r.Next(out var lo, out var nl);
                if (line is null)
                {
                    if (buckets.Count > 0) b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Histogram, Buckets = buckets, Offset = offset });
                    throw new CaptureFormatException(path, r.Position, $"the blank line that ends {map}'s histogram, not the end of the input");
                }
                if (line.Length == 0)
                {
                    b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Histogram, Buckets = buckets, Offset = offset });
                    return null;
                }
                if (buckets.Count == 0 && BpftraceSyntax.TryParseFrame(line, out _) && line[0] is ' ' or '\t')
                    return ReadStackValue(r, path, b, map, keys, offset, line, lo);
                if (!nl || !BpftraceSyntax.TryParseBucket(line, out var bucket))
                {
                    if (buckets.Count == 0 && line[0] is not '[' and not '(')
                    {
                        // an empty value (e.g. an empty string) followed by other output
                        b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Text, Text = "", Offset = offset });
                        return new Pending(line, lo, nl);
                    }
                    if (buckets.Count > 0) b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Histogram, Buckets = buckets, Offset = offset });
                    throw new CaptureFormatException(path, lo, $"a histogram bucket line of {map} ('[lo, hi)  count |@@@|'), not '{Short(line)}'");
                }
                buckets.Add(bucket);
            }
        }
        if (BpftraceSyntax.TryInteger(valueText, out var v))
            b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Integer, Value = v, Offset = offset });
        else if (BpftraceSyntax.TryParseStats(valueText, out var count, out var avg, out var total))
            b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Stats, Value = total, Stats = (count, avg), Offset = offset });
        else
            b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Text, Text = valueText, Offset = offset });
        return null;
    }

    /// <summary>A map whose values are stacks (<c>@x[k] = kstack</c>): frames follow the key line; kept as text.</summary>
    private static Pending? ReadStackValue(LineReader r, string path, BpftraceProfileBuilder b, string map, List<BpftraceKey> keys, long offset, string first, long firstOffset)
    {
        var frames = new List<string> { first.Trim() };
        while (true)
        {
            var line = r.Next(out var lo, out var nl);
            if (line is null || line.Length == 0 || line[0] is not (' ' or '\t') || !BpftraceSyntax.TryParseFrame(line, out _))
            {
                b.Add(new BpftraceEntry { Map = map, Keys = keys, Kind = BpftraceValueKind.Text, Text = string.Join(';', frames), Offset = offset });
                return line is null ? null : new Pending(line, lo, nl);
            }
            frames.Add(line.Trim());
        }
    }

    /// <summary>Index of the "]: " (or a final "]:") that closes a key on this line, or -1.</summary>
    private static int FindClose(string s)
    {
        var i = s.LastIndexOf("]: ", StringComparison.Ordinal);
        if (i >= 0) return i;
        return s.EndsWith("]:", StringComparison.Ordinal) ? s.Length - 2 : -1;
    }

    private static string ValueAfter(string s, int close) => close + 3 <= s.Length ? s[(close + 3)..] : "";

    private static string Short(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
