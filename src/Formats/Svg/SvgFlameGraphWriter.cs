using System.Globalization;
using System.Text;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Svg;

/// <summary>
/// Writes a self-contained interactive flame graph (or icicle graph, or differential flame graph) as SVG: frames from
/// the same aggregation as folded output (so every frame's <c>data-weight</c> is the folded weight of its path),
/// coloured by kind, with tooltips, click to zoom, reset and a regex search reporting the matched share (inline script,
/// nothing fetched). Frames are written in one depth-first pass over the frame tree, straight to the output.
/// </summary>
/// <remarks>
/// DOM contract: every frame is a <c>g</c> with class <c>frame</c> and attributes <c>data-name</c>, <c>data-weight</c>
/// (the folded count of its path) and <c>data-depth</c> (0 = the root "all"), in depth-first pre-order, so a frame's
/// parent is the nearest preceding frame one level up; merged placeholders add class <c>merged</c> and
/// <c>data-merged</c> (how many frames). Differential graphs add <c>data-base</c> and <c>data-delta</c>. The search
/// box is the input <c>#search</c>; <c>#matched</c> shows the share and carries <c>data-weight</c>/<c>data-share</c>.
/// </remarks>
public static class SvgFlameGraphWriter
{
    // Layout constants of flamegraph.pl (FlameGraph 41fee1f): frameheight 16, fontsize 12, fontwidth 0.59, xpad 10,
    // ypad1 = fontsize * 3, ypad2 = fontsize * 2 + 10, framepad 1.
    internal const double FrameHeight = 16, FontSize = 12, FontWidth = 0.59, XPad = 10, YPad1 = FontSize * 3, YPad2 = FontSize * 2 + 10, FramePad = 1;

    /// <summary>Folds <paramref name="profile"/> (diffed against <paramref name="baseProfile"/> when given) and writes its flame graph.</summary>
    public static SvgResult Write(Profile profile, TextWriter output, SvgOptions options, Profile? baseProfile = null)
    {
        FoldedResult folded;
        var colors = new FrameColors(profile);
        FlameTree tree;
        // the frame tree straight from the folded lines' UTF-8 (no string per line); a differential graph matches lines by text
        if (baseProfile is null) tree = FlameTree.FromUtf8(FoldedWriter.CollapseUtf8(profile, options.Folded, out folded, forceTextPath: false));
        else
        {
            var lines = FoldedWriter.Collapse(profile, options.Folded, out folded);
            var baseLines = FoldedWriter.Collapse(baseProfile, options.Folded, out _);
            colors.Learn(baseProfile);
            tree = FlameTree.FromDiff(lines, baseLines);
        }
        var r = Write(tree, colors, output, options, differential: baseProfile is not null);
        r.Folded = folded;
        return r;
    }

