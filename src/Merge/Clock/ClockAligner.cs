using Stackweave.Formats.Model;

namespace Stackweave.Merge.Clock;

/// <summary>A user anchor: the instant <paramref name="SourceNs"/> on the input's clock is <paramref name="UtcNs"/> (Unix ns).</summary>
public sealed record ClockAnchor(string File, long SourceNs, long UtcNs);

/// <summary>What the user told the alignment pass; FILE is an input as written on the command line, or its unique file name.</summary>
public sealed record ClockOptions
{
    /// <summary><c>--anchor FILE=SOURCE_TIME@UTC_TIME</c>.</summary>
    public IReadOnlyList<ClockAnchor> Anchors { get; init; } = [];
    /// <summary><c>--clock-offset FILE=±DURATION</c>: shifts the input on the UTC axis (places it alone when nothing else does).</summary>
    public IReadOnlyList<(string File, long Ns)> Offsets { get; init; } = [];
    /// <summary><c>--ignore-clock-data FILE</c>: the input's recorded wall-clock reference is withheld.</summary>
    public IReadOnlyList<string> IgnoreClockData { get; init; } = [];
    /// <summary><c>--assume-clock FILE=monotonic|boottime|realtime…</c>: the input's clock is taken to be that clock.</summary>
    public IReadOnlyList<(string File, ClockDomain Domain)> Assumptions { get; init; } = [];
    /// <summary>Estimator tuning.</summary>
    public EstimatorOptions Estimator { get; init; } = new();
}

/// <summary>A note of the alignment pass about one input; warnings name inputs left on their own axis.</summary>
public sealed record ClockNote(string File, bool Warning, string Text);

