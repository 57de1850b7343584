using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Speedscope;

/// <summary>Options of the speedscope writer.</summary>
public sealed class SpeedscopeOptions
{
    /// <summary><c>--sampled</c>: write timestamped sources as sampled profiles (stacks and weights) instead of evented timelines. Default false.</summary>
    public bool Sampled { get; set; }
    /// <summary><c>--weight count|period</c>: what a sample weighs in sampled profiles. Default <see cref="WeightMode.Period"/>.</summary>
    public WeightMode Weight { get; set; } = WeightMode.Period;
    /// <summary><c>--event NAME</c>: write only this event; null writes the first event in time order. Default null.</summary>
    public string? Event { get; set; }
    /// <summary><c>--all-events</c>: write every event (profile names then end in the event name). Default false.</summary>
    public bool AllEvents { get; set; }
    /// <summary>The <c>exporter</c> field, e.g. <c>stackweave 0.1.0</c>. Default <c>stackweave</c>.</summary>
    public string Exporter { get; set; } = "stackweave";
}

/// <summary>What the speedscope writer wrote.</summary>
public sealed class SpeedscopeResult
{
    /// <summary>Profiles written.</summary>
    public int Profiles { get; internal set; }
    /// <summary>Shared frames written.</summary>
    public int Frames { get; internal set; }
    /// <summary>Samples written.</summary>
    public long SamplesWritten { get; internal set; }
    /// <summary>Samples of events not chosen, left out.</summary>
    public long SamplesOfOtherEvents { get; internal set; }
    /// <summary>The events written (names), in order of first use.</summary>
    public List<string> Events { get; } = [];
    /// <summary>Marks (non-sample timeline events) written, each as a 1 ns frame in its thread's <c>events</c> profile.</summary>
    public long MarksWritten { get; internal set; }
    /// <summary>Marks left out because they carry no time (<see cref="SampleTable.NoTime"/>).</summary>
    public long MarksNotShown { get; internal set; }
}

/// <summary>
/// Writes speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json, speedscope 1.25
/// <c>src/lib/file-format-spec.ts</c>) straight to a stream with <see cref="Utf8JsonWriter"/>: timestamped sources
/// as one evented timeline per thread (or sampled profiles on request), aggregate sources as sampled profiles, and
/// timeline marks (<see cref="Profile.Marks"/>) as one evented profile per thread of 1 ns frames named by the mark.
/// </summary>
public static class SpeedscopeWriter
{
    /// <summary>The exact <c>$schema</c> value speedscope's importer recognises the format by.</summary>
    public const string SchemaUrl = "https://www.speedscope.app/file-format-schema.json";

    // Bytes buffered by the JSON writer before they are pushed to the stream.
    private const int FlushThreshold = 1 << 16;

    // Names and values of the evented profile's events (file-format-spec.ts: OpenFrameEvent / CloseFrameEvent), encoded once.
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_frame = JsonEncodedText.Encode("frame");
    private static readonly JsonEncodedText s_at = JsonEncodedText.Encode("at");
    private static readonly JsonEncodedText s_open = JsonEncodedText.Encode("O");
    private static readonly JsonEncodedText s_close = JsonEncodedText.Encode("C");

    // Length of a mark's frame. speedscope has no instant events, and its CallTreeProfileBuilder (speedscope 1.25
    // src/lib/profile.ts, leaveFrame) records a time-ordered sample only when a frame closes after the last value
    // (delta > 0): a zero-length frame never shows on the timeline. 1 ns is the smallest length the file's unit holds.
    private const long MarkLength = 1;

    /// <summary>Writes one profile.</summary>
    public static SpeedscopeResult Write(Profile profile, Stream output, SpeedscopeOptions? options = null)
        => Write([profile], output, options);