    /// <summary>Writes the flame graph of a frame tree.</summary>
    public static SvgResult Write(FlameTree tree, FrameColors colors, TextWriter output, SvgOptions options, bool differential = false)
    {
        if (!(options.Width >= 2 * XPad + 1) || double.IsInfinity(options.Width)) throw new ArgumentException("the width must be a number of pixels above " + (2 * XPad + 1).ToString(CultureInfo.InvariantCulture));
        if (!(options.MinWidth >= 0) || double.IsInfinity(options.MinWidth)) throw new ArgumentException("the minimum width must be a number of pixels, 0 or more");
        var result = new SvgResult { Total = tree.Total(0) };
        var total = tree.Total(0);
        var width = options.Width;
        var full = width - 2 * XPad;
        var perWeight = total == 0 ? 0 : full / (double)total;
        var minWidth = options.MinWidth;
        if (options.MaxFrames > 0 && tree.Count > options.MaxFrames && perWeight > 0)
        {
            // raise the minimum width so that at most MaxFrames tree nodes are wide enough (a parent is never narrower than its child)
            var widths = new double[tree.Count];
            for (var n = 0; n < widths.Length; n++) widths[n] = (double)tree.Total(n) * perWeight;
            Array.Sort(widths);
            var cut = Math.BitIncrement(widths[widths.Length - 1 - options.MaxFrames]);
            if (cut > minWidth) minWidth = cut;
        }
        result.EffectiveMinWidth = minWidth;
        var countName = options.CountName ?? "samples";
        var title = options.Title ?? (differential ? "Differential Flame Graph" : options.Icicle ? "Icicle Graph" : "Flame Graph");

        // Depth of the deepest frame drawn (a cheap scan over the nodes; the frames themselves are written in one pass).
        var maxDepth = 0;
        for (var n = 0; n < tree.Count; n++)
        {
            var p = tree.Parent(n);
            if (tree.Depth(n) > maxDepth && (p < 0 || (double)tree.Total(p) * perWeight >= minWidth)) maxDepth = tree.Depth(n);
        }
        var height = (maxDepth + 1) * FrameHeight + YPad1 + YPad2;

        var w = output;
        var sb = new StringBuilder(256);
        w.Write("<?xml version=\"1.0\" standalone=\"no\"?>\n");
        w.Write(Inv($"<svg version=\"1.1\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\" "));
        w.Write(Inv($"data-total=\"{FoldedWriter.FormatCount(total)}\" data-width=\"{width}\" data-xpad=\"{XPad}\" data-icicle=\"{(options.Icicle ? 1 : 0)}\" data-differential=\"{(differential ? 1 : 0)}\" data-countname=\""));
        w.Write(Escape(countName));
        w.Write("\">\n");
        w.Write(SvgScript.Style);
        w.Write(Inv($"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#f8f8f8\"/>\n"));
        w.Write(Inv($"<text id=\"title\" x=\"{width / 2}\" y=\"{FontSize * 2}\" text-anchor=\"middle\" font-size=\"{FontSize + 5}\">"));
        w.Write(Escape(title));
        w.Write("</text>\n");
        w.Write(Inv($"<text id=\"details\" x=\"{XPad}\" y=\"{height - YPad2 / 2}\"> </text>\n"));
        w.Write(Inv($"<text id=\"unzoom\" class=\"hide\" x=\"{XPad}\" y=\"{FontSize * 2}\">Reset Zoom</text>\n"));
        w.Write(Inv($"<foreignObject x=\"{width - XPad - 220}\" y=\"{FontSize * 0.5}\" width=\"220\" height=\"{FontSize * 2}\"><input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"search\" placeholder=\"Search (regex)\" title=\"a JavaScript regular expression; matching frames turn purple\"/></foreignObject>\n"));
        w.Write(Inv($"<text id=\"matched\" x=\"{width - XPad}\" y=\"{height - YPad2 / 2}\" text-anchor=\"end\"> </text>\n"));
        w.Write("<g id=\"frames\">\n");

        // Depth-first pre-order over (node | run of narrow siblings); each item carries its start in weight units.
        var work = new Stack<Item>();
        var children = new List<Item>();
        work.Push(new Item(0, 0, 0, 0, 0));
        while (work.Count > 0)
        {
            var it = work.Pop();
            var x = XPad + (double)it.Start * perWeight;
            if (it.Node < 0)
            {
                WriteFrame(w, sb, Inv($"({it.Count} narrow frames)"), it.Depth, it.Weight, x, (double)it.Weight * perWeight, total,
                    FrameColors.Palette(FrameKind.Other, 0.5), options, height, countName, it.Count, differential ? (0, 0) : null);
                result.Merged++;
                result.Frames++;
                continue;
            }
            var node = it.Node;
            var name = tree.Name(node);
            var fill = differential ? FrameColors.DeltaFill(tree.SelfDelta(node), tree.MaxLineDelta) : colors.Fill(name, tree.Depth(node));
            WriteFrame(w, sb, name, tree.Depth(node), tree.Total(node), x, (double)tree.Total(node) * perWeight, total, fill, options, height, countName, 0,
                differential ? (tree.BaseTotal(node), tree.SelfDelta(node)) : null);
            result.Frames++;

            // children, with runs of too-narrow siblings merged into one placeholder (or left out when the run is narrow too)
            children.Clear();
            // the frame's own (self) weight comes first, then its children, as flamegraph.pl lays out sorted lines
            UInt128 below = 0;
            for (var c = tree.FirstChild(node); c >= 0; c = tree.NextSibling(c)) below += tree.Total(c);
            var start = it.Start + (tree.Total(node) - below);
            UInt128 runStart = 0, runWeight = 0;
            var runCount = 0;
            for (var c = tree.FirstChild(node); c >= 0; c = tree.NextSibling(c))
            {
                var cw = tree.Total(c);
                if (cw == 0) continue;
                if ((double)cw * perWeight < minWidth)
                {
                    if (runCount == 0) runStart = start;
                    runWeight += cw;
                    runCount++;
                    result.Omitted += CountNodes(tree, c);
                }
                else
                {
                    FlushRun();
                    children.Add(new Item(c, start, cw, tree.Depth(c), 0));
                }
                start += cw;
            }
            FlushRun();
            for (var k = children.Count - 1; k >= 0; k--) work.Push(children[k]);

            void FlushRun()
            {
                if (runCount == 0) return;
                if ((double)runWeight * perWeight >= minWidth && runCount > 1)
                {
                    children.Add(new Item(-1, runStart, runWeight, tree.Depth(node) + 1, runCount));
                }
                runCount = 0; runWeight = 0;
            }
        }
        w.Write("</g>\n");
        w.Write(SvgScript.Script);
        w.Write("</svg>\n");
        w.Flush();
        return result;
    }

