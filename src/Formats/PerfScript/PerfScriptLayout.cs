using System.Globalization;
using System.Text;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfScript;

/// <summary>Which field list <c>perf script</c> was run with (the text differs per list).</summary>
public enum PerfScriptFields
{
    /// <summary><c>perf script</c> with no <c>-F</c>: per-event-type defaults (comm tid [cpu] time: period event: / trace fields), callchain lines <c>addr sym+off (dso)</c>.</summary>
    Default,
    /// <summary><c>perf script -F comm,pid,tid,time,event,ip,sym,dso,period</c> (stackcollapse-perf.pl's recommended list without cpu and trace): <c>comm pid/tid time: period event:</c>, callchain lines <c>addr sym (dso)</c>.</summary>
    PidTid,
}

/// <summary>Field bits of perf script's output (tools/perf/builtin-script.c enum perf_output_field, the subset used here).</summary>
[Flags]
internal enum OutField
{
    None = 0, Comm = 1 << 0, Tid = 1 << 1, Pid = 1 << 2, Time = 1 << 3, Cpu = 1 << 4, EvName = 1 << 5,
    Trace = 1 << 6, Ip = 1 << 7, Sym = 1 << 8, Dso = 1 << 9, SymOff = 1 << 11, Period = 1 << 13,
}

/// <summary>How perf 6.1's <c>perf script</c> lays out each event's samples, and the text it prints for a header or a frame.</summary>
internal sealed class PerfScriptLayout
{
    // perf_event_attr.sample_type bits (include/uapi/linux/perf_event.h enum perf_event_sample_format).
    internal const ulong SampleIp = 1UL << 0, SampleTid = 1UL << 1, SampleTime = 1UL << 2, SampleCallchain = 1UL << 5,
        SampleCpu = 1UL << 7;

    private readonly Profile _profile;
    private readonly OutField[] _fields;
    private readonly bool[] _hasCallchain;
    private readonly bool _useCallchain;

    /// <summary>Width perf pads event names to: the longest event name of the session (builtin-script.c evlist__max_name_len, in bytes).</summary>
    public int NameWidth { get; }
    /// <summary>The field list.</summary>
    public PerfScriptFields Fields { get; }

    public PerfScriptLayout(Profile profile, PerfScriptFields fields)
    {
        _profile = profile;
        Fields = fields;
        var n = profile.Events.Count;
        _fields = new OutField[n];
        _hasCallchain = new bool[n];
        var width = 0;
        for (var i = 0; i < n; i++)
        {
            var e = profile.Events[i];
            width = Math.Max(width, Encoding.UTF8.GetByteCount(e.Name));
            _hasCallchain[i] = (e.PerfSampleType & SampleCallchain) != 0 || e.PerfSampleType == 0;
            _useCallchain |= _hasCallchain[i];
        }
        NameWidth = width;
        if (n == 0) _useCallchain = true; // not from perf events (pprof, bpftrace): print every stack as a callchain

        // perf keeps one field set per attr type, checked against the FIRST event of that type
        // (builtin-script.c perf_session__check_output_opt / evsel__check_attr).
        var firstOfKind = new Dictionary<EventKind, int>();
        for (var i = 0; i < n; i++) firstOfKind.TryAdd(KindKey(profile.Events[i].Kind), i);
        var tracepointCallchain = false;
        for (var i = 0; i < n; i++)
            if (profile.Events[i].Kind == EventKind.Tracepoint && _hasCallchain[i]) tracepointCallchain = true;

        for (var i = 0; i < n; i++)
        {
            var kind = KindKey(profile.Events[i].Kind);
            var st = profile.Events[firstOfKind[kind]].PerfSampleType;
            OutField f;
            if (fields == PerfScriptFields.PidTid)
            {
                f = OutField.Comm | OutField.Pid | OutField.Tid | OutField.Time | OutField.EvName | OutField.Ip
                    | OutField.Sym | OutField.Dso | OutField.Period;
            }
            else if (kind == EventKind.Tracepoint)
            {
                // output[PERF_TYPE_TRACEPOINT]: comm tid cpu time evname trace; ip/sym/dso added when callchains are present.
                f = OutField.Comm | OutField.Tid | OutField.Cpu | OutField.Time | OutField.EvName | OutField.Trace;
                if (_useCallchain && tracepointCallchain) f |= OutField.Ip | OutField.Sym | OutField.Dso | OutField.SymOff;
            }
            else
            {
                // output[PERF_TYPE_HARDWARE/SOFTWARE/...]: comm tid cpu time evname ip sym dso period (+symoff as perf 6.1 prints it).
                f = OutField.Comm | OutField.Tid | OutField.Cpu | OutField.Time | OutField.EvName | OutField.Ip
                    | OutField.Sym | OutField.Dso | OutField.Period | OutField.SymOff;
            }
            if (fields == PerfScriptFields.Default && st != 0)
            {
                // Default fields the samples cannot provide are dropped silently (evsel__do_check_stype).
                if ((st & SampleTid) == 0) f &= ~(OutField.Tid | OutField.Pid);
                if ((st & SampleTime) == 0) f &= ~OutField.Time;
                if ((st & SampleCpu) == 0) f &= ~OutField.Cpu;
                if ((st & SampleIp) == 0 && kind != EventKind.Tracepoint) f &= ~OutField.Ip;
            }
            _fields[i] = f;
        }
    }

