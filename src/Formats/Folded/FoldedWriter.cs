using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Formats.Folded;

/// <summary>
/// Writes folded stacks (<c>root;...;leaf count</c>, sorted) byte-identical to
/// <c>perf script | stackcollapse-perf.pl [options]</c> (FlameGraph commit 41fee1f, perf 6.1 text):
/// it rebuilds the text perf would print for each sample and frame, then applies the script's rules to it.
/// </summary>
public static class FoldedWriter
{
    /// <summary>Writes the folded stacks of <paramref name="profile"/> to a stream as UTF-8.</summary>
    public static FoldedResult Write(Profile profile, Stream output, FoldedOptions? options = null)
    {
        using var w = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        var r = Write(profile, w, options);
        w.Flush();
        return r;
    }

    /// <summary>Writes the folded stacks of <paramref name="profile"/>; returns what was kept and skipped.</summary>
    public static FoldedResult Write(Profile profile, TextWriter output, FoldedOptions? options = null)
    {
        var lines = Collapse(profile, options ?? new FoldedOptions(), out var result);
        var sb = new StringBuilder();
        foreach (var (stack, count) in lines)
        {
            sb.Clear();
            sb.Append(stack).Append(' ').Append(FormatCount(count)).Append('\n');
            output.Write(sb);
        }
        return result;
    }

    /// <summary>The folded lines (stack, summed count) in output order, without writing them.</summary>
    public static List<KeyValuePair<string, UInt128>> Collapse(Profile profile, FoldedOptions options, out FoldedResult result)
        => Collapse(profile, options, out result, forceTextPath: false);

    /// <summary>As above; <paramref name="forceTextPath"/> builds and reads every header line's text (the reference the fast path must agree with).</summary>
    internal static List<KeyValuePair<string, UInt128>> Collapse(Profile profile, FoldedOptions options, out FoldedResult result, bool forceTextPath)
        => Collapse(profile, options, out result, forceTextPath, null);

