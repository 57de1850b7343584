using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stackweave.Formats.PerfData;
using Stackweave.Testing;
using Stackweave.Tests.Integration;
using Stackweave.Tests.Writer;

namespace Stackweave.Tests.Generators;

/// <summary>
/// perf 6.1 reads what <c>stackweave gen perf.data --options perf61</c> writes: for every generated capture (file, pipe
/// and directory mode, both byte orders, zstd), <c>perf report -D</c>'s record dump and its aggregated stats agree with
/// the sidecar. (<c>perf script -D</c> prints the same dump but refuses random attrs before it: "Display of symbols
/// requested but neither sample IP nor sample address available".)
/// </summary>
public partial class GenPerfOracleTests
{
    private const string Perf = "/usr/bin/perf";

    /// <summary>Captures checked (120, about 35 s; <c>STACKWEAVE_GEN_ORACLE_COUNT</c> asks for more, as <c>tests/Stackweave.Tests/Generators/oracle-long.sh</c> does).</summary>
    private static int Count => int.TryParse(Environment.GetEnvironmentVariable("STACKWEAVE_GEN_ORACLE_COUNT"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 120;

    [GeneratedRegex(@"^(?:0x[0-9a-f]+|\d+)(?:@\S+)? \[0x([0-9a-f]+)\]: event: (\d+)$")]
    private static partial Regex DumpHeader();

    [RequiresToolFact(Perf)]
    public void Perf_reads_every_generated_capture_as_its_sidecar_says()
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-gen-oracle-");
        try
        {
            var (code, _, err) = CliRunner.Run("gen", "perf.data", "--seed", "20261125", "--count", Count.ToString(CultureInfo.InvariantCulture), "--options", "perf61", "-o", dir.FullName);
            Assert.True(code == 0, err);
            var captures = Directory.GetFileSystemEntries(dir.FullName).Where(p => !p.EndsWith(GenCorpus.SidecarSuffix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(Count, captures.Count);
            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            var modes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            Parallel.ForEach(captures, new ParallelOptions { MaxDegreeOfParallelism = 2 }, path =>
            {
                using var sidecar = JsonDocument.Parse(File.ReadAllText(path + GenCorpus.SidecarSuffix));
                var root = sidecar.RootElement;
                Assert.True(root.GetProperty("perf61Readable").GetBoolean(), path);
                var mode = root.GetProperty("mode").GetString()!;
                modes.AddOrUpdate(mode + "/" + root.GetProperty("byteOrder").GetString() + (root.GetProperty("compression").ValueKind == JsonValueKind.Null ? "" : "/zstd"), 1, (_, n) => n + 1);
                var (ok, output, stderr) = RunPerfDump(path, mode == "pipe");
                string? why;
                try { why = ok ? Compare(root, output) : "perf report -D refused it: " + stderr.Trim(); }
                catch (Exception e) { why = e.Message; }
                if (why is not null) failures.Add(Path.GetFileName(path) + " (" + mode + " " + root.GetProperty("byteOrder").GetString() + " attr sizes " + string.Join("/", root.GetProperty("attrs").EnumerateArray().Select(a => a.GetProperty("size").GetUInt32())) + "): " + why);
            });
            Assert.True(failures.IsEmpty, failures.Count + " captures disagree:\n" + string.Join("\n", failures.Order(StringComparer.Ordinal).Take(40)));
            // the seeds cover every layout perf 6.1 reads
            foreach (var want in new[] { "file/little", "file/big", "pipe/little", "directory/little", "directory/big", "file/little/zstd", "directory/big/zstd" })
                Assert.True(modes.ContainsKey(want), "no capture of kind " + want + ": " + string.Join(", ", modes.Keys));
            dir.Delete(recursive: true);
        }
        catch
        {
            Console.Error.WriteLine("kept " + dir.FullName);
            throw;
        }
    }

    /// <summary>Why perf's dump disagrees with the sidecar, or null.</summary>
    internal static string? Compare(JsonElement root, string[] output)
    {
        // every record the sidecar lists, as (type, size), against every record perf dumped
        var expected = new SortedDictionary<(uint, int), int>();
        foreach (var r in root.GetProperty("records").EnumerateArray())
        {
            PerfRecordNames.TryParse(r.GetProperty("type").GetString()!, out var t);
            // perf -D dumps the records inside a COMPRESSED record, not the COMPRESSED record itself (counted in the stats below)
            if (t == (uint)PerfRecordType.Compressed) continue;
            var key = (t, r.GetProperty("size").GetInt32());
            expected[key] = expected.GetValueOrDefault(key) + 1;
        }
        var dumped = new SortedDictionary<(uint, int), int>();
        foreach (var line in output)
        {
            var m = DumpHeader().Match(line);
            if (!m.Success) continue;
            var key = (uint.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            dumped[key] = dumped.GetValueOrDefault(key) + 1;
        }
        if (!expected.SequenceEqual(dumped))
            return "perf -D dumped (type,size)×n " + Show(dumped) + ", sidecar lists " + Show(expected);
        // perf prints no stats block when it delivered no event
        var stats = output.Any(l => l.StartsWith("Aggregated stats:", StringComparison.Ordinal)) ? PerfGolden.ParseStats(output, "perf report -D") : [];
        var counts = new SortedDictionary<uint, long>();
        foreach (var p in root.GetProperty("recordCounts").EnumerateObject())
        {
            PerfRecordNames.TryParse(p.Name, out var t);
            counts[t] = p.Value.GetInt64();
        }
        if (!counts.SequenceEqual(stats))
            return "perf's stats " + string.Join(" ", stats.Select(kv => PerfRecordNames.Of(kv.Key) + "=" + kv.Value)) + ", sidecar " + string.Join(" ", counts.Select(kv => PerfRecordNames.Of(kv.Key) + "=" + kv.Value));
        return null;
    }

    private static string Show(SortedDictionary<(uint, int), int> d) =>
        string.Join(" ", d.Select(kv => FormattableString.Invariant($"{PerfRecordNames.Of(kv.Key.Item1)}/{kv.Key.Item2}×{kv.Value}")));

    internal static (bool Ok, string[] Stdout, string Stderr) RunPerfDump(string path, bool pipe)
    {
        var psi = new ProcessStartInfo(Perf) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = pipe, UseShellExecute = false };
        foreach (var a in new[] { "report", "-D", "-i", pipe ? "-" : path }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (pipe)
        {
            using (var input = File.OpenRead(path)) input.CopyTo(p.StandardInput.BaseStream);
            p.StandardInput.Close();
        }
        Assert.True(p.WaitForExit(60_000), "perf report -D did not finish on " + path);
        return (p.ExitCode == 0, stdout.Result.Split('\n'), stderr.Result);
    }
}