    /// <summary>Writes several sources into one file (their profiles one after the other).</summary>
    /// <exception cref="ArgumentException"><see cref="SpeedscopeOptions.Event"/> names no event of a source.</exception>
    public static SpeedscopeResult Write(IReadOnlyList<Profile> profiles, Stream output, SpeedscopeOptions? options = null)
    {
        options ??= new SpeedscopeOptions();
        var result = new SpeedscopeResult();
        var plans = new List<SourcePlan>(profiles.Count);
        var frameBase = 0;
        foreach (var p in profiles)
        {
            var plan = new SourcePlan(p, SampleSelection.Choose(p, options.Event, options.AllEvents), frameBase, options);
            plans.Add(plan);
            frameBase += plan.Frames.Count;
        }

        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        w.WriteStartObject();
        w.WriteString("$schema", SchemaUrl);
        w.WriteString("exporter", options.Exporter);
        w.WriteString("name", FileName(plans));
        // Shown first: the first source's busiest thread (or default value column).
        int active = 0, count = 0;
        var chosen = false;
        foreach (var plan in plans)
        {
            if (!chosen && plan.ProfileCount > 0) { active = count + plan.ActiveOffset; chosen = true; }
            count += plan.ProfileCount;
        }
        w.WriteNumber("activeProfileIndex", active);

        w.WriteStartObject("shared");
        w.WriteStartArray("frames");
        foreach (var plan in plans)
            for (var f = 0; f < plan.Frames.Count; f++)
            {
                var fr = plan.Frames[f];
                w.WriteStartObject();
                w.WriteString("name", fr.Name);
                if (fr.File is not null) w.WriteString("file", fr.File);
                if (fr.Line > 0) w.WriteNumber("line", fr.Line);
                w.WriteEndObject();
                MaybeFlush(w);
            }
        w.WriteEndArray();
        w.WriteEndObject();
        result.Frames = frameBase;

        w.WriteStartArray("profiles");
        foreach (var plan in plans) plan.WriteProfiles(w, result);
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        return result;
    }

    internal static void MaybeFlush(Utf8JsonWriter w)
    {
        if (w.BytesPending >= FlushThreshold) w.Flush();
    }

    private static string FileName(List<SourcePlan> plans)
    {
        var parts = new List<string>(plans.Count);
        foreach (var p in plans) parts.Add(p.Describe());
        return string.Join("; ", parts);
    }

    /// <summary>speedscope's ValueUnit for a sample type's unit ("none" when speedscope has no such unit).</summary>
    internal static string Unit(string unit) => unit switch
    {
        "nanoseconds" or "microseconds" or "milliseconds" or "seconds" or "bytes" => unit,
        _ => "none",
    };

    /// <summary>One source's share of the file: its frames and how its samples split into profiles.</summary>
    private sealed class SourcePlan
    {
        private readonly Profile _p;
        private readonly SampleSelection _sel;
        private readonly SpeedscopeOptions _options;
        private readonly int _frameBase;
        private readonly bool _timed;
        private readonly long _base;          // start of the earliest written sample's period (source clock, ns): time 0
        private readonly long _last;          // latest written timestamp
        private readonly int[] _order = [];   // timed written samples, grouped, each group in time order
        private readonly List<(int Thread, int Event, int Start, int Count)> _groups = [];
        private readonly List<int> _untimed = [];
        private readonly List<int> _aggregateColumns = [];
        private readonly int[] _markOrder = [];  // timed marks, grouped by thread, each group in time order
        private readonly List<(int Thread, int Start, int Count)> _markGroups = [];
        private readonly int[] _markFrame = [];  // frame of mark i

