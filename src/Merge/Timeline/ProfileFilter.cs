using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats.Model;
using Stackweave.Merge.Clock;

namespace Stackweave.Merge.Timeline;

/// <summary>What the Filter/Slice pass keeps; every unset member keeps everything.</summary>
public sealed record FilterOptions
{
    /// <summary><c>--only-pid</c>: keep samples and marks of these processes.</summary>
    public IReadOnlySet<int>? Pids { get; init; }
    /// <summary><c>--only-tid</c>: keep samples and marks of these threads.</summary>
    public IReadOnlySet<int>? Tids { get; init; }
    /// <summary><c>--only-comm</c>: keep samples and marks of threads with these command names.</summary>
    public IReadOnlySet<string>? Comms { get; init; }
    /// <summary><c>--user-only</c>: keep only user-space frames (samples left without frames are dropped).</summary>
    public bool UserOnly { get; init; }
    /// <summary><c>--kernel-only</c>: keep only kernel frames (samples left without frames are dropped).</summary>
    public bool KernelOnly { get; init; }
    /// <summary><c>--focus REGEX</c> (pprof's word): keep samples with a frame whose name matches.</summary>
    public Regex? Focus { get; init; }
    /// <summary><c>--ignore REGEX</c> (pprof's word): drop samples with a frame whose name matches.</summary>
    public Regex? Ignore { get; init; }
    /// <summary><c>--start</c>: first UTC ns kept (inclusive).</summary>
    public long? StartUtc { get; init; }
    /// <summary><c>--end</c>: UTC ns where the slice ends (exclusive).</summary>
    public long? EndUtc { get; init; }

    /// <summary>True when the options keep everything.</summary>
    public bool KeepsAll => Pids is null && Tids is null && Comms is null && !UserOnly && !KernelOnly && Focus is null && Ignore is null
                            && StartUtc is null && EndUtc is null;
}

/// <summary>
/// The Filter/Slice pass over one aligned profile: thread filters, frame filters (user/kernel only, focus/ignore) and a slice
/// of the aligned UTC axis. A source without per-sample times (pprof) is kept whole when its window overlaps the slice (with
/// a note of the overlap) and emptied otherwise; a source the alignment could not place is not sliced (with a warning).
/// Dropped samples and marks are counted in the profile's diagnostics.
/// </summary>
public static class ProfileFilter
{
    /// <summary>Diagnostics counter: samples the filter or slice dropped.</summary>
    public const string DroppedSamples = "filter: samples dropped";
    /// <summary>Diagnostics counter: marks the filter or slice dropped.</summary>
    public const string DroppedMarks = "filter: marks dropped";

    /// <summary>Filters <paramref name="p"/> in place and returns notes (warnings first word "warning:") to print.</summary>
    public static List<string> Apply(Profile p, FilterOptions o)
    {
        var notes = new List<string>();
        if (o.KeepsAll) return notes;
        var s = p.Samples;
        var keepThread = ThreadFilter(p, o);
        var matchStack = FrameFilter(p, o);
        var newStack = KindFilter(p, o);

        var slice = o.StartUtc is not null || o.EndUtc is not null;
        long lo = o.StartUtc ?? long.MinValue, hi = o.EndUtc ?? long.MaxValue;
        var canSlice = p.Clock.IsAligned;
        var untimedKept = true;
        if (slice && !canSlice && HasTimes(p))
            notes.Add($"warning: {p.Source.File}: not sliced by --start/--end: its clock is not placed on UTC");
        if (slice && p.Clock.IsAligned && Window(p) is { } w)
        {
            var (ws, we) = w;
            var overlap = Math.Min(we, hi) - Math.Max(ws, lo);
            untimedKept = overlap > 0 || (ws == we && ws >= lo && ws < hi);
            notes.Add(untimedKept
                ? $"{p.Source.File}: its window {TimeText.FormatUtc(ws)} – {TimeText.FormatUtc(we)} overlaps the slice by {Sec(Math.Max(overlap, 0))} of {Sec(we - ws)}; its samples have no times of their own and are kept whole"
                : $"{p.Source.File}: its window {TimeText.FormatUtc(ws)} – {TimeText.FormatUtc(we)} lies outside the slice; its samples are left out");
        }

        var keep = new bool[s.Count];
        var dropped = 0;
        for (var i = 0; i < s.Count; i++)
        {
            var ok = keepThread(s.Thread(i));
            var st = s.Stack(i);
            if (ok && matchStack is not null) ok = matchStack(st);
            if (ok && newStack is not null)
            {
                var ns = st < 0 ? StackTable.Root : newStack[st];
                if (ns == StackTable.Root) ok = false;
                else s.SetStack(i, ns);
            }
            if (ok && slice)
            {
                var t = s.Time(i);
                if (t == SampleTable.NoTime) ok = untimedKept;
                else if (canSlice) { var u = p.Clock.ToUtc(t)!.Value; ok = u >= lo && u < hi; }
            }
            keep[i] = ok;
            if (!ok) dropped++;
        }
        if (dropped > 0) { s.Compact(keep); p.Diagnostics.Count(DroppedSamples, dropped); }
        var marksBefore = p.Marks.Count;
        p.Marks.RemoveAll(m =>
        {
            if (!keepThread(m.Thread)) return true;
            if (!slice || !canSlice || m.Time == SampleTable.NoTime) return false;
            var u = p.Clock.ToUtc(m.Time)!.Value;
            return u < lo || u >= hi;
        });
        if (marksBefore != p.Marks.Count) p.Diagnostics.Count(DroppedMarks, marksBefore - p.Marks.Count);
        return notes;
    }

