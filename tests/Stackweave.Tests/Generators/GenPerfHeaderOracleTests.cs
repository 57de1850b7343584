using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Stackweave.Testing;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Generators;

/// <summary>
/// perf 6.1's <c>perf report --header-only -I</c> prints the feature sections of generated captures (file and directory mode,
/// both byte orders) as their sidecars list them: CPU topology (sockets, dies, threads, per-CPU ids), NUMA nodes, groups, CPU
/// caches, memory nodes, hybrid topology, PMU capabilities, and the set of sections present ("missing features").
/// </summary>
public class GenPerfHeaderOracleTests
{
    private const string Perf = "/usr/bin/perf";

    /// <summary>The lines perf 6.1's header.c print_* functions write for the sidecar's "featureSections", one block per section.</summary>
    internal static List<List<string>> ExpectedBlocks(JsonElement fs)
    {
        static string S(JsonElement e) => e.GetString()!;
        static string N(JsonElement e) => e.GetRawText();
        var blocks = new List<List<string>>();
        if (fs.TryGetProperty("cpuTopology", out var t))
        {
            // print_cpu_topology: sockets, dies (when the section has them), threads, then one line per available CPU
            var b = t.GetProperty("socketSiblings").EnumerateArray().Select(x => "# sibling sockets : " + S(x)).ToList();
            var dies = t.TryGetProperty("dieSiblings", out var ds) ? ds.EnumerateArray().Select(S).ToList() : [];
            b.AddRange(dies.Select(x => "# sibling dies    : " + x));
            b.AddRange(t.GetProperty("threadSiblings").EnumerateArray().Select(x => "# sibling threads : " + S(x)));
            if (t.TryGetProperty("cpus", out var cpus))
            {
                var dieIds = dies.Count > 0 ? t.GetProperty("dieIds").EnumerateArray().Select(N).ToList() : null;
                b.AddRange(cpus.EnumerateArray().Select((c, i) => dieIds is not null
                    ? FormattableString.Invariant($"# CPU {i}: Core ID {N(c.GetProperty("coreId"))}, Die ID {dieIds[i]}, Socket ID {N(c.GetProperty("socketId"))}")
                    : FormattableString.Invariant($"# CPU {i}: Core ID {N(c.GetProperty("coreId"))}, Socket ID {N(c.GetProperty("socketId"))}")));
            }
            else b.Add(dies.Count > 0 ? "# Core ID, Die ID and Socket ID information is not available" : "# Core ID and Socket ID information is not available");
            blocks.Add(b);
        }
        if (fs.TryGetProperty("numaTopology", out var numa))
            blocks.Add(numa.EnumerateArray().SelectMany(n => new[]
            {
                $"# node{N(n.GetProperty("node"))} meminfo  : total = {N(n.GetProperty("memTotalKb"))} kB, free = {N(n.GetProperty("memFreeKb"))} kB",
                $"# node{N(n.GetProperty("node"))} cpu list : {S(n.GetProperty("cpus"))}",
            }).ToList());
        if (fs.TryGetProperty("cache", out var cache))
            blocks.Add(["# CPU cache info:", .. cache.EnumerateArray().Select(l =>
                // cpu_cache_level__fprintf: "L%d %-15s %8s [%s]"
                "#  L" + N(l.GetProperty("level")) + " " + S(l.GetProperty("type")).PadRight(15) + " " + S(l.GetProperty("size")).PadLeft(8) + " [" + S(l.GetProperty("map")) + "]")]);
        if (fs.TryGetProperty("memTopology", out var mem))
            blocks.Add([FormattableString.Invariant($"# memory nodes (nr {mem.GetProperty("nodes").GetArrayLength()}, block size {S(mem.GetProperty("blockSize"))}):")]);
        if (fs.TryGetProperty("cpuPmuCaps", out var cpc))
            blocks.Add(["# cpu pmu capabilities: " + string.Join(", ", cpc.EnumerateArray().Select(c => S(c.GetProperty("name")) + "=" + S(c.GetProperty("value"))))]);
        if (fs.TryGetProperty("hybridTopology", out var hy))
            blocks.Add(["# hybrid cpu system:", .. hy.EnumerateArray().Select(h => "# " + S(h.GetProperty("pmu")) + " cpu list : " + S(h.GetProperty("cpus")))]);
        if (fs.TryGetProperty("pmuCaps", out var pcs))
            blocks.Add(pcs.EnumerateArray().Select(p => p.GetProperty("caps").GetArrayLength() == 0
                ? "# " + S(p.GetProperty("pmu")) + " pmu capabilities: not available"
                : "# " + S(p.GetProperty("pmu")) + " pmu capabilities: " + string.Join(", ", p.GetProperty("caps").EnumerateArray().Select(c => S(c.GetProperty("name")) + "=" + S(c.GetProperty("value"))))).ToList());
        // perf_header__fprintf_info: every feature bit 1..HEADER_LAST_FEATURE-1 (31 in perf 6.1) that is clear
        var present = fs.GetProperty("present").EnumerateArray().Select(S).ToHashSet(StringComparer.Ordinal);
        var all = Enumerable.Range(1, 31).Select(i => PerfRendered.FeatureName((Stackweave.Formats.PerfData.PerfFeature)i));
        blocks.Add(["# missing features: " + string.Concat(all.Where(n => !present.Contains(n)).Select(n => n + " "))]);
        return blocks;
    }