/// <summary>
/// The AlignClocks pass: maps each profile's clock onto UTC ns, in this order of trust: (a) a reference the capture recorded
/// (perf CLOCK_DATA, perf script tod) or wall-clock times (pprof time_nanos, perf -k CLOCK_REALTIME); (b) user anchors and
/// offsets; (c) estimation from events an already placed source also saw (tracepoint samples, bpftrace printf lines:
/// matched by tid and event name); (d) stated assumptions (another placed input with the assumed clock lends its mapping);
/// (e) wall-clock text that pins a clock only up to a day or a second (bpftrace strftime() without a date, time() lines), the
/// day taken from a placed input. Dated bpftrace strftime() text beside its nsecs counts as a reference the capture recorded (a).
/// A source nothing places keeps its own axis and gets a warning. Results are stored in each <see cref="Profile.Clock"/>.
/// </summary>
public static class ClockAligner
{
    /// <summary>Aligns <paramref name="profiles"/> (each one input) and returns the notes and warnings to print.</summary>
    /// <exception cref="ArgumentException">An option names no input, or a name that fits several.</exception>
    public static List<ClockNote> Align(IReadOnlyList<Profile> profiles, ClockOptions options)
    {
        var notes = new List<ClockNote>();
        var files = profiles.Select(p => p.Source.File).ToList();
        var ignore = new HashSet<int>(options.IgnoreClockData.Select(f => Resolve(files, f, "--ignore-clock-data")));
        var anchors = options.Anchors.Select(x => (I: Resolve(files, x.File, "--anchor"), x)).ToList();
        var offsets = options.Offsets.Select(x => (I: Resolve(files, x.File, "--clock-offset"), x.Ns)).ToList();
        var assume = options.Assumptions.Select(x => (I: Resolve(files, x.File, "--assume-clock"), x.Domain)).ToList();

        for (var i = 0; i < profiles.Count; i++)
        {
            var p = profiles[i];
            var c = p.Clock;
            var name = p.Source.File;
            if (ignore.Contains(i))
            {
                if (c.Reference is null) notes.Add(new(name, false, "--ignore-clock-data: it records no wall-clock reference"));
                c.Reference = null;
                if (c.Derivation == ClockDerivation.CaptureReference) Clear(c);
            }
            var anchor = anchors.LastOrDefault(x => x.I == i).x;
            if (c.Reference is { } r)
            {
                Set(c, r.WallNs - r.ClockNs, ClockDerivation.CaptureReference, p.Source.Format == "perf.data"
                    ? $"CLOCK_DATA ({DomainName(c.Domain)} read with CLOCK_REALTIME by perf)" : "wall-clock column (perf script tod)");
                if (anchor is not null) notes.Add(new(name, false, "--anchor not used: the capture's own clock reference places it (--ignore-clock-data to prefer the anchor)"));
            }
            else if (!ignore.Contains(i) && PrintedAnchors.Exact(c, out var printedWhy) is { } pa)
            {
                Set(c, pa.OffsetNs, ClockDerivation.CaptureReference, pa.Text);
                c.ResidualNs = pa.ResidualNs; c.Matches = pa.Readings; c.ResidualBasis = pa.ResidualBasis;
                if (anchor is not null) notes.Add(new(name, false, "--anchor not used: the capture's own wall-clock text places it (--ignore-clock-data to prefer the anchor)"));
            }
            else if (c.Domain == ClockDomain.Realtime && c.Derivation != ClockDerivation.CaptureReference)
            {
                if (anchor is not null) Set(c, anchor.UtcNs - anchor.SourceNs, ClockDerivation.Anchor, "user anchor " + TimeText.FormatUtc(anchor.UtcNs));
                else Set(c, 0, ClockDerivation.SourceWallClock, p.Source.Format == "pprof" ? "pprof time_nanos (wall clock)" : "CLOCK_REALTIME timestamps");
            }
            else if (anchor is not null)
                Set(c, anchor.UtcNs - anchor.SourceNs, ClockDerivation.Anchor, "user anchor " + TimeText.FormatUtc(anchor.UtcNs));
            else if (c.Derivation is not ClockDerivation.None && c.OffsetToUtcNs is null) Clear(c);
            if (!ignore.Contains(i) && c.Derivation != ClockDerivation.CaptureReference && PrintedAnchors.Exact(c, out var refused) is null && refused is not null)
                notes.Add(new(name, true, "wall-clock text not used: " + refused));
        }
        foreach (var (i, ns) in offsets)
        {
            var c = profiles[i].Clock;
            if (c.OffsetToUtcNs is { } off)
            {
                c.OffsetToUtcNs = off + ns;
                c.AlignedBy += ", shifted " + TimeText.FormatDuration(ns) + " (--clock-offset)";
            }
            else Set(c, ns, ClockDerivation.UserOffset, "--clock-offset " + TimeText.FormatDuration(ns));
        }

        // (c) estimation, repeated so that a source placed by an estimate can place the next one.
        var events = new List<TimedEvent>?[profiles.Count];
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new Dictionary<int, string>();
        var keylessRef = new HashSet<(int, int)>();
        for (var progress = true; progress;)
        {
            progress = false;
            for (var i = 0; i < profiles.Count; i++)
            {
                var p = profiles[i];
                if (p.Clock.IsAligned) continue;
                events[i] ??= SharedEvents.Of(p, names);
                if (events[i]!.Count == 0) continue;
                OffsetEstimate? best = null;
                var bestRef = -1;
                for (var j = 0; j < profiles.Count; j++)
                {
                    if (j == i || !profiles[j].Clock.IsAligned) continue;
                    events[j] ??= SharedEvents.Of(profiles[j], names);
                    if (events[j]!.Count == 0) continue;
                    var e = OffsetEstimator.Estimate(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(events[j]),
                        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(events[i]), options.Estimator);
                    var keyless = false;
                    if (!e.Found && e.Matches == 0 && e.Reason is { } why && why.StartsWith("no events in common", StringComparison.Ordinal))
                    {
                        // The sources name threads or events differently (a printf line without tid): try every event against every event.
                        var e2 = OffsetEstimator.Estimate(Keyless(events[j]!), Keyless(events[i]!), options.Estimator);
                        if (e2.Found) { e = e2; keyless = true; }
                        else failures[i] = $"against {profiles[j].Source.File}: {e.Reason}; all events without keys: {e2.Reason}";
                    }
                    else if (!e.Found) failures[i] = $"against {profiles[j].Source.File}: {e.Reason}";
                    if (!e.Found) continue;
                    if (keyless) keylessRef.Add((i, j));
                    if (best is null || e.Matches > best.Matches || (e.Matches == best.Matches && e.ResidualNs < best.ResidualNs)) { best = e; bestRef = j; }
                }
                if (best is null) continue;
                var rc = profiles[bestRef].Clock;
                var c = p.Clock;
                var pivot = best.PivotNs;
                var how = keylessRef.Contains((i, bestRef)) ? " (matched by time alone: no thread and event name both sources gave)" : "";
                c.OffsetToUtcNs = rc.ToUtc(best.Map(pivot))!.Value - pivot;
                c.PivotNs = pivot;
                c.Drift = (1 + best.Drift) * (1 + rc.Drift) - 1;
                c.Derivation = ClockDerivation.Estimated;
                c.ResidualNs = best.ResidualNs;
                c.ResidualBasis = null;
                c.Matches = best.Matches;
                c.AlignedBy = FormattableString.Invariant($"estimated from {best.Matches} events shared with {profiles[bestRef].Source.File}: offset {TimeText.FormatDuration(best.OffsetNs)} to its clock")
                    + (best.Drift != 0 ? FormattableString.Invariant($", drift {best.Drift * 1e9:0.#} ppb") : "")
                    + ", residual " + TimeText.FormatDuration(best.ResidualNs).TrimStart('+') + how;
                if (p.Clock.Domain == ClockDomain.PerfClock && profiles[bestRef].Clock.Domain == ClockDomain.Monotonic
                    && Math.Abs(best.OffsetNs) <= Math.Max(4 * best.ResidualNs, 10_000))
                    notes.Add(new(p.Source.File, false, "events confirm its perf_clock runs with CLOCK_MONOTONIC (offset " + TimeText.FormatDuration(best.OffsetNs) + ")"));
                failures.Remove(i);
                progress = true;
            }
        }

        // (d) assumptions.
        foreach (var (i, domain) in assume)
        {
            var p = profiles[i];
            var c = p.Clock;
            if (c.IsAligned)
            {
                notes.Add(new(p.Source.File, false, $"--assume-clock {DomainName(domain)} not needed: {c.AlignedBy}"));
                continue;
            }
            var was = c.Domain;
            c.Domain = domain;
            if (domain == ClockDomain.Realtime)
            {
                Set(c, 0, ClockDerivation.Assumed, $"assumed CLOCK_REALTIME (--assume-clock; recorded as {DomainName(was)})");
                continue;
            }
            var lender = -1;
            for (var j = 0; j < profiles.Count && lender < 0; j++)
            {
                var o = profiles[j];
                if (j != i && o.Clock.IsAligned && o.Clock.Domain == domain && o.Clock.Derivation is ClockDerivation.CaptureReference or ClockDerivation.Anchor
                    && (o.Source.Hostname is null || p.Source.Hostname is null || o.Source.Hostname == p.Source.Hostname))
                    lender = j;
            }
            if (lender < 0)
            {
                failures[i] = $"assumed {DomainName(domain)}, but no input with a wall-clock reference runs on that clock";
                continue;
            }
            c.CopyMappingFrom(profiles[lender].Clock);
            c.Derivation = ClockDerivation.Assumed;
            c.AlignedBy = $"assumed {DomainName(domain)} (--assume-clock; recorded as {DomainName(was)}), mapped as {profiles[lender].Source.File}";
        }

        // (e) wall-clock text that pins the clock only up to a day or a second (bpftrace strftime() without a date, time()).
        for (var i = 0; i < profiles.Count; i++)
        {
            var p = profiles[i];
            if (p.Clock.IsAligned || !PrintedAnchors.HasWeakText(p.Clock)) continue;
            var (hint, hintText) = DayHint(profiles, i);
            if (PrintedAnchors.Dated(p.Clock, hint, hintText, out var weakWhy) is { } pa)
            {
                Set(p.Clock, pa.OffsetNs, ClockDerivation.PrintedTime, pa.Text);
                p.Clock.ResidualNs = pa.ResidualNs; p.Clock.Matches = pa.Readings; p.Clock.ResidualBasis = pa.ResidualBasis;
                failures.Remove(i);
            }
            else if (weakWhy is not null) failures[i] = (failures.TryGetValue(i, out var f0) ? f0 + "; " : "") + "wall-clock text: " + weakWhy;
        }

        for (var i = 0; i < profiles.Count; i++)
        {
            var p = profiles[i];
            if (p.Clock.IsAligned || !HasTimes(p)) continue;
            var why = failures.TryGetValue(i, out var f) ? " (estimate " + f + ")" : "";
            var hint = p.Clock.Domain == ClockDomain.PerfClock
                ? "; it stamps perf_clock, which runs with CLOCK_MONOTONIC on x86 Linux: --assume-clock FILE=monotonic says so" : "";
            notes.Add(new(p.Source.File, true,
                $"cannot place its {DomainName(p.Clock.Domain)} clock on UTC (no clock reference, anchor, offset or shared events{why}){hint}; kept on its own time axis, CSV time_utc_ns left empty"));
        }
        return notes;
    }