    /// <summary>As above; when <paramref name="attribution"/> is given, records which output line (and weight) each counted sample went to.</summary>
    internal static List<KeyValuePair<string, UInt128>> Collapse(Profile profile, FoldedOptions options, out FoldedResult result, bool forceTextPath, SampleAttribution? attribution)
    {
        var res = new FoldedResult();
        var fields = options.EffectiveFields;
        var layout = new PerfScriptLayout(profile, fields);
        var annotateKernel = options.Kernel || options.All;
        var annotateJit = options.Jit || options.All;
        var textRules = options.TextRules ?? string.Equals(profile.Source.Format, PerfScriptFormat.Instance.Name, StringComparison.Ordinal);
        var fromBpftrace = string.Equals(profile.Source.Format, Bpftrace.BpftraceFormat.FormatName, StringComparison.Ordinal);
        var storedNames = options.StoredNames ?? (fromBpftrace || string.Equals(profile.Source.Format, Pprof.PprofFormat.Instance.Name, StringComparison.Ordinal));
        var samples = profile.Samples;

        // Per-thread process-name cache (fast path); -2 = not computed, -1 = needs the slow path.
        var threadPname = new int[profile.Threads.Count];
        Array.Fill(threadPname, -2);
        var pnames = new List<string>();
        var pnameIds = new Dictionary<string, int>(StringComparer.Ordinal);
        int InternPname(string s)
        {
            if (pnameIds.TryGetValue(s, out var id)) return id;
            id = pnames.Count; pnames.Add(s); pnameIds.Add(s, id);
            return id;
        }

        // Per-event: is its name a single token (so the script's event regex just takes it), and its token.
        // Per event: can the shortcut be taken (single-token name, time and pid/tid printed), does it print a callchain,
        // a trace text, a period, and the symbol offset.
        var ne = profile.Events.Count;
        var eventFast = new bool[ne];
        var eventCallchain = new bool[ne];
        var eventTrace = new bool[ne];
        var eventPeriod = new bool[ne];
        var eventOffset = new bool[ne];
        for (var e = 0; e < ne; e++)
        {
            var n = profile.Events[e].Name;
            var fe = layout.FieldsOf(e);
            eventFast[e] = !forceTextPath && n.Length > 0 && !n.Any(StackCollapseRules.IsPerlSpace)
                           && (fe & OutField.Time) != 0 && (fe & (OutField.Pid | OutField.Tid)) != 0;
            eventCallchain[e] = layout.PrintsCallchain(e);
            eventTrace[e] = layout.PrintsTrace(e);
            eventPeriod[e] = layout.PrintsPeriod(e);
            eventOffset[e] = (fe & OutField.SymOff) != 0;
        }

        var eventFilter = options.EventFilter ?? "";
        var eventDefaulted = false;
        var warned = false;

        // stackcollapse-perf.pl state carried between lines.
        var pname = -1;           // -1: undef
        UInt128 mPeriod = 1;
        var agg = new Dictionary<long, UInt128>(MixedLongComparer.Instance);
        var header = new StringBuilder();

        // Profiles that did not come from perf events (pprof, bpftrace...) have no perf script text to emulate:
        // every sample counts its value column, under its thread's process name when it has one.
        var generic = ne == 0 || options.ValueIndex is not null;
        var valueIndex = Math.Clamp(options.ValueIndex ?? profile.SampleTypes.Count - 1, 0, Math.Max(0, profile.SampleTypes.Count - 1));
        for (var i = 0; generic && i < samples.Count; i++)
        {
            var t = samples.Thread(i);
            int pn;
            if ((uint)t < (uint)profile.Threads.Count)
            {
                var th = profile.Threads[t];
                pn = InternPname(StackCollapseRules.ProcessName(th.Name,
                    th.Pid.ToString(CultureInfo.InvariantCulture), th.Tid.ToString(CultureInfo.InvariantCulture), options.Pid, options.Tid));
            }
            else pn = InternPname("");
            var vals = samples.Values(i);
            if (vals.Length == 0 || vals[valueIndex] <= 0) continue;
            var key = ((long)pn << 33) | ((long)(samples.Stack(i) + 1) << 1);
            CollectionsMarshal.GetValueRefOrAddDefault(agg, key, out _) += (UInt128)(ulong)vals[valueIndex];
            attribution?.Add(i, key, (UInt128)(ulong)vals[valueIndex]);
            res.SamplesWritten++;
        }

        // A row can stand for several samples (ReadOptions.AggregateSamples): counts are in samples, from its samples column.
        var countsSamples = profile.SampleTypes.Count > 0 && profile.SampleTypes[0] == new SampleType("samples", "count");
        for (var i = 0; !generic && i < samples.Count; i++)
        {
            var rowSamples = countsSamples ? Math.Max(1, samples.Values(i)[0]) : 1;
            var evt = samples.Event(i);
            var knownEvent = (uint)evt < (uint)ne;
            var callchain = knownEvent ? eventCallchain[evt] : layout.PrintsCallchain(evt);

            // ---- header line ----
            bool recognized;
            int newPname = -1;
            bool matched;
            string evName;
            UInt128 period;
            var t = samples.Thread(i);
            var fast = knownEvent && eventFast[evt] && (uint)t < (uint)threadPname.Length && samples.Time(i) != SampleTable.NoTime;
            string trace = "";
            if (fast && eventTrace[evt])
            {
                trace = PerfScriptLayout.TraceText(profile, i);
                // A trace text that does not end in ':' (then optional blanks) cannot hold the event match; otherwise read the text.
                var end = trace.Length;
                while (end > 0 && StackCollapseRules.IsPerlSpace(trace[end - 1])) end--;
                if (end > 0 && trace[end - 1] == ':') fast = false;
            }
            if (fast)
            {
                if (threadPname[t] == -2) threadPname[t] = FastPname(profile.Threads[t], fields, options, InternPname);
                if (threadPname[t] == -1) fast = false;
            }
            if (fast)
            {
                recognized = true;
                newPname = threadPname[t];
                if (trace.Length > 0) { matched = false; evName = ""; period = 1; }
                else
                {
                    matched = true;
                    evName = profile.Events[evt].Name;
                    period = eventPeriod[evt] ? layout.PeriodOf(i) : 0;
                }
            }
            else
            {
                header.Clear();
                layout.AppendHeader(header, i);
                var text = header.ToString();
                var nl = text.IndexOf('\n');
                if (nl >= 0) text = text[..nl];
                var h = StackCollapseRules.ParseHeader(text);
                recognized = h.Recognized;
                matched = h.EventMatched;
                evName = h.Event;
                period = h.Period is { Length: > 0 } && UInt128.TryParse(h.Period, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
                if (recognized)
                {
                    var pn = StackCollapseRules.ProcessName(h.Comm, h.Pid, h.Tid, options.Pid, options.Tid);
                    newPname = InternPname(pn);
                }
            }

            var skipHeader = false;
            if (!recognized)
            {
                res.UnattributedSamples += rowSamples;
                skipHeader = true;
            }
            else if (matched)
            {
                if (eventFilter.Length == 0)
                {
                    eventFilter = evName;
                    eventDefaulted = true;
                }
                else if (!string.Equals(evName, eventFilter, StringComparison.Ordinal))
                {
                    if (eventDefaulted && !warned)
                    {
                        res.FilterWarningEvent = evName;
                        warned = true;
                    }
                    res.Skip(evName, rowSamples);
                    skipHeader = true;
                }
            }
            if (!skipHeader)
            {
                if (period == 0) period = (UInt128)rowSamples; // no period printed: the script counts 1 per sample
                pname = newPname;
                mPeriod = period;
                if (StackCollapseRules.PerlTrue(pnames[pname]) == false) pname = -1;
            }

            // ---- callchain lines and the blank line ----
            // Without callchain lines perf prints the ip on the header line and no blank line: the script records nothing.
            if (!callchain) { if (recognized) res.UnattributedSamples += rowSamples; continue; }
            if (pname < 0) continue;
            var withOffset = knownEvent ? eventOffset[evt] : (layout.FieldsOf(evt) & OutField.SymOff) != 0;
            var key = ((long)pname << 33) | ((long)(samples.Stack(i) + 1) << 1) | (withOffset ? 1L : 0L);
            CollectionsMarshal.GetValueRefOrAddDefault(agg, key, out _) += mPeriod;
            attribution?.Add(i, key, mPeriod);
            res.SamplesWritten += rowSamples;
            pname = -1;
        }

        res.KeptEvent = eventFilter.Length > 0 ? eventFilter : null;
        res.EventDefaulted = eventDefaulted;

        // ---- fold each distinct stack's text through a tree of texts, merge equal texts, sort like Perl's `sort { $a cmp $b }` ----
        // Stacks that differ only in addresses fold to the same text: a second prefix tree over the frame texts
        // (parent text node, frame text) is walked once per stack node, and a line's string is built once per
        // distinct output line, never once per stack.
        var variants = new FoldVariant?[4];
        var locs = new List<int>();
        var line = new StringBuilder();
        var byText = new Dictionary<long, UInt128>();
        foreach (var (key, count) in agg)
        {
            var pnId = (int)(key >> 33);
            var pn = pnames[pnId];
            var stack = (int)((key >> 1) & 0xFFFFFFFFL) - 1;
            var withOffset = (key & 1) != 0;
            // stackcollapse-perf.pl at 41fee1f tidies Java names when the process name matches ^java; FlameGraph's expected files
            // (made by the script when it compared the process name with "java") keep them under --pid/--tid ("java-PID").
            var java = textRules ? pn == "java" : pn.StartsWith("java", StringComparison.Ordinal);
            var v = variants[(withOffset ? 1 : 0) | (java ? 2 : 0)] ??= new FoldVariant(profile);
            var node = v.TextNode(stack, locs, loc =>
            {
                if (generic && VerbatimFrame(profile, profile.Locations[loc]) is { } verbatim) return verbatim;
                if (storedNames) return StoredFrames(profile, loc, fromBpftrace, options, annotateKernel);
                line.Clear();
                line.Append('\t');
                layout.AppendFrame(line, loc, withOffset);
                var frames = StackCollapseRules.Frames(line.ToString(), java, annotateKernel, annotateJit, options.Addrs, textRules);
                return frames is null || frames.Length == 0 ? "" : ";" + string.Join(';', frames);
            });
            var variantIndex = (withOffset ? 1 : 0) | (java ? 2 : 0);
            var textKey = ((long)pnId << 34) | ((long)variantIndex << 32) | (uint)(node + 1);
            CollectionsMarshal.GetValueRefOrAddDefault(byText, textKey, out _) += count;
            attribution?.TextOfKey.Add(key, textKey);
        }
        var merged = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var (textKey, count) in byText)
        {
            var pn = pnames[(int)(textKey >> 34)];
            var v = variants[(int)((textKey >> 32) & 3)]!;
            var node = (int)(uint)textKey - 1;
            sb.Clear();
            sb.Append(pn);
            v.AppendText(node, sb, locs);
            if (pn.Length == 0 && sb.Length > 0 && sb[0] == ';') sb.Remove(0, 1); // generic profiles without threads: no process-name frame
            if (sb.Length == 0) continue;
            var str = sb.ToString();
            merged[str] = merged.TryGetValue(str, out var c) ? c + count : count;
            attribution?.LineOfText.Add(textKey, str);
        }
        var list = merged.ToList();
        list.Sort((a, b) => Utf8Order.Compare(a.Key, b.Key));
        attribution?.Resolve(list);
        res.Lines = list.Count;
        result = res;
        return list;
    }

