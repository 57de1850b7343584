using System.Globalization;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Folded;

/// <summary>
/// Reads folded stacks (<c>root;...;leaf count</c>, as FlameGraph's flamegraph.pl accepts them: integer or decimal counts, and an
/// optional second count column of differential files) into aggregate samples: one sample per line, no time, no thread.
/// Decimal counts are scaled to integers by 10^d (d = the most decimals seen, at most 9) and the sample type's unit says so.
/// Lines without a count are counted under <see cref="SkippedLinesCounter"/> and skipped.
/// </summary>
public static class FoldedReader
{
    /// <summary>Diagnostics counter of lines that are not folded stacks.</summary>
    public const string SkippedLinesCounter = "folded: skipped lines";

    /// <summary>Most decimals kept from a count (nanosecond-like resolution).</summary>
    private const int MaxDecimals = 9;

    private readonly record struct Entry(int Node, long Int1, long Frac1, int Dec1, long Int2, long Frac2, int Dec2, bool Two);

    /// <summary>Reads folded text from <paramref name="input"/>; <paramref name="path"/> names it in messages.</summary>
    public static Profile Read(Stream input, string path, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        // Stacks are collected in a local prefix tree first: the number of value columns (differential or not) and the
        // decimal scale are known only at the end.
        var names = new List<string>();
        var nameIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var parents = new List<int>();
        var nodeName = new List<int>();
        var nodes = new Dictionary<(int Parent, int Name), int>();
        var entries = new List<Entry>();
        var skipped = new List<(long Offset, string What)>();
        long skippedCount = 0, firstSkip = -1;
        var anyTwo = false;
        var decimals = 0;

        using (var lines = new TextLineReader(input))
        {
            var nameLookup = nameIds.GetAlternateLookup<ReadOnlySpan<char>>();
            while (lines.TryReadLine(out var raw))
            {
                if (lines.Overlong || lines.HasNul) { Skip(lines.LineOffset, lines.Overlong ? "overlong line" : "line with a NUL byte"); continue; }
                var line = raw.TrimEnd();
                if (line.IsEmpty) continue;
                if (!TrySplit(line, out var stack, out var c1, out var c2, out var two)
                    || !TryCount(c1, out var i1, out var f1, out var d1))
                {
                    Skip(lines.LineOffset, "not 'frame;frame;... count'");
                    continue;
                }
                long i2 = 0, f2 = 0;
                var d2 = 0;
                if (two && !TryCount(c2, out i2, out f2, out d2)) { Skip(lines.LineOffset, "count out of range"); continue; }
                var node = -1;
                var depth = 0;
                foreach (var range in stack.Split(';'))
                {
                    if (++depth > options.Limits.MaxStackDepth) break;
                    var frame = stack[range];
                    if (!nameLookup.TryGetValue(frame, out var nid))
                    {
                        var name = frame.ToString();
                        nid = names.Count;
                        names.Add(name);
                        nameIds.Add(name, nid);
                    }
                    if (!nodes.TryGetValue((node, nid), out var child))
                    {
                        child = parents.Count;
                        parents.Add(node);
                        nodeName.Add(nid);
                        nodes.Add((node, nid), child);
                    }
                    node = child;
                }
                anyTwo |= two;
                decimals = Math.Max(decimals, Math.Max(d1, d2));
                entries.Add(new Entry(node, i1, f1, d1, i2, f2, d2, two));
            }
        }

        var unit = decimals == 0 ? "count" : FormattableString.Invariant($"count*1e-{decimals}");
        SampleType[] types = anyTwo ? [new("baseline", unit), new("samples", unit)] : [new("samples", unit)];
        var p = new Profile(types);
        foreach (var (offset, what) in skipped) p.Diagnostics.Report(SkippedLinesCounter, "folded: skipped a line: " + what, offset);
        if (skippedCount > skipped.Count) p.Diagnostics.Count(SkippedLinesCounter, skippedCount - skipped.Count);
        if (decimals > 0) p.Comments.Add(FormattableString.Invariant($"counts were decimal; scaled by 1e{decimals}"));

        var locationOfName = new int[names.Count];
        for (var n = 0; n < names.Count; n++)
        {
            var loc = new Location { Id = p.Locations.Count, MappingId = -1, NamedBySource = true };
            loc.Lines.Add(new Line(p.InternFunction(names[n]), 0));
            locationOfName[n] = loc.Id;
            p.Locations.Add(loc);
        }
        // Parents were created before their children, so replaying in order gives every node the same id.
        for (var k = 0; k < parents.Count; k++) p.Stacks.Push(parents[k], locationOfName[nodeName[k]]);

        Span<long> values = stackalloc long[types.Length];
        foreach (var e in entries)
        {
            if (!TryScale(e.Int1, e.Frac1, e.Dec1, decimals, out var v1) || !TryScale(e.Int2, e.Frac2, e.Dec2, decimals, out var v2))
            {
                p.Diagnostics.Report(SkippedLinesCounter, "folded: skipped a line: count out of range after scaling");
                continue;
            }
            if (anyTwo)
            {
                // A one-count line in a differential file has no baseline of its own: flamegraph.pl draws it unchanged.
                values[0] = v1;
                values[1] = e.Two ? v2 : v1;
            }
            else values[0] = v1;
            p.Samples.Add(e.Node, -1, SampleTable.NoTime, values);
        }

        if (p.Samples.Count == 0 && firstSkip >= 0)
        {
            var ex = new CaptureFormatException(path, firstSkip, "folded stacks ('frame;frame;... count' lines)");
            if (!options.Salvage) throw ex;
            p.Damage = ex;
        }
        return p;

        void Skip(long offset, string what)
        {
            if (firstSkip < 0) firstSkip = offset;
            skippedCount++;
            if (skipped.Count < Diagnostics.MaxMessages) skipped.Add((offset, what));
        }
    }