    /// <summary>The input <paramref name="spec"/> names: an input as written, or the file name of exactly one input.</summary>
    public static int Resolve(IReadOnlyList<string> files, string spec, string option)
    {
        for (var i = 0; i < files.Count; i++) if (string.Equals(files[i], spec, StringComparison.Ordinal)) return i;
        var found = -1;
        for (var i = 0; i < files.Count; i++)
        {
            if (!string.Equals(Path.GetFileName(files[i]), spec, StringComparison.Ordinal)) continue;
            if (found >= 0) throw new ArgumentException($"{option} {spec}: several inputs have that file name; write the input as on the command line");
            found = i;
        }
        return found >= 0 ? found : throw new ArgumentException($"{option} {spec}: no input by that name (inputs: {string.Join(", ", files)})");
    }

    /// <summary>The clock's name as the kernel spells it (perf_clock for perf's own).</summary>
    public static string DomainName(ClockDomain d) => d switch
    {
        ClockDomain.PerfClock => "perf_clock",
        ClockDomain.Monotonic => "CLOCK_MONOTONIC",
        ClockDomain.MonotonicRaw => "CLOCK_MONOTONIC_RAW",
        ClockDomain.BootTime => "CLOCK_BOOTTIME",
        ClockDomain.Realtime => "CLOCK_REALTIME",
        ClockDomain.Tai => "CLOCK_TAI",
        _ => "unknown",
    };

