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
        var lines = CollapseUtf8(profile, options ?? new FoldedOptions(), out var result, forceTextPath: false);
        lines.WriteTo(output);
        return result;
    }

    /// <summary>Writes the folded stacks of <paramref name="profile"/>; returns what was kept and skipped.</summary>
    public static FoldedResult Write(Profile profile, TextWriter output, FoldedOptions? options = null)
    {
        if (output is StreamWriter { BaseStream: { } stream } sw && sw.Encoding is UTF8Encoding)
        {
            // the lines are UTF-8 already: flush what the writer holds and write their bytes underneath it
            sw.Flush();
            return Write(profile, stream, options);
        }
        var lines = CollapseUtf8(profile, options ?? new FoldedOptions(), out var result, forceTextPath: false);
        for (var i = 0; i < lines.Count; i++)
        {
            output.Write(Encoding.UTF8.GetString(lines.Text(i)));
            output.Write(' ');
            output.Write(FormatCount(lines.Sum(i)));
            output.Write('\n');
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
        var lines = CollapseUtf8(profile, options, out result, forceTextPath, attribution);
        var list = new List<KeyValuePair<string, UInt128>>(lines.Count);
        for (var i = 0; i < lines.Count; i++) list.Add(new(Encoding.UTF8.GetString(lines.Text(i)), lines.Sum(i)));
        return list;
    }

    /// <summary>The folded lines in output order, as UTF-8 text.</summary>
    internal static FoldedLines CollapseUtf8(Profile profile, FoldedOptions options, out FoldedResult result, bool forceTextPath, SampleAttribution? attribution = null)
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
        // Per-thread process name read from one parsed header (-2 = not yet, -3 = every sample parses its own).
        var threadSlowPname = new int[profile.Threads.Count];
        Array.Fill(threadSlowPname, -2);
        var threadSlowEvent = new int[profile.Threads.Count]; // the event whose header layout that name was read from
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
        var agg = new KeySums(1024);
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
            agg.Add(key, (UInt128)(ulong)vals[valueIndex]);
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
            // A thread whose comm holds blanks takes the text path, but when its process name cannot depend on a
            // sample's time or CPU (NameIgnoresTime), one parsed header gives it for all its samples of a plain event.
            var memo = !fast && knownEvent && eventFast[evt] && !eventTrace[evt]
                       && (uint)t < (uint)threadPname.Length && samples.Time(i) != SampleTable.NoTime
                       && threadSlowPname[t] switch { -2 => NameIgnoresTime(profile.Threads[t]), >= 0 => threadSlowEvent[t] == evt, _ => false };
            var known = memo && threadSlowPname[t] >= 0;
            if (fast || known)
            {
                recognized = true;
                newPname = known ? threadSlowPname[t] : threadPname[t];
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
                // keep the parse for the thread's later samples only when it read the event as the shortcut would
                if (memo)
                {
                    threadSlowEvent[t] = evt;
                    threadSlowPname[t] = recognized && matched && string.Equals(evName, profile.Events[evt].Name, StringComparison.Ordinal)
                                         && period == (eventPeriod[evt] ? layout.PeriodOf(i) : 0) ? newPname : -3;
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
            agg.Add(key, mPeriod);
            attribution?.Add(i, key, mPeriod);
            res.SamplesWritten += rowSamples;
            pname = -1;
        }

        res.KeptEvent = eventFilter.Length > 0 ? eventFilter : null;
        res.EventDefaulted = eventDefaulted;

        // ---- fold each distinct stack's text through a tree of texts, merge equal texts, sort like Perl's `sort { $a cmp $b }` ----
        // Stacks that differ only in addresses fold to the same text: a second prefix tree over the frame texts
        // (parent text node, frame text) is walked once per stack node, and a line's bytes are written once per
        // distinct (process name, text node), never once per stack.
        var texts = new FrameTexts();
        var variants = new FoldVariant?[4];
        var locs = new List<int>();
        var line = new StringBuilder();
        var byText = new KeySums(1024);
        var frameTexts = new Func<int, string>?[4];
        Func<int, string> FrameTextOf(FoldVariant v, bool withOffset, bool java) => loc =>
        {
            if (options.Inline && InlineFrames(profile, profile.Locations[loc]) is { } inlined) return inlined;
            if (generic && VerbatimFrame(profile, profile.Locations[loc]) is { } verbatim) return verbatim;
            if (storedNames) return StoredFrames(profile, loc, fromBpftrace, options, annotateKernel);
            // Without --addrs the script's frames depend on the symbol and the dso only (the offset is tidied away):
            // locations of one function in one mapping share their text.
            var l = profile.Locations[loc];
            var symbolKey = options.Addrs || (l.IsFolded && l.Lines.Count > 1) ? long.MinValue
                : ((long)l.MappingId << 32) | (uint)(l.Lines.Count == 0 ? -1 : l.Lines[^1].FunctionId);
            if (symbolKey != long.MinValue && v.TextOfSymbol.TryGetValue(symbolKey, out var known)) return known;
            line.Clear();
            line.Append('\t');
            layout.AppendFrame(line, loc, withOffset);
            var frames = StackCollapseRules.Frames(line.ToString(), java, annotateKernel, annotateJit, options.Addrs, textRules);
            var text = frames is null || frames.Length == 0 ? "" : ";" + string.Join(';', frames);
            if (symbolKey != long.MinValue) v.TextOfSymbol[symbolKey] = text;
            return text;
        };
        for (var a = 0; a < agg.Count; a++)
        {
            var key = agg.Keys[a];
            var count = agg.Sums[a];
            var pnId = (int)(key >> 33);
            var pn = pnames[pnId];
            var stack = (int)((key >> 1) & 0xFFFFFFFFL) - 1;
            var withOffset = (key & 1) != 0;
            // stackcollapse-perf.pl at 41fee1f tidies Java names when the process name matches ^java; FlameGraph's expected files
            // (made by the script when it compared the process name with "java") keep them under --pid/--tid ("java-PID").
            var java = textRules ? pn == "java" : pn.StartsWith("java", StringComparison.Ordinal);
            var variantIndex = (withOffset ? 1 : 0) | (java ? 2 : 0);
            var v = variants[variantIndex] ??= new FoldVariant(profile, texts);
            // one frame-text function per variant (a lambda here would be a new closure for every stack)
            var frameText = frameTexts[variantIndex] ??= FrameTextOf(v, (variantIndex & 1) != 0, (variantIndex & 2) != 0);
            var node = v.TextNode(stack, locs, frameText);
            var textKey = ((long)pnId << 34) | ((long)variantIndex << 32) | (uint)(node + 1);
            byText.Add(textKey, count);
            attribution?.TextOfKey.Add(key, textKey);
        }

        // every line's bytes in one buffer: process name, then its text node's frames (written leaf to root, from the end)
        var pnameBytes = new byte[pnames.Count][];
        for (var i = 0; i < pnames.Count; i++) pnameBytes[i] = Encoding.UTF8.GetBytes(pnames[i]);
        // where each line goes (lengths only), then its bytes copied on two threads: texts are read-only by now
        var starts = new int[byText.Count + 1];
        long total = 0;
        var k = 0;
        foreach (var textKey in byText.Keys)
        {
            starts[k++] = (int)Math.Min(total, int.MaxValue);
            total += pnameBytes[(int)(textKey >> 34)].Length + variants[(int)((textKey >> 32) & 3)]!.Length((int)(uint)textKey - 1);
        }
        if (total > Array.MaxLength) throw new InvalidOperationException("folded output over 2 GB");
        starts[k] = (int)total;
        var buffer = GC.AllocateUninitializedArray<byte>((int)total);
        void CopyLines(int from, int to)
        {
            for (var j = from; j < to; j++)
            {
                var textKey = byText.Keys[j];
                var pn = pnameBytes[(int)(textKey >> 34)];
                pn.CopyTo(buffer, starts[j]);
                variants[(int)((textKey >> 32) & 3)]!.CopyText((int)(uint)textKey - 1, buffer.AsSpan(starts[j] + pn.Length, starts[j + 1] - starts[j] - pn.Length));
            }
        }
        var half = k / 2;
        if (total < 1 << 20) CopyLines(0, k);
        else Parallel.Invoke(() => CopyLines(0, half), () => CopyLines(half, k));

        var entries = new FoldedLines.Entry[byText.Count];
        var kept = 0;
        for (var j = 0; j < byText.Count; j++)
        {
            var textKey = byText.Keys[j];
            var count = byText.Sums[j];
            var start = starts[j];
            var at = starts[j + 1];
            // generic profiles without threads: no process-name frame
            if (pnameBytes[(int)(textKey >> 34)].Length == 0 && at > start && buffer[start] == (byte)';') start++;
            if (at == start) continue;
            attribution?.EntryOfText.Add(textKey, kept);
            entries[kept] = new FoldedLines.Entry(start, at - start, count, kept);
            kept++;
        }
        result = res;
        var lines = new FoldedLines(buffer, entries, kept);
        attribution?.Resolve(lines);
        res.Lines = lines.Count;
        return lines;
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

    /// <summary>stackcollapse-perf.pl --inline: addr2line's frames, outermost first, joined by ';' and not tidied; null for other frames.</summary>
    private static string? InlineFrames(Profile profile, Location loc)
    {
        if (!loc.LinesFromDebugInfo || loc.Lines.Count == 0) return null;
        var sb = new StringBuilder();
        for (var i = loc.Lines.Count - 1; i >= 0; i--) sb.Append(';').Append(profile.FunctionName(loc.Lines[i].FunctionId));
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

/// <summary>Frame texts (a location's ';'-prefixed frames) interned to ids, with their UTF-8 bytes.</summary>
internal sealed class FrameTexts
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<byte[]> _bytes = [];

    /// <summary>The id of <paramref name="text"/>, adding it if new.</summary>
    public int Intern(string text)
    {
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids, text, out var exists);
        if (!exists)
        {
            id = _bytes.Count;
            _bytes.Add(Encoding.UTF8.GetBytes(text));
        }
        return id;
    }

    /// <summary>The UTF-8 bytes of text <paramref name="id"/>.</summary>
    public byte[] Bytes(int id) => _bytes[id];
}


/// <summary>Which folded line each counted sample went to, and with what weight (for writers with a time axis).</summary>
internal sealed class SampleAttribution
{
    private readonly List<int> _samples = [];
    private readonly List<long> _keys = [];
    private readonly List<UInt128> _weights = [];
    internal Dictionary<long, long> TextOfKey { get; } = new(MixedLongComparer.Instance);
    internal Dictionary<long, int> EntryOfText { get; } = new(MixedLongComparer.Instance);
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

    internal void Resolve(FoldedLines lines)
    {
        _lines = new int[_samples.Count];
        for (var k = 0; k < _lines.Length; k++)
            _lines[k] = TextOfKey.TryGetValue(_keys[k], out var t) && EntryOfText.TryGetValue(t, out var e) ? lines.LineOfEntry(e) : -1;
        TextOfKey.Clear(); EntryOfText.Clear(); _keys.Clear();
    }
}

/// <summary>Folded texts of one output variant (offsets shown or not, java tidying or not) as a prefix tree over frame texts.</summary>
internal sealed class FoldVariant(Profile profile, FrameTexts texts)
{
    private readonly int[] _nodeOfStack = new int[profile.Stacks.Count]; // text node + 2; 0 = not computed yet
    private readonly int[] _textOfLocation = new int[profile.Locations.Count]; // text id + 2; 1 = empty text; 0 = not computed yet
    private readonly List<int> _parent = [];
    private readonly List<int> _text = [];
    private readonly List<int> _length = []; // UTF-8 length of the node's whole text
    private readonly IdMap<ulong, U64Hash> _nodes = new(1024); // (parent node + 1, text id) → node

    /// <summary>Frame texts by (mapping, function), for texts that do not depend on the address.</summary>
    public Dictionary<long, string> TextOfSymbol { get; } = [];

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
            ref var t = ref _textOfLocation[loc];
            if (t == 0)
            {
                var text = frameText(loc);
                t = text.Length == 0 ? 1 : texts.Intern(text) + 2;
            }
            if (t > 1)
            {
                var key = ((ulong)(uint)(node + 1) << 32) | (uint)(t - 2);
                var child = _nodes.GetOrAdd(key, _parent.Count);
                if (child == _parent.Count)
                {
                    _parent.Add(node);
                    _text.Add(t - 2);
                    _length.Add((node < 0 ? 0 : _length[node]) + texts.Bytes(t - 2).Length);
                }
                node = child;
            }
            _nodeOfStack[st] = node + 2;
        }
        return node;
    }

    /// <summary>UTF-8 length of a text node's frames (0 for -1).</summary>
    public int Length(int node) => node < 0 ? 0 : _length[node];

    /// <summary>Writes a text node's frames, root first, into <paramref name="destination"/> (exactly <see cref="Length"/> bytes).</summary>
    public void CopyText(int node, Span<byte> destination)
    {
        var end = destination.Length;
        for (var n = node; n >= 0; n = _parent[n])
        {
            var b = texts.Bytes(_text[n]);
            end -= b.Length;
            b.CopyTo(destination[end..]);
        }
    }
}

