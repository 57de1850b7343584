using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats.Model;
using Stackweave.Merge.Clock;
using Stackweave.Merge.Timeline;

namespace Stackweave.Cli;

public static partial class Commands
{
    private static (string File, string Value) SplitFileValue(string option, string value, char sep = '=')
    {
        var at = value.LastIndexOf(sep);
        if (at <= 0 || at == value.Length - 1) throw new UsageException($"{option} takes FILE{sep}VALUE, not '{value}'");
        return (value[..at], value[(at + 1)..]);
    }

    private static ClockDomain ParseDomain(string option, string v) => v.ToLowerInvariant() switch
    {
        "monotonic" => ClockDomain.Monotonic,
        "monotonic_raw" or "monotonic-raw" => ClockDomain.MonotonicRaw,
        "boottime" or "boot" => ClockDomain.BootTime,
        "realtime" => ClockDomain.Realtime,
        "tai" => ClockDomain.Tai,
        _ => throw new UsageException($"{option} takes FILE=monotonic|monotonic_raw|boottime|realtime|tai, not '{v}'"),
    };

    /// <summary>The clock options from <c>--anchor</c>, <c>--clock-offset</c>, <c>--ignore-clock-data</c>, <c>--assume-clock</c>.</summary>
    private static ClockOptions ClockOptionsOf(CliArgs a)
    {
        var anchors = new List<ClockAnchor>();
        foreach (var v in a.Values("--anchor"))
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            var at = v.LastIndexOf('@');
            if (eq <= 0 || at < eq) throw new UsageException($"--anchor takes FILE=SOURCE_TIME@UTC_TIME, not '{v}'");
            if (!long.TryParse(v.AsSpan(eq + 1, at - eq - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var src))
                throw new UsageException($"--anchor {v}: SOURCE_TIME must be the source's nanoseconds (an integer)");
            if (!TimeText.TryParseUtc(v[(at + 1)..], out var utc))
                throw new UsageException($"--anchor {v}: UTC_TIME must be RFC 3339 (2026-11-25T19:23:44.588052497Z) or integer Unix nanoseconds");
            anchors.Add(new ClockAnchor(v[..eq], src, utc));
        }
        var offsets = new List<(string, long)>();
        foreach (var v in a.Values("--clock-offset"))
        {
            var (file, d) = SplitFileValue("--clock-offset", v);
            if (!TimeText.TryParseDuration(d, out var ns)) throw new UsageException($"--clock-offset {v}: '{d}' is no duration (e.g. -250ms, +1.5s, 42ns)");
            offsets.Add((file, ns));
        }
        var assume = new List<(string, ClockDomain)>();
        foreach (var v in a.Values("--assume-clock"))
        {
            var (file, d) = SplitFileValue("--assume-clock", v);
            assume.Add((file, ParseDomain("--assume-clock", d)));
        }
        return new ClockOptions { Anchors = anchors, Offsets = offsets, IgnoreClockData = [.. a.Values("--ignore-clock-data")], Assumptions = assume };
    }