    /// <summary>
    /// For text without a date: the offset (utc − source ns) that would put the middle of profile <paramref name="i"/>'s times at the
    /// middle of the first placed input's UTC span (its times, or a pprof window); the text's own offset is moved by whole days to
    /// the nearest of it.
    /// </summary>
    private static (long? Offset, string? From) DayHint(IReadOnlyList<Profile> profiles, int i)
    {
        if (Range(profiles[i]) is not { } own) return (null, null);
        var mid = own.First + (own.Last - own.First) / 2;
        for (var j = 0; j < profiles.Count; j++)
        {
            var o = profiles[j];
            if (j == i || !o.Clock.IsAligned || o.Clock.Derivation == ClockDerivation.PrintedTime) continue;
            long utcMid;
            if (Range(o) is { } r) utcMid = o.Clock.ToUtc(r.First + (r.Last - r.First) / 2)!.Value;
            else if (o.Clock.Window is { } w) utcMid = w.StartUtcNs + w.DurationNs / 2;
            else continue;
            return (utcMid - mid, "placed input " + o.Source.File);
        }
        return (null, null);
    }

    private static (long First, long Last)? Range(Profile p)
    {
        long first = long.MaxValue, last = long.MinValue;
        for (var k = 0; k < p.Samples.Count; k++)
        {
            var t = p.Samples.Time(k);
            if (t == SampleTable.NoTime) continue;
            first = Math.Min(first, t); last = Math.Max(last, t);
        }
        foreach (var m in p.Marks)
            if (m.Time != SampleTable.NoTime) { first = Math.Min(first, m.Time); last = Math.Max(last, m.Time); }
        return first <= last ? (first, last) : null;
    }

