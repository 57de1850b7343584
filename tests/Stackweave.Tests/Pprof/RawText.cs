using System.Globalization;
using System.Text;
using Stackweave.Formats.Model;

namespace Stackweave.Tests.Pprof;

/// <summary>
/// What <c>go tool pprof -raw</c> (Go 1.19) prints, read back: sample types, samples (values, location ids leaf first,
/// label lines) and locations (function names, innermost first), reduced to "(stack, labels) → summed values".
/// </summary>
public sealed class RawText
{
    public List<SampleType> Types { get; } = [];
    public int DefaultIndex { get; private set; } = -1;
    public string? PeriodType { get; private set; }
    public long Period { get; private set; }
    public List<string> Comments { get; } = [];
    public SortedDictionary<string, long[]> ByKey { get; } = new(StringComparer.Ordinal);

    /// <summary>Stack text (root first, ';'-joined function names) and label text "k:[v] k:[n unit]" sorted, joined by " | ".</summary>
    public static string Key(string stack, IEnumerable<string> labels) => stack + " | " + string.Join(" ", labels.Order(StringComparer.Ordinal));

    public static RawText Parse(string text)
    {
        var r = new RawText();
        var lines = text.Split('\n');
        var i = 0;
        var samples = new List<(long[] Values, ulong[] Locs, List<string> Labels)>();
        var locs = new Dictionary<ulong, List<string>>();
        for (; i < lines.Length && lines[i] != "Samples:"; i++)
        {
            var l = lines[i];
            if (l.StartsWith("PeriodType: ", StringComparison.Ordinal)) r.PeriodType = l[12..];
            else if (l.StartsWith("Period: ", StringComparison.Ordinal)) r.Period = long.Parse(l[8..], CultureInfo.InvariantCulture);
            else if (l.StartsWith("Comment: ", StringComparison.Ordinal)) r.Comments.Add(l[9..]);
        }
        i++;
        var header = lines[i++].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var k = 0; k < header.Length; k++)
        {
            var h = header[k];
            if (h.EndsWith("[dflt]", StringComparison.Ordinal)) { r.DefaultIndex = k; h = h[..^6]; }
            var slash = h.IndexOf('/');
            r.Types.Add(new SampleType(h[..slash], h[(slash + 1)..]));
        }
        for (; i < lines.Length && lines[i] != "Locations"; i++)
        {
            var l = lines[i];
            var colon = l.IndexOf(':');
            if (l.Trim().Length == 0) continue;
            var left = colon > 0 ? l[..colon].Trim() : "";
            if (colon > 0 && left.Length > 0 && left.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(t => long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
            {
                var values = left.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                var ids = l[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => ulong.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                samples.Add((values, ids, []));
            }
            else samples[^1].Labels.AddRange(SplitLabels(l.Trim()));
        }
        i++;
        ulong current = 0;
        for (; i < lines.Length && lines[i] != "Mappings"; i++)
        {
            var l = lines[i];
            if (l.Trim().Length == 0) continue;
            var t = l.TrimStart();
            var colon = t.IndexOf(": ", StringComparison.Ordinal);
            string rest;
            if (colon > 0 && ulong.TryParse(t[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                current = id;
                locs[id] = [];
                rest = t[(colon + 2)..];
                // "0x4c8351 M=1 [F] name file:line s=0" — address, optional mapping and [F] flag
                var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var k = 1;
                if (k < parts.Length && parts[k].StartsWith("M=", StringComparison.Ordinal)) k++;
                if (k < parts.Length && parts[k] == "[F]") k++;
                if (k >= parts.Length)
                {
                    // No lines: stackcollapse-perf.pl's "[module]" (the mapping's base name) or "[unknown]", filled in below.
                    var m = parts.Length > 1 && parts[1].StartsWith("M=", StringComparison.Ordinal) ? parts[1][2..] : "";
                    locs[id].Add("\0" + m);
                    continue;
                }
                rest = string.Join(' ', parts[k..]);
            }
            else rest = t;
            locs[current].Add(FunctionName(rest));
        }
        var mappings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (i++; i < lines.Length; i++)
        {
            var parts = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3) mappings[parts[0].TrimEnd(':')] = parts[2];
        }
        foreach (var names in locs.Values)
            for (var k = 0; k < names.Count; k++)
                if (names[k].StartsWith('\0'))
                    names[k] = mappings.TryGetValue(names[k][1..], out var file) ? "[" + file[(file.LastIndexOf('/') + 1)..] + "]" : "[unknown]";
        foreach (var (values, ids, labels) in samples)
        {
            var frames = new List<string>();
            for (var k = ids.Length - 1; k >= 0; k--)
            {
                var names = locs[ids[k]];
                for (var j = names.Count - 1; j >= 0; j--) frames.Add(names[j]);
            }
            var key = Key(string.Join(';', frames), labels);
            if (!r.ByKey.TryGetValue(key, out var sum)) r.ByKey[key] = sum = new long[values.Length];
            for (var k = 0; k < values.Length; k++) sum[k] += values[k];
        }
        return r;
    }

    /// <summary>"name file:line s=start" or "name file:line s=start(systemname)": the name is what precedes the last " file:line s=".</summary>
    private static string FunctionName(string rest)
    {
        var s = rest.LastIndexOf(" s=", StringComparison.Ordinal);
        var beforeS = rest[..s];
        var sp = beforeS.LastIndexOf(' ');
        return beforeS[..sp];
    }

    /// <summary>"k:[a b] k2:[c]" → ["k:[a b]", "k2:[c]"] (values may hold spaces: split at "] ").</summary>
    private static IEnumerable<string> SplitLabels(string line)
    {
        var start = 0;
        while (start < line.Length)
        {
            var end = line.IndexOf("] ", start, StringComparison.Ordinal);
            if (end < 0) { yield return line[start..]; yield break; }
            yield return line[start..(end + 1)];
            start = end + 2;
        }
    }

    /// <summary>The same reduction of a model profile: stacks by function names (inlined frames expanded), labels as -raw prints them, zero samples left out.</summary>
    public static SortedDictionary<string, long[]> Reduce(Profile p)
    {
        var result = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        var locs = new List<int>();
        var sb = new StringBuilder();
        for (var i = 0; i < p.Samples.Count; i++)
        {
            var v = p.Samples.Values(i);
            var zero = true;
            foreach (var x in v) zero &= x == 0;
            if (zero) continue;
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            sb.Clear();
            for (var k = locs.Count - 1; k >= 0; k--)
            {
                var loc = p.Locations[locs[k]];
                var lines = loc.Lines;
                if (lines.Count == 0)
                {
                    if (sb.Length > 0) sb.Append(';');
                    var file = (uint)loc.MappingId < (uint)p.Mappings.Count ? p.Mappings[loc.MappingId].Path : null;
                    sb.Append(file is null ? "[unknown]" : "[" + file[(file.LastIndexOf('/') + 1)..] + "]");
                }
                for (var j = lines.Count - 1; j >= 0; j--)
                {
                    if (sb.Length > 0) sb.Append(';');
                    sb.Append(p.FunctionName(lines[j].FunctionId));
                }
            }
            var key = Key(sb.ToString(), LabelTexts(p.Samples.Labels(i)));
            if (!result.TryGetValue(key, out var sum)) result[key] = sum = new long[v.Length];
            for (var k = 0; k < v.Length; k++) sum[k] += v[k];
        }
        return result;
    }

    /// <summary>Labels as pprof's -raw prints them: string labels "k:[v …]", numeric "k:[n unit …]" or "k:[n …]".</summary>
    public static List<string> LabelTexts(ReadOnlySpan<Label> labels)
    {
        var str = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var num = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var l in labels)
        {
            var d = l.Str is not null ? str : num;
            if (!d.TryGetValue(l.Key, out var list)) d[l.Key] = list = [];
            list.Add(l.Str ?? (l.NumUnit is { Length: > 0 } u ? FormattableString.Invariant($"{l.Num} {u}") : l.Num.ToString(CultureInfo.InvariantCulture)));
        }
        return [.. str.Select(kv => kv.Key + ":[" + string.Join(' ', kv.Value) + "]"), .. num.Select(kv => kv.Key + ":[" + string.Join(' ', kv.Value) + "]")];
    }

    /// <summary>Folded lines (root;…;leaf value) of one value column, as the golden says: positive totals only, sorted.</summary>
    public string Folded(int column, Func<string, string>? labelFrames = null)
    {
        var sums = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, v) in ByKey)
        {
            var bar = key.IndexOf(" | ", StringComparison.Ordinal);
            var stack = key[..bar];
            if (labelFrames is not null)
            {
                var prefix = labelFrames(key[(bar + 3)..]);
                if (prefix.Length > 0) stack = stack.Length > 0 ? prefix + ";" + stack : prefix;
            }
            sums[stack] = sums.GetValueOrDefault(stack) + v[column];
        }
        var sb = new StringBuilder();
        foreach (var (stack, total) in sums)
            if (total > 0 && stack.Length > 0) sb.Append(stack.Replace("\n", " ", StringComparison.Ordinal)).Append(' ').Append(total.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
