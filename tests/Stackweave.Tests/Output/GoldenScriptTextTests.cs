using System.Text;
using Stackweave.Formats.Folded;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Tests.Output;

/// <summary>
/// The writers against the real goldens in testdata/ (perf 6.1 `perf script` text and FlameGraph stackcollapse-perf.pl
/// output made from it, see testdata/README.md): the profile is rebuilt from the perf script text, then
/// (1) PerfScriptWriter must print that text again byte for byte and (2) FoldedWriter must equal stackcollapse's output.
/// </summary>
public class GoldenScriptTextTests
{
    public static TheoryData<string> Captures()
    {
        var d = new TheoryData<string>();
        foreach (var c in new[] { "cpp-fp", "go-fp", "monoraw", "pipe", "switch-ns-cgroup", "system-wide", "threads", "tracepoints", "two-events", "zstd" })
            d.Add(c);
        return d;
    }

    private static string Base(string capture)
        => capture == "pipe" ? RepoPaths.TestData(capture, "perf.data.pipe") : RepoPaths.TestData(capture, "perf.data");

    private static string Read(string path) => File.ReadAllText(path, Encoding.UTF8);

    [Theory]
    [MemberData(nameof(Captures))]
    public void PerfScriptWriter_reprints_default_layout(string capture)
    {
        var text = Read(Base(capture) + ".script.txt");
        var profile = ScriptTextProfile.Parse(text, PerfScriptFields.Default);
        Assert.True(profile.Samples.Count > 0);
        var sw = new StringWriter();
        PerfScriptWriter.Write(profile, sw);
        AssertSameText(text, sw.ToString());
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void PerfScriptWriter_reprints_pid_tid_layout(string capture)
    {
        var text = Read(Base(capture) + ".script-pid.txt");
        var profile = ScriptTextProfile.Parse(text, PerfScriptFields.PidTid);
        var sw = new StringWriter();
        PerfScriptWriter.Write(profile, sw, new PerfScriptOptions { Fields = PerfScriptFields.PidTid });
        AssertSameText(text, sw.ToString());
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void FoldedWriter_equals_stackcollapse(string capture)
    {
        var b = Base(capture);
        var text = Read(b + ".script.txt");
        var profile = ScriptTextProfile.Parse(text, PerfScriptFields.Default);
        Check(profile, b + ".folded", new FoldedOptions());
        Check(profile, b + ".kernel.folded", new FoldedOptions { Kernel = true });
        Check(profile, b + ".jit.folded", new FoldedOptions { Jit = true });
        Check(profile, b + ".all.folded", new FoldedOptions { All = true });
        Check(profile, b + ".addrs.folded", new FoldedOptions { Addrs = true });

        var pidText = Read(b + ".script-pid.txt");
        var pidProfile = ScriptTextProfile.Parse(pidText, PerfScriptFields.PidTid);
        Check(pidProfile, b + ".pid.folded", new FoldedOptions { Pid = true });
        Check(pidProfile, b + ".tid.folded", new FoldedOptions { Tid = true });
    }

    private static void Check(Profile profile, string golden, FoldedOptions options)
    {
        var expected = Read(golden);
        var sw = new StringWriter();
        var r = FoldedWriter.Write(profile, sw, options);
        AssertSameText(expected, sw.ToString(), golden);
        // stackcollapse-perf.pl names the first dropped event on stderr ("Filtering for events of type: X").
        // regen.sh keeps the stderr file only when the script printed something
        var stderr = File.Exists(golden + ".stderr") ? Read(golden + ".stderr") : null;
        const string Prefix = "Filtering for events of type: ";
        var warned = stderr?.Split('\n').FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal))?[Prefix.Length..];
        Assert.Equal(warned, r.FilterWarningEvent);
        Assert.Equal(warned is null, r.SkippedNote() is null);
    }

    internal static void AssertSameText(string expected, string actual, string? what = null)
    {
        if (expected == actual) return;
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
            if (e[i] != a[i])
                Assert.Fail($"{what}: line {i + 1} differs\nexpected: {e[i]}\nactual:   {a[i]}");
        Assert.Fail($"{what}: {e.Length} lines expected, {a.Length} written");
    }
}