        public SourcePlan(Profile p, SampleSelection sel, int frameBase, SpeedscopeOptions options)
        {
            _p = p; _sel = sel; _frameBase = frameBase; _options = options;
            Frames = new FrameTable(p);
            Frames.AddAllStacks();
            var s = p.Samples;
            _base = long.MaxValue; _last = long.MinValue;
            var groupOf = new Dictionary<(int, int), int>();
            var keys = new List<(int Thread, int Event)>();
            var counts = new List<int>();
            var groupOfSample = new int[s.Count];
            var multi = sel.Events.Count > 1;
            for (var i = 0; i < s.Count; i++)
            {
                groupOfSample[i] = -1;
                if (!sel.Keeps(s.Event(i))) { OtherEvents++; continue; }
                var t = s.Time(i);
                if (t == SampleTable.NoTime) { _untimed.Add(i); continue; }
                var from = t - RanFor(i);
                if (from < _base) _base = from;
                if (t > _last) _last = t;
                var key = (s.Thread(i), multi ? s.Event(i) : -1);
                if (!groupOf.TryGetValue(key, out var g))
                {
                    g = keys.Count; groupOf.Add(key, g); keys.Add(key); counts.Add(0);
                }
                counts[g]++;
                groupOfSample[i] = g;
            }
            _timed = keys.Count > 0;
            if (_timed)
            {
                // Counting sort by group keeps each group in table order; then each group is put in time order.
                var starts = new int[keys.Count];
                for (int g = 0, acc = 0; g < keys.Count; g++) { starts[g] = acc; acc += counts[g]; }
                _order = new int[counts.Sum()];
                var fill = (int[])starts.Clone();
                for (var i = 0; i < s.Count; i++)
                    if (groupOfSample[i] >= 0) _order[fill[groupOfSample[i]]++] = i;
                for (var g = 0; g < keys.Count; g++)
                {
                    var seg = _order.AsSpan(starts[g], counts[g]);
                    if (!InTimeOrder(seg)) seg.Sort((a, b) => s.Time(a) != s.Time(b) ? s.Time(a).CompareTo(s.Time(b)) : a.CompareTo(b));
                    _groups.Add((keys[g].Thread, keys[g].Event, starts[g], counts[g]));
                }
                // Stable listing: by pid, tid, thread name, event.
                _groups.Sort((a, b) =>
                {
                    var ta = ThreadOf(a.Thread); var tb = ThreadOf(b.Thread);
                    var c = ta.Pid.CompareTo(tb.Pid);
                    if (c == 0) c = ta.Tid.CompareTo(tb.Tid);
                    if (c == 0) c = string.CompareOrdinal(ta.Name, tb.Name);
                    if (c == 0) c = a.Event.CompareTo(b.Event);
                    return c;
                });
            }
            else if (_untimed.Count > 0)
            {
                // Aggregate source: one profile per value column unless perf's (samples, period) pair, weighed by the chosen mode.
                if (options.Weight == WeightMode.Count || p.SampleTypes.Count <= 1 || sel.ValueIndex != p.SampleTypes.Count - 1 || p.Events.Count > 0)
                    _aggregateColumns.Add(options.Weight == WeightMode.Count ? -1 : sel.ValueIndex);
                else
                    for (var k = 0; k < p.SampleTypes.Count; k++) _aggregateColumns.Add(k);
            }
            // Marks: one evented profile per thread, on the same time base as the samples.
            var marks = p.Marks;
            if (marks.Count > 0)
            {
                _markFrame = new int[marks.Count];
                var markGroupOf = new Dictionary<int, int>();
                var markThreads = new List<int>();
                var markCounts = new List<int>();
                var groupOfMark = new int[marks.Count];
                for (var i = 0; i < marks.Count; i++)
                {
                    var m = marks[i];
                    groupOfMark[i] = -1;
                    if (m.Time == SampleTable.NoTime) { MarksNotShown++; continue; }
                    if (m.Time < _base) _base = m.Time;
                    if (m.Time > _last) _last = m.Time;
                    var thread = (uint)m.Thread < (uint)p.Threads.Count ? m.Thread : -1;
                    if (!markGroupOf.TryGetValue(thread, out var g))
                    {
                        g = markThreads.Count; markGroupOf.Add(thread, g); markThreads.Add(thread); markCounts.Add(0);
                    }
                    markCounts[g]++;
                    groupOfMark[i] = g;
                    _markFrame[i] = Frames.OfMark(m.Name);
                }
                var starts = new int[markThreads.Count];
                var total = 0;
                for (var g = 0; g < markThreads.Count; g++) { starts[g] = total; total += markCounts[g]; }
                _markOrder = new int[total];
                var fill = (int[])starts.Clone();
                for (var i = 0; i < marks.Count; i++)
                    if (groupOfMark[i] >= 0) _markOrder[fill[groupOfMark[i]]++] = i;
                for (var g = 0; g < markThreads.Count; g++)
                {
                    // Time order, equal times in source order.
                    _markOrder.AsSpan(starts[g], markCounts[g]).Sort((a, b) => marks[a].Time != marks[b].Time ? marks[a].Time.CompareTo(marks[b].Time) : a.CompareTo(b));
                    _markGroups.Add((markThreads[g], starts[g], markCounts[g]));
                }
                _markGroups.Sort((a, b) =>
                {
                    var ta = ThreadOf(a.Thread); var tb = ThreadOf(b.Thread);
                    var c = ta.Pid.CompareTo(tb.Pid);
                    if (c == 0) c = ta.Tid.CompareTo(tb.Tid);
                    if (c == 0) c = string.CompareOrdinal(ta.Name, tb.Name);
                    return c;
                });
            }
        }

        public FrameTable Frames { get; }
        public long OtherEvents { get; }
        public long MarksNotShown { get; }

