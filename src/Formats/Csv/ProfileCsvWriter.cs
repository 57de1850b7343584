using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CsvHelper;
using Stackweave.Formats.Model;
using Stackweave.Formats.Speedscope;

namespace Stackweave.Formats.Csv;

/// <summary>Which table the CSV writer writes (<c>--csv MODE</c>).</summary>
public enum CsvTable
{
    /// <summary>One row per sample and per timestamped mark, in time order, untimed rows last.</summary>
    Samples,
    /// <summary>One row per distinct stack per thread and event, by descending value; sample labels are not columns here, rows sum across their values (<c>--label-frames</c> splits stacks by label).</summary>
    Stacks,
    /// <summary>One row per function (self and total), by descending self value.</summary>
    Functions,
    /// <summary>One row per histogram bucket (bpftrace hist/lhist).</summary>
    Histograms,
}

/// <summary>Options of the CSV writer.</summary>
public sealed class CsvOptions
{
    /// <summary><c>--csv MODE</c>. Default <see cref="CsvTable.Samples"/>.</summary>
    public CsvTable Table { get; set; } = CsvTable.Samples;
    /// <summary><c>--event NAME</c>: only this event's samples. Null: every event in <c>samples</c> and <c>stacks</c> (they have an event column), the first event in time order in <c>functions</c>. Default null.</summary>
    public string? Event { get; set; }
    /// <summary><c>--all-events</c>: <c>functions</c> sums every event. Default false.</summary>
    public bool AllEvents { get; set; }
    /// <summary><c>--weight count|period</c>: the value of a sample. Default <see cref="WeightMode.Period"/>.</summary>
    public WeightMode Weight { get; set; } = WeightMode.Period;
}

/// <summary>
/// Writes a profile as RFC 4180 CSV (CsvHelper; CRLF line ends, a header row always, fields quoted when they hold a
/// comma, quote or line break). The first columns of each table are fixed so scripts can rely on them.
/// </summary>
public static class ProfileCsvWriter
{
    /// <summary>
    /// Columns of <see cref="CsvTable.Samples"/>; <c>text</c> (a mark's text) follows the fixed ones, then one
    /// <c>label:KEY</c> column per distinct sample label key (pprof labels), in first-seen order.
    /// </summary>
    public static readonly string[] SampleColumns = ["source", "event", "time_ns", "time_utc_ns", "pid", "tid", "comm", "cpu", "value", "leaf", "stack", "text"];
    /// <summary>Columns of <see cref="CsvTable.Stacks"/>.</summary>
    public static readonly string[] StackColumns = ["source", "pid", "tid", "comm", "event", "value", "stack"];
    /// <summary>Columns of <see cref="CsvTable.Functions"/>.</summary>
    public static readonly string[] FunctionColumns = ["function", "module", "file", "line", "self", "self_pct", "total", "total_pct"];
    /// <summary>Columns of <see cref="CsvTable.Histograms"/>.</summary>
    public static readonly string[] HistogramColumns = ["source", "map", "key", "bucket_lo", "bucket_hi", "count"];

    /// <summary>The CsvHelper options used: RFC 4180 mode, comma, CRLF, quoting when needed, invariant culture.</summary>
    public static CsvWriterOptions Options => new() { Mode = CsvHelper.CsvMode.Rfc4180, Separator = ',', NewLine = "\r\n", FormatProvider = CultureInfo.InvariantCulture };

    /// <summary>Writes <paramref name="profile"/> as the table <paramref name="options"/> chooses.</summary>
    /// <exception cref="ArgumentException">The options name an event the profile does not have.</exception>
    public static void Write(Profile profile, TextWriter output, CsvOptions? options = null) => Write([profile], output, options);

    /// <summary>Writes several sources into one table (rows of each source in turn; <c>functions</c> sums them).</summary>
    /// <exception cref="ArgumentException">The options name an event a source does not have.</exception>
    public static void Write(IReadOnlyList<Profile> profiles, TextWriter output, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        using var csv = CsvHelper.CsvWriter.Create(output, Options, leaveOpen: true);
        switch (options.Table)
        {
            case CsvTable.Samples:
                var labelKeys = LabelKeys(profiles);
                Header(csv, SampleColumns, end: labelKeys.Count == 0);
                foreach (var k in labelKeys) csv.WriteField(LabelColumnPrefix + k);
                if (labelKeys.Count > 0) csv.EndRecord();
                foreach (var p in profiles) WriteSamples(csv, p, options, labelKeys);
                break;
            case CsvTable.Stacks:
                Header(csv, StackColumns);
                foreach (var p in profiles) WriteStacks(csv, p, options);
                break;
            case CsvTable.Functions:
                Header(csv, FunctionColumns);
                WriteFunctions(csv, profiles, options);
                break;
            case CsvTable.Histograms:
                Header(csv, HistogramColumns);
                foreach (var p in profiles) WriteHistograms(csv, p);
                break;
        }
        csv.Flush();
    }