    /// <summary>
    /// Runs the AlignClocks pass over the inputs and prints its notes: warnings when the time axis matters (several inputs, or a
    /// slice by --start/--end), everything with --verbose.
    /// </summary>
    private static void AlignClocks(RunContext ctx, List<Profile> profiles)
    {
        var axisMatters = profiles.Count > 1 || ctx.Args.Value("--start") is not null || ctx.Args.Value("--end") is not null;
        List<ClockNote> notes;
        try { notes = ClockAligner.Align(profiles, ClockOptionsOf(ctx.Args)); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        foreach (var n in notes)
            if ((n.Warning && axisMatters) || ctx.Args.Has("--verbose")) ctx.Stderr.WriteLine($"stackweave: {(n.Warning ? "warning: " : "")}{n.File}: {n.Text}");
        if (ctx.Args.Has("--verbose"))
            foreach (var p in profiles)
                if (p.Clock.IsAligned) ctx.Stderr.WriteLine($"stackweave: {p.Source.File}: {ClockAligner.DomainName(p.Clock.Domain)} → UTC by {p.Clock.AlignedBy}");
    }

    private static HashSet<int>? IntSet(CliArgs a, string option)
    {
        if (a.Values(option).Count == 0) return null;
        var set = new HashSet<int>();
        foreach (var v in a.Values(option))
            foreach (var part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                set.Add(int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"{option} takes numbers, not '{part}'"));
        return set;
    }

    private static Regex? FrameRegex(CliArgs a, string option)
    {
        if (a.Value(option) is not { } pattern) return null;
        try { return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException e) { throw new UsageException(option + ": " + e.Message); }
    }

    /// <summary>The Filter/Slice options; relative <c>--start/--end</c> (+1.5s) count from the earliest aligned time of all inputs.</summary>
    private static FilterOptions FilterOptionsOf(CliArgs a, IReadOnlyList<Profile> profiles)
    {
        if (a.Has("--user-only") && a.Has("--kernel-only")) throw new UsageException("--user-only and --kernel-only exclude each other");
        var comms = a.Values("--only-comm").Count == 0 ? null
            : a.Values("--only-comm").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        return new FilterOptions
        {
            Pids = IntSet(a, "--only-pid"), Tids = IntSet(a, "--only-tid"), Comms = comms,
            UserOnly = a.Has("--user-only"), KernelOnly = a.Has("--kernel-only"),
            Focus = FrameRegex(a, "--focus"), Ignore = FrameRegex(a, "--ignore"),
            StartUtc = SliceTime(a, "--start", profiles), EndUtc = SliceTime(a, "--end", profiles),
        };
    }

    private static long? SliceTime(CliArgs a, string option, IReadOnlyList<Profile> profiles)
    {
        if (a.Value(option) is not { } v) return null;
        if (v.StartsWith('+'))
        {
            if (!TimeText.TryParseDuration(v, out var rel)) throw new UsageException($"{option} {v}: not a duration (e.g. +1.5s, +250ms)");
            long? origin = null;
            foreach (var p in profiles)
            {
                if (!p.Clock.IsAligned) continue;
                var first = TimelineMerger.First(p) is { } f ? p.Clock.ToUtc(f) : p.Clock.Window is { } w ? p.Clock.ToUtc(w.StartUtcNs) : null;
                if (first is { } u && (origin is null || u < origin)) origin = u;
            }
            if (origin is null) throw new UsageException($"{option} {v}: a relative time needs an input placed on UTC (none is)");
            return origin + rel;
        }
        return TimeText.TryParseUtc(v, out var utc) ? utc
            : throw new UsageException($"{option} takes RFC 3339 UTC (2026-11-25T19:23:44.5Z), Unix nanoseconds or +DURATION from the earliest aligned time, not '{v}'");
    }

    /// <summary>Filter/Slice and --group-by over each input; prints the pass's notes.</summary>
    private static void FilterAndGroup(RunContext ctx, List<Profile> profiles)
    {
        var o = FilterOptionsOf(ctx.Args, profiles);
        foreach (var p in profiles)
            foreach (var note in ProfileFilter.Apply(p, o))
                if (note.StartsWith("warning:", StringComparison.Ordinal) || ctx.Args.Has("--verbose") || o.StartUtc is not null || o.EndUtc is not null)
                    ctx.Stderr.WriteLine("stackweave: " + note);
        if (ctx.Args.Value("--group-by") is { } by)
        {
            try { foreach (var p in profiles) GroupFrames.Apply(p, by); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
        }
    }

    /// <summary>Per-input symbol option: <c>--symfs FILE=DIR</c> / <c>--kallsyms FILE=PATH</c> for the input named FILE, else the global value.</summary>
    private static string? PerInput(CliArgs a, string option, string input, IReadOnlyList<string> inputs)
    {
        string? global = null, mine = null;
        foreach (var v in a.Values(option))
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && NamesInput(v[..eq], input, inputs)) mine = v[(eq + 1)..];
            else if (eq <= 0 || !NamesAnyInput(v[..eq], inputs)) global = v;
        }
        return mine ?? global;
    }

    private static bool NamesAnyInput(string spec, IReadOnlyList<string> inputs)
    {
        try { ClockAligner.Resolve(inputs, spec, ""); return true; }
        catch (ArgumentException) { return false; }
    }

    private static bool NamesInput(string spec, string input, IReadOnlyList<string> inputs)
    {
        try { return inputs[ClockAligner.Resolve(inputs, spec, "")] == input; }
        catch (ArgumentException) { return false; }
    }
}
