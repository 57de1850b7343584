using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Stackweave.Tests.Pictures;

/// <summary>One frame of a flame graph, with its path from the root ("all" excluded).</summary>
public sealed record PictureFrame(string Path, string Name, int Depth, decimal Weight, string Fill, double X, double Width, bool Merged);

/// <summary>Reads frames out of Stackweave's SVG (its DOM contract) and out of flamegraph.pl's SVG (by geometry).</summary>
public static partial class PictureFrames
{
    /// <summary>Prefix of the paths of flamegraph.pl frames that no frame above holds.</summary>
    public const string Orphan = "?orphan?";

    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    /// <summary>Stackweave's frames: <c>g.frame</c> in pre-order, the path rebuilt from <c>data-depth</c>.</summary>
    public static List<PictureFrame> FromStackweave(string svgText)
    {
        var doc = XDocument.Parse(svgText);
        var list = new List<PictureFrame>();
        var path = new List<string>();
        foreach (var g in doc.Descendants(s_svg + "g"))
        {
            var cls = ((string?)g.Attribute("class") ?? "").Split(' ');
            if (!cls.Contains("frame")) continue;
            var depth = int.Parse((string)g.Attribute("data-depth")!, CultureInfo.InvariantCulture);
            var name = (string)g.Attribute("data-name")!;
            var rect = g.Element(s_svg + "rect")!;
            // pre-order: the parent is the nearest preceding frame one level up
            Assert.True(depth <= path.Count + 1 || depth == 0, $"frame {name} at depth {depth} has no parent before it");
            if (depth == 0) path.Clear();
            else
            {
                while (path.Count >= depth) path.RemoveAt(path.Count - 1);
                path.Add(name);
            }
            list.Add(new PictureFrame(string.Join(';', path), name, depth, decimal.Parse((string)g.Attribute("data-weight")!, CultureInfo.InvariantCulture),
                (string)rect.Attribute("fill")!, D(rect, "x"), D(rect, "width"), cls.Contains("merged")));
        }
        return list;
    }

    /// <summary>flamegraph.pl's frames: depth from the rows (y), parent = the frame one row closer to the root under the frame's middle.</summary>
    public static List<PictureFrame> FromFlameGraphPl(string svgText, bool inverted)
    {
        var doc = XDocument.Parse(svgText);
        var raw = new List<(string Name, decimal Weight, string Fill, double X, double W, double Y)>();
        foreach (var g in doc.Descendants(s_svg + "g"))
        {
            var title = g.Element(s_svg + "title");
            var rect = g.Element(s_svg + "rect");
            if (title is null || rect is null) continue;
            var m = TitleRe().Match(title.Value);
            Assert.True(m.Success, "flamegraph.pl title: " + title.Value);
            raw.Add((m.Groups[1].Value, decimal.Parse(m.Groups[2].Value.Replace(",", ""), CultureInfo.InvariantCulture), (string)rect.Attribute("fill")!,
                D(rect, "x"), D(rect, "width"), D(rect, "y")));
        }
        var rows = raw.Select(r => r.Y).Distinct().OrderBy(y => inverted ? y : -y).ToList();
        var byDepth = raw.Select(r => (r, Depth: rows.IndexOf(r.Y))).OrderBy(t => t.Depth).ToList();
        var done = new List<(int Depth, double X, double W, string Path)>();
        var list = new List<PictureFrame>();
        foreach (var (r, depth) in byDepth)
        {
            var path = "";
            if (depth > 0)
            {
                var mid = r.X + r.W / 2;
                // x and width carry one decimal: the parent is the frame one row up whose middle-containment margin is largest
                var parent = done.Where(p => p.Depth == depth - 1).MaxBy(p => Math.Min(mid - p.X, p.X + p.W - mid));
                path = parent.Path.Length == 0 ? r.Name : parent.Path + ";" + r.Name;
                // no frame above holds it (flamegraph.pl dropped its parent): an orphan, with every frame above it
                if (Math.Min(mid - parent.X, parent.X + parent.W - mid) < -0.06) path = Orphan + path;
            }
            done.Add((depth, r.X, r.W, path));
            list.Add(new PictureFrame(path, r.Name, depth, r.Weight, r.Fill, r.X, r.W, false));
        }
        return list;
    }

    /// <summary>The weight of every path prefix of folded lines (the root "" holds the total).</summary>
    public static Dictionary<string, decimal> PrefixWeights(IEnumerable<(string Stack, decimal Count)> lines)
    {
        var d = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (stack, count) in lines)
        {
            d[""] = d.GetValueOrDefault("") + count;
            for (var i = 0; i <= stack.Length; i++)
                if (i == stack.Length || stack[i] == ';') d[stack[..i]] = d.GetValueOrDefault(stack[..i]) + count;
        }
        return d;
    }

    /// <summary>Folded text as (stack, count) pairs.</summary>
    public static List<(string Stack, decimal Count)> ParseFolded(string text)
        => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (l[..l.LastIndexOf(' ')], decimal.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))).ToList();

    /// <summary>Frames summed by path (flamegraph.pl splits a frame when a sibling's name extends it with a byte below ';').</summary>
    public static Dictionary<string, decimal> ByPath(IEnumerable<PictureFrame> frames)
    {
        var d = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var f in frames) if (!f.Merged && f.Weight > 0) d[f.Path] = d.GetValueOrDefault(f.Path) + f.Weight;
        return d;
    }

    /// <summary>Asserts two path → weight maps are equal, naming the first paths that differ.</summary>
    public static void AssertSame(Dictionary<string, decimal> want, Dictionary<string, decimal> got)
    {
        var diffs = want.Keys.Union(got.Keys).Where(k => !want.TryGetValue(k, out var a) || !got.TryGetValue(k, out var b) || a != b)
            .Order(StringComparer.Ordinal).Take(5)
            .Select(k => $"{k}: want {(want.TryGetValue(k, out var a) ? a : "none")}, got {(got.TryGetValue(k, out var b) ? b : "none")}").ToList();
        Assert.True(diffs.Count == 0, string.Join("\n", diffs));
    }

    private static double D(XElement e, string attr) => double.Parse((string)e.Attribute(attr)!, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(.*) \(([\d,]+) samples, [\d.]+%(?:; [+-]?[\d.]+%)?\)$", RegexOptions.Singleline)]
    private static partial Regex TitleRe();
}