    private static TimedEvent[] Keyless(List<TimedEvent> events)
    {
        var r = new TimedEvent[events.Count];
        for (var i = 0; i < r.Length; i++) r[i] = events[i] with { Key = 0 };
        return r;
    }

    private static bool HasTimes(Profile p)
    {
        for (var i = 0; i < p.Samples.Count; i++) if (p.Samples.Time(i) != SampleTable.NoTime) return true;
        foreach (var m in p.Marks) if (m.Time != SampleTable.NoTime) return true;
        return false;
    }

    private static void Set(Formats.Model.Clock c, long offset, ClockDerivation how, string text)
    {
        c.OffsetToUtcNs = offset; c.Drift = 0; c.PivotNs = 0; c.Derivation = how; c.AlignedBy = text; c.ResidualNs = null; c.Matches = 0; c.ResidualBasis = null;
    }

    private static void Clear(Formats.Model.Clock c)
    {
        c.OffsetToUtcNs = null; c.Drift = 0; c.PivotNs = 0; c.Derivation = ClockDerivation.None; c.AlignedBy = null; c.ResidualNs = null; c.Matches = 0; c.ResidualBasis = null;
    }
}

/// <summary>The events of a profile that another source can also have seen: tracepoint samples and timestamped marks, keyed by tid and event name.</summary>
public static class SharedEvents
{
    /// <summary>Events of <paramref name="p"/>; <paramref name="names"/> interns event names across profiles.</summary>
    public static List<TimedEvent> Of(Profile p, Dictionary<string, int> names)
    {
        var list = new List<TimedEvent>();
        var s = p.Samples;
        var isTrace = new bool[p.Events.Count];
        var eventName = new int[p.Events.Count];
        for (var e = 0; e < p.Events.Count; e++)
        {
            isTrace[e] = p.Events[e].Kind == EventKind.Tracepoint;
            eventName[e] = NameId(names, p.Events[e].Name);
        }
        for (var i = 0; i < s.Count; i++)
        {
            var t = s.Time(i);
            var e = s.Event(i);
            if (t == SampleTable.NoTime || (uint)e >= (uint)isTrace.Length || !isTrace[e]) continue;
            list.Add(new TimedEvent(t, Key(Tid(p, s.Thread(i)), eventName[e])));
        }
        foreach (var m in p.Marks)
            if (m.Time != SampleTable.NoTime) list.Add(new TimedEvent(m.Time, Key(Tid(p, m.Thread), NameId(names, m.Name))));
        return list;
    }

    /// <summary>The name events are matched by: the tracepoint name without its group and without <c>sys_enter_</c> (syscalls:sys_enter_write → write).</summary>
    public static string Normalize(string name)
    {
        var colon = name.LastIndexOf(':');
        var n = colon >= 0 ? name[(colon + 1)..] : name;
        if (n.StartsWith("sys_enter_", StringComparison.Ordinal)) n = n["sys_enter_".Length..];
        return n.Trim().ToLowerInvariant();
    }

    private static int NameId(Dictionary<string, int> names, string name)
    {
        var n = Normalize(name);
        if (!names.TryGetValue(n, out var id)) names[n] = id = names.Count;
        return id;
    }

    private static int Tid(Profile p, int thread) => (uint)thread < (uint)p.Threads.Count ? p.Threads[thread].Tid : -1;

    private static long Key(int tid, int name) => ((long)tid << 32) | (uint)name;
}
