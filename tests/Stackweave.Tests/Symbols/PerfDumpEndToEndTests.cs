using Stackweave.Formats.PerfData;
using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.Symbols;

/// <summary>
/// End-to-end against perf 6.1: `perf script -D` (testdata/*/perf.data.dump.txt) prints each sample's raw callchain
/// and, right after it, the frames `perf script` resolves for it. The test rebuilds mappings from the dump's MMAP
/// records, runs the Symbolizer over the raw addresses and compares every frame: address as perf prints it
/// (file offset for user dsos), symbol, offset and dso.
/// </summary>
public partial class PerfDumpEndToEndTests
{
    [GeneratedRegex(@"PERF_RECORD_MMAP2? (-?\d+)/(-?\d+): \[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ (\S+?)(?:\]| [^\]]*\]): (\S+) (.+)$")]
    private static partial Regex Mmap();
    [GeneratedRegex(@"PERF_RECORD_SAMPLE\([^)]*\): (-?\d+)/(-?\d+): ")]
    private static partial Regex SampleHead();
    [GeneratedRegex(@"^\.\.\.\.\.\s+\d+: ([0-9a-f]+)$")]
    private static partial Regex ChainEntry();
    [GeneratedRegex(@"^\s+([0-9a-f]+) (.+?)(?:\+0x([0-9a-f]+))? \((.+)\)$")]
    private static partial Regex Frame();
    [GeneratedRegex(@"PERF_RECORD_FORK\((-?\d+):-?\d+\):\((-?\d+):-?\d+\)")]
    private static partial Regex Fork();


    private sealed record DumpSample(int Pid, List<(ulong Ip, bool Kernel, int MappingId)> Chain, List<Match> Frames);

    // C++ and Go user code, and a system-wide capture (kernel, bash, libc, forks); the other captures repeat these.
    public static IEnumerable<string> Dumps() =>
        new[] { "cpp-fp", "go-fp", "system-wide" }.Select(d => RepoPaths.TestData(d, "perf.data.dump.txt"));