    private static EventKind KindKey(EventKind k) => k switch
    {
        EventKind.Tracepoint => EventKind.Tracepoint,
        EventKind.Software => EventKind.Software,
        EventKind.Breakpoint => EventKind.Breakpoint,
        EventKind.Raw => EventKind.Raw,
        EventKind.HwCache => EventKind.HwCache,
        _ => EventKind.Hardware,
    };

    /// <summary>Fields printed for event <paramref name="evt"/>.</summary>
    public OutField FieldsOf(int evt) => (uint)evt < (uint)_fields.Length ? _fields[evt] : DefaultUnknown;

    private const OutField DefaultUnknown = OutField.Comm | OutField.Tid | OutField.Time | OutField.EvName | OutField.Ip
        | OutField.Sym | OutField.Dso | OutField.Period | OutField.SymOff;

    /// <summary>True when samples of the event are printed with callchain lines (and end with a blank line).</summary>
    public bool PrintsCallchain(int evt)
        => _useCallchain && ((uint)evt >= (uint)_hasCallchain.Length || _hasCallchain[evt]) && (FieldsOf(evt) & OutField.Ip) != 0;

    /// <summary>True when perf prints a trace-field text on the header line of this event's samples.</summary>
    public bool PrintsTrace(int evt) => (FieldsOf(evt) & OutField.Trace) != 0;

    /// <summary>True when perf prints the period before the event name.</summary>
    public bool PrintsPeriod(int evt) => (FieldsOf(evt) & OutField.Period) != 0;

    /// <summary>Event name as printed, or perf's <c>[unknown]</c>.</summary>
    public string EventName(int evt) => (uint)evt < (uint)_profile.Events.Count ? _profile.Events[evt].Name : "[unknown]";

    /// <summary>The trace text of sample i (the "trace" label), empty when none.</summary>
    public static string TraceText(Profile p, int i)
    {
        foreach (var l in p.Samples.Labels(i))
            if (l.Key == "trace") return l.Str ?? "";
        return "";
    }

