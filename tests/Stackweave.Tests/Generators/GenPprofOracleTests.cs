using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck.Fluent;
using Stackweave.Formats.Pprof;
using Stackweave.Testing;
using Stackweave.Tests.Integration;
using Stackweave.Tests.Pprof;
using Stackweave.Tests.Speedscope;

namespace Stackweave.Tests.Generators;

/// <summary>
/// Go 1.19's <c>go tool pprof -raw</c>, the npm <c>pprof-format</c> decoder and Stackweave's own reader read what
/// <c>stackweave gen pprof</c> writes (every field, packed and unpacked, gzip or raw) with the values of its sidecar.
/// </summary>
public class GenPprofOracleTests
{
    private const string Go = "/usr/bin/go";
    private const int GoCount = 40, NpmCount = 80;

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string U(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The "Samples:" block of Go's <c>Profile.String()</c> (profile/profile.go, Go 1.19 vendored pprof) for the profile.</summary>
    internal static List<string> GoSamplesBlock(PprofProfile p)
    {
        var lines = new List<string> { "Samples:" };
        var head = new StringBuilder();
        foreach (var t in p.SampleTypes) head.Append(t.Type).Append('/').Append(t.Unit).Append(t.Type == p.DefaultSampleType ? "[dflt]" : "").Append(' ');
        lines.Add(head.ToString().Trim());
        foreach (var s in p.Samples)
        {
            var sv = new StringBuilder();
            foreach (var v in s.Values) sv.Append(' ').Append(I(v).PadLeft(10));
            sv.Append(": ");
            foreach (var id in s.LocationIds) sv.Append(U(id)).Append(' ');
            lines.Add(sv.ToString());
            // postDecode: str != 0 → string label; else num or unit set → numeric label; units padded with ""
            var labels = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var nums = new Dictionary<string, List<long>>(StringComparer.Ordinal);
            var units = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var l in s.Labels)
            {
                if (l.Str is { Length: > 0 }) { (labels.TryGetValue(l.Key, out var x) ? x : labels[l.Key] = []).Add(l.Str); continue; }
                if (l.Num == 0 && l.NumUnit.Length == 0) continue;
                var values = nums.TryGetValue(l.Key, out var nv) ? nv : nums[l.Key] = [];
                if (l.NumUnit.Length > 0)
                {
                    var u = units.TryGetValue(l.Key, out var uv) ? uv : units[l.Key] = [];
                    while (u.Count < values.Count) u.Add("");
                    u.Add(l.NumUnit);
                }
                values.Add(l.Num);
            }
            const string Header = "                ";
            if (labels.Count > 0)
                lines.Add(Header + string.Join(" ", labels.Select(kv => kv.Key + ":[" + string.Join(" ", kv.Value) + "]").Order(StringComparer.Ordinal)));
            if (nums.Count > 0)
            {
                var parts = new List<string>();
                foreach (var (k, v) in nums)
                {
                    var u = units.GetValueOrDefault(k);
                    if (u is not null) while (u.Count < v.Count) u.Add("");
                    parts.Add(u is not null && u.Count == v.Count
                        ? k + ":[" + string.Join(" ", v.Select((x, i) => I(x) + " " + u[i])) + "]"
                        : k + ":[" + string.Join(" ", v.Select(I)) + "]");
                }
                lines.Add(Header + string.Join(" ", parts.Order(StringComparer.Ordinal)));
            }
        }
        return lines;
    }

    /// <summary>Go's Location.string() without its id and mapping id (both renumbered by pprof's merge).</summary>
    private static string LocationText(PprofLocation l, IReadOnlyList<PprofFunction> functions)
    {
        var head = "0x" + l.Address.ToString("x", CultureInfo.InvariantCulture) + " " + (l.IsFolded ? "[F] " : "");
        if (l.Lines.Count == 0) return head;
        return string.Join(";", l.Lines.Select(ln =>
        {
            var f = functions.First(x => x.Id == ln.FunctionId);
            return head + f.Name + " " + f.Filename + ":" + I(ln.Line) + " s=" + I(f.StartLine) + (f.Name != f.SystemName ? "(" + f.SystemName + ")" : "");
        }));
    }

