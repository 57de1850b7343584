using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Dwarf;

/// <summary>
/// <c>stackweave script --inline</c> against <c>perf script --inline</c> on a capture perf 6.1 unwinds itself
/// (<c>--call-graph dwarf</c>: the only callchains that version adds inlined frames to). With <c>--no-unwind</c> each
/// sample's frames are the kernel's and the sampled address's; those lines, inlined frames included, must be exactly the
/// first lines perf prints for the sample (the unwinding tests compare whole stacks).
/// </summary>
public sealed class ScriptInlineTests
{
    private const string LibcDebug = "/usr/lib/debug/.build-id/93/ac61ec5a8eb1396f9fbd350e3169a558528a40.debug";
    private const string LdDebug = "/usr/lib/debug/.build-id/7e/bc65e52f2bbea498b4040fa92f7238377aaba9.debug";

    [RequiresFilesTheory(LibcDebug, LdDebug)]
    [InlineData(true)]
    [InlineData(false)]
    public void LeafFramesEqualPerfScriptInline(bool inline)
    {
        var dir = RepoPaths.TestData("dwarf", "dw");
        var r = CliRunner.Run([
            "script", Path.Combine(dir, "perf.data"), "--kallsyms", RepoPaths.TestData("system-wide", "kallsyms.gz"), "--no-unwind",
            .. (inline ? (string[])["--inline"] : []),
        ]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var ours = Blocks(r.Stdout);
        var perf = Blocks(File.ReadAllText(Path.Combine(dir, "perf.data.script-inline.txt")));
        Assert.Equal(perf.Count, ours.Count);
        var inlinedLines = 0;
        for (var i = 0; i < perf.Count; i++)
        {
            var o = ours[i];
            var p = perf[i];
            // The leaf's own line (the last of ours) is where perf's inlined frames for it end.
            var expected = inline ? p.Take(o.Length).ToArray() : p.Where(l => !l.EndsWith(" (inlined)", StringComparison.Ordinal)).Take(o.Length).ToArray();
            Assert.True(expected.SequenceEqual(o), $"sample {i}:\nperf:\n{string.Join('\n', p)}\nStackweave:\n{string.Join('\n', o)}");
            inlinedLines += o.Count(l => l.EndsWith(" (inlined)", StringComparison.Ordinal));
        }
        if (inline) Assert.True(inlinedLines > perf.Count / 2, $"only {inlinedLines} inlined lines");
        else Assert.Equal(0, inlinedLines);
    }

    private static List<string[]> Blocks(string text) =>
        text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(b => b.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
}