    [Fact]
    public void SymbolizerMatchesPerfScriptOnEveryCapturedFrame()
    {
        var total = 0;
        var failures = new List<string>();
        foreach (var dump in Dumps())
            total += Check(dump, failures);
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)));
        Assert.True(total > 100, FormattableString.Invariant($"only {total} frames compared"));
    }

    private static int Check(string dump, List<string> failures)
    {
        var profile = new Profile([new SampleType("samples", "count")]);
        // Each process's live mappings, newest last; forks copy the parent's (perf's thread maps). An exec's new
        // mappings shadow the old ones; they are not dropped because the dump is in file order, not perf's time order.
        var live = new Dictionary<int, List<Mapping>>();
        List<Mapping> Maps(int pid) => live.TryGetValue(pid, out var l) ? l : live[pid] = [];
        var samples = new List<DumpSample>();
        var locs = new List<List<int>>();
        DumpSample? cur = null;
        var inFrames = false;
        foreach (var line in File.ReadLines(dump))
        {
            var mm = Mmap().Match(line);
            if (mm.Success)
            {
                var pid = int.Parse(mm.Groups[1].Value, CultureInfo.InvariantCulture);
                var start = SymData.Hex(mm.Groups[3].Value);
                var len = SymData.Hex(mm.Groups[4].Value);
                var pg = mm.Groups[5].Value == "0" ? 0 : SymData.Hex(mm.Groups[5].Value);
                var path = mm.Groups[7].Value.Trim();
                var kind = MappingClassifier.Classify(path, pid == -1);
                // perf's kernel map reaches up to the modules (maps__fixup_end), not just the MMAP record's length.
                var limit = kind == MappingKind.Kernel ? ulong.MaxValue : start + len;
                var id = profile.AddMapping(new Mapping { Path = path, Kind = kind, Start = start, Limit = limit, FileOffset = pg, Pid = pid });
                Maps(pid).Add(profile.Mappings[id]);
                continue;
            }
            var fk = Fork().Match(line);
            if (fk.Success)
            {
                var child = int.Parse(fk.Groups[1].Value, CultureInfo.InvariantCulture);
                var parent = int.Parse(fk.Groups[2].Value, CultureInfo.InvariantCulture);
                if (child != parent) live[child] = [.. Maps(parent)];
                continue;
            }
            var sh = SampleHead().Match(line);
            if (sh.Success)
            {
                cur = new DumpSample(int.Parse(sh.Groups[1].Value, CultureInfo.InvariantCulture), [], []);
                samples.Add(cur);
                locs.Add([]);
                inFrames = false;
                continue;
            }
            if (cur is null) continue;
            var ce = ChainEntry().Match(line);
            if (ce.Success && !inFrames)
            {
                cur.Chain.Add((SymData.Hex(ce.Groups[1].Value), false, -1));
                continue;
            }
            if (line.StartsWith(" ...... dso:", StringComparison.Ordinal))
            {
                // Resolve the chain against the mappings live now.
                var kernel = false;
                var first = true;
                foreach (var (ip, _, _) in cur.Chain)
                {
                    // perf_event.h: PERF_CONTEXT_KERNEL = (u64)-128, PERF_CONTEXT_USER = (u64)-512; entries >= (u64)-4095 are markers.
                    if (ip >= unchecked((ulong)-4095)) { kernel = ip == unchecked((ulong)-128); continue; }
                    var m = FindMap(Maps(kernel ? -1 : cur.Pid), ip);
                    locs[^1].Add(profile.InternLocation(m, ip, !first));
                    first = false;
                }
                inFrames = true;
                continue;
            }
            if (inFrames)
            {
                var fr = Frame().Match(line);
                if (fr.Success) cur.Frames.Add(fr);
                else if (line.Length == 0) { inFrames = false; cur = null; }
            }
        }

        var compared = 0;
        Symbolizer.Symbolize(profile, new SymbolOptions { KallsymsPath = RepoPaths.TestData("system-wide", "kallsyms.gz") });

        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            if (s.Frames.Count != locs[i].Count) continue; // sample without a callchain, or frames perf folded
            for (var k = 0; k < s.Frames.Count; k++)
            {
                var f = s.Frames[k];
                var loc = profile.Locations[locs[i][k]];
                var map = loc.MappingId >= 0 ? profile.Mappings[loc.MappingId] : null;
                var printedAddr = SymData.Hex(f.Groups[1].Value);
                var sym = f.Groups[2].Value;
                var off = f.Groups[3].Success ? SymData.Hex(f.Groups[3].Value) : 0;
                var dso = f.Groups[4].Value;
                string got;
                ulong gotAddr = loc.Address;
                if (map is { Kind: MappingKind.User }) gotAddr = loc.Address - map.Start + map.FileOffset;
                var gotDso = map is null ? "[unknown]" : map.Kind == MappingKind.Kernel ? "[kernel.kallsyms]" : map.Path;
                if (loc.Lines.Count == 0) got = "[unknown]";
                else
                {
                    var name = profile.FunctionName(loc.Lines[0].FunctionId);
                    // C++ names: perf demangles (demangling is a later pass); compare the offset only.
                    got = name.StartsWith("_Z", StringComparison.Ordinal) && !sym.StartsWith("_Z", StringComparison.Ordinal) ? sym : name;
                    if (loc.SymbolOffset != off) got += FormattableString.Invariant($"+0x{loc.SymbolOffset:x}");
                }
                compared++;
                if (got != sym || gotAddr != printedAddr || gotDso != dso)
                    failures.Add(FormattableString.Invariant($"{dump}: perf '{f.Value.Trim()}' vs ours '{gotAddr:x} {got} ({gotDso})'"));
            }
        }
        return compared;
    }

    private static int FindMap(List<Mapping> maps, ulong ip)
    {
        for (var i = maps.Count - 1; i >= 0; i--)
            if (ip >= maps[i].Start && ip < maps[i].Limit) return maps[i].Id;
        return -1;
    }
}