    private static string Sec(long ns) => (ns / 1e9).ToString("0.######", CultureInfo.InvariantCulture) + " s";

    /// <summary>The UTC window of a source without per-sample times (pprof time_nanos + duration_nanos), else null.</summary>
    private static (long Start, long End)? Window(Profile p)
    {
        if (HasTimes(p)) return null;
        if (p.Clock.Window is { } w) return (p.Clock.ToUtc(w.StartUtcNs)!.Value, p.Clock.ToUtc(w.StartUtcNs)!.Value + w.DurationNs);
        if (p.StartTime is { } st) return (p.Clock.ToUtc(st)!.Value, p.Clock.ToUtc(st)!.Value + p.DurationNs);
        return null;
    }

    private static bool HasTimes(Profile p)
    {
        for (var i = 0; i < p.Samples.Count; i++) if (p.Samples.Time(i) != SampleTable.NoTime) return true;
        foreach (var m in p.Marks) if (m.Time != SampleTable.NoTime) return true;
        return false;
    }

    private static Func<int, bool> ThreadFilter(Profile p, FilterOptions o)
    {
        if (o.Pids is null && o.Tids is null && o.Comms is null) return _ => true;
        var keep = new bool[p.Threads.Count];
        foreach (var t in p.Threads)
            keep[t.Id] = (o.Pids is null || o.Pids.Contains(t.Pid)) && (o.Tids is null || o.Tids.Contains(t.Tid))
                         && (o.Comms is null || o.Comms.Contains(t.Name));
        return th => (uint)th < (uint)keep.Length && keep[th];
    }

    /// <summary>Per-stack focus/ignore verdict (a stack matches when any of its frames does), or null without frame regexes.</summary>
    private static Func<int, bool>? FrameFilter(Profile p, FilterOptions o)
    {
        if (o.Focus is null && o.Ignore is null) return null;
        var locFocus = new bool[p.Locations.Count];
        var locIgnore = new bool[p.Locations.Count];
        foreach (var l in p.Locations)
        {
            foreach (var name in FrameNames(p, l))
            {
                if (o.Focus is not null && o.Focus.IsMatch(name)) locFocus[l.Id] = true;
                if (o.Ignore is not null && o.Ignore.IsMatch(name)) locIgnore[l.Id] = true;
            }
        }
        var n = p.Stacks.Count;
        var focus = new bool[n];
        var ignore = new bool[n];
        for (var st = 0; st < n; st++)
        {
            var parent = p.Stacks.Parent(st);
            var loc = p.Stacks.Location(st);
            focus[st] = locFocus[loc] || (parent >= 0 && focus[parent]);
            ignore[st] = locIgnore[loc] || (parent >= 0 && ignore[parent]);
        }
        return st => st >= 0 && (o.Focus is null || focus[st]) && (o.Ignore is null || !ignore[st]);
    }

    private static IEnumerable<string> FrameNames(Profile p, Location l)
    {
        if (l.Lines.Count > 0)
        {
            foreach (var line in l.Lines) yield return p.FunctionName(line.FunctionId);
            yield break;
        }
        var m = (uint)l.MappingId < (uint)p.Mappings.Count ? p.Mappings[l.MappingId] : null;
        var module = m is null ? "unknown" : Path.GetFileName(m.Path);
        yield return string.Create(CultureInfo.InvariantCulture, $"[{module}+0x{(m is null ? l.Address : l.Address - m.Start + m.FileOffset):x}]");
    }