    /// <summary>A location's frames by stored names, outermost first, each prefixed by ';' (<see cref="FoldedOptions.StoredNames"/>).</summary>
    private static string StoredFrames(Profile profile, int locationId, bool addressAsHex, FoldedOptions options, bool annotateKernel)
    {
        var loc = profile.Locations[locationId];
        var sb = new StringBuilder();
        var mapping = (uint)loc.MappingId < (uint)profile.Mappings.Count ? profile.Mappings[loc.MappingId] : null;
        var kernel = annotateKernel && mapping?.Kind is MappingKind.Kernel or MappingKind.KernelModule;
        if (loc.Lines.Count == 0)
        {
            if (addressAsHex) sb.Append(";0x").Append(loc.Address.ToString("x", CultureInfo.InvariantCulture));
            else
            {
                var path = mapping?.Path ?? "";
                sb.Append(";[").Append(path.Length == 0 ? "unknown" : path[(path.LastIndexOf('/') + 1)..].Replace(';', ':'));
                if (options.Addrs) sb.Append(" <").Append(loc.Address.ToString("x", CultureInfo.InvariantCulture)).Append('>');
                sb.Append(']');
            }
            return (kernel ? sb.Append("_[k]") : sb).ToString();
        }
        for (var i = loc.Lines.Count - 1; i >= 0; i--)
        {
            var name = profile.FunctionName(loc.Lines[i].FunctionId);
            sb.Append(';').Append(name.Length == 0 ? "[unknown]" : name.Replace(';', ':').Replace('\n', ' '));
            if (i == 0 && options.Offsets && loc.Address != 0) sb.Append('+').Append(loc.SymbolOffset.ToString(CultureInfo.InvariantCulture));
            if (kernel) sb.Append("_[k]");
        }
        return sb.ToString();
    }