        public int ProfileCount => (_timed ? _groups.Count + (_untimed.Count > 0 ? 1 : 0) : _aggregateColumns.Count) + _markGroups.Count;

        /// <summary>Index (within this source's profiles) to show first: the thread with most samples, or the default value column.</summary>
        public int ActiveOffset
        {
            get
            {
                if (_timed)
                {
                    var best = 0;
                    for (var g = 1; g < _groups.Count; g++) if (_groups[g].Count > _groups[best].Count) best = g;
                    return best;
                }
                if (_aggregateColumns.Count > 0) return _aggregateColumns.Count - 1;
                // Marks only: the thread with most marks.
                var most = 0;
                for (var g = 1; g < _markGroups.Count; g++) if (_markGroups[g].Count > _markGroups[most].Count) most = g;
                return most;
            }
        }

        /// <summary>
        /// How long sample i ran before its timestamp: the period of a time-based event (perf's period of such an event is
        /// the CPU time counted since the previous overflow); 0 for other events (they run from the previous sample).
        /// </summary>
        private long RanFor(int i)
        {
            var evt = _p.Samples.Event(i);
            if ((uint)evt >= (uint)_p.Events.Count || _p.Events[evt].PeriodUnit != "nanoseconds" || _sel.ValueIndex < 0) return 0;
            return Math.Max(0, _p.Samples.Values(i)[_sel.ValueIndex]);
        }

        private ThreadInfo ThreadOf(int thread)
            => (uint)thread < (uint)_p.Threads.Count ? _p.Threads[thread] : new ThreadInfo(-1, -1, -1, "[unknown]");

        private bool InTimeOrder(ReadOnlySpan<int> seg)
        {
            for (var k = 1; k < seg.Length; k++) if (_p.Samples.Time(seg[k]) < _p.Samples.Time(seg[k - 1])) return false;
            return true;
        }

        private string FileLabel => _p.Source.File.Length == 0 ? "profile" : Path.GetFileName(_p.Source.File);

        public string Describe()
        {
            var file = FileLabel;
            if (!_timed && _markGroups.Count == 0) return file;
            var sb = new System.Text.StringBuilder(file);
            sb.Append(CultureInfo.InvariantCulture, $" (time 0 = {_base} ns on the {ClockName(_p.Clock.Domain)} clock");
            if (SampleSelection.UtcOffset(_p) is { } off)
            {
                var utc = _base + off;
                var dt = DateTime.UnixEpoch.AddTicks(utc / 100);
                sb.Append(CultureInfo.InvariantCulture, $" = {dt:yyyy-MM-ddTHH:mm:ss.fffffff}{utc % 100:00}Z");
            }
            return sb.Append(')').ToString();
        }

        private static string ClockName(ClockDomain d) => d switch
        {
            ClockDomain.PerfClock => "perf",
            ClockDomain.Monotonic => "CLOCK_MONOTONIC",
            ClockDomain.MonotonicRaw => "CLOCK_MONOTONIC_RAW",
            ClockDomain.BootTime => "CLOCK_BOOTTIME",
            ClockDomain.Realtime => "CLOCK_REALTIME",
            ClockDomain.Tai => "CLOCK_TAI",
            _ => "source",
        };

        public void WriteProfiles(Utf8JsonWriter w, SpeedscopeResult result)
        {
            result.SamplesOfOtherEvents += OtherEvents;
            result.MarksNotShown += MarksNotShown;
            foreach (var e in _sel.Events) result.Events.Add(_p.Events[e].Name);
            WriteSampleProfiles(w, result);
            foreach (var g in _markGroups)
            {
                WriteMarks(w, g.Thread, _markOrder.AsSpan(g.Start, g.Count));
                result.Profiles++;
                result.MarksWritten += g.Count;
            }
        }

