using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Model;
using Stackweave.Formats.Svg;

namespace Stackweave.Formats.Html;

/// <summary>
/// Writes one self-contained HTML page (inline data, style and script; nothing fetched) that shows every source on one
/// time axis: one lane per source and thread with its samples as a flame chart over time, timestamped marks (bpftrace
/// printf lines) as ticks, aggregate-only profiles (pprof) as spans over their window; a time brush re-draws the
/// aggregate flame graph of the selected window across all sources. Samples are pre-aggregated per (lane, time bucket,
/// stack), so the page grows with buckets × distinct stacks, not with samples.
/// </summary>
/// <remarks>
/// DOM contract: lanes are elements with class <c>lane</c> and <c>data-source</c> (the source's file as given) and
/// <c>data-thread</c>; the brush is <c>#brush</c> (after a selection it carries <c>data-b0</c>/<c>data-b1</c>, the first
/// and last bucket, and <c>data-start-ns</c>/<c>data-end-ns</c>, relative to the axis start); flame graph frames are
/// <c>g.frame</c> with <c>data-name</c>, <c>data-weight</c>, <c>data-depth</c> in pre-order, as in the SVG; the search box is
/// <c>#search</c>. Times are relative to the earliest time on the axis; the absolute start is shown in <c>#start</c>.
/// Where a source goes on the axis is decided by <see cref="HtmlOptions.Placement"/> alone.
/// </remarks>
public static class HtmlTimelineWriter
{
    private const int UntimedLane = -2;