    /// <summary>Frames read from folded stacks (named by the source, no mapping) go back out as they came in; null for other frames.</summary>
    private static string? VerbatimFrame(Profile profile, Location loc)
        => loc.NamedBySource && loc.MappingId < 0 && loc.Lines.Count == 1 ? ";" + profile.FunctionName(loc.Lines[0].FunctionId) : null;

    private static int FastPname(ThreadInfo th, PerfScriptFields fields, FoldedOptions options, Func<string, int> intern)
    {
        var comm = th.Name;
        if (!HeaderParsesBack(th)) return -1;
        string pid, tid;
        if (fields == PerfScriptFields.PidTid && th.Pid == -1)
        {
            // pid not recorded (perf script text): the header shows the tid alone, which the script reads as pid "?"
            pid = "?";
            tid = th.Tid.ToString(CultureInfo.InvariantCulture);
        }
        else if (fields == PerfScriptFields.PidTid)
        {
            if (th.Pid < 0) return -1;
            pid = th.Pid.ToString(CultureInfo.InvariantCulture);
            tid = th.Tid.ToString(CultureInfo.InvariantCulture);
            if (th.Tid == 0) { tid = pid; pid = "?"; }
        }
        else
        {
            pid = "?";
            tid = th.Tid.ToString(CultureInfo.InvariantCulture);
        }
        return intern(StackCollapseRules.ProcessName(comm, pid, tid, options.Pid, options.Tid));
    }