/// <summary>Folded lines as UTF-8: sorted by bytes (Perl's <c>sort</c> on byte strings), equal texts merged.</summary>
internal sealed class FoldedLines
{
    /// <summary>A line's place in the buffer and its count.</summary>
    internal readonly record struct Entry(int Start, int Length, UInt128 Count, int Origin);

    private readonly byte[] _buffer;
    private readonly Entry[] _entries;
    private readonly int[] _lineOfEntry; // by Entry.Origin: the line it was sorted and merged into

    /// <summary>Sorts the first <paramref name="count"/> entries and merges equal texts.</summary>
    public FoldedLines(byte[] buffer, Entry[] entries, int count)
    {
        _buffer = buffer;
        _entries = entries;
        SortByBytes(buffer, entries, count);
        _lineOfEntry = new int[count];
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            var origin = entries[i].Origin;
            if (n > 0 && Text(n - 1).SequenceEqual(buffer.AsSpan(entries[i].Start, entries[i].Length)))
                entries[n - 1] = entries[n - 1] with { Count = entries[n - 1].Count + entries[i].Count };
            else entries[n++] = entries[i];
            _lineOfEntry[origin] = n - 1;
        }
        Count = n;
    }

    /// <summary>Number of lines.</summary>
    public int Count { get; }

    /// <summary>Sorts entries by their bytes: two halves on two threads, then one merge.</summary>
    private static void SortByBytes(byte[] buffer, Entry[] entries, int count)
    {
        var cmp = new ByBytes(buffer);
        if (count < 1 << 14) { Array.Sort(entries, 0, count, cmp); return; }
        var half = count / 2;
        Parallel.Invoke(() => Array.Sort(entries, 0, half, cmp), () => Array.Sort(entries, half, count - half, cmp));
        var merged = new Entry[count];
        int a = 0, b = half, o = 0;
        while (a < half && b < count) merged[o++] = cmp.Compare(entries[b], entries[a]) < 0 ? entries[b++] : entries[a++];
        while (a < half) merged[o++] = entries[a++];
        while (b < count) merged[o++] = entries[b++];
        Array.Copy(merged, entries, count);
    }

    /// <summary>The line that entry <paramref name="origin"/> (its index before sorting) was merged into.</summary>
    public int LineOfEntry(int origin) => _lineOfEntry[origin];

    /// <summary>The stack text of line <paramref name="i"/>.</summary>
    public ReadOnlySpan<byte> Text(int i) => _buffer.AsSpan(_entries[i].Start, _entries[i].Length);

    /// <summary>The summed count of line <paramref name="i"/>.</summary>
    public UInt128 Sum(int i) => _entries[i].Count;

    /// <summary>Writes every line (<c>stack count\n</c>) through a pooled buffer.</summary>
    public void WriteTo(Stream output)
    {
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var used = 0;
            for (var i = 0; i < Count; i++)
            {
                var text = Text(i);
                // count: at most 39 digits (UInt128), or Perl's %.15g form
                if (used + text.Length + 64 > chunk.Length)
                {
                    output.Write(chunk, 0, used);
                    used = 0;
                }
                if (text.Length + 64 > chunk.Length) output.Write(text);
                else { text.CopyTo(chunk.AsSpan(used)); used += text.Length; }
                chunk[used++] = (byte)' ';
                var c = _entries[i].Count;
                if (c <= ulong.MaxValue && ((ulong)c).TryFormat(chunk.AsSpan(used), out var w, default, CultureInfo.InvariantCulture)) used += w;
                else used += Encoding.UTF8.GetBytes(FoldedWriter.FormatCount(c), chunk.AsSpan(used));
                chunk[used++] = (byte)'\n';
            }
            output.Write(chunk, 0, used);
            output.Flush();
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(chunk); }
    }

    private sealed class ByBytes(byte[] buffer) : IComparer<Entry>
    {
        public int Compare(Entry a, Entry b) => buffer.AsSpan(a.Start, a.Length).SequenceCompareTo(buffer.AsSpan(b.Start, b.Length));
    }
}