    /// <summary>Writes the page of <paramref name="profiles"/> (one or more sources).</summary>
    public static HtmlResult Write(IReadOnlyList<Profile> profiles, TextWriter output, HtmlOptions options)
    {
        if (profiles.Count == 0) throw new ArgumentException("the page needs at least one source");
        if (options.Buckets < 1) throw new ArgumentException("there must be at least one time bucket");
        var result = new HtmlResult();
        var place = options.Placement ?? SourcePlacement.OwnClock;

        // ---- fold every source once (as UTF-8: no string per line), remembering which line (and weight) each sample went to ----
        var perSource = new List<(Profile P, SourcePlacement Place, SampleAttribution Att)>();
        var folded = new List<FoldedLines>();
        var lineCount = 0;
        foreach (var p in profiles)
        {
            var att = new SampleAttribution();
            var lines = FoldedWriter.CollapseUtf8(p, FoldedFor(p, options.Folded), out _, false, att);
            perSource.Add((p, place(p), att));
            folded.Add(lines);
            lineCount += lines.Count;
        }
        // every source's lines in one UTF-8 byte order (each source's are sorted already; equal texts end at one node)
        var refs = new (int Source, int Line)[lineCount];
        var r0 = 0;
        for (var s = 0; s < folded.Count; s++)
            for (var i = 0; i < folded[s].Count; i++) refs[r0++] = (s, i);
        if (folded.Count > 1) Array.Sort(refs, (a, b) => folded[a.Source].Text(a.Line).SequenceCompareTo(folded[b.Source].Text(b.Line)));
        var bound = 0L;
        foreach (var f in folded) bound += FlameTree.NodeBound(f);
        var tree = new FlameTree((int)Math.Min(bound, Array.MaxLength / 32));
        var nodesOfLines = new List<int[]>();
        foreach (var f in folded) nodesOfLines.Add(new int[f.Count]);
        var chars = Array.Empty<char>();
        foreach (var (s, i) in refs) nodesOfLines[s][i] = tree.AddUtf8(folded[s].Text(i), 0, ref chars);
        // from here on a line is its node: the line texts (the bulk of the memory) can go
        folded.Clear();
        refs = [];
        // pre-order ids (parents before children, siblings in first-seen order) so the page lays frames out in one scan
        var pre = new int[tree.Count];
        var order = new List<int>(tree.Count);
        var dfs = new Stack<int>();
        dfs.Push(0);
        var kids = new List<int>();
        while (dfs.Count > 0)
        {
            var n = dfs.Pop();
            pre[n] = order.Count;
            order.Add(n);
            kids.Clear();
            for (var c = tree.FirstChild(n); c >= 0; c = tree.NextSibling(c)) kids.Add(c);
            for (var k = kids.Count - 1; k >= 0; k--) dfs.Push(kids[k]);
        }
        foreach (var nodeOfLine in nodesOfLines)
            for (var i = 0; i < nodeOfLine.Length; i++) nodeOfLine[i] = pre[nodeOfLine[i]];

        // ---- the axis: earliest and latest placed time of samples, marks and windows ----
        long t0 = long.MaxValue, t1 = long.MinValue;
        void See(long t) { if (t < t0) t0 = t; if (t > t1) t1 = t; }
        foreach (var (p, pl, att) in perSource)
        {
            for (var k = 0; k < att.Count; k++)
                if (p.Samples.Time(att.Sample(k)) is var t && t != SampleTable.NoTime) See(pl.ToAxis(t));
            foreach (var m in p.Marks) See(pl.ToAxis(m.Time));
            if (Window(p) is { } w) { See(pl.ToAxis(w.Start)); See(pl.ToAxis(w.End)); }
        }
        if (t0 > t1) { t0 = 0; t1 = 0; }
        var buckets = options.Buckets;
        // ceil(span / buckets), at least 1 ns; (t1 - t0) may not fit a long when sources sit decades apart: saturate
        var span = (UInt128)(ulong)(t1 - t0) + 1;
        var bucketNs = (long)Math.Max(1, (ulong)((span + (UInt128)(ulong)buckets - 1) / (UInt128)(ulong)buckets));
        result.BucketNs = bucketNs;
        result.StartNs = t0;
        int BucketOf(long axisNs) => (int)Math.Clamp((axisNs - t0) / bucketNs, 0, buckets - 1);

        // ---- lanes ----
        var lanes = new List<Lane>();
        var laneIndex = new Dictionary<(int Source, int Thread), int>();
        Lane LaneOf(int s, int thread)
        {
            if (!laneIndex.TryGetValue((s, thread), out var li)) { li = lanes.Count; laneIndex[(s, thread)] = li; lanes.Add(new Lane(s, thread)); }
            return lanes[li];
        }
        for (var s = 0; s < perSource.Count; s++)
        {
            var (p, pl, att) = perSource[s];
            var nodeOfLine = nodesOfLines[s];
            for (var k = 0; k < att.Count; k++)
            {
                var line = att.Line(k);
                if (line < 0) continue;
                var i = att.Sample(k);
                var t = p.Samples.Time(i);
                var node = nodeOfLine[line];
                if (t == SampleTable.NoTime)
                {
                    var lane = LaneOf(s, UntimedLane);
                    CollectionsMarshal.GetValueRefOrAddDefault(lane.Untimed, node, out _) += att.Weight(k);
                }
                else
                {
                    var lane = LaneOf(s, p.Samples.Thread(i));
                    var key = ((long)BucketOf(pl.ToAxis(t)) << 32) | (uint)node;
                    CollectionsMarshal.GetValueRefOrAddDefault(lane.Cells, key, out _) += att.Weight(k);
                }
            }
            foreach (var m in p.Marks)
            {
                var lane = LaneOf(s, m.Thread);
                var b = BucketOf(pl.ToAxis(m.Time));
                ref var c = ref CollectionsMarshal.GetValueRefOrAddDefault(lane.Marks, b, out var had);
                if (!had) c = (0, m.Name.Length > 0 ? m.Name : m.Text);
                c.Count++;
                result.Marks++;
            }
            if (laneIndex.TryGetValue((s, UntimedLane), out var ul))
            {
                var w = Window(p);
                lanes[ul].Span = w is { } ww ? (BucketOf(pl.ToAxis(ww.Start)), BucketOf(pl.ToAxis(ww.End))) : (0, buckets - 1);
            }
        }
        // lanes in source order, then threads by id (the untimed lane and thread-less marks first)
        lanes.Sort((a, b) => a.Source != b.Source ? a.Source.CompareTo(b.Source) : a.Thread.CompareTo(b.Thread));
        result.Lanes = lanes.Count;

        // ---- the page ----
        var title = options.Title ?? "Stackweave timeline";
        var w0 = output;
        w0.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
        w0.Write(HtmlText(title));
        w0.Write("</title>\n<style>\n");
        w0.Write(SvgScript.Resource("page.css", "Html"));
        w0.Write("</style></head>\n<body>\n<h1>");
        w0.Write(HtmlText(title));
        w0.Write("</h1>\n");
        var utc = perSource.All(x => x.Place.Utc);
        w0.Write("<p id=\"start\">Times are relative to the earliest time on the axis, ");
        w0.Write(HtmlText(utc ? DateTimeOffset.UnixEpoch.AddTicks(t0 / 100).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + " (UTC)"
            : FormattableString.Invariant($"{t0} ns on the sources' own clocks (not aligned to UTC)")));
        w0.Write(FormattableString.Invariant($"; {buckets} buckets of {bucketNs} ns.</p>\n"));
        // the alignment facts
        w0.Write("<table id=\"facts\"><thead><tr><th>source</th><th>format</th><th>clock</th><th>placed</th><th>offset (ns)</th><th>residual</th><th>samples</th><th>marks</th><th>first time (source clock, ns)</th></tr></thead><tbody>\n");
        foreach (var (p, pl, att) in perSource)
        {
            var earliest = EarliestTime(p);
            w0.Write("<tr class=\"fact\" data-source=\"");
            w0.Write(HtmlAttr(p.Source.File));
            w0.Write("\"><td>");
            w0.Write(HtmlText(p.Source.File));
            w0.Write("</td><td>" + HtmlText(p.Source.Format) + "</td><td>" + HtmlText(p.Clock.Domain + (p.Clock.AlignedBy is { } ab ? " (" + ab + ")" : "")) + "</td><td>");
            w0.Write(HtmlText(pl.How));
            w0.Write(FormattableString.Invariant($"</td><td>{pl.OffsetNs}</td><td>{HtmlText(pl.Residual ?? "—")}</td><td>{att.Count}</td><td>{p.Marks.Count}</td><td>{(earliest is { } e ? e.ToString(CultureInfo.InvariantCulture) : "—")}</td></tr>\n"));
        }
        w0.Write("</tbody></table>\n");
        w0.Write("<div id=\"timeline\"><div id=\"axis\"></div><div id=\"lanes\">\n");
        foreach (var lane in lanes)
        {
            var p = perSource[lane.Source].P;
            var threadText = lane.Thread == UntimedLane ? "window (no per-sample time)"
                : (uint)lane.Thread < (uint)p.Threads.Count ? ThreadLabel(p.Threads[lane.Thread]) : "(no thread)";
            w0.Write("<div class=\"lane\" data-source=\"");
            w0.Write(HtmlAttr(p.Source.File));
            w0.Write("\" data-thread=\"");
            w0.Write(HtmlAttr(threadText));
            w0.Write("\"><div class=\"label\" title=\"");
            w0.Write(HtmlAttr(p.Source.File + " — " + threadText));
            w0.Write("\"><b>");
            w0.Write(HtmlText(ShortName(p.Source.File)));
            w0.Write("</b> ");
            w0.Write(HtmlText(threadText));
            w0.Write("</div><canvas></canvas></div>\n");
        }
        w0.Write("</div><div id=\"brush\" title=\"drag to choose a time window; double-click for all\"><div class=\"sel\"></div></div></div>\n");
        w0.Write("<div id=\"controls\"><span id=\"window\"></span> <button id=\"all\">whole time</button> <input id=\"search\" type=\"search\" placeholder=\"Search (regex)\"> <span id=\"matched\"> </span> <button id=\"unzoom\" class=\"hide\">Reset zoom</button></div>\n");
        w0.Write("<div id=\"details\"> </div>\n");
        w0.Write(FormattableString.Invariant($"<svg id=\"flamegraph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{options.Width}\" height=\"50\"><g id=\"frames\"></g></svg>\n"));
        w0.Write("<script id=\"data\" type=\"application/json\">");
        w0.Flush();
        var cells = WriteData(perSource.Select(x => (x.P, x.Place)).ToList(), lanes, tree, order, pre, options, buckets, bucketNs, t0, utc, output, profiles);
        result.Cells = cells;
        w0.Write("</script>\n<script>\n");
        w0.Write(SvgScript.FlameView);
        w0.Write(SvgScript.Resource("page.js", "Html"));
        w0.Write("</script>\n</body></html>\n");
        w0.Flush();
        return result;
    }

