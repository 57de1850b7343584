using System.Globalization;
using System.IO.Compression;
using System.Text;
using Stackweave.Merge.Symbols.Demangle;
using Xunit.Abstractions;

namespace Stackweave.Tests.Demangle;

/// <summary>Perf style against what perf 6.1 itself printed (perf script and perf probe -F goldens, see Data/README.md).</summary>
public class PerfStyleTests
{
    private readonly ITestOutputHelper _out;

    public PerfStyleTests(ITestOutputHelper output) => _out = output;

    private static string PerfName(string mangled) => Demangler.Demangle(mangled, DemangleStyle.Perf) ?? mangled;

    private static IEnumerable<string> ReadLines(string name)
    {
        string path = CorpusTests.DataPath(name);
        Stream s = File.OpenRead(path);
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            s = new GZipStream(s, CompressionMode.Decompress);
        }

        using var reader = new StreamReader(s, Encoding.UTF8);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            yield return line;
        }
    }

    /// <summary>nm output: address → names defined there.</summary>
    private static Dictionary<ulong, List<string>> ReadNm(string name)
    {
        var map = new Dictionary<ulong, List<string>>();
        foreach (string line in ReadLines(name))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 3)
            {
                continue;
            }

            ulong addr = ulong.Parse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (!map.TryGetValue(addr, out var list))
            {
                map[addr] = list = new List<string>();
            }

            list.Add(f[2]);
        }

        return map;
    }

    /// <summary>
    /// Every frame of the given binary in a perf script golden: the symbol start (address minus offset) is looked up
    /// in the binary's nm listing, and Perf style of that mangled name must be exactly the name perf printed.
    /// </summary>
    private int CheckScript(IEnumerable<string> script, string binarySuffix, Dictionary<ulong, List<string>> nm, List<string> failures, ulong textBias = 0)
    {
        int frames = 0;
        foreach (string raw in script)
        {
            string line = raw.TrimStart();
            if (!line.EndsWith(binarySuffix + ")", StringComparison.Ordinal))
            {
                continue;
            }

            // "<hex addr> <sym>+0x<off> (<dso>)"
            int sp = line.IndexOf(' ', StringComparison.Ordinal);
            int paren = line.LastIndexOf(" (", StringComparison.Ordinal);
            string symOff = line[(sp + 1)..paren];
            int plus = symOff.LastIndexOf("+0x", StringComparison.Ordinal);
            if (plus < 0)
            {
                continue;
            }

            ulong addr = ulong.Parse(line[..sp], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong off = ulong.Parse(symOff[(plus + 3)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            string printed = symOff[..plus];
            ulong start = addr - off + textBias;
            Assert.True(nm.TryGetValue(start, out var names), $"no symbol at 0x{start:x} for {printed}");
            frames++;
            if (!names!.Any(n => PerfName(n) == printed))
            {
                failures.Add($"{string.Join(",", names!)} -> perf: {printed}; ours: {PerfName(names![0])}");
            }
        }

        return frames;
    }

    [Fact]
    public void Perf_matches_perf_script_on_demangle_zoo_capture()
    {
        var failures = new List<string>();
        int frames = CheckScript(ReadLines("demangle-zoo.perf.data.script.txt.gz"), "/demangle-zoo", ReadNm("demangle-zoo.nm.txt"), failures);
        foreach (string f in failures.Take(20))
        {
            _out.WriteLine(f);
        }

        Assert.True(frames > 500, "too few frames: " + frames);
        Assert.Empty(failures);
    }

    [Fact]
    public void Perf_matches_perf_script_on_cpp_fp_capture()
    {
        string golden = RepoPaths.TestData("cpp-fp", "perf.data.script.txt");
        Assert.True(File.Exists(golden), "missing golden " + golden);
        var failures = new List<string>();
        int frames = CheckScript(File.ReadLines(golden), "/burn-cpp", ReadNm("burn-cpp.nm.txt"), failures);
        foreach (string f in failures.Take(20))
        {
            _out.WriteLine(f);
        }

        Assert.True(frames > 100, "too few frames: " + frames);
        Assert.Empty(failures);
    }

    /// <summary>
    /// perf probe -F --filter='*' lists every symbol perf loaded from a binary, demangled by the same
    /// dso__load_sym → demangle_sym path as perf script. Our Perf names for the same symbol table must give the
    /// same set (perf drops some aliases at one address, so only "golden ⊆ ours" plus a bound on extras).
    /// </summary>
    private void CheckProbeList(IEnumerable<string> probe, IEnumerable<string> mangledNames)
    {
        var golden = new HashSet<string>(StringComparer.Ordinal);
        foreach (string l in probe)
        {
            if (l.Length > 0 && !l.EndsWith("@plt", StringComparison.Ordinal))
            {
                golden.Add(l);
            }
        }

        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (string m in mangledNames)
        {
            // perf lists versioned .symtab names (stderr@GLIBC_2.2.5) both with and without the version.
            ours.Add(PerfName(m));
            int at = m.IndexOf('@', StringComparison.Ordinal);
            if (at > 0)
            {
                ours.Add(PerfName(m[..at]));
            }
        }

        var missing = golden.Where(g => !ours.Contains(g)).ToList();
        foreach (string m in missing.Take(30))
        {
            _out.WriteLine("perf printed, we never produce: " + m);
        }

        _out.WriteLine($"golden {golden.Count}, ours {ours.Count}, missing {missing.Count}");
        Assert.True(golden.Count > 50);
        Assert.Empty(missing);
    }

    [Fact]
    public void Perf_matches_perf_probe_funcs_on_demangle_zoo()
    {
        var names = ReadLines("demangle-zoo.nm.txt")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3)
            .Select(f => f[2]);
        CheckProbeList(ReadLines("demangle-zoo.probe-funcs.txt"), names);
    }

    [Fact]
    public void Perf_matches_perf_probe_funcs_on_libstdcxx()
    {
        var names = ReadLines("libstdc++.dynsym.tsv.gz").Select(l => l.Split('\t')[2]);
        CheckProbeList(ReadLines("libstdc++.probe-funcs.txt.gz"), names);
    }

    [Fact]
    public void Perf_matches_perf_script_on_rust_legacy_capture()
    {
        var nm = ReadNm("rust-zoo-legacy.nm.txt.gz");
        var failures = new List<string>();
        // perf script prints file-offset based addresses; this binary's executable segment has
        // p_vaddr - p_offset = 0x1000 (readelf -lW, second LOAD), nm prints p_vaddr based ones.
        int frames = CheckScript(ReadLines("rust-zoo-legacy.perf.data.script.txt.gz"), "/zoo-legacy", nm, failures, textBias: 0x1000);
        foreach (string f in failures.Take(20))
        {
            _out.WriteLine(f);
        }

        Assert.True(frames > 300, "too few frames: " + frames);
        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("rust-zoo-legacy")]
    [InlineData("rust-zoo-v0")]
    public void Perf_matches_perf_probe_funcs_on_rust(string binary)
    {
        var names = ReadLines(binary + ".nm.txt.gz")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3)
            .Select(f => f[2]);
        CheckProbeList(ReadLines(binary + ".probe-funcs.txt.gz"), names);
    }

    /// <summary>
    /// All 33,289 corpus names (C++ and Rust) as symbols of one shared object listed by perf probe -F
    /// (Data/mkperfnames.sh): the set of names perf printed must equal the set of our Perf names exactly.
    /// </summary>
    [Fact]
    public void Perf_matches_perf_on_every_corpus_name()
    {
        // _DYNAMIC is the linker's symbol in the shared object, not a corpus name.
        var golden = new HashSet<string>(ReadLines("perf-names.txt.gz").Where(l => l.Length > 0 && l != "_DYNAMIC"), StringComparer.Ordinal);
        var mangled = CorpusTests.ReadTsvGz("corpus.tsv.gz").Concat(CorpusTests.ReadTsvGz("rust-corpus.tsv.gz")).Select(x => x.Mangled);
        var ours = new HashSet<string>(StringComparer.Ordinal);
        var produced = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string m in mangled)
        {
            string p = PerfName(m);
            ours.Add(p);
            produced.TryAdd(p, m);
        }

        var missing = golden.Where(g => !ours.Contains(g)).OrderBy(x => x, StringComparer.Ordinal).ToList();
        var extra = ours.Where(o => !golden.Contains(o)).OrderBy(x => x, StringComparer.Ordinal).ToList();
        foreach (string m in missing.Take(20))
        {
            _out.WriteLine("perf printed, we never produce: " + m);
        }

        foreach (string e in extra.Take(20))
        {
            _out.WriteLine("we produce, perf never printed: " + e + "   <- " + produced[e]);
        }

        _out.WriteLine($"golden {golden.Count}, ours {ours.Count}, missing {missing.Count}, extra {extra.Count}");
        Assert.True(golden.Count > 20000);
        Assert.Empty(missing);
        Assert.Empty(extra);
    }
}