    /// <summary>Stack rewrite keeping only user or only kernel frames: new stack id per old one, or null when not asked.</summary>
    private static int[]? KindFilter(Profile p, FilterOptions o)
    {
        if (!o.UserOnly && !o.KernelOnly) return null;
        var n = p.Stacks.Count;
        var map = new int[n];
        for (var st = 0; st < n; st++)
        {
            var parent = p.Stacks.Parent(st);
            var baseStack = parent < 0 ? StackTable.Root : map[parent];
            var loc = p.Locations[p.Stacks.Location(st)];
            var kind = (uint)loc.MappingId < (uint)p.Mappings.Count ? p.Mappings[loc.MappingId].Kind : MappingKind.User;
            var kernel = kind is MappingKind.Kernel or MappingKind.KernelModule;
            map[st] = kernel == o.KernelOnly ? p.Stacks.Push(baseStack, loc.Id) : baseStack;
        }
        return map;
    }
}

/// <summary>Root frames naming a sample's group (<c>--group-by source|comm|pid|tid</c>): <c>[value]</c> at the root of every stack.</summary>
public static class GroupFrames
{
    /// <summary>
    /// Folded text whose group frame sits under stackcollapse's process-name frame (<c>comm;[group];…</c>, perf input) gets
    /// the group frame moved to the root (<c>[group];comm;…</c>); lines are sorted again as stackcollapse sorts them.
    /// </summary>
    public static void HoistToRoot(string folded, TextWriter output)
    {
        var lines = folded.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            var first = l.IndexOf(';', StringComparison.Ordinal);
            if (first <= 0 || l[0] == '[') continue;
            var second = l.IndexOf(';', first + 1);
            var space = l.LastIndexOf(' ');
            var end = second > 0 ? second : space;
            if (end <= first + 1 || l[first + 1] != '[' || l[end - 1] != ']') continue;
            lines[i] = l[(first + 1)..end] + ";" + l[..first] + l[end..];
        }
        Array.Sort(lines, StringComparer.Ordinal);
        foreach (var l in lines) { output.Write(l); output.Write('\n'); }
    }

    /// <summary>Adds the group frame to every sample of <paramref name="p"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="by"/> is not source, comm, pid or tid.</exception>
    public static void Apply(Profile p, string by)
    {
        Func<int, string> value = by switch
        {
            "source" => _ => Path.GetFileName(p.Source.File),
            "comm" => th => (uint)th < (uint)p.Threads.Count ? p.Threads[th].Name : "unknown",
            "pid" => th => (uint)th < (uint)p.Threads.Count ? p.Threads[th].Pid.ToString(CultureInfo.InvariantCulture) : "unknown",
            "tid" => th => (uint)th < (uint)p.Threads.Count ? p.Threads[th].Tid.ToString(CultureInfo.InvariantCulture) : "unknown",
            _ => throw new ArgumentException($"--group-by takes source, comm, pid or tid, not '{by}'", nameof(by)),
        };
        var locs = new Dictionary<string, int>(StringComparer.Ordinal);
        var memo = new Dictionary<(int Stack, int Loc), int>();
        var chain = new List<int>();
        var s = p.Samples;
        for (var i = 0; i < s.Count; i++)
        {
            var v = "[" + value(s.Thread(i)) + "]";
            if (!locs.TryGetValue(v, out var loc))
            {
                var fn = p.InternFunction(v, v, "");
                loc = p.Locations.Count;
                var location = new Location { Id = loc, MappingId = -1 };
                location.Lines.Add(new Line(fn, 0));
                p.Locations.Add(location);
                locs.Add(v, loc);
            }
            var old = s.Stack(i);
            if (!memo.TryGetValue((old, loc), out var ns))
            {
                ns = p.Stacks.Push(StackTable.Root, loc);
                if (old >= 0)
                {
                    p.Stacks.LeafFirst(old, chain);
                    for (var j = chain.Count - 1; j >= 0; j--) ns = p.Stacks.Push(ns, chain[j]);
                }
                memo.Add((old, loc), ns);
            }
            s.SetStack(i, ns);
        }
    }
}