    private static long WriteData(List<(Profile P, SourcePlacement Place)> sources, List<Lane> lanes, FlameTree tree, List<int> order, int[] pre, HtmlOptions options,
        int buckets, long bucketNs, long t0, bool utc, TextWriter output, IReadOnlyList<Profile> profiles)
    {
        // JSON straight into the page; the default encoder escapes '<', '>' and '&', so no text can close the script element
        var ms = new MemoryStream();
        var drain = new Drainer(output);
        var cells = 0L;
        var colors = new FrameColors();
        foreach (var p in profiles) colors.Learn(p);
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            j.WriteStartObject();
            j.WriteNumber("buckets", buckets);
            j.WriteNumber("bucketNs", bucketNs);
            j.WriteString("startNs", t0.ToString(CultureInfo.InvariantCulture));
            j.WriteBoolean("utc", utc);
            j.WriteNumber("width", options.Width);
            // frames: pre-order nodes; node 0 is the root "all"
            var names = new Dictionary<string, int>(StringComparer.Ordinal);
            var nameList = new List<string>();
            // parents as distances back in pre-order (mostly 1: the previous node), which keeps the page small
            j.WriteStartArray("parentBack");
            for (var k = 0; k < order.Count; k++)
            {
                j.WriteNumberValue(tree.Parent(order[k]) < 0 ? 0 : k - pre[tree.Parent(order[k])]);
                if ((k & 0xFFF) == 0 && j.BytesPending + ms.Length > 1 << 20) { j.Flush(); drain.Write(ms); }
            }
            j.WriteEndArray();
            j.WriteStartArray("name");
            for (var k = 0; k < order.Count; k++)
            {
                var name = tree.Name(order[k]);
                if (!names.TryGetValue(name, out var id)) { id = nameList.Count; names[name] = id; nameList.Add(name); }
                j.WriteNumberValue(id);
                if ((k & 0xFFF) == 0 && j.BytesPending + ms.Length > 1 << 20) { j.Flush(); drain.Write(ms); }
            }
            j.WriteEndArray();
            j.WriteStartArray("names");
            foreach (var s in nameList) j.WriteStringValue(s);
            j.WriteEndArray();
            // one fill per name (the colour depends on the name alone below the root)
            j.WriteStartArray("fills");
            foreach (var name in nameList) j.WriteStringValue(colors.Fill(name, 1));
            j.WriteEndArray();
            j.WriteStartArray("lanes");
            foreach (var lane in lanes)
            {
                j.WriteStartObject();
                j.WriteNumber("source", lane.Source);
                // cells grouped by bucket: bucket, number of stacks, then (node, weight) for each
                j.WriteStartArray("cells");
                var keys = lane.Cells.Keys.ToArray();
                Array.Sort(keys);
                for (var a = 0; a < keys.Length;)
                {
                    var b = keys[a] >> 32;
                    var e = a;
                    while (e < keys.Length && keys[e] >> 32 == b) e++;
                    j.WriteNumberValue(b);
                    j.WriteNumberValue(e - a);
                    for (; a < e; a++)
                    {
                        j.WriteNumberValue((int)(uint)keys[a]);
                        WriteWeight(j, lane.Cells[keys[a]]);
                        cells++;
                    }
                }
                j.WriteEndArray();
                if (lane.Thread == UntimedLane)
                {
                    j.WriteStartArray("span");
                    j.WriteNumberValue(lane.Span.B0);
                    j.WriteNumberValue(lane.Span.B1);
                    j.WriteEndArray();
                    j.WriteStartArray("untimed");
                    foreach (var (node, w) in lane.Untimed.OrderBy(kv => kv.Key)) { j.WriteNumberValue(node); WriteWeight(j, w); cells++; }
                    j.WriteEndArray();
                }
                j.WriteStartArray("marks");
                foreach (var (b, (count, name)) in lane.Marks.OrderBy(kv => kv.Key)) { j.WriteNumberValue(b); j.WriteNumberValue(count); j.WriteStringValue(name); }
                j.WriteEndArray();
                j.WriteEndObject();
                if (j.BytesPending + ms.Length > 1 << 20) { j.Flush(); drain.Write(ms); }
            }
            j.WriteEndArray();
            j.WriteStartArray("sources");
            foreach (var (p, pl) in sources)
            {
                j.WriteStartObject();
                j.WriteString("file", p.Source.File);
                j.WriteString("format", p.Source.Format);
                j.WriteString("clock", p.Clock.Domain.ToString());
                j.WriteString("placed", pl.How);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        drain.Write(ms);
        drain.Finish();
        return cells;
    }

    private static void WriteWeight(Utf8JsonWriter j, UInt128 w)
    {
        if (w <= ulong.MaxValue) j.WriteNumberValue((ulong)w);
        else j.WriteNumberValue((double)w);
    }

    /// <summary>Moves the JSON bytes gathered in a memory stream to the page's text writer through one reused char buffer.</summary>
    private sealed class Drainer(TextWriter output)
    {
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
        private readonly char[] _chars = new char[1 << 16];

        public void Write(MemoryStream ms)
        {
            var bytes = ms.GetBuffer().AsSpan(0, (int)ms.Length);
            while (!bytes.IsEmpty)
            {
                _decoder.Convert(bytes, _chars, flush: false, out var used, out var made, out _);
                output.Write(_chars, 0, made);
                bytes = bytes[used..];
            }
            ms.SetLength(0);
        }

        public void Finish()
        {
            _decoder.Convert(ReadOnlySpan<byte>.Empty, _chars, flush: true, out _, out var made, out _);
            if (made > 0) output.Write(_chars, 0, made);
        }
    }

    /// <summary>The earliest timestamp of a source (samples, marks, or its window's start), in its own clock; null when it has none.</summary>
    public static long? EarliestTime(Profile p)
    {
        long? e = null;
        var s = p.Samples;
        for (var i = 0; i < s.Count; i++)
        {
            var t = s.Time(i);
            if (t != SampleTable.NoTime && (e is null || t < e)) e = t;
        }
        foreach (var m in p.Marks) if (e is null || m.Time < e) e = m.Time;
        if (e is null && Window(p) is { } w) e = w.Start;
        return e;
    }

    /// <summary>The window an aggregate-only profile covers (pprof time_nanos and duration_nanos), in its clock.</summary>
    internal static (long Start, long End)? Window(Profile p)
        => p.StartTime is { } st && !HasTimedSamples(p) ? (st, st + Math.Max(0, p.DurationNs)) : null;

    private static bool HasTimedSamples(Profile p) => p.Samples.Count > 0 && p.Samples.Time(0) != SampleTable.NoTime;

    /// <summary>The folded options for one source: a profile without perf events counts its default value column (as the CLI's folded output does).</summary>
    private static FoldedOptions FoldedFor(Profile p, FoldedOptions o)
    {
        if (p.Events.Count > 0 || o.ValueIndex is not null || p.SampleTypes.Count == 0) return o;
        var index = p.SampleTypes.Count - 1;
        if (p.DefaultSampleType is { } d)
            for (var i = 0; i < p.SampleTypes.Count; i++)
                if (string.Equals(p.SampleTypes[i].Type, d, StringComparison.Ordinal)) { index = i; break; }
        return new FoldedOptions
        {
            Pid = o.Pid, Tid = o.Tid, Kernel = o.Kernel, Jit = o.Jit, All = o.All, Addrs = o.Addrs, EventFilter = o.EventFilter,
            InputFields = o.InputFields, ValueIndex = index, StoredNames = o.StoredNames, Offsets = o.Offsets, TextRules = o.TextRules,
        };
    }

    /// <summary>A file's last two path parts (captures are often all named perf.data).</summary>
    private static string ShortName(string file)
    {
        var dir = Path.GetFileName(Path.GetDirectoryName(file));
        return string.IsNullOrEmpty(dir) ? Path.GetFileName(file) : dir + "/" + Path.GetFileName(file);
    }

    private static string ThreadLabel(ThreadInfo t)
        => t.Pid >= 0 ? FormattableString.Invariant($"{t.Name} {t.Pid}/{t.Tid}") : FormattableString.Invariant($"{t.Name} {t.Tid}");

    private static string HtmlText(string s) => HtmlEncoder.Default.Encode(s);
    private static string HtmlAttr(string s) => HtmlEncoder.Default.Encode(s);

    private sealed class Lane(int source, int thread)
    {
        public int Source { get; } = source;
        public int Thread { get; } = thread;
        public Dictionary<long, UInt128> Cells { get; } = [];
        public Dictionary<int, UInt128> Untimed { get; } = [];
        public Dictionary<int, (long Count, string Name)> Marks { get; } = [];
        public (int B0, int B1) Span { get; set; }
    }
}