        private void WriteSampleProfiles(Utf8JsonWriter w, SpeedscopeResult result)
        {
            var frames = new List<int>();
            var scratch = new List<int>();
            if (_timed)
            {
                foreach (var g in _groups)
                {
                    var seg = _order.AsSpan(g.Start, g.Count);
                    var name = ProfileName(g.Thread, g.Event);
                    if (_options.Sampled) WriteSampled(w, name, seg, UnitOf(g.Event), -2, frames, scratch);
                    else WriteEvented(w, name, seg, g.Event, frames, scratch);
                    result.Profiles++;
                    result.SamplesWritten += g.Count;
                }
                if (_untimed.Count > 0)
                {
                    WriteSampled(w, Path.GetFileName(_p.Source.File) + " (samples without time)", System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_untimed),
                        UnitOf(-1), -2, frames, scratch);
                    result.Profiles++;
                    result.SamplesWritten += _untimed.Count;
                }
                return;
            }
            var file = FileLabel;
            foreach (var col in _aggregateColumns)
            {
                string name, unit;
                if (col < 0) { name = file + " samples"; unit = "none"; }
                else
                {
                    var st = _p.SampleTypes[col];
                    name = _aggregateColumns.Count > 1 ? file + " " + st.Type : file;
                    unit = _p.Events.Count > 0 ? UnitOf(-1) : Unit(st.Unit);
                }
                WriteSampled(w, name, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_untimed), unit, col, frames, scratch);
                result.Profiles++;
            }
            result.SamplesWritten += _untimed.Count;
        }

        private int[]? _threadPart;

        /// <summary>In a timeline merge: "file: " of the input a thread belongs to (threads are never shared between inputs).</summary>
        private string PartLabel(int thread)
        {
            if (_threadPart is null)
            {
                _threadPart = new int[_p.Threads.Count];
                Array.Fill(_threadPart, -1);
                for (var i = 0; i < _p.Samples.Count; i++)
                    if ((uint)_p.Samples.Thread(i) < (uint)_threadPart.Length) _threadPart[_p.Samples.Thread(i)] = _p.Samples.Part(i);
                foreach (var m in _p.Marks)
                    if ((uint)m.Thread < (uint)_threadPart.Length) _threadPart[m.Thread] = m.Part;
            }
            var part = (uint)thread < (uint)_threadPart.Length ? _threadPart[thread] : -1;
            return part < 0 ? "" : Path.GetFileName(_p.Parts[part].Source.File) + ": ";
        }

        private string ProfileName(int thread, int evt)
        {
            var t = ThreadOf(thread);
            var name = string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Pid}/{t.Tid}");
            if (_p.Parts.Count > 1) name = PartLabel(thread) + name;
            return evt >= 0 && evt < _p.Events.Count ? name + " " + _p.Events[evt].Name : name;
        }

        /// <summary>Unit of weights of event <paramref name="evt"/> (-1: all written events): nanoseconds for time-based events weighed by period.</summary>
        private string UnitOf(int evt)
        {
            if (_options.Weight == WeightMode.Count) return "none";
            if (_p.Events.Count == 0)
                return _sel.ValueIndex >= 0 ? Unit(_p.SampleTypes[_sel.ValueIndex].Unit) : "none";
            if (evt >= 0) return (uint)evt < (uint)_p.Events.Count ? Unit(_p.Events[evt].PeriodUnit) : "none";
            string? unit = null;
            foreach (var e in _sel.Events)
            {
                var u = Unit(_p.Events[e].PeriodUnit);
                if (unit is not null && unit != u) return "none";
                unit = u;
            }
            return unit ?? "none";
        }

        private void WriteSampled(Utf8JsonWriter w, string name, ReadOnlySpan<int> seg, string unit, int column, List<int> frames, List<int> scratch)
        {
            // column: -2 = the selection's weight, -1 = count, k = value column k.
            long total = 0;
            w.WriteStartObject();
            w.WriteString("type", "sampled");
            w.WriteString("name", name);
            w.WriteString("unit", unit);
            w.WriteNumber("startValue", 0);
            w.WriteStartArray("samples");
            foreach (var i in seg)
            {
                Frames.RootFirst(_p.Samples.Stack(i), frames, scratch);
                w.WriteStartArray();
                foreach (var f in frames) w.WriteNumberValue(_frameBase + f);
                w.WriteEndArray();
                total += WeightOf(i, column);
                MaybeFlush(w);
            }
            w.WriteEndArray();
            w.WriteStartArray("weights");
            foreach (var i in seg)
            {
                w.WriteNumberValue(WeightOf(i, column));
                MaybeFlush(w);
            }
            w.WriteEndArray();
            w.WriteNumber("endValue", total);
            w.WriteEndObject();
        }

        private long WeightOf(int i, int column)
        {
            var v = column switch
            {
                -2 => _sel.Weight(_p, i, _options.Weight),
                -1 => 1,
                _ => _p.Samples.Values(i)[column],
            };
            // speedscope requires weights >= 0 (FACTS.md).
            return v < 0 ? 0 : v;
        }

        /// <summary>
        /// A timeline of one thread: sample i ran during the period before its timestamp (perf's period of a time-based
        /// event is the CPU time counted since the previous overflow), clipped at the previous sample; other events'
        /// samples run from the previous sample. Frames shared with the previous stack stay open across contiguous samples.
        /// </summary>
        private void WriteEvented(Utf8JsonWriter w, string name, ReadOnlySpan<int> seg, int evtOfGroup, List<int> frames, List<int> scratch)
        {
            var s = _p.Samples;
            var end = _last - _base;
            StartEvented(w, name, end);
            var open = new List<int>();
            long prevEnd = -1;
            foreach (var i in seg)
            {
                var t = s.Time(i) - _base;
                var d = RanFor(i);
                long start;
                if (d > 0)
                {
                    start = t - d;
                    // Timer jitter: a gap shorter than half a period after the previous sample is not time off the CPU.
                    if (prevEnd >= 0 && start - prevEnd <= d / 2) start = prevEnd;
                }
                else start = prevEnd >= 0 ? prevEnd : t;
                if (start < prevEnd) start = prevEnd;
                if (start < 0) start = 0;
                if (start > prevEnd && open.Count > 0) CloseFrom(w, open, 0, prevEnd);
                Frames.RootFirst(s.Stack(i), frames, scratch);
                var common = 0;
                while (common < open.Count && common < frames.Count && open[common] == frames[common]) common++;
                CloseFrom(w, open, common, start);
                for (var k = common; k < frames.Count; k++)
                {
                    w.WriteStartObject();
                    w.WriteString(s_type, s_open);
                    w.WriteNumber(s_frame, _frameBase + frames[k]);
                    w.WriteNumber(s_at, start);
                    w.WriteEndObject();
                    open.Add(frames[k]);
                }
                prevEnd = t;
                MaybeFlush(w);
            }
            if (open.Count > 0) CloseFrom(w, open, 0, prevEnd);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        /// <summary>
        /// The marks of one thread as a timeline: each mark a frame named by the mark, open from its time for
        /// <see cref="MarkLength"/>; a mark that would start before the previous one ends starts where it ends.
        /// </summary>
        private static void StartEvented(Utf8JsonWriter w, string name, long end)
        {
            w.WriteStartObject();
            w.WriteString("type", "evented");
            w.WriteString("name", name);
            w.WriteString("unit", "nanoseconds");
            w.WriteNumber("startValue", 0);
            w.WriteNumber("endValue", end);
            w.WriteStartArray("events");
        }

        private void WriteMarks(Utf8JsonWriter w, int thread, ReadOnlySpan<int> seg)
        {
            var marks = _p.Marks;
            var name = thread < 0
                ? FileLabel + " events"
                : ProfileName(thread, -1) + " events";
            // The last mark's end, pushed on by marks with equal times.
            var end = _last - _base;
            long prevEnd = long.MinValue;
            foreach (var i in seg)
            {
                var at = Math.Max(marks[i].Time - _base, prevEnd);
                prevEnd = at + MarkLength;
            }
            if (prevEnd > end) end = prevEnd;
            StartEvented(w, name, end);
            prevEnd = long.MinValue;
            foreach (var i in seg)
            {
                var at = Math.Max(marks[i].Time - _base, prevEnd);
                var frame = _frameBase + _markFrame[i];
                w.WriteStartObject();
                w.WriteString(s_type, s_open);
                w.WriteNumber(s_frame, frame);
                w.WriteNumber(s_at, at);
                w.WriteEndObject();
                prevEnd = at + MarkLength;
                w.WriteStartObject();
                w.WriteString(s_type, s_close);
                w.WriteNumber(s_frame, frame);
                w.WriteNumber(s_at, prevEnd);
                w.WriteEndObject();
                MaybeFlush(w);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }

        private void CloseFrom(Utf8JsonWriter w, List<int> open, int keep, long at)
        {
            for (var k = open.Count - 1; k >= keep; k--)
            {
                w.WriteStartObject();
                w.WriteString(s_type, s_close);
                w.WriteNumber(s_frame, _frameBase + open[k]);
                w.WriteNumber(s_at, at);
                w.WriteEndObject();
            }
            open.RemoveRange(keep, open.Count - keep);
        }
    }
}