    private static void Header(CsvHelper.CsvWriter csv, string[] columns, bool end = true)
    {
        foreach (var c in columns) csv.WriteField(c);
        if (end) csv.EndRecord();
    }

    /// <summary>Prefix of the label columns of <see cref="CsvTable.Samples"/>: <c>label:worker</c>.</summary>
    public const string LabelColumnPrefix = "label:";

    /// <summary>Distinct label keys of every sample of <paramref name="profiles"/>, in first-seen order.</summary>
    public static List<string> LabelKeys(IReadOnlyList<Profile> profiles)
    {
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in profiles)
            for (var i = 0; i < p.Samples.Count; i++)
                foreach (var l in p.Samples.Labels(i))
                    if (seen.Add(l.Key)) keys.Add(l.Key);
        return keys;
    }

    /// <summary>
    /// The cell of one label key: a string label's value; a numeric label's number, then a space and its unit when it
    /// has one; several labels of the same key joined by a space in sample order (as <c>go tool pprof -raw</c> lists them);
    /// empty when the sample has none.
    /// </summary>
    public static string LabelCell(ReadOnlySpan<Label> labels, string key)
    {
        string? one = null;
        StringBuilder? many = null;
        foreach (var l in labels)
        {
            if (!string.Equals(l.Key, key, StringComparison.Ordinal)) continue;
            var text = l.Str ?? (l.NumUnit is { Length: > 0 } u ? Num(l.Num) + " " + u : Num(l.Num));
            if (one is null) one = text;
            else (many ??= new StringBuilder(one)).Append(' ').Append(text);
        }
        return many?.ToString() ?? one ?? "";
    }

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static SampleSelection Select(Profile p, CsvOptions o, bool firstEventByDefault)
        => SampleSelection.Choose(p, o.Event, o.AllEvents || (!firstEventByDefault && o.Event is null));

    private static void WriteSamples(CsvHelper.CsvWriter csv, Profile p, CsvOptions o, List<string> labelKeys)
    {
        var sel = Select(p, o, firstEventByDefault: false);
        var s = p.Samples;
        var frames = new FrameTable(p);
        var names = new StackNames(frames);
        var timed = new List<int>();
        var untimed = new List<int>();
        for (var i = 0; i < s.Count; i++)
        {
            if (!sel.Keeps(s.Event(i))) continue;
            (s.Time(i) == SampleTable.NoTime ? untimed : timed).Add(i);
        }
        SortByTime(timed, s.Time);
        var marks = new List<int>(p.Marks.Count);
        for (var m = 0; m < p.Marks.Count; m++) marks.Add(m);
        SortByTime(marks, m => p.Marks[m].Time);
        var offset = SampleSelection.UtcOffset(p);
        var source = p.Source.File;

        void Thread(int t)
        {
            if ((uint)t < (uint)p.Threads.Count)
            {
                var th = p.Threads[t];
                csv.WriteField(Num(th.Pid)); csv.WriteField(Num(th.Tid)); csv.WriteField(th.Name);
            }
            else { csv.WriteField(""); csv.WriteField(""); csv.WriteField(""); }
        }
        var parts = p.Parts;
        void Time(long t, int part)
        {
            if (t == SampleTable.NoTime) { csv.WriteField(""); csv.WriteField(""); return; }
            if (parts.Count > 0)
            {
                // a timeline merge: the axis time is UTC for placed inputs; time_ns is always the input's own clock
                var sp = parts[part];
                csv.WriteField(Num(sp.SourceTime(t)));
                csv.WriteField(sp.UtcTime(t) is { } u ? Num(u) : "");
                return;
            }
            csv.WriteField(Num(t));
            csv.WriteField(p.Clock.IsAligned ? Num(p.Clock.ToUtc(t)!.Value) : offset is { } off ? Num(t + off) : "");
        }
        string Source(int part) => parts.Count > 0 ? parts[part].Source.File : source;
        void Sample(int i)
        {
            var evt = s.Event(i);
            csv.WriteField(Source(s.Part(i)));
            csv.WriteField((uint)evt < (uint)p.Events.Count ? p.Events[evt].Name : "");
            Time(s.Time(i), s.Part(i));
            Thread(s.Thread(i));
            csv.WriteField(s.Cpu(i) < 0 ? "" : Num(s.Cpu(i)));
            csv.WriteField(Num(sel.Weight(p, i, o.Weight)));
            var (leaf, stack) = names.Of(s.Stack(i));
            csv.WriteField(leaf);
            csv.WriteField(stack);
            csv.WriteField("");
            if (labelKeys.Count > 0)
            {
                var labels = s.Labels(i);
                foreach (var k in labelKeys) csv.WriteField(labels.IsEmpty ? "" : LabelCell(labels, k));
            }
            csv.EndRecord();
        }
        void Mark(int m)
        {
            var mk = p.Marks[m];
            csv.WriteField(Source(mk.Part));
            csv.WriteField(mk.Name);
            Time(mk.Time, mk.Part);
            Thread(mk.Thread);
            csv.WriteField("");
            csv.WriteField(mk.Value is { } v ? Num(v) : "");
            csv.WriteField("");
            csv.WriteField("");
            csv.WriteField(mk.Text);
            foreach (var _ in labelKeys) csv.WriteField("");
            csv.EndRecord();
        }

        int a = 0, b = 0;
        while (a < timed.Count || b < marks.Count)
        {
            if (b >= marks.Count || (a < timed.Count && s.Time(timed[a]) <= p.Marks[marks[b]].Time)) Sample(timed[a++]);
            else Mark(marks[b++]);
        }
        foreach (var i in untimed) Sample(i);
    }

    private static void SortByTime(List<int> items, Func<int, long> time)
    {
        for (var k = 1; k < items.Count; k++)
            if (time(items[k]) < time(items[k - 1]))
            {
                // Stable: equal times keep their source order.
                var arr = items.ToArray();
                var keys = new (long, int)[arr.Length];
                for (var j = 0; j < arr.Length; j++) keys[j] = (time(arr[j]), j);
                Array.Sort(keys, arr);
                items.Clear();
                items.AddRange(arr);
                return;
            }
    }

    private static void WriteStacks(CsvHelper.CsvWriter csv, Profile p, CsvOptions o)
    {
        var sel = Select(p, o, firstEventByDefault: false);
        var s = p.Samples;
        var byStack = new Dictionary<(int Thread, int Event, int Stack), long>();
        for (var i = 0; i < s.Count; i++)
        {
            var evt = s.Event(i);
            if (!sel.Keeps(evt)) continue;
            CollectionsMarshal.GetValueRefOrAddDefault(byStack, (s.Thread(i), evt, s.Stack(i)), out _) += sel.Weight(p, i, o.Weight);
        }
        // Stacks that differ only in addresses have the same text: one row.
        var names = new StackNames(new FrameTable(p));
        var byText = new Dictionary<(int Thread, int Event, string Stack), long>();
        foreach (var ((t, e, st), v) in byStack)
            CollectionsMarshal.GetValueRefOrAddDefault(byText, (t, e, names.Of(st).Stack), out _) += v;
        var rows = byText.ToList();
        rows.Sort((x, y) =>
        {
            var c = y.Value.CompareTo(x.Value);
            if (c == 0) c = string.CompareOrdinal(x.Key.Stack, y.Key.Stack);
            if (c == 0) c = x.Key.Thread.CompareTo(y.Key.Thread);
            if (c == 0) c = x.Key.Event.CompareTo(y.Key.Event);
            return c;
        });
        foreach (var ((t, e, stack), v) in rows)
        {
            csv.WriteField(p.Source.File);
            if ((uint)t < (uint)p.Threads.Count)
            {
                var th = p.Threads[t];
                csv.WriteField(Num(th.Pid)); csv.WriteField(Num(th.Tid)); csv.WriteField(th.Name);
            }
            else { csv.WriteField(""); csv.WriteField(""); csv.WriteField(""); }
            csv.WriteField((uint)e < (uint)p.Events.Count ? p.Events[e].Name : "");
            csv.WriteField(Num(v));
            csv.WriteField(stack);
            csv.EndRecord();
        }
    }

    /// <summary>One row of the functions table.</summary>
    private sealed class FunctionRow(NamedFrame frame)
    {
        public NamedFrame Frame { get; } = frame;
        public long Self;
        public long Total;
        public long Stamp = -1;
    }

    private static void WriteFunctions(CsvHelper.CsvWriter csv, IReadOnlyList<Profile> profiles, CsvOptions o)
    {
        var rows = new List<FunctionRow>();
        var rowIds = new Dictionary<(string Name, string Module), int>();
        long grand = 0;
        long stamp = 0;
        var frames = new List<int>();
        var scratch = new List<int>();
        foreach (var p in profiles)
        {
            var sel = Select(p, o, firstEventByDefault: true);
            var s = p.Samples;
            var byStack = new Dictionary<int, long>();
            for (var i = 0; i < s.Count; i++)
            {
                if (!sel.Keeps(s.Event(i))) continue;
                var w = sel.Weight(p, i, o.Weight);
                CollectionsMarshal.GetValueRefOrAddDefault(byStack, s.Stack(i), out _) += w;
                grand += w;
            }
            var table = new FrameTable(p);
            var rowOfFrame = new List<int>();
            foreach (var (stack, v) in byStack)
            {
                table.RootFirst(stack, frames, scratch);
                stamp++;
                for (var k = 0; k < frames.Count; k++)
                {
                    var f = frames[k];
                    while (rowOfFrame.Count <= f) rowOfFrame.Add(-1);
                    if (rowOfFrame[f] < 0)
                    {
                        var fr = table[f];
                        if (!rowIds.TryGetValue((fr.Name, fr.Module), out var id))
                        {
                            id = rows.Count; rows.Add(new FunctionRow(fr)); rowIds.Add((fr.Name, fr.Module), id);
                        }
                        rowOfFrame[f] = id;
                    }
                    var row = rows[rowOfFrame[f]];
                    if (k == frames.Count - 1) row.Self += v;
                    // A recursive function counts once per sample in its total.
                    if (row.Stamp != stamp) { row.Stamp = stamp; row.Total += v; }
                }
            }
        }
        rows.Sort((x, y) =>
        {
            var c = y.Self.CompareTo(x.Self);
            if (c == 0) c = y.Total.CompareTo(x.Total);
            if (c == 0) c = string.CompareOrdinal(x.Frame.Name, y.Frame.Name);
            if (c == 0) c = string.CompareOrdinal(x.Frame.Module, y.Frame.Module);
            return c;
        });
        foreach (var r in rows)
        {
            csv.WriteField(r.Frame.Name);
            csv.WriteField(r.Frame.Module);
            csv.WriteField(r.Frame.File ?? "");
            csv.WriteField(r.Frame.Line > 0 ? Num(r.Frame.Line) : "");
            csv.WriteField(Num(r.Self));
            csv.WriteField(Percent(r.Self, grand));
            csv.WriteField(Num(r.Total));
            csv.WriteField(Percent(r.Total, grand));
            csv.EndRecord();
        }
    }

    /// <summary>A share in percent with up to six decimals (perf report prints two).</summary>
    internal static string Percent(long part, long whole)
        => whole == 0 ? "0" : (100.0 * part / whole).ToString("0.######", CultureInfo.InvariantCulture);

    private static void WriteHistograms(CsvHelper.CsvWriter csv, Profile p)
    {
        foreach (var h in p.Histograms)
            foreach (var b in h.Buckets)
            {
                csv.WriteField(p.Source.File);
                csv.WriteField(h.Map);
                csv.WriteField(h.Key);
                csv.WriteField(b.Lo is { } lo ? Num(lo) : "");
                csv.WriteField(b.Hi is { } hi ? Num(hi) : "");
                csv.WriteField(Num(b.Count));
                csv.EndRecord();
            }
    }

    /// <summary>Leaf name and root-first <c>;</c>-joined text of stacks, the last few cached (consecutive samples often share a stack).</summary>
    private sealed class StackNames(FrameTable frames)
    {
        private readonly List<int> _frames = [];
        private readonly List<int> _scratch = [];
        private readonly StringBuilder _sb = new();
        private readonly Dictionary<int, (string Leaf, string Stack)> _cache = [];
        // Bounds the cache so memory does not grow with the number of distinct stacks.
        private const int CacheLimit = 4096;

        public (string Leaf, string Stack) Of(int stack)
        {
            if (_cache.TryGetValue(stack, out var r)) return r;
            frames.RootFirst(stack, _frames, _scratch);
            _sb.Clear();
            for (var k = 0; k < _frames.Count; k++)
            {
                if (k > 0) _sb.Append(';');
                _sb.Append(frames[_frames[k]].Name);
            }
            r = (_frames.Count > 0 ? frames[_frames[^1]].Name : "", _sb.ToString());
            if (_cache.Count >= CacheLimit) _cache.Clear();
            _cache[stack] = r;
            return r;
        }
    }
}