    private static bool ContainsRun(List<string> lines, List<string> block)
    {
        for (var i = 0; i + block.Count <= lines.Count; i++)
            if (lines.Skip(i).Take(block.Count).SequenceEqual(block)) return true;
        return false;
    }

    [RequiresToolFact(Perf)]
    public void Perf_header_only_prints_every_feature_section_as_the_sidecar_lists_it()
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-gen-header-");
        var (code, _, err) = CliRunner.Run("gen", "perf.data", "--seed", "1126", "--count", "60", "--options", "perf61,mode=file+dir", "-o", dir.FullName);
        Assert.True(code == 0, err);
        var failures = new List<string>();
        var checkedSections = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFileSystemEntries(dir.FullName).Where(p => !p.EndsWith(GenCorpus.SidecarSuffix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var sidecar = JsonDocument.Parse(File.ReadAllText(path + GenCorpus.SidecarSuffix));
            var root = sidecar.RootElement;
            var fs = root.GetProperty("featureSections");
            var psi = new ProcessStartInfo(Perf) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "report", "--header-only", "-I", "-i", path }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(60_000), "perf report --header-only did not finish on " + path);
            var lines = stdout.Result.Split('\n').ToList();
            foreach (var block in ExpectedBlocks(fs))
            {
                if (!ContainsRun(lines, block))
                    failures.Add(Path.GetFileName(path) + " (" + root.GetProperty("byteOrder").GetString() + "): perf does not print\n  " + string.Join("\n  ", block));
                var key = block[0].Split(':')[0];
                checkedSections[key] = checkedSections.GetValueOrDefault(key) + 1;
            }
            // print_group_desc: "# group: NAME{leader,member…}" (no name for {anon_group}); member names are perf's evsel names
            if (fs.TryGetProperty("groupDesc", out var groups))
                foreach (var g in groups.EnumerateArray())
                {
                    var name = g.GetProperty("name").GetString()!;
                    var prefix = "# group: " + (name == "{anon_group}" ? "" : name) + "{";
                    var line = lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
                    if (line is null || line.Count(ch => ch == ',') != g.GetProperty("members").GetInt32() - 1)
                        failures.Add(Path.GetFileName(path) + ": no group line " + prefix + "… of " + g.GetProperty("members").GetInt32() + " members; perf printed " + (line ?? "none"));
                    checkedSections["# group"] = checkedSections.GetValueOrDefault("# group") + 1;
                }
        }
        Assert.True(failures.Count == 0, failures.Count + " disagreements:\n" + string.Join("\n", failures.Take(20)));
        foreach (var want in new[] { "# sibling sockets ", "# node0 meminfo  ", "# CPU cache info", "# memory nodes (nr 1, block size 0x8000000)", "# group", "# hybrid cpu system", "# cpu pmu capabilities", "# missing features" })
            Assert.True(checkedSections.Keys.Any(k => k.StartsWith(want.Split(':')[0].Split('(')[0].TrimEnd(), StringComparison.Ordinal)), "seed 1126 checked no " + want + ": " + string.Join(", ", checkedSections.Keys));
        dir.Delete(recursive: true);
    }
}
