using System.Globalization;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Unwind;

/// <summary>
/// Issue 10 point 5: real <c>perf record --call-graph dwarf</c> captures (testdata/unwind) unwound by Stackweave, folded,
/// against stackcollapse-perf.pl's folding of <c>perf script --no-inline</c> on the same capture.
/// </summary>
public class DwarfCaptureTests
{
    private static string Dir(params string[] parts) => RepoPaths.TestData(["unwind", .. parts]);

    /// <summary>Runs convert with the capture's symfs, debug files, vdso cache and kallsyms; returns folded text and stderr.</summary>
    internal static CliRunner.Result Convert(string capture, params string[] extra) =>
        CliRunner.Run(["convert", Dir(capture, "perf.data.zst"), "--format", "folded", "--symfs", Dir("symfs"),
            "--debug-dir", Dir("debug"), "--buildid-dir", Dir("buildid"), "--kallsyms", CliRunner.Kallsyms, "--verbose", .. extra]);

    internal static Dictionary<string, long> Folded(string text)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var sp = line.LastIndexOf(' ');
            var key = line[..sp];
            d[key] = d.GetValueOrDefault(key) + long.Parse(line[(sp + 1)..], CultureInfo.InvariantCulture);
        }
        return d;
    }

    /// <summary>Share of the golden's weight that Stackweave gives the very same stack.</summary>
    internal static double MatchingWeight(Dictionary<string, long> ours, Dictionary<string, long> golden)
    {
        long common = 0, total = 0;
        foreach (var (k, v) in golden)
        {
            total += v;
            common += Math.Min(v, ours.GetValueOrDefault(k));
        }
        return (double)common / total;
    }

    private static long Counter(string stderr, string name)
    {
        foreach (var line in stderr.Split('\n'))
        {
            var t = line.Trim();
            if (t.StartsWith(name + ": ", StringComparison.Ordinal)) return long.Parse(t[(name.Length + 2)..], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    [Theory]
    [InlineData("cpp-dwarf", 738)]
    [InlineData("libcall-dwarf", 680)]
    [InlineData("rust-dwarf", 740)]
    public void FoldedMatchesPerfScriptForNearlyAllWeight(string capture, int samples)
    {
        var r = Convert(capture);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var ours = Folded(r.Stdout);
        var golden = Folded(File.ReadAllText(Dir(capture, "noinline.folded")));
        Assert.Equal(golden.Values.Sum(), ours.Values.Sum());
        var share = MatchingWeight(ours, golden);
        Assert.True(share >= 0.99, FormattableString.Invariant($"{capture}: only {share:P2} of the weight matches perf script"));
        Assert.Equal(samples, Counter(r.Stderr, "unwind: samples unwound"));
        // every binary these captures run in has CFI: the frame-pointer fallback must never be needed
        Assert.Equal(0, Counter(r.Stderr, "unwind: frames from frame-pointer fallback"));
        Assert.Equal(0, Counter(r.Stderr, "unwind: binaries without CFI"));
    }

    /// <summary>`stackweave script` prints the unwound chains exactly as `perf script --no-inline` does (addresses at return address − 1 included).</summary>
    [Theory]
    [InlineData("cpp-dwarf")]
    [InlineData("libcall-dwarf")]
    [InlineData("rust-dwarf")]
    public void ScriptEqualsPerfScript(string capture)
    {
        var r = CliRunner.Run("script", Dir(capture, "perf.data.zst"), "--symfs", Dir("symfs"), "--debug-dir", Dir("debug"),
            "--buildid-dir", Dir("buildid"), "--kallsyms", CliRunner.Kallsyms);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var golden = File.ReadAllText(Dir(capture, "script.noinline.txt"));
        Assert.Equal(golden, r.Stdout);
    }

    [Fact]
    public void StacksCrossLibcAndLibstdcxx()
    {
        var ours = Folded(Convert("libcall-dwarf").Stdout);
        // qsort calls back into the program from inside libc; std::map rebalances inside libstdc++
        Assert.Contains(ours.Keys, k => k.Contains(";main;do_qsort;__GI___qsort_r;msort_with_tmp.part.0;", StringComparison.Ordinal) && k.EndsWith(";cmp_u32", StringComparison.Ordinal));
        Assert.Contains(ours.Keys, k => k.Contains(";do_map;", StringComparison.Ordinal) && k.Contains("_Rb_tree_insert_and_rebalance", StringComparison.Ordinal));
        Assert.Contains(ours.Keys, k => k.StartsWith("libcall;_start;__libc_start_main@@GLIBC_2.34;__libc_start_call_main;main;do_hash;", StringComparison.Ordinal) && k.Contains("std::_Hash_bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutUnwindingStacksAreOneFrame()
    {
        var ours = Folded(Convert("cpp-dwarf", "--no-unwind").Stdout);
        var unwound = Folded(Convert("cpp-dwarf").Stdout);
        Assert.Equal(unwound.Values.Sum(), ours.Values.Sum());
        // comm;leaf (kernel frames after it for samples taken in the kernel)
        Assert.True(ours.Keys.Count(k => k.Contains(";_start;", StringComparison.Ordinal)) == 0);
        Assert.True(unwound.Keys.Count(k => k.Contains(";_start;", StringComparison.Ordinal)) > 10);
    }

    /// <summary>Roots (first frame after the comm) of a folded map, weighted.</summary>
    private static Dictionary<string, long> Roots(Dictionary<string, long> folded)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (k, v) in folded)
        {
            var parts = k.Split(';');
            var root = parts.Length > 1 ? parts[1] : "";
            d[root] = d.GetValueOrDefault(root) + v;
        }
        return d;
    }

    [Fact]
    public void GoDwarfStacksAreWholeWherePerfStopsAtTheLeaf()
    {
        var r = Convert("go-dwarf");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var ours = Folded(r.Stdout);
        var total = (double)ours.Values.Sum();
        // the outermost frames of whole Go stacks, as the same program's frame-pointer capture shows them
        var fpRoots = Roots(Folded(File.ReadAllText(Dir("go-fp2", "noinline.folded"))));
        var fpTotal = (double)fpRoots.Values.Sum();
        var wholeRoots = fpRoots.Where(kv => kv.Value / fpTotal >= 0.001 && kv.Key.StartsWith("runtime.", StringComparison.Ordinal)).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("runtime.goexit.abi0", wholeRoots);
        var whole = Roots(ours).Where(kv => wholeRoots.Contains(kv.Key)).Sum(kv => kv.Value);
        Assert.True(whole / total >= 0.90, FormattableString.Invariant($"only {whole / total:P2} of the weight unwound to a whole stack"));
        // the main goroutine's stacks are as deep as with frame pointers: runtime.goexit;runtime.main;main.main;...
        Assert.Contains(ours.Keys, k => k.StartsWith("burn-go;runtime.goexit.abi0;runtime.main;main.main;main.work;main.fib;main.fib;", StringComparison.Ordinal));
        // perf 6.1's own unwinding of this capture stops at the leaf (FACTS.md): its golden has almost no whole stack
        var perf = Folded(File.ReadAllText(Dir("go-dwarf", "noinline.folded")));
        var perfWhole = Roots(perf).Where(kv => wholeRoots.Contains(kv.Key)).Sum(kv => kv.Value);
        Assert.True(perfWhole / (double)perf.Values.Sum() < 0.10);
        Assert.Equal(0, Counter(r.Stderr, "unwind: frames from frame-pointer fallback"));
    }

    [Fact]
    public void GoLeafFunctionsWeighAsPerfSawThem()
    {
        // perf's leaf-only stacks and Stackweave's whole stacks agree on every sample's leaf
        var ours = Folded(Convert("go-dwarf").Stdout);
        var perf = Folded(File.ReadAllText(Dir("go-dwarf", "noinline.folded")));
        static Dictionary<string, long> Leaves(Dictionary<string, long> f)
        {
            var d = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (k, v) in f) { var leaf = k[(k.LastIndexOf(';') + 1)..]; d[leaf] = d.GetValueOrDefault(leaf) + v; }
            return d;
        }
        var a = Leaves(ours);
        var b = Leaves(perf);
        Assert.True(MatchingWeight(a, b) >= 0.99);
    }
}
