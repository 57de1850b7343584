namespace Stackweave.Tests.Integration;

/// <summary>Folded and script output against stackcollapse-perf.pl and perf script run on the same real captures.</summary>
public class GoldenTests
{
    public static TheoryData<string, string> Captures()
    {
        var d = new TheoryData<string, string>();
        foreach (var (dir, file) in CaptureFiles) d.Add(dir, file);
        return d;
    }

    public static readonly (string Dir, string File)[] CaptureFiles =
    [
        ("go-fp", "perf.data"), ("cpp-fp", "perf.data"), ("pipe", "perf.data.pipe"), ("zstd", "perf.data"),
        ("threads", "perf.data"), ("two-events", "perf.data"), ("tracepoints", "perf.data"),
        ("system-wide", "perf.data"), ("monoraw", "perf.data"), ("switch-ns-cgroup", "perf.data"),
    ];

    public static TheoryData<string, string, string> FoldedVariants()
    {
        var d = new TheoryData<string, string, string>();
        foreach (var (dir, file) in CaptureFiles)
            foreach (var v in new[] { "", "kernel", "jit", "all", "addrs", "pid", "tid" })
                d.Add(dir, file, v);
        return d;
    }

    [Theory]
    [MemberData(nameof(FoldedVariants))]
    public void FoldedEqualsStackcollapsePerf(string dir, string file, string variant)
    {
        var golden = RepoPaths.TestData(dir, file + (variant == "" ? "" : "." + variant) + ".folded");
        var args = new List<string> { "convert", RepoPaths.TestData(dir, file), "--format", "folded", "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms };
        if (variant != "") args.Add("--" + variant);
        var r = CliRunner.Run([.. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText(golden), r.Stdout);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void ScriptEqualsPerfScript(string dir, string file)
    {
        var r = CliRunner.Run("script", RepoPaths.TestData(dir, file), "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData(dir, file + ".script.txt")), r.Stdout);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void RawScriptWithSideBandEqualsPerfScriptShowEvents(string dir, string file)
    {
        // Golden: perf script --show-{mmap,task,switch,namespace,cgroup,lost}-events -F <X.script-side.fields>
        var r = CliRunner.Run("script", RepoPaths.TestData(dir, file), "--raw", "--show-mmap-events", "--show-task-events",
            "--show-switch-events", "--show-namespace-events", "--show-cgroup-events", "--show-lost-events",
            "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData(dir, file + ".script-side.txt")), r.Stdout);
    }
}