    private static int CountNodes(FlameTree tree, int node)
    {
        // nodes of a subtree, iteratively (the tree may be deep)
        var n = 0;
        var stack = new Stack<int>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            n++;
            for (var c = tree.FirstChild(s); c >= 0; c = tree.NextSibling(c)) stack.Push(c);
        }
        return n;
    }

    private readonly record struct Item(int Node, UInt128 Start, UInt128 Weight, int Depth, int Count);

    private static void WriteFrame(TextWriter w, StringBuilder sb, string name, int depth, UInt128 weight, double x, double fw, UInt128 total,
        string fill, SvgOptions options, double height, string countName, int merged, (UInt128 Base, Int128 Delta)? diff)
    {
        double y1, y2;
        if (options.Icicle) { y1 = YPad1 + depth * FrameHeight; y2 = YPad1 + (depth + 1) * FrameHeight - FramePad; }
        else { y1 = height - YPad2 - (depth + 1) * FrameHeight + FramePad; y2 = height - YPad2 - depth * FrameHeight; }
        var esc = Escape(name);
        sb.Clear();
        sb.Append(merged > 0 ? "<g class=\"frame merged\" data-name=\"" : "<g class=\"frame\" data-name=\"").Append(esc)
          .Append("\" data-weight=\"").Append(FoldedWriter.FormatCount(weight))
          .Append("\" data-depth=\"").Append(depth.ToString(CultureInfo.InvariantCulture)).Append('"');
        if (merged > 0) sb.Append(" data-merged=\"").Append(merged.ToString(CultureInfo.InvariantCulture)).Append('"');
        if (diff is { } d)
            sb.Append(" data-base=\"").Append(FoldedWriter.FormatCount(d.Base)).Append("\" data-delta=\"").Append(d.Delta.ToString(CultureInfo.InvariantCulture)).Append('"');
        sb.Append("><title>").Append(esc).Append(" (").Append(Thousands(weight)).Append(' ').Append(Escape(countName)).Append(", ")
          .Append(Percent(weight, total)).Append('%');
        if (diff is { } dd && merged == 0)
        {
            // flamegraph.pl: the self delta as a share of the whole, signed
            var pct = total == 0 ? 0 : 100.0 * (double)dd.Delta / (double)total;
            sb.Append("; ").Append(dd.Delta > 0 ? "+" : "").Append(pct.ToString("F2", CultureInfo.InvariantCulture)).Append('%');
        }
        sb.Append(")</title><rect x=\"").Append(Num(x)).Append("\" y=\"").Append(Num(y1)).Append("\" width=\"").Append(Num(fw))
          .Append("\" height=\"").Append(Num(y2 - y1)).Append("\" fill=\"").Append(fill).Append("\"/>");
        // a label fits when at least 3 characters do (flamegraph.pl: chars = width / (fontsize * fontwidth), "name.." when cut);
        // frames too narrow for one get no text element (the script adds it when a zoom widens them)
        var chars = (int)(fw / (FontSize * FontWidth));
        if (chars >= 3)
            sb.Append("<text x=\"").Append(Num(x + 3)).Append("\" y=\"").Append(Num((y1 + y2) / 2 + 3 + 1)).Append("\">")
              .Append(Escape(name.Length <= chars ? name : name[..(chars - 2)] + "..")).Append("</text>");
        sb.Append("</g>\n");
        w.Write(sb);
    }

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);

    private static string Num(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Percent(UInt128 part, UInt128 whole)
        => (whole == 0 ? 0 : 100.0 * (double)part / (double)whole).ToString("F2", CultureInfo.InvariantCulture);

    private static string Thousands(UInt128 v)
        => v <= ulong.MaxValue ? ((ulong)v).ToString("#,0", CultureInfo.InvariantCulture) : FoldedWriter.FormatCount(v);

    /// <summary>Text safe for XML content and attributes: markup characters escaped, characters XML 1.0 forbids replaced by U+FFFD.</summary>
    internal static string Escape(string s)
    {
        var clean = true;
        for (var i = 0; i < s.Length && clean; i++)
        {
            var c = s[i];
            if (c is '<' or '>' or '&' or '"' or '\'' || c < 0x20 || char.IsSurrogate(c) || c >= 0xFFFE) clean = false;
        }
        if (clean) return s;
        var sb = new StringBuilder(s.Length + 16);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[++i]); }
                    else if (c is '\t' or '\n' or '\r') sb.Append("&#").Append(((int)c).ToString(CultureInfo.InvariantCulture)).Append(';'); // kept through attribute normalisation
                    else if (c < 0x20 || char.IsSurrogate(c) || c >= 0xFFFE) sb.Append('\uFFFD');
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}