    /// <summary>Appends the header line of sample <paramref name="i"/> (no line end) exactly as perf script prints it.</summary>
    public void AppendHeader(StringBuilder sb, int i)
    {
        var s = _profile.Samples;
        var evt = s.Event(i);
        var f = FieldsOf(evt);
        var t = s.Thread(i);
        var th = t >= 0 && t < _profile.Threads.Count ? _profile.Threads[t] : null;
        if ((f & OutField.Comm) != 0)
        {
            // builtin-script.c perf_sample__fprintf_start: "%s " with callchains, else "%16s "; ":-1" without a thread.
            var comm = th?.Name ?? ":-1";
            if (PrintsCallchain(evt)) sb.Append(comm).Append(' ');
            else PadLeft(sb, comm, 16).Append(' ');
        }
        var pid = th?.Pid ?? -1;
        var tid = th?.Tid ?? -1;
        // perf 6.1: "%5d/%-5d " for pid/tid, "%5d " for one of them (later perfs widen to 7).
        if ((f & OutField.Pid) != 0 && (f & OutField.Tid) != 0 && th is { Pid: -1, Tid: >= 0 })
        {
            // The source did not record the pid (perf script text without it): print the tid alone, as perf does without -F pid.
            AppendNumber(sb, tid, 5, left: false).Append(' ');
        }
        else if ((f & OutField.Pid) != 0 && (f & OutField.Tid) != 0)
        {
            AppendNumber(sb, pid, 5, left: false).Append('/');
            AppendNumber(sb, tid, 5, left: true).Append(' ');
        }
        else if ((f & OutField.Pid) != 0) AppendNumber(sb, pid, 5, left: false).Append(' ');
        else if ((f & OutField.Tid) != 0) AppendNumber(sb, tid, 5, left: false).Append(' ');
        if ((f & OutField.Cpu) != 0)
        {
            // "[%03d] "
            AppendZeroPadded3(sb.Append('['), s.Cpu(i)).Append("] ");
        }
        if ((f & OutField.Time) != 0)
        {
            // "%12s: " of timestamp__scnprintf_usec: "%lu.%06lu" seconds and microseconds (truncated).
            var time = s.Time(i);
            AppendTimeUsec(sb, time == SampleTable.NoTime ? 0 : (ulong)time, 12).Append(": ");
        }
        if ((f & OutField.Period) != 0)
        {
            // "%10" PRIu64 " "
            AppendNumber(sb, PeriodOf(i), 10, left: false).Append(' ');
        }
        if ((f & OutField.EvName) != 0)
        {
            // "%*s: " padded to the longest event name.
            sb.Append(PaddedEventName(evt));
        }
        if ((f & OutField.Trace) != 0) sb.Append(TraceText(_profile, i));
    }

    /// <summary>The period perf prints for sample i: the second value column (period), else 1.</summary>
    public ulong PeriodOf(int i)
    {
        var v = _profile.Samples.Values(i);
        return v.Length >= 2 ? (ulong)v[1] : v.Length == 1 ? (ulong)v[0] : 1UL;
    }

    private string[]? _paddedNames;

    private string PaddedEventName(int evt)
    {
        if ((uint)evt >= (uint)_profile.Events.Count) return PadLeft(new StringBuilder(), "[unknown]", NameWidth).Append(": ").ToString();
        if (_paddedNames is null)
        {
            _paddedNames = new string[_profile.Events.Count];
            for (var e = 0; e < _paddedNames.Length; e++)
                _paddedNames[e] = PadLeft(new StringBuilder(), _profile.Events[e].Name, NameWidth).Append(": ").ToString();
        }
        return _paddedNames[evt];
    }

    /// <summary>Appends a decimal number right-aligned (or left-aligned) in <paramref name="width"/> columns, like printf "%*d" / "%-*d".</summary>
    internal static StringBuilder AppendNumber(StringBuilder sb, long v, int width, bool left) => AppendPadded(sb, v, width, left);

    private static StringBuilder AppendPadded<T>(StringBuilder sb, T v, int width, bool left) where T : ISpanFormattable
    {
        Span<char> buf = stackalloc char[24];
        v.TryFormat(buf, out var n, default, CultureInfo.InvariantCulture);
        if (!left && n < width) sb.Append(' ', width - n);
        sb.Append(buf[..n]);
        if (left && n < width) sb.Append(' ', width - n);
        return sb;
    }

    /// <summary>Appends lower-case hex right-aligned in <paramref name="width"/> columns ("%*lx").</summary>
    internal static StringBuilder AppendHex(StringBuilder sb, ulong v, int width)
    {
        Span<char> buf = stackalloc char[16];
        v.TryFormat(buf, out var n, "x", CultureInfo.InvariantCulture);
        if (n < width) sb.Append(' ', width - n);
        return sb.Append(buf[..n]);
    }

    /// <summary>printf "%03d": at least three characters, zeros after the sign.</summary>
    internal static StringBuilder AppendZeroPadded3(StringBuilder sb, int v)
    {
        var digits = Math.Abs((long)v).ToString(CultureInfo.InvariantCulture);
        if (v < 0) sb.Append('-');
        var width = v < 0 ? 2 : 3;
        if (digits.Length < width) sb.Append('0', width - digits.Length);
        return sb.Append(digits);
    }

    /// <summary>Appends an unsigned decimal number right-aligned in <paramref name="width"/> columns.</summary>
    internal static StringBuilder AppendNumber(StringBuilder sb, ulong v, int width, bool left) => AppendPadded(sb, v, width, left);

