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
            Parse(input, path, b);
        }
        catch (CaptureFormatException e) when (options.Salvage)
        {
            b.Profile.Damage = e;
        }
        return b.Build();
    }

    private static void Parse(Stream input, string path, BpftraceProfileBuilder b)
    {
        var r = new LineReader(input, path);
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
                var next = ReadEntry(r, path, b, line, offset, newline, nameEnd);
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

    /// <summary>Reads one map entry starting at <paramref name="head"/>; returns a line read ahead that belongs to what follows.</summary>
    private static Pending? ReadEntry(LineReader r, string path, BpftraceProfileBuilder b, string head, long offset, bool newline, int nameEnd)
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
            // key text: everything between "[" and the "]: " that ends it, possibly over many lines (stacks)
            var sb = new System.Text.StringBuilder();
            var rest = head[(nameEnd + 1)..];
            var close = FindClose(rest);
            string? keyText = null;
            valueText = "";
            if (close >= 0) { keyText = rest[..close]; valueText = ValueAfter(rest, close); }
            else
            {
                sb.Append(rest);
                while (keyText is null)
                {
                    var line = r.Next(out lastOffset, out lastNewline);
                    if (line is null) throw new CaptureFormatException(path, r.Position, $"the rest of {map}'s entry (a stack frame or ']: value'), not the end of the input");
                    if (!lastNewline) throw new CaptureFormatException(path, lastOffset, $"a whole line in {map}'s entry, not a line cut short by the end of the input");
                    if (line.Length > 0 && line[0] is ',' or ']')
                    {
                        var c = FindClose(line);
                        if (c >= 0)
                        {
                            sb.Append('\n').Append(line.AsSpan(0, c));
                            keyText = sb.ToString();
                            valueText = ValueAfter(line, c);
                            break;
                        }
                        sb.Append('\n').Append(line);
                        continue;
                    }
                    if (!BpftraceSyntax.TryParseFrame(line, out _))
                        throw new CaptureFormatException(path, lastOffset, $"a stack frame or ']: value' in {map}'s entry, not '{Short(line)}'");
                    sb.Append('\n').Append(line);
                }
            }
            keys = BpftraceSyntax.SplitKey(keyText, ", ") ?? throw new CaptureFormatException(path, offset, $"a key of {map} made of values and stacks");
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
