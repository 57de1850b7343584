using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stackweave.Formats;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Html;
using Stackweave.Formats.Model;
using Stackweave.Merge.Pprof;
using Stackweave.Merge.Symbols;
using Stackweave.Tests.Integration;
using Stackweave.Tests.Speedscope;

namespace Stackweave.Tests.Pictures;

/// <summary>A fact that needs node, Chromium and npm playwright-core (as <c>.ci/run</c> installs them): skipped, never passed, without them.</summary>
public sealed class RequiresPictureBrowserFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when something is missing.</summary>
    public RequiresPictureBrowserFactAttribute()
    {
        if (SpeedscopeBrowser.Node is null) Skip = "node is not installed";
        else if (!File.Exists(SpeedscopeBrowser.Chromium)) Skip = SpeedscopeBrowser.Chromium + " is not installed (apt-get install chromium)";
        else if (!File.Exists(Path.Combine(SpeedscopeBrowser.ToolsDir, "node_modules", "playwright-core", "package.json")))
            Skip = $"npm playwright-core is not in {SpeedscopeBrowser.ToolsDir} (.ci/run installs it)";
    }
}

/// <summary>
/// Check 5: every SVG and HTML output of the test captures opens as a file in Chromium with no console error and no
/// network request; clicking a frame zooms it to the full width; a search highlights exactly the matching frames and
/// reports their share of the folded weight; the page shows one lane per source and thread; brushing a window shows
/// that window's totals, equal to <c>stackweave convert --start/--end</c> (folded) on the brushed window rounded to the
/// page's time buckets — on UTC for the aligned testdata/clock inputs, and for pages whose sources sit on their own clocks
/// on the same axis through <c>--clock-offset</c> with the page's own placement of each input. A copy with an injected
/// script error must fail the same checks. Screenshots stay in the test output folder (picture-artifacts/).
/// </summary>
public class PicturesBrowserTests
{
    private sealed record SvgCase(string Name, string[] Inputs, string[] Options, string Search);

    private static readonly SvgCase[] s_svg =
    [
        new("go-fp", ["go-fp/perf.data"], ["--min-width", "0", "--max-frames", "0"], @"main\.fib"),
        new("go-fp-default-width", ["go-fp/perf.data"], [], @"hash"),
        new("cpp-fp-kernel-icicle", ["cpp-fp/perf.data"], ["--kernel", "--icicle", "--min-width", "0", "--max-frames", "0"], @"fib|_\[k\]$"),
        new("pprof-cpu", ["pprof/cpu.pb.gz"], ["--min-width", "0", "--max-frames", "0"], @"^runtime\."),
        new("bpftrace-kstack", ["bpftrace/kstack.txt"], ["--min-width", "0", "--max-frames", "0"], @"sys"),
        new("diff-zstd-go-fp", ["go-fp/perf.data"], ["--min-width", "0", "--max-frames", "0", "--diff", RepoPaths.TestData("zstd", "perf.data")], @"sortish"),
    ];

    private sealed record HtmlCase(string Name, string[] Inputs, double From, double To, string Search, bool Utc);

    private static readonly HtmlCase[] s_html =
    [
        new("perf-pprof-bpftrace", ["go-fp/perf.data", "pprof/cpu.pb.gz", "bpftrace/printf.txt"], 0.1, 0.45, @"main\.", false),
        new("threads-system-wide", ["threads/perf.data", "system-wide/perf.data"], 0.3, 0.7, @"fib", false),
        // perf (CLOCK_DATA), pprof (time_nanos) and bpftrace (estimated from the writes perf also saw): all on UTC
        new("clock-utc", ["clock/perf.data", "clock/cpu.pb.gz", "clock/bpftrace.txt"], 0.3, 0.62, @"clockprobe|main\.", true),
    ];

    private static string Artifacts
    {
        get
        {
            var d = Path.Combine(AppContext.BaseDirectory, "picture-artifacts");
            Directory.CreateDirectory(d);
            return d;
        }
    }

