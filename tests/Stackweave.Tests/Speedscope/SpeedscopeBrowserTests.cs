using System.Diagnostics;
using System.Text.Json;

namespace Stackweave.Tests.Speedscope;

/// <summary>
/// Where the real-client test finds speedscope's published build and a browser: <c>STACKWEAVE_SPEEDSCOPE_TOOLS</c>
/// (default <c>~/.cache/stackweave-speedscope</c>, made by <c>.ci/run</c>: npm packages <c>speedscope</c> and
/// <c>playwright-core</c>), <c>STACKWEAVE_CHROMIUM</c> (default <c>/usr/bin/chromium</c>, Debian's <c>chromium</c>) and node.
/// </summary>
public static class SpeedscopeBrowser
{
    /// <summary>The folder holding node_modules/speedscope and node_modules/playwright-core.</summary>
    public static string ToolsDir =>
        Environment.GetEnvironmentVariable("STACKWEAVE_SPEEDSCOPE_TOOLS") is { Length: > 0 } d ? d
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "stackweave-speedscope");

    /// <summary>The Chromium binary.</summary>
    public static string Chromium => Environment.GetEnvironmentVariable("STACKWEAVE_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";

    /// <summary>node, from PATH.</summary>
    public static string? Node =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);

    /// <summary>Why the test cannot run here, or null when everything it needs is present.</summary>
    public static string? Missing()
    {
        if (Node is null) return "node is not installed";
        if (!File.Exists(Chromium)) return Chromium + " is not installed (apt-get install chromium)";
        if (!File.Exists(Path.Combine(ToolsDir, "node_modules", "speedscope", "dist", "release", "index.html"))
            || !File.Exists(Path.Combine(ToolsDir, "node_modules", "playwright-core", "package.json")))
            return $"npm packages speedscope and playwright-core are not in {ToolsDir} (.ci/run installs them)";
        return null;
    }
}

/// <summary>A fact that needs Chromium, node and speedscope's npm build: skipped, never passed, where one is missing.</summary>
public sealed class RequiresSpeedscopeBrowserFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when something is missing.</summary>
    public RequiresSpeedscopeBrowserFactAttribute()
    {
        if (SpeedscopeBrowser.Missing() is { } why) Skip = why;
    }
}

/// <summary>speedscope's own published app loads every output and shows its profiles and frames; a broken file fails.</summary>
public class SpeedscopeBrowserTests
{
    private static readonly string[] s_cases = ["go-fp", "go-fp-sampled", "cpp-fp", "two-events-all", "aggregate", "printf-timeline", "marks"];

    [RequiresSpeedscopeBrowserFact]
    public void Speedscope_app_loads_the_outputs_and_refuses_a_broken_file()
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-speedscope-");
        try
        {
            var files = new List<string>();
            var expected = new List<JsonDocument>();
            foreach (var name in s_cases)
            {
                var json = SpeedscopeCases.Json(name);
                var path = Path.Combine(dir.FullName, name + ".speedscope.json");
                File.WriteAllText(path, json);
                files.Add(path);
                expected.Add(JsonDocument.Parse(json));
            }
            // Why marks last 1 ns: the printf timeline with zero-length marks loads, but every row weighs nothing.
            var zero = System.Text.Json.Nodes.JsonNode.Parse(SpeedscopeCases.Json("printf-timeline"))!.AsObject();
            foreach (var e in zero["profiles"]![0]!["events"]!.AsArray())
                if ((string)e!["type"]! == "C") e["at"] = (long)e["at"]! - 1;
            var zeroPath = Path.Combine(dir.FullName, "zero-length.speedscope.json");
            File.WriteAllText(zeroPath, zero.ToJsonString());
            files.Add(zeroPath);
            // The negative control: samples and weights of different lengths, which speedscope's importer refuses.
            var broken = System.Text.Json.Nodes.JsonNode.Parse(SpeedscopeCases.Json("go-fp-sampled"))!.AsObject();
            broken["profiles"]![0]!["weights"]!.AsArray().RemoveAt(0);
            var brokenPath = Path.Combine(dir.FullName, "broken.speedscope.json");
            File.WriteAllText(brokenPath, broken.ToJsonString());
            files.Add(brokenPath);

            using var results = JsonDocument.Parse(RunApp(files));
            var all = results.RootElement.EnumerateArray().ToList();
            Assert.Equal(files.Count, all.Count);
            for (var i = 0; i < s_cases.Length; i++)
            {
                var r = all[i];
                var what = s_cases[i] + ": " + r.GetRawText()[..Math.Min(2000, r.GetRawText().Length)];
                Assert.True(r.GetProperty("loaded").GetBoolean() && !r.GetProperty("error").GetBoolean(), what);
                Assert.True(r.GetProperty("dialogs").GetArrayLength() == 0, what);
                Assert.True(r.GetProperty("failures").GetArrayLength() == 0, what);
                var root = expected[i].RootElement;
                Assert.Equal(root.GetProperty("name").GetString() + " - speedscope", r.GetProperty("title").GetString());
                var frameNames = root.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray();
                var want = root.GetProperty("profiles").EnumerateArray().ToList();
                var shown = r.GetProperty("profiles").EnumerateArray().ToList();
                Assert.True(want.Count == shown.Count, what);
                for (var k = 0; k < want.Count; k++)
                {
                    Assert.Equal(want[k].GetProperty("name").GetString(), shown[k].GetProperty("name").GetString());
                    Assert.Equal(k + 1, shown[k].GetProperty("index").GetInt32());
                    // The sandwich view has one row per frame of the profile; the rows in view show their names.
                    var used = SpeedscopeCases.FramesUsed(want[k]);
                    Assert.Equal(used.Count, shown[k].GetProperty("rows").GetInt32());
                    var names = used.Select(f => frameNames[f]).ToHashSet(StringComparer.Ordinal);
                    var rendered = shown[k].GetProperty("frames").EnumerateArray().Select(f => f.GetString()!).ToList();
                    Assert.NotEmpty(rendered);
                    Assert.All(rendered, n => Assert.Contains(n, names));
                    // Rows have weight: a profile of zero-length frames only (instant marks) shows "0.00ns (NaN%)".
                    Assert.All(shown[k].GetProperty("totals").EnumerateArray(), t => Assert.DoesNotContain("NaN", t.GetString()!, StringComparison.Ordinal));
                }
            }
            var zeroShown = all[^2];
            Assert.True(zeroShown.GetProperty("loaded").GetBoolean(), zeroShown.GetRawText());
            Assert.All(zeroShown.GetProperty("profiles")[0].GetProperty("totals").EnumerateArray(), t => Assert.Contains("NaN", t.GetString()!, StringComparison.Ordinal));
            var bad = all[^1];
            Assert.False(bad.GetProperty("loaded").GetBoolean(), bad.GetRawText());
            Assert.True(bad.GetProperty("error").GetBoolean(), bad.GetRawText());
            Assert.Contains(bad.GetProperty("failures").EnumerateArray(), f => f.GetString()!.Contains("to equal weights.length", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string RunApp(List<string> files)
    {
        var psi = new ProcessStartInfo(SpeedscopeBrowser.Node!)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Speedscope", "speedscope-load.mjs"));
        psi.ArgumentList.Add(SpeedscopeBrowser.ToolsDir);
        psi.ArgumentList.Add(SpeedscopeBrowser.Chromium);
        foreach (var f in files) psi.ArgumentList.Add(f);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the speedscope app check did not finish in 5 minutes");
        }
        Assert.True(p.ExitCode == 0, "speedscope-load.mjs failed: " + stderr.Result);
        return stdout.Result;
    }
}