/// <summary>Orders strings by their UTF-8 bytes (Perl's <c>cmp</c> on the script's byte strings).</summary>
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

/// <summary>Sums per 64-bit key, kept in first-seen order (an open-addressing index over two growing arrays).</summary>
internal sealed class KeySums(int capacity)
{
    private readonly Model.IdMap<ulong, Model.U64Hash> _ids = new(capacity);
    private long[] _keys = new long[Math.Max(16, capacity)];
    private UInt128[] _sums = new UInt128[Math.Max(16, capacity)];

    /// <summary>Number of distinct keys.</summary>
    public int Count { get; private set; }

    /// <summary>The keys, first seen first (the first <see cref="Count"/> entries).</summary>
    public ReadOnlySpan<long> Keys => _keys.AsSpan(0, Count);

    /// <summary>Each key's sum, in the order of <see cref="Keys"/>.</summary>
    public ReadOnlySpan<UInt128> Sums => _sums.AsSpan(0, Count);

    /// <summary>Adds <paramref name="value"/> to the sum of <paramref name="key"/>.</summary>
    public void Add(long key, UInt128 value)
    {
        var id = _ids.GetOrAdd((ulong)key, Count);
        if (id < Count) { _sums[id] += value; return; }
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, Count * 2);
            Array.Resize(ref _sums, Count * 2);
        }
        _keys[Count] = key;
        _sums[Count] = value;
        Count++;
    }
}