    /// <summary>Splits "stack count" or "stack count count" (flamegraph.pl: "^(.*)\s+?(\d+(?:\.\d*)?)$", tried twice).</summary>
    internal static bool TrySplit(ReadOnlySpan<char> line, out ReadOnlySpan<char> stack, out ReadOnlySpan<char> c1, out ReadOnlySpan<char> c2, out bool two)
    {
        stack = c1 = c2 = default;
        two = false;
        if (!TryLastNumber(line, out var head, out var last)) return false;
        if (TryLastNumber(head, out var head2, out var prev) && !head2.TrimEnd().IsEmpty)
        {
            stack = head2.TrimEnd();
            c1 = prev;
            c2 = last;
            two = true;
            return true;
        }
        stack = head.TrimEnd();
        c1 = last;
        return !stack.IsEmpty;
    }

    private static bool TryLastNumber(ReadOnlySpan<char> s, out ReadOnlySpan<char> head, out ReadOnlySpan<char> number)
    {
        head = number = default;
        var i = s.Length;
        while (i > 0 && (char.IsAsciiDigit(s[i - 1]) || s[i - 1] == '.')) i--;
        if (i == s.Length || i == 0 || !char.IsWhiteSpace(s[i - 1])) return false;
        number = s[i..];
        if (!char.IsAsciiDigit(number[0]) || number.IndexOf('.') != number.LastIndexOf('.')) return false;
        head = s[..(i - 1)];
        return true;
    }

    /// <summary>Parses "123" or "123.45" into integer part, fraction digits and their count; false when out of range.</summary>
    private static bool TryCount(ReadOnlySpan<char> s, out long intPart, out long frac, out int decimals)
    {
        intPart = frac = 0;
        decimals = 0;
        var dot = s.IndexOf('.');
        var ip = dot < 0 ? s : s[..dot];
        if (!long.TryParse(ip, NumberStyles.None, CultureInfo.InvariantCulture, out intPart)) return false;
        if (dot < 0) return true;
        var f = s[(dot + 1)..].TrimEnd('0');
        if (f.Length > MaxDecimals) f = f[..MaxDecimals]; // finer than 1e-9 is dropped
        decimals = f.Length;
        return f.IsEmpty || long.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out frac);
    }

    private static bool TryScale(long intPart, long frac, int dec, int scale, out long v)
    {
        v = 0;
        try
        {
            long p = 1;
            for (var k = 0; k < scale; k++) p *= 10;
            long fp = frac;
            for (var k = dec; k < scale; k++) fp *= 10;
            v = checked(intPart * p + fp);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
