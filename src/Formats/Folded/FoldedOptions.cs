using Stackweave.Formats.PerfScript;

namespace Stackweave.Formats.Folded;

/// <summary>Options of the folded writer; they mirror stackcollapse-perf.pl's (every default is the script's default).</summary>
public sealed class FoldedOptions
{
    /// <summary><c>--pid</c>: root frame <c>comm-pid</c>. Default false.</summary>
    public bool Pid { get; set; }
    /// <summary><c>--tid</c>: root frame <c>comm-pid/tid</c> (wins over <see cref="Pid"/>). Default false.</summary>
    public bool Tid { get; set; }
    /// <summary><c>--kernel</c>: append <c>_[k]</c> to kernel frames (dso starting with '[' or ending in vmlinux). Default false.</summary>
    public bool Kernel { get; set; }
    /// <summary><c>--jit</c>: append <c>_[j]</c> to frames from <c>/tmp/perf-PID.map</c>. Default false.</summary>
    public bool Jit { get; set; }
    /// <summary><c>--all</c>: both <see cref="Kernel"/> and <see cref="Jit"/>. Default false.</summary>
    public bool All { get; set; }
    /// <summary><c>--addrs</c>: unresolved frames as <c>[dso &lt;addr&gt;]</c>. Default false.</summary>
    public bool Addrs { get; set; }
    /// <summary><c>--event-filter EVENT</c>: keep only this event (the name as perf prints it); null keeps the first event seen. Default null.</summary>
    public string? EventFilter { get; set; }
    /// <summary>
    /// Which <c>perf script</c> text to emulate as the script's input. Null (default) picks
    /// <see cref="PerfScriptFields.PidTid"/> when <see cref="Pid"/> or <see cref="Tid"/> is set (the script needs pids then),
    /// else <see cref="PerfScriptFields.Default"/>.
    /// </summary>
    public PerfScriptFields? InputFields { get; set; }

    /// <summary>
    /// Count this value column (index into the profile's sample types) instead of emulating stackcollapse-perf.pl on perf's
    /// text. Null (default): the emulation for perf profiles, and the last value column for profiles without perf events.
    /// </summary>
    public int? ValueIndex { get; set; }

    /// <summary>
    /// Write frames as the profile stores their names (every inlined frame, outermost first; <c>;</c> becomes <c>:</c>)
    /// instead of through stackcollapse-perf.pl's tidying of perf's text. Unresolved frames show as bpftrace prints them
    /// (<c>0x</c> and the address) for bpftrace input, else as <c>[module]</c> (<c>[module &lt;addr&gt;]</c> with
    /// <see cref="Addrs"/>); <see cref="Kernel"/> marks kernel frames <c>_[k]</c>. Null (default): on for pprof and
    /// bpftrace input, whose frames are display names already (as stackcollapse-bpftrace.pl and pprof show them).
    /// </summary>
    public bool? StoredNames { get; set; }

    /// <summary>With stored names: append <c>+offset</c> (decimal, as bpftrace prints it) to frames the symbolizer named from an address. Default false.</summary>
    public bool Offsets { get; set; }
    /// <summary>
    /// stackcollapse-perf.pl <c>--inline</c>: a location whose lines came from debug information
    /// (<see cref="Model.Location.LinesFromDebugInfo"/>) is written as its lines, outermost first, verbatim (no name tidying).
    /// </summary>
    public bool Inline { get; set; }

    /// <summary>
    /// Apply the text rules of FlameGraph's and inferno's test suites where they differ from stackcollapse-perf.pl at 41fee1f
    /// (Java names tidied only under the process name <c>java</c>, template arguments kept before the argument list,
    /// half-decoded legacy Rust names decoded without their hash, <c>vmlinux-VERSION</c> and <c>.ko</c> dsos as kernel, <c>perf inject --jit</c>'s <c>jitted-PID-N.so</c> as JIT). Null (default): on for
    /// profiles read from perf script text (<c>Source.Format</c> "perf-script"), off for everything else, whose folded output
    /// stays byte-identical to <c>perf script | stackcollapse-perf.pl</c>. README.md "Text inputs" lists the rules and the cases behind them.
    /// </summary>
    public bool? TextRules { get; set; }

    internal PerfScriptFields EffectiveFields => InputFields ?? (Pid || Tid ? PerfScriptFields.PidTid : PerfScriptFields.Default);
}

/// <summary>What the folded writer kept and left out.</summary>
public sealed class FoldedResult
{
    /// <summary>Distinct folded lines written.</summary>
    public int Lines { get; internal set; }
    /// <summary>Samples counted into the output.</summary>
    public long SamplesWritten { get; internal set; }
    /// <summary>The event the output is made of (the filter, or the first event seen); null when no sample named one.</summary>
    public string? KeptEvent { get; internal set; }
    /// <summary>True when <see cref="KeptEvent"/> was chosen by default (no <c>--event-filter</c>).</summary>
    public bool EventDefaulted { get; internal set; }
    /// <summary>Samples of other events left out, by event name, in order of first appearance.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> SkippedByEvent => _skipped;
    /// <summary>Total samples of other events left out.</summary>
    public long SkippedSamples { get; internal set; }
    /// <summary>The event stackcollapse-perf.pl would name in its "Filtering for events of type: X" line (the first dropped one), when it prints one.</summary>
    public string? FilterWarningEvent { get; internal set; }
    /// <summary>Samples stackcollapse-perf.pl cannot attribute (header line it does not recognise, or no callchain lines), left out.</summary>
    public long UnattributedSamples { get; internal set; }

    private readonly List<KeyValuePair<string, long>> _skipped = [];
    private readonly Dictionary<string, int> _skippedIndex = new(StringComparer.Ordinal);

    internal void Skip(string evt, long samples)
    {
        SkippedSamples += samples;
        if (_skippedIndex.TryGetValue(evt, out var k)) _skipped[k] = new(evt, _skipped[k].Value + samples);
        else { _skippedIndex[evt] = _skipped.Count; _skipped.Add(new(evt, samples)); }
    }

    /// <summary>One line for stderr when samples were skipped, e.g. "skipped 12 samples of events task-clock (use --event-filter)"; null when none were.</summary>
    public string? SkippedNote()
        => SkippedSamples == 0 ? null
            : FormattableString.Invariant($"skipped {SkippedSamples} samples of events {string.Join(", ", _skipped.Select(k => k.Key))} (use --event-filter)");
}