    /// <summary>Appends "%lu.%06lu" (seconds, microseconds) right-aligned in <paramref name="width"/> columns.</summary>
    internal static StringBuilder AppendTimeUsec(StringBuilder sb, ulong ns, int width)
    {
        Span<char> buf = stackalloc char[32];
        (ns / 1_000_000_000UL).TryFormat(buf, out var n, default, CultureInfo.InvariantCulture);
        buf[n++] = '.';
        (ns % 1_000_000_000UL / 1000UL).TryFormat(buf[n..], out var m, "000000", CultureInfo.InvariantCulture);
        n += m;
        if (n < width) sb.Append(' ', width - n);
        return sb.Append(buf[..n]);
    }

    /// <summary>Seconds.microseconds as timestamp__scnprintf_usec prints them.</summary>
    public static string FormatTimeUsec(ulong ns)
    {
        var secs = ns / 1_000_000_000UL;
        var usecs = ns % 1_000_000_000UL / 1000UL;
        return secs.ToString(CultureInfo.InvariantCulture) + "." + usecs.ToString("000000", CultureInfo.InvariantCulture);
    }

    /// <summary>The address perf prints for a callchain entry: map-relative for file-backed user mappings, raw otherwise.</summary>
    public ulong PrintedAddress(Location loc)
    {
        if (loc.MappingId < 0 || loc.MappingId >= _profile.Mappings.Count) return loc.Address;
        var m = _profile.Mappings[loc.MappingId];
        return m.Kind switch
        {
            // map__map_ip: ip - start + pgoff for file-backed user maps (FACTS.md: a non-PIE Go 0x4d0b1f prints d0b1f);
            // kernel text (pgoff == start) prints raw; JIT and anonymous maps use identity__map_ip.
            MappingKind.User or MappingKind.Vdso => loc.Address - m.Start + m.FileOffset,
            _ => loc.Address,
        };
    }

    /// <summary>The symbol perf prints for a location (the outermost function), or null when unresolved.</summary>
    public string? SymbolOf(Location loc)
    {
        if (loc.Lines.Count == 0) return null;
        if (!loc.IsFolded || loc.Lines.Count == 1) return _profile.FunctionName(loc.Lines[^1].FunctionId);
        // Frames a JIT folded into one symbol (perf map names such as "a->b->c", outermost first).
        var sb = new StringBuilder();
        for (var k = loc.Lines.Count - 1; k >= 0; k--)
        {
            sb.Append(_profile.FunctionName(loc.Lines[k].FunctionId));
            if (k > 0) sb.Append("->");
        }
        return sb.ToString();
    }

    /// <summary>The dso perf prints for a location (<c>[unknown]</c> without a mapping).</summary>
    public string DsoOf(Location loc)
        => loc.MappingId < 0 || loc.MappingId >= _profile.Mappings.Count ? "[unknown]" : _profile.Mappings[loc.MappingId].Path;

    /// <summary>Appends one callchain line without tab and line end: <c>%16lx sym[+0xoff] (dso)</c>.</summary>
    public void AppendFrame(StringBuilder sb, int locationId, bool withOffset)
    {
        var loc = _profile.Locations[locationId];
        // sample__fprintf_callchain: "%16" PRIx64, " ", symbol (with "+0x%lx" offset when symoff is printed), " (", dso, ")".
        AppendHex(sb, PrintedAddress(loc), 16).Append(' ');
        var sym = SymbolOf(loc);
        if (sym is null) sb.Append("[unknown]");
        else if (sym.Length == 0) { } // a symbol without a name (perf script text of old perfs): "addr  (dso)", no offset
        else
        {
            sb.Append(sym);
            if (withOffset) sb.Append("+0x").Append(loc.SymbolOffset.ToString("x", CultureInfo.InvariantCulture));
        }
        sb.Append(" (").Append(DsoOf(loc)).Append(')');
    }

    internal static StringBuilder PadLeft(StringBuilder sb, string s, int width)
    {
        var len = Encoding.UTF8.GetByteCount(s);
        if (len < width) sb.Append(' ', width - len);
        return sb.Append(s);
    }

    internal static StringBuilder PadRight(StringBuilder sb, string s, int width)
    {
        sb.Append(s);
        var len = Encoding.UTF8.GetByteCount(s);
        if (len < width) sb.Append(' ', width - len);
        return sb;
    }
}
