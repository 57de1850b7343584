using System.Text.RegularExpressions;
using Stackweave.Formats.Model;

namespace Stackweave.Merge.Pprof;

/// <summary>
/// Applies a profile's drop_frames / keep_frames the way pprof does when it reads a profile (profile.RemoveUninteresting
/// and Prune, google/pprof as vendored in Go 1.19): both are regexps anchored as <c>^(…)$</c>, matched against function
/// names with the argument list removed. A location whose outermost matching frame is its outermost frame goes away with
/// everything beneath it; one matched in an inlined frame keeps the frames outside the match. Frames from the root up to
/// the first unmatched one are never dropped (so that not everything is).
/// </summary>
public static class FramePruner
{
    /// <summary>Prunes <paramref name="p"/> in place when it has drop_frames; returns true when it did.</summary>
    public static bool Apply(Profile p)
    {
        if (string.IsNullOrEmpty(p.DropFrames)) return false;
        Regex drop, keep = null!;
        try
        {
            // RE2 and .NET agree on the constructs profile writers use (alternation, classes, repetition, escapes).
            drop = new Regex("^(" + p.DropFrames + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (!string.IsNullOrEmpty(p.KeepFrames))
                keep = new Regex("^(" + p.KeepFrames + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            // pprof ignores a regexp it cannot compile (driver/fetch.go drops RemoveUninteresting's error).
            p.Diagnostics.Report("pprof: drop_frames/keep_frames not applied (bad regexp)", e.Message);
            return false;
        }

        var n = p.Locations.Count;
        var prune = new bool[n];
        var pruneBeneath = new bool[n];
        var keepFrom = new int[n]; // lines kept when an inlined frame matched: Lines[keepFrom..]
        var nameMatch = new Dictionary<int, bool>();
        for (var li = 0; li < n; li++)
        {
            var lines = p.Locations[li].Lines;
            int i;
            for (i = lines.Count - 1; i >= 0; i--)
            {
                var fid = lines[i].FunctionId;
                if (!nameMatch.TryGetValue(fid, out var matched))
                {
                    var name = p.FunctionName(fid);
                    if (name.Length == 0) matched = false;
                    else
                    {
                        var simple = Simplify(name);
                        matched = Matches(drop, simple) && (keep is null || !Matches(keep, simple));
                    }
                    nameMatch.Add(fid, matched);
                }
                if (matched) break;
            }
            if (i < 0) continue;
            pruneBeneath[li] = true;
            if (i == lines.Count - 1) prune[li] = true;
            else keepFrom[li] = i + 1;
        }

        for (var li = 0; li < n; li++)
            if (pruneBeneath[li] && !prune[li] && keepFrom[li] > 0) p.Locations[li].Lines.RemoveRange(0, keepFrom[li]);

        // New stack of every stack node, computed root first (parents have smaller ids).
        var count = p.Stacks.Count;
        var newStack = new int[count];
        var foundUser = new bool[count]; // some frame from the root to here is neither pruned nor pruned-beneath
        var cut = new bool[count];       // the stack was cut at or above this node: deeper frames are dropped
        for (var s = 0; s < count; s++)
        {
            var parent = p.Stacks.Parent(s);
            var loc = p.Stacks.Location(s);
            var parentNew = parent < 0 ? StackTable.Root : newStack[parent];
            var parentUser = parent >= 0 && foundUser[parent];
            if (parent >= 0 && cut[parent]) { newStack[s] = parentNew; cut[s] = true; foundUser[s] = true; continue; }
            if (!prune[loc] && !pruneBeneath[loc])
            {
                newStack[s] = p.Stacks.Push(parentNew, loc);
                foundUser[s] = true;
                continue;
            }
            if (!parentUser)
            {
                newStack[s] = p.Stacks.Push(parentNew, loc);
                continue;
            }
            // Scanning from the root, the first pruned frame after a user frame ends the stack: a pruned location goes
            // too, a pruned-beneath one stays as the new leaf.
            newStack[s] = prune[loc] ? parentNew : p.Stacks.Push(parentNew, loc);
            cut[s] = true;
            foundUser[s] = true;
        }
        p.Samples.RemapStacks(newStack);
        return true;
    }

    private static bool Matches(Regex r, string s)
    {
        try { return r.IsMatch(s); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    /// <summary>pprof's simplifyFunc: no leading '.', argument list cut at the first '(' that does not open "(anonymous namespace)" or "operator()".</summary>
    internal static string Simplify(string name)
    {
        var f = name.StartsWith('.') ? name[1..] : name;
        var i = 0;
        while ((i = f.IndexOf('(', i)) >= 0)
        {
            if (string.CompareOrdinal(f, i, "(anonymous namespace)", 0, 21) == 0) { i += 21; continue; }
            if (i >= 8 && string.CompareOrdinal(f, i - 8, "operator()", 0, 10) == 0) { i += 2; continue; }
            return f[..i];
        }
        return f;
    }
}