    /// <summary>
    /// True when the script's header regex reads this thread's comm and ids back unchanged from perf script's text:
    /// at least two bytes (its "\S.+?"), no blank inside, a non-negative tid (an unknown pid, -1, is not printed). Otherwise the process name it makes can
    /// swallow the rest of the header (time, cpu), so each sample's own text matters.
    /// </summary>
    internal static bool HeaderParsesBack(ThreadInfo th)
        => th.Tid >= 0 && Encoding.UTF8.GetByteCount(th.Name) >= 2 && !th.Name.Any(StackCollapseRules.IsPerlSpace);

    /// <summary>
    /// True when the process name the script's header regex makes for this thread cannot depend on a sample's time or
    /// CPU: the regex then always anchors at the pid/tid at the latest (blanks inside the comm only move the anchor
    /// earlier, into the comm). It can run into the time only when the ids are negative or the comm does not start
    /// with two non-blank characters (its "\S.+?" then swallows the padding and the ids).
    /// </summary>
    internal static bool NameIgnoresTime(ThreadInfo th)
        => th.Pid >= 0 && th.Tid >= 0 && th.Name.Length >= 2 && !StackCollapseRules.IsPerlSpace(th.Name[0]) && !StackCollapseRules.IsPerlSpace(th.Name[1]);

    /// <summary>A count as Perl prints it: an integer, or %.15g once the sum left the 64-bit range.</summary>
    internal static string FormatCount(UInt128 v)
        => v <= ulong.MaxValue ? ((ulong)v).ToString(CultureInfo.InvariantCulture)
            : ((double)v).ToString("G15", CultureInfo.InvariantCulture).Replace("E+", "e+", StringComparison.Ordinal);
}

/// <summary>Which folded line each counted sample went to, and with what weight (for writers with a time axis).</summary>
internal sealed class SampleAttribution
{
    private readonly List<int> _samples = [];
    private readonly List<long> _keys = [];
    private readonly List<UInt128> _weights = [];
    internal Dictionary<long, long> TextOfKey { get; } = new(MixedLongComparer.Instance);
    internal Dictionary<long, string> LineOfText { get; } = [];
    private int[] _lines = [];

    /// <summary>Number of counted samples.</summary>
    public int Count => _samples.Count;
    /// <summary>The sample index (into the profile's samples) of the k-th counted sample.</summary>
    public int Sample(int k) => _samples[k];
    /// <summary>The weight the k-th counted sample added to its line.</summary>
    public UInt128 Weight(int k) => _weights[k];
    /// <summary>The output line (index into the collapsed list) of the k-th counted sample, -1 when its text was empty.</summary>
    public int Line(int k) => _lines[k];

    internal void Add(int sample, long key, UInt128 weight) { _samples.Add(sample); _keys.Add(key); _weights.Add(weight); }