    private static string[] Common => ["--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms];

    [RequiresPictureBrowserFact]
    public void Svg_and_html_outputs_load_zoom_search_and_brush_in_chromium()
    {
        var dir = Artifacts;
        var jobs = new List<Dictionary<string, object?>>();
        var folded = new List<List<(string Stack, decimal Count)>>();
        foreach (var c in s_svg)
        {
            var file = Path.Combine(dir, c.Name + ".svg");
            var r = CliRunner.Run(["convert", .. c.Inputs.Select(i => RepoPaths.TestData(i.Split('/'))), "-o", file, .. Common, .. c.Options]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var fr = CliRunner.Run(["convert", .. c.Inputs.Select(i => RepoPaths.TestData(i.Split('/'))), "--format", "folded", .. Common,
                .. c.Options.Where((o, k) => !(o is "--min-width" or "--max-frames" or "--diff" or "--icicle") && !(k > 0 && c.Options[k - 1] is "--min-width" or "--max-frames" or "--diff"))]);
            Assert.True(fr.ExitCode == 0, fr.Stderr);
            folded.Add(PictureFrames.ParseFolded(fr.Stdout));
            jobs.Add(Job(file, "svg", c.Search, null));
        }
        foreach (var c in s_html)
        {
            var file = Path.Combine(dir, c.Name + ".html");
            var r = CliRunner.Run(["convert", .. c.Inputs.Select(i => RepoPaths.TestData(i.Split('/'))), "-o", file, .. Common]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            jobs.Add(Job(file, "html", c.Search, [c.From, c.To]));
        }
        // negative controls: the same files with a script error injected
        var brokenSvg = Path.Combine(dir, "broken.svg");
        File.WriteAllText(brokenSvg, Inject(File.ReadAllText(Path.Combine(dir, "go-fp.svg"))));
        var brokenHtml = Path.Combine(dir, "broken-page.html");
        File.WriteAllText(brokenHtml, Inject(File.ReadAllText(Path.Combine(dir, s_html[0].Name + ".html"))));
        jobs.Add(Job(brokenSvg, "svg", s_svg[0].Search, null));
        jobs.Add(Job(brokenHtml, "html", s_html[0].Search, [s_html[0].From, s_html[0].To]));

        using var results = JsonDocument.Parse(RunChecks(jobs));
        var all = results.RootElement.EnumerateArray().ToList();
        Assert.Equal(jobs.Count, all.Count);
        for (var i = 0; i < s_svg.Length; i++)
        {
            var problems = SvgProblems(all[i], s_svg[i].Search, folded[i]);
            Assert.True(problems.Count == 0, s_svg[i].Name + ": " + string.Join("; ", problems));
        }
        for (var i = 0; i < s_html.Length; i++)
        {
            var problems = HtmlProblems(all[s_svg.Length + i], s_html[i]);
            Assert.True(problems.Count == 0, s_html[i].Name + ": " + string.Join("; ", problems));
        }
        var badSvg = SvgProblems(all[^2], s_svg[0].Search, folded[0]);
        var badHtml = HtmlProblems(all[^1], s_html[0]);
        Assert.True(badSvg.Count > 0, "the SVG with an injected script error passed the checks");
        Assert.True(badHtml.Count > 0, "the page with an injected script error passed the checks");
        Assert.Contains(badSvg, p => p.Contains("injected", StringComparison.Ordinal));
        Assert.Contains(badHtml, p => p.Contains("injected", StringComparison.Ordinal));
        foreach (var j in jobs) Assert.True(File.Exists((string)j["screenshot"]!), "no screenshot of " + j["file"]);
    }

    private static string Inject(string text)
    {
        const string Anchor = "function FlameView(root, cfg) {";
        Assert.Contains(Anchor, text, StringComparison.Ordinal);
        return text.Replace(Anchor, Anchor + " throw new Error(\"injected failure\");", StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> Job(string file, string kind, string search, double[]? brush) => new()
    {
        ["file"] = file, ["kind"] = kind, ["search"] = search, ["brush"] = brush, ["screenshot"] = Path.ChangeExtension(file, ".png"),
    };

    /// <summary>What is wrong with one SVG in the browser (empty: nothing).</summary>
    private static List<string> SvgProblems(JsonElement r, string search, List<(string Stack, decimal Count)> folded)
    {
        var p = CommonProblems(r);
        if (!r.TryGetProperty("frames", out var framesEl)) return [.. p, "no frames read"];
        var frames = Frames(framesEl);
        // search: exactly the frames whose name matches are highlighted; the share is the folded weight of lines with a match
        var re = new Regex(search);
        var total = folded.Sum(l => l.Count);
        var matched = folded.Where(l => l.Stack.Split(';').Any(re.IsMatch)).Sum(l => l.Count);
        if (!r.TryGetProperty("search", out var s)) return [.. p, "search was not run"];
        var share = s.GetProperty("share").GetDouble();
        if (Math.Abs(share - (double)(matched / total)) > 1e-9) p.Add($"search share {share}, want {matched / total}");
        if (s.GetProperty("weight").ValueKind != JsonValueKind.String || s.GetProperty("weight").GetString() != matched.ToString(CultureInfo.InvariantCulture))
            p.Add($"search weight {s.GetProperty("weight")}, want {matched}");
        var after = r.GetProperty("afterSearch").EnumerateArray().ToList();
        for (var k = 0; k < after.Count; k++)
        {
            var f = after[k];
            var want = !f.GetProperty("merged").GetBoolean() && re.IsMatch(f.GetProperty("name").GetString()!);
            if (want != f.GetProperty("match").GetBoolean()) p.Add($"frame {f.GetProperty("name").GetString()}: highlighted {!want}, want {want}");
        }
        if (frames.Count == 0) p.Add("no frames");
        return p;
    }

    /// <summary>Load, errors and zoom checks shared by both kinds.</summary>
    private static List<string> CommonProblems(JsonElement r)
    {
        var p = new List<string>();
        foreach (var e in r.GetProperty("errors").EnumerateArray()) p.Add(e.GetString()!);
        if (!r.GetProperty("loaded").GetBoolean()) p.Add("did not load");
        if (!r.TryGetProperty("hasApi", out var api) || !api.GetBoolean()) p.Add("the script did not run (window.stackweave missing)");
        if (!r.TryGetProperty("clicked", out var c)) { p.Add("no frame to click"); return p; }
        var full = r.GetProperty("fullWidth").GetDouble();
        if (Math.Abs(c.GetProperty("widthAfter").GetDouble() - full) > 0.01 || Math.Abs(c.GetProperty("shownAfter").GetDouble() - full) > 0.5)
            p.Add($"clicked frame {c.GetProperty("name")} is {c.GetProperty("widthAfter")} wide after the click, want {full}");
        if (c.TryGetProperty("widthReset", out var reset) && Math.Abs(reset.GetDouble() - c.GetProperty("widthBefore").GetDouble()) > 0.01)
            p.Add("Escape did not reset the zoom");
        return p;
    }

    private static List<(string Path, string Name, int Depth, decimal Weight)> Frames(JsonElement frames)
    {
        var list = new List<(string, string, int, decimal)>();
        var path = new List<string>();
        foreach (var f in frames.EnumerateArray())
        {
            var d = f.GetProperty("depth").GetInt32();
            var name = f.GetProperty("name").GetString()!;
            if (d == 0) path.Clear();
            else { while (path.Count >= d) path.RemoveAt(path.Count - 1); path.Add(name); }
            list.Add((string.Join(';', path), name, d, decimal.Parse(f.GetProperty("weight").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        return list;
    }

    /// <summary>What is wrong with one HTML page in the browser (empty: nothing).</summary>
    private static List<string> HtmlProblems(JsonElement r, HtmlCase c)
    {
        var p = CommonProblems(r);
        if (!r.TryGetProperty("lanes", out var lanesEl)) return [.. p, "no lanes read"];
        var profiles = c.Inputs.Select(Load).ToList();
        // one lane per source and thread (and one for a source's untimed samples, one for marks without a thread)
        var lanes = lanesEl.EnumerateArray().Select(l => (Source: l.GetProperty("source").GetString()!, Thread: l.GetProperty("thread").GetString()!)).ToList();
        if (lanes.Distinct().Count() != lanes.Count) p.Add("two lanes for one source and thread");
        for (var s = 0; s < profiles.Count; s++)
        {
            var file = RepoPaths.TestData(c.Inputs[s].Split('/'));
            var wantLanes = LaneKeys(profiles[s].P, profiles[s].Att).Count;
            var got = lanes.Count(l => l.Source == file);
            if (wantLanes != got) p.Add($"{c.Inputs[s]}: {got} lanes, want {wantLanes}");
        }
        if (lanes.Any(l => !c.Inputs.Any(i => RepoPaths.TestData(i.Split('/')) == l.Source))) p.Add("a lane of an unknown source");

        // the brushed window: the page's flame graph equals `stackweave convert --start/--end` on the window rounded to its buckets
        if (!r.TryGetProperty("window", out var w)) return [.. p, "no window after brushing"];
        var startNs = long.Parse(w.GetProperty("startNs").GetString() ?? "-1", CultureInfo.InvariantCulture);
        var endNs = long.Parse(w.GetProperty("endNs").GetString() ?? "-1", CultureInfo.InvariantCulture);
        if (startNs <= 0 || endNs <= startNs) p.Add($"brush window {startNs}..{endNs} ns");
        var utcAxis = r.GetProperty("utcAxis").GetBoolean();
        if (utcAxis != c.Utc) p.Add($"the page's axis is {(utcAxis ? "UTC" : "the sources' own clocks")}, want {(c.Utc ? "UTC" : "own clocks")}");
        var axisStart = long.Parse(r.GetProperty("axisStartNs").GetString()!, CultureInfo.InvariantCulture);
        var inputs = c.Inputs.Select(i => RepoPaths.TestData(i.Split('/'))).ToArray();
        // a page on the sources' own clocks: each input placed where the page placed it (axis ns = source ns + offset)
        var placement = new List<string>();
        if (!utcAxis)
            foreach (var f in r.GetProperty("facts").EnumerateArray())
                placement.AddRange(["--clock-offset", f.GetProperty("source").GetString() + "=" + f.GetProperty("offsetNs").GetString()]);
        var wholeRun = CliRunner.Run(["convert", .. inputs, "--format", "folded", .. Common, .. placement]);
        var windowRun = CliRunner.Run(["convert", .. inputs, "--format", "folded", .. Common, .. placement,
            "--start", (axisStart + startNs).ToString(CultureInfo.InvariantCulture), "--end", (axisStart + endNs).ToString(CultureInfo.InvariantCulture)]);
        if (wholeRun.ExitCode != 0 || windowRun.ExitCode != 0) return [.. p, "stackweave convert failed: " + wholeRun.Stderr + windowRun.Stderr];
        var whole = PictureFrames.ParseFolded(wholeRun.Stdout).Sum(l => l.Count);
        var lines = PictureFrames.ParseFolded(windowRun.Stdout);
        var want = PictureFrames.PrefixWeights(lines);
        var frames = Frames(r.GetProperty("frames"));
        var before = Frames(r.GetProperty("before"));
        if (before.Count == 0 || before[0].Weight != whole) p.Add($"whole-time root weighs {(before.Count > 0 ? before[0].Weight : -1)}, want {whole}");
        if (frames.Count == 0 || frames[0].Weight != want.GetValueOrDefault("")) p.Add($"window root weighs {(frames.Count > 0 ? frames[0].Weight : -1)}, want {want.GetValueOrDefault("")}");
        if (want.GetValueOrDefault("") == whole) p.Add("the window holds everything: the brush changed nothing");
        foreach (var f in frames.Skip(1))
            if (want.GetValueOrDefault(f.Path) != f.Weight) { p.Add($"frame {f.Path} weighs {f.Weight}, want {want.GetValueOrDefault(f.Path)}"); break; }
        return p;
    }

    private static HashSet<int> LaneKeys(Profile p, SampleAttribution att)
    {
        var keys = new HashSet<int>();
        for (var k = 0; k < att.Count; k++)
            if (att.Line(k) >= 0) keys.Add(p.Samples.Time(att.Sample(k)) == SampleTable.NoTime ? -2 : p.Samples.Thread(att.Sample(k)));
        foreach (var m in p.Marks) keys.Add(m.Thread);
        return keys;
    }

    private static (Profile P, SampleAttribution Att, List<KeyValuePair<string, UInt128>> Folded) Load(string input)
    {
        var p = FormatRegistry.Read(RepoPaths.TestData(input.Split('/')), new ReadOptions());
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Symbolizer.Symbolize(p, new SymbolOptions { Symfs = CliRunner.Symfs, KallsymsPath = CliRunner.Kallsyms, BuildIdCacheDir = Path.Combine(home, ".debug") });
        FramePruner.Apply(p);
        var options = new FoldedOptions();
        if (p.Events.Count == 0 && p.SampleTypes.Count > 0) options.ValueIndex = SampleTypes.DefaultIndex(p);
        var att = new SampleAttribution();
        var lines = FoldedWriter.Collapse(p, options, out _, false, att);
        return (p, att, lines);
    }

    private static string RunChecks(List<Dictionary<string, object?>> jobs)
    {
        var jobsFile = Path.Combine(Artifacts, "jobs.json");
        File.WriteAllText(jobsFile, JsonSerializer.Serialize(jobs));
        var psi = new ProcessStartInfo(SpeedscopeBrowser.Node!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Pictures", "pictures-check.mjs"));
        psi.ArgumentList.Add(SpeedscopeBrowser.ToolsDir);
        psi.ArgumentList.Add(SpeedscopeBrowser.Chromium);
        psi.ArgumentList.Add(jobsFile);
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        if (!proc.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            proc.Kill(entireProcessTree: true);
            Assert.Fail("the browser check did not finish in 5 minutes");
        }
        Assert.True(proc.ExitCode == 0, "pictures-check.mjs failed: " + stderr.Result);
        return stdout.Result;
    }
}
