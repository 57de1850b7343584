using System.Globalization;
using Stackweave.Formats.Model;

namespace Stackweave.Merge.Pprof;

/// <summary>
/// Turns sample labels into frames at the root of each stack, as pprof's <c>-tagroot</c> does: for keys k1, k2 the stack
/// becomes <c>v1;v2;…frames</c>, where a frame is the label's values joined by ',' (numbers with their unit). Samples
/// without the label get no frame for it (pprof adds an empty one). The frames are functions named after the value,
/// with the key as their file name.
/// </summary>
public static class LabelFrames
{
    /// <summary>Adds label frames for <paramref name="keys"/> (first key closest to the root).</summary>
    public static void Apply(Profile p, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0) return;
        var locs = new Dictionary<(string Key, string Value), int>();
        var memo = new Dictionary<(int Stack, string Prefix), int>();
        var stacks = new List<int>();
        var samples = p.Samples;
        var values = new List<string>();
        for (var i = 0; i < samples.Count; i++)
        {
            var labels = samples.Labels(i);
            var prefix = new List<int>();
            foreach (var k in keys)
            {
                values.Clear();
                foreach (var l in labels)
                    if (string.Equals(l.Key, k, StringComparison.Ordinal))
                        values.Add(l.Str ?? (string.IsNullOrEmpty(l.NumUnit) ? l.Num.ToString(CultureInfo.InvariantCulture)
                            : l.Num.ToString(CultureInfo.InvariantCulture) + l.NumUnit));
                if (values.Count == 0) continue;
                var v = string.Join(',', values);
                if (!locs.TryGetValue((k, v), out var loc))
                {
                    var fn = p.InternFunction(v, v, k);
                    loc = p.Locations.Count;
                    var location = new Location { Id = loc, MappingId = -1 };
                    location.Lines.Add(new Line(fn, 0));
                    p.Locations.Add(location);
                    locs.Add((k, v), loc);
                }
                prefix.Add(loc);
            }
            if (prefix.Count == 0) continue;
            var key = (samples.Stack(i), string.Join(',', prefix));
            if (!memo.TryGetValue(key, out var ns))
            {
                var s = StackTable.Root;
                foreach (var l in prefix) s = p.Stacks.Push(s, l);
                p.Stacks.LeafFirst(samples.Stack(i), stacks);
                for (var j = stacks.Count - 1; j >= 0; j--) s = p.Stacks.Push(s, stacks[j]);
                memo.Add(key, ns = s);
            }
            samples.SetStack(i, ns);
        }
    }
}