    internal void Resolve(List<KeyValuePair<string, UInt128>> lines)
    {
        var index = new Dictionary<string, int>(lines.Count, StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++) index[lines[i].Key] = i;
        _lines = new int[_samples.Count];
        for (var k = 0; k < _lines.Length; k++)
            _lines[k] = TextOfKey.TryGetValue(_keys[k], out var t) && LineOfText.TryGetValue(t, out var s) && index.TryGetValue(s, out var l) ? l : -1;
        TextOfKey.Clear(); LineOfText.Clear(); _keys.Clear();
    }
}

/// <summary>Orders strings by their UTF-8 bytes (Perl's <c>cmp</c> on the script's byte strings).</summary>
/// <summary>Folded texts of one output variant (offsets shown or not, java tidying or not) as a prefix tree over frame texts.</summary>
internal sealed class FoldVariant(Profile profile)
{
    private readonly int[] _nodeOfStack = new int[profile.Stacks.Count]; // text node + 2; 0 = not computed yet
    private readonly string?[] _textOfLocation = new string?[profile.Locations.Count];
    private readonly List<int> _parent = [];
    private readonly List<string> _text = [];
    private readonly Dictionary<(int Parent, string Text), int> _nodes = [];

    /// <summary>The text node of a stack (-1 for an empty text), computing what its prefixes need once.</summary>
    public int TextNode(int stack, List<int> pending, Func<int, string> frameText)
    {
        if (stack < 0) return -1;
        // walk up to the nearest stack whose node is known, then fill in root-first
        pending.Clear();
        var s = stack;
        while (s >= 0 && _nodeOfStack[s] == 0)
        {
            pending.Add(s);
            s = profile.Stacks.Parent(s);
        }
        var node = s >= 0 ? _nodeOfStack[s] - 2 : -1;
        for (var k = pending.Count - 1; k >= 0; k--)
        {
            var st = pending[k];
            var loc = profile.Stacks.Location(st);
            var text = _textOfLocation[loc] ??= frameText(loc);
            if (text.Length > 0)
            {
                if (!_nodes.TryGetValue((node, text), out var child))
                {
                    child = _parent.Count;
                    _parent.Add(node);
                    _text.Add(text);
                    _nodes.Add((node, text), child);
                }
                node = child;
            }
            _nodeOfStack[st] = node + 2;
        }
        return node;
    }

    /// <summary>Appends a text node's frames, root first.</summary>
    public void AppendText(int node, StringBuilder sb, List<int> scratch)
    {
        scratch.Clear();
        for (var n = node; n >= 0; n = _parent[n]) scratch.Add(n);
        for (var k = scratch.Count - 1; k >= 0; k--) sb.Append(_text[scratch[k]]);
    }
}

internal static class Utf8Order
{
    /// <summary>Compares two strings in UTF-8 byte order (equal to code point order).</summary>
    public static int Compare(string a, string b)
    {
        // folded lines share long prefixes: find the first difference with the vectorized prefix search
        var i = a.AsSpan().CommonPrefixLength(b);
        if (i == a.Length || i == b.Length) return a.Length.CompareTo(b.Length);
        return Fix(a[i]).CompareTo(Fix(b[i]));
    }

    // UTF-16 order differs from code point order only for surrogates (U+D800-U+DFFF) versus U+E000-U+FFFF.
    private static int Fix(char c) => c >= 0xD800 ? (c >= 0xE000 ? c - 0x800 : c + 0x2000) : c;
}

/// <summary>Hashes packed (process name, stack, variant) keys with a multiplicative mix (long's own hash XORs the halves, which collides here).</summary>
internal sealed class MixedLongComparer : IEqualityComparer<long>
{
    public static readonly MixedLongComparer Instance = new();
    public bool Equals(long x, long y) => x == y;
    // Fibonacci hashing constant 2^64 / golden ratio.
    public int GetHashCode(long k) => (int)((ulong)k * 0x9E3779B97F4A7C15UL >> 32);
}
