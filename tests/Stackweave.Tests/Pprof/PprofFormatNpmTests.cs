using System.Diagnostics;
using System.Text.Json;
using Stackweave.Formats;
using Stackweave.Tests.Integration;
using Stackweave.Tests.Speedscope;

namespace Stackweave.Tests.Pprof;

/// <summary>
/// Where the test finds Datadog's npm decoder <c>pprof-format</c>: <c>STACKWEAVE_PPROF_FORMAT_TOOLS</c> (default
/// <c>~/.cache/stackweave-pprof-format</c>, made by <c>.ci/run</c>: <c>npm install pprof-format@2.3.2</c>) and node.
/// </summary>
public static class PprofFormatNpm
{
    /// <summary>The folder holding node_modules/pprof-format.</summary>
    public static string ToolsDir =>
        Environment.GetEnvironmentVariable("STACKWEAVE_PPROF_FORMAT_TOOLS") is { Length: > 0 } d ? d
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "stackweave-pprof-format");

    /// <summary>Why the test cannot run here, or null when node and the package are present.</summary>
    public static string? Missing()
    {
        if (SpeedscopeBrowser.Node is null) return "node is not installed";
        if (!File.Exists(Path.Combine(ToolsDir, "node_modules", "pprof-format", "package.json")))
            return $"npm package pprof-format is not in {ToolsDir} (.ci/run installs it)";
        return null;
    }
}

/// <summary>A fact that needs node and the npm package pprof-format: skipped, never passed, where one is missing.</summary>
public sealed class RequiresPprofFormatNpmFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when something is missing.</summary>
    public RequiresPprofFormatNpmFactAttribute()
    {
        if (PprofFormatNpm.Missing() is { } why) Skip = why;
    }
}

/// <summary>Stackweave's pprof output decoded by the npm <c>pprof-format</c> decoder equals what Stackweave reads back.</summary>
public class PprofFormatNpmTests
{
    private sealed record Decoded(string File, string Decoder, string[] SampleTypes, int Samples, int Locations, int Functions, int Mappings, Dictionary<string, string[]> Stacks);

    private static List<Decoded> Decode(params string[] files)
    {
        var psi = new ProcessStartInfo(SpeedscopeBrowser.Node!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Pprof", "pprof-format-decode.cjs"));
        psi.ArgumentList.Add(PprofFormatNpm.ToolsDir);
        foreach (var f in files) psi.ArgumentList.Add(f);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("pprof-format-decode.cjs did not finish in 2 minutes");
        }
        Assert.True(p.ExitCode == 0, "pprof-format-decode.cjs failed: " + stderr.Result);
        return JsonSerializer.Deserialize<List<Decoded>>(stdout.Result, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }

    private static void AssertSameStacks(SortedDictionary<string, long[]> expected, Dictionary<string, string[]> decoded, string what)
    {
        Assert.Equal(expected.Keys, decoded.Keys.Order(StringComparer.Ordinal));
        foreach (var (k, v) in expected)
            Assert.True(v.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)).SequenceEqual(decoded[k]),
                $"{what}: values of {k}: expected {string.Join(",", v)}, pprof-format read {string.Join(",", decoded[k])}");
    }

    [RequiresPprofFormatNpmFact]
    public void Pprof_written_from_perf_data_and_from_Go_profiles_decodes_with_pprof_format_to_what_Stackweave_reads_back()
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-pprof-format-");
        try
        {
            var fromPerf = Path.Combine(dir.FullName, "perf-go-fp.pb.gz");
            var r = CliRunner.Run("convert", RepoPaths.TestData("go-fp", "perf.data"), "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms, "-o", fromPerf);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var fromGo = new List<(string Source, string Out)>();
            foreach (var name in new[] { "cpu.pb.gz", "heap.pb.gz", "crafted.pb" })
            {
                var o = Path.Combine(dir.FullName, name + ".out.pb.gz");
                r = CliRunner.Run("convert", PprofGoldenTests.Data(name), "-o", o);
                Assert.True(r.ExitCode == 0, r.Stderr);
                fromGo.Add((name, o));
            }
            var decoded = Decode([fromPerf, .. fromGo.Select(g => g.Out)]);
            Assert.Equal(1 + fromGo.Count, decoded.Count);
            foreach (var d in decoded)
            {
                var back = FormatRegistry.Read(d.File);
                Assert.Equal(back.SampleTypes.Select(t => t.Type + "/" + t.Unit), d.SampleTypes);
                Assert.Equal(back.Samples.Count, d.Samples);
                Assert.True(d.Locations > 0 && d.Functions > 0, $"{d.File}: {d.Locations} locations, {d.Functions} functions");
                Assert.NotEmpty(d.Stacks);
                AssertSameStacks(RawText.Reduce(back), d.Stacks, d.File + " (" + d.Decoder + ")");
            }
            // perf.data → pprof: the perf_to_profile labels, every sample's comm, pid and tid.
            Assert.All(decoded[0].Stacks.Keys, k => Assert.Matches(@" \| comm:\[burn-go\] pid:\[\d+\] tid:\[\d+\]$", k));
            Assert.Equal(["samples/count", "cpu-clock/nanoseconds"], decoded[0].SampleTypes);
            // Go profiles: what pprof-format decodes from Stackweave's output equals go tool pprof -raw on the original.
            for (var i = 0; i < fromGo.Count; i++)
            {
                var golden = PprofGoldenTests.Golden(fromGo[i].Source);
                AssertSameStacks(golden.ByKey, decoded[1 + i].Stacks, fromGo[i].Source + " against go tool pprof -raw");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
