using Stackweave.Formats;
using Stackweave.Formats.PerfScript;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.TextInputs;

/// <summary>A fact that runs only where the peer test suites (../shared/peer beside the repository) are present.</summary>
public sealed class RequiresPeerSuitesFactAttribute : FactAttribute
{
    /// <summary>Skips the test when the folder is absent.</summary>
    public RequiresPeerSuitesFactAttribute()
    {
        if (PeerSuite.Root is null) Skip = "../shared/peer (FlameGraph and inferno collapse-perf suites) is not present beside the repository";
    }
}

/// <summary>The cases of FlameGraph's stackcollapse-perf test suite and inferno's collapse-perf tests (see ../shared/peer/README.md).</summary>
public static class PeerSuite
{
    /// <summary>The peer folder, or null when absent.</summary>
    public static string? Root { get; } = Find();

    private static string? Find()
    {
        // ../shared/peer relative to the repository root
        var dir = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "peer"));
        return Directory.Exists(Path.Combine(dir, "flamegraph")) && Directory.Exists(Path.Combine(dir, "inferno")) ? dir : null;
    }

    /// <summary>One case: its name, the input (null when the suite does not ship it), the options, the expected file.</summary>
    public sealed record Case(string Name, string? Input, string[] Options, string Expected);

    /// <summary>Every case with an expected output: FlameGraph's results/NAME-collapsed-OPT.txt and inferno's results/NAME-collapsed[-OPT+OPT].txt.</summary>
    public static List<Case> Cases(string root)
    {
        var list = new List<Case>();
        var fg = Path.Combine(root, "flamegraph", "test");
        foreach (var expected in Directory.GetFiles(Path.Combine(fg, "results"), "*.txt").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(expected);
            var at = name.LastIndexOf("-collapsed-", StringComparison.Ordinal);
            var input = Path.Combine(fg, name[..at] + ".txt");
            list.Add(new Case("flamegraph/" + name, File.Exists(input) ? input : null, ["--" + name[(at + 11)..]], expected));
        }
        var inf = Path.Combine(root, "inferno", "collapse-perf");
        foreach (var expected in Directory.GetFiles(Path.Combine(inf, "results"), "*.txt").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(expected);
            var at = name.LastIndexOf("-collapsed", StringComparison.Ordinal);
            var opts = name[(at + 10)..].TrimStart('-');
            var baseName = name[..at];
            // inferno's Rust case reads FlameGraph's input file
            var input = new[] { Path.Combine(inf, baseName + ".txt"), Path.Combine(fg, baseName + ".txt") }.FirstOrDefault(File.Exists);
            var options = opts.Length == 0 ? [] : opts.Split('+').Select(o => "--" + o).ToArray();
            list.Add(new Case("inferno/" + name, input, options, expected));
        }
        return list;
    }
}

/// <summary>
/// Point 5 of issue 8: every peer case through <c>stackweave convert --format folded</c>. The cases that do not match are listed
/// here and in README.md with the expectation Stackweave follows instead; any other difference fails.
/// </summary>
public class PeerSuiteTests
{
    private const string Rust = "FlameGraph's expected file keeps legacy Rust names half-decoded ('_$LT$...$GT$::new::h<hash>'), as old perf printed them; "
        + "inferno's six expected files for the same input and options show them decoded without the hash, and so does Stackweave "
        + "(inferno's single-event, whose one such name is decoded, needs the same rule)";

    /// <summary>Cases that differ, and why (README.md, "Text inputs", has the same list).</summary>
    public static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal)
    {
        ["flamegraph/perf-rust-Yamakaky-dcpu-collapsed-addrs"] = Rust,
        ["flamegraph/perf-rust-Yamakaky-dcpu-collapsed-all"] = Rust,
        ["flamegraph/perf-rust-Yamakaky-dcpu-collapsed-jit"] = Rust,
        ["flamegraph/perf-rust-Yamakaky-dcpu-collapsed-kernel"] = Rust,
        ["flamegraph/perf-rust-Yamakaky-dcpu-collapsed-pid"] = Rust,
        ["flamegraph/perf-rust-Yamakaky-dcpu-collapsed-tid"] = Rust,
        ["inferno/single-line-stacks-collapsed"] = "inferno folds samples printed without a call graph (ip on the header line); stackcollapse-perf.pl records "
            + "nothing for them, and a golden made by it from perf 6.1's text (testdata/textin/nog.folded, empty) says so (followed)",
        ["inferno/no-events-collapsed"] = "the input is an empty file: inferno prints nothing; an empty input is bad input here (exit 2, CLI contract): "
            + "nothing in zero bytes says which format it is, and an empty file is more often a failed capture than an empty profile",
    };

    [RequiresPeerSuitesFact]
    public void PeerCasesMatchExceptTheListedOnes()
    {
        var root = PeerSuite.Root!;
        // 93 expected files; inferno's example-perf-stacks has no input in the peer folder (FlameGraph's example-perf-stacks.txt.gz),
        // which leaves the 92 cases of the issue.
        var cases = PeerSuite.Cases(root).Where(c => c.Input is not null).ToList();
        Assert.Equal(92, cases.Count);
        var matched = 0;
        var unexpected = new List<string>();
        var nowMatching = new List<string>();
        foreach (var c in cases)
        {
            var r = CliRunner.Run(["convert", c.Input!, "--format", "folded", .. c.Options]);
            var expected = File.ReadAllText(c.Expected);
            // an empty input is bad input (exit 2); every other case must convert
            Assert.True(r.ExitCode == 0 || new FileInfo(c.Input!).Length == 0, c.Name + ": " + r.Stderr);
            var ok = r.ExitCode == 0 && r.Stdout == expected;
            if (ok) matched++;
            var known = KnownDifferences.ContainsKey(c.Name);
            if (!ok && !known) unexpected.Add(c.Name);
            if (ok && known) nowMatching.Add(c.Name);
        }
        Assert.True(unexpected.Count == 0, "unexpected differences: " + string.Join(", ", unexpected));
        Assert.True(nowMatching.Count == 0, "listed as different but now matching (update the list and README): " + string.Join(", ", nowMatching));
        Assert.Equal(cases.Count - KnownDifferences.Count, matched);
        // issue 8, point 5: at least 84 of the 92 cases match exactly
        Assert.True(matched >= 84, FormattableString.Invariant($"{matched} of {cases.Count} match"));
    }

    /// <summary>Inputs without an expected file (odd or empty lines): the skipped lines are counted, and the samples read.</summary>
    [RequiresPeerSuitesFact]
    public void InputsWithoutExpectedOutputCountTheirSkippedLines()
    {
        var dir = Path.Combine(PeerSuite.Root!, "inferno", "collapse-perf");
        // empty-line.txt: header, frame, blank, header, blank, then a callchain line after the blank that belongs to no sample.
        var p = FormatRegistry.Read(Path.Combine(dir, "empty-line.txt"));
        Assert.Equal("perf-script", p.Source.Format);
        Assert.Equal(1, p.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Equal(2, p.Samples.Count);
        // weird-stack-line.txt: the second sample's only callchain line is "THIS_IS_A_WEIRD_LINE".
        p = FormatRegistry.Read(Path.Combine(dir, "weird-stack-line.txt"));
        Assert.Equal(1, p.Diagnostics.Get(PerfScriptReader.SkippedLinesCounter));
        Assert.Equal(2, p.Samples.Count);
        // no-events.txt is empty: bad input, as every empty file.
        Assert.ThrowsAny<Formats.IO.CaptureFormatException>(() => FormatRegistry.Read(Path.Combine(dir, "no-events.txt")));
    }
}