    /// <summary>
    /// What <c>go tool pprof -raw</c> shows of the profile: its driver merges the profile with itself (profile/merge.go),
    /// so samples with equal stacks and labels are summed (int64 wrap-around), all-zero samples and sums dropped, ids
    /// renumbered. Lines: "stack | labels = v v v", stacks as location texts, sorted.
    /// </summary>
    internal static List<string> GoMerged(PprofProfile p)
    {
        var block = GoSamplesBlock(p);
        var sums = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var order = new List<string>();
        var row = 2;
        foreach (var s in p.Samples)
        {
            row++;
            var labels = new List<string>();
            while (row < block.Count && block[row].StartsWith("                ", StringComparison.Ordinal)) labels.Add(block[row++].Trim());
            if (s.Values.All(v => v == 0)) continue;
            // observed with Go 1.19's go tool pprof -raw: a sample without locations is not shown (checked by
            // pprof-format and Stackweave's reader instead)
            if (s.LocationIds.Count == 0) continue;
            var key = string.Join(" <- ", s.LocationIds.Select(id => LocationText(p.Locations.First(l => l.Id == id), p.Functions))) + " | " + string.Join(" ", labels);
            if (!sums.TryGetValue(key, out var sum)) { sums[key] = sum = new long[s.Values.Count]; order.Add(key); }
            for (var i = 0; i < sum.Length; i++) sum[i] = unchecked(sum[i] + s.Values[i]);
        }
        return order.Where(k => sums[k].Any(v => v != 0)).Select(k => k + " = " + string.Join(" ", sums[k].Select(I))).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The samples of <c>go tool pprof -raw</c> output in <see cref="GoMerged"/>'s form.</summary>
    internal static List<string> ParseGoRaw(string[] raw)
    {
        var start = Array.IndexOf(raw, "Samples:");
        var locStart = Array.IndexOf(raw, "Locations");
        var mapStart = Array.IndexOf(raw, "Mappings");
        if (start < 0 || locStart < start || mapStart < locStart) return ["(no Samples/Locations/Mappings sections)"];
        var locs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? cur = null;
        for (var i = locStart + 1; i < mapStart; i++)
        {
            var m = System.Text.RegularExpressions.Regex.Match(raw[i], @"^\s*(\d+): (.*)$");
            if (m.Success)
            {
                locs[m.Groups[1].Value] = cur = [];
                var text = System.Text.RegularExpressions.Regex.Replace(m.Groups[2].Value, @"M=\d+ ", "");
                cur.Add(text);
            }
            else if (cur is not null) cur.Add(cur[0][..cur[0].IndexOf(' ', StringComparison.Ordinal)] + " " + (cur[0].Contains("[F] ", StringComparison.Ordinal) ? "[F] " : "") + raw[i].Trim());
        }
        var result = new List<string>();
        for (var i = start + 2; i < locStart; i++)
        {
            var line = raw[i];
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0) continue;
            var values = line[..colon].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ids = line[(colon + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var labels = new List<string>();
            while (i + 1 < locStart && raw[i + 1].StartsWith("                ", StringComparison.Ordinal)) labels.Add(raw[++i].Trim());
            result.Add(string.Join(" <- ", ids.Select(id => string.Join(";", locs[id]))) + " | " + string.Join(" ", labels) + " = " + string.Join(" ", values));
        }
        return result.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every field of the profile as the lines pprof-format-dump.cjs prints.</summary>
    internal static List<string> Normalized(PprofProfile p)
    {
        static string B(bool b) => b ? "1" : "0";
        var lines = new List<string>();
        foreach (var t in p.SampleTypes) lines.Add("T " + t.Type + "/" + t.Unit);
        foreach (var s in p.Samples)
            lines.Add("S " + string.Join(",", s.LocationIds.Select(U)) + " | " + string.Join(",", s.Values.Select(I)) + " | "
                + string.Join(",", s.Labels.Select(l => l.Str is not null ? l.Key + "=" + l.Str : l.Key + "#" + I(l.Num) + " " + l.NumUnit)));
        foreach (var m in p.Mappings)
            lines.Add($"M {U(m.Id)} {U(m.MemoryStart)} {U(m.MemoryLimit)} {U(m.FileOffset)} {m.Filename} {m.BuildId} {B(m.HasFunctions)}{B(m.HasFilenames)}{B(m.HasLineNumbers)}{B(m.HasInlineFrames)}");
        foreach (var l in p.Locations)
            lines.Add($"L {U(l.Id)} {U(l.MappingId)} {U(l.Address)} {B(l.IsFolded)} | " + string.Join(",", l.Lines.Select(x => U(x.FunctionId) + ":" + I(x.Line) + ":" + I(x.Column))));
        foreach (var f in p.Functions) lines.Add($"F {U(f.Id)} {f.Name} {f.SystemName} {f.Filename} {I(f.StartLine)}");
        var pt = p.PeriodType is { } t2 ? t2.Type + "/" + t2.Unit : "-";
        lines.Add($"P {pt} {I(p.Period)} {I(p.TimeNanos)} {I(p.DurationNanos)} {p.DefaultSampleType} {p.DropFrames} {p.KeepFrames} {p.DocUrl}");
        foreach (var c in p.Comments) lines.Add("C " + c);
        return lines;
    }

    private static (DirectoryInfo Dir, List<string> Files) Generate(int seed, int Count)
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-gen-pprof-");
        var (code, _, err) = CliRunner.Run("gen", "pprof", "--seed", I(seed), "--count", I(Count), "-o", dir.FullName);
        Assert.True(code == 0, err);
        var files = Directory.GetFiles(dir.FullName).Where(f => !f.EndsWith(GenCorpus.SidecarSuffix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Count, files.Count);
        return (dir, files);
    }

    private static PprofProfile Truth(string file) => GenCorpus.ReadPprofSidecar(File.ReadAllText(file + GenCorpus.SidecarSuffix));

    [RequiresToolFact(Go)]
    public void Go_pprof_raw_reads_every_generated_profile_with_the_sidecar_values()
    {
        var (dir, files) = Generate(1125, GoCount);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, file =>
        {
            var psi = new ProcessStartInfo(Go) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "tool", "pprof", "-raw", file }) psi.ArgumentList.Add(a);
            // no symbolization attempts and no $HOME/pprof copies
            psi.Environment["PPROF_BINARY_PATH"] = "/nonexistent";
            psi.Environment["PPROF_TMPDIR"] = dir.FullName;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000)) { p.Kill(true); failures.Add(file + ": go tool pprof did not finish"); return; }
            if (p.ExitCode != 0) { failures.Add(Path.GetFileName(file) + ": go tool pprof -raw refused it: " + stderr.Result); return; }
            var want = GoMerged(Truth(file));
            var got = ParseGoRaw(stdout.Result.Split('\n'));
            if (!want.SequenceEqual(got))
                failures.Add(Path.GetFileName(file) + ":\nwant\n" + string.Join("\n", want) + "\ngot\n" + string.Join("\n", got));
        });
        Assert.True(failures.IsEmpty, failures.Count + " profiles disagree:\n" + string.Join("\n", failures.Order(StringComparer.Ordinal).Take(5)));
        dir.Delete(recursive: true);
    }

    [RequiresPprofFormatNpmFact]
    public void Npm_pprof_format_reads_every_field_of_every_generated_profile()
    {
        var (dir, files) = Generate(2611, NpmCount);
        var psi = new ProcessStartInfo(SpeedscopeBrowser.Node!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "tests", "Stackweave.Tests", "Generators", "pprof-format-dump.cjs"));
        psi.ArgumentList.Add(PprofFormatNpm.ToolsDir);
        foreach (var f in files) psi.ArgumentList.Add(f);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "pprof-format-dump.cjs did not finish");
        Assert.True(p.ExitCode == 0, "pprof-format-dump.cjs failed: " + stderr.Result);
        var decoded = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(stdout.Result)!;
        foreach (var f in files)
        {
            var want = Normalized(Truth(f));
            Assert.True(want.SequenceEqual(decoded[f]), Path.GetFileName(f) + ":\nwant\n" + string.Join("\n", want) + "\ngot\n" + string.Join("\n", decoded[f]));
        }
        dir.Delete(recursive: true);
    }

    [FsCheck.Xunit.Property(MaxTest = 200, Arbitrary = [typeof(PprofArbitraries)])]
    public void Stackweave_reads_generated_profiles_with_their_values(PprofProfile truth)
    {
        var bytes = PprofEncoder.Encode(truth);
        if (truth.Encoding.Gzip)
        {
            using var gz = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        var p = PprofReader.Decode(bytes, "gen.pb");
        Assert.Equal(truth.SampleTypes.Select(t => t.Type + "/" + t.Unit), p.SampleTypes.Select(t => t.Type + "/" + t.Unit));
        Assert.Equal(truth.Samples.Count, p.Samples.Count);
        for (var i = 0; i < truth.Samples.Count; i++)
        {
            Assert.Equal(truth.Samples[i].Values, p.Samples.Values(i).ToArray());
            var locs = new List<int>();
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            Assert.Equal(truth.Samples[i].LocationIds.Count, locs.Count);
        }
        Assert.Equal(truth.Comments, p.Comments);
        Assert.Equal(truth.Period, p.Period);
    }

    [Fact]
    public void Sidecar_round_trips_the_truth_and_files_are_deterministic_per_seed()
    {
        for (var i = 0; i < 20; i++)
        {
            var a = GenCorpus.Pprof(new PprofGenOptions(), 42, i);
            var b = GenCorpus.Pprof(new PprofGenOptions(), 42, i);
            Assert.Equal(PprofEncoder.Encode(a), PprofEncoder.Encode(b));
            var back = GenCorpus.ReadPprofSidecar(GenCorpus.SidecarJson(a));
            Assert.Equal(Normalized(a), Normalized(back));
            Assert.Equal(a.Encoding, back.Encoding);
        }
    }
}
