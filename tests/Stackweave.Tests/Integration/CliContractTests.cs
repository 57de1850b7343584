namespace Stackweave.Tests.Integration;

/// <summary>The CLI contract: exit codes, one-line errors naming file and offset, salvage, atomic output.</summary>
public class CliContractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackweave-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, byte[] bytes)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static void AssertOneLineError(CliRunner.Result r, string file)
    {
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.Contains(file, lines[0]);
        Assert.Matches(@"at byte \d+", lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    [Fact]
    public void NoArgumentsIsUsageError() => Assert.Equal(1, CliRunner.Run().ExitCode);

    [Fact]
    public void UnknownOptionIsUsageError()
    {
        var r = CliRunner.Run("convert", "x", "--frobnicate");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--frobnicate", r.Stderr);
    }

    [Fact]
    public void EmptyFileIsBadInput()
    {
        var p = Write("empty.data", []);
        AssertOneLineError(CliRunner.Run("convert", p), p);
    }

    [Fact]
    public void WrongMagicIsBadInput()
    {
        var p = Write("junk.data", "this is not a capture at all, just text\n"u8.ToArray());
        AssertOneLineError(CliRunner.Run("convert", p), p);
    }

    [Fact]
    public void MissingFileIsBadInput()
    {
        var p = Path.Combine(_dir, "nope.data");
        AssertOneLineError(CliRunner.Run("info", p), p);
    }

    [Fact]
    public void DirectoryThatIsNotPerfDataIsBadInput()
    {
        var d = Directory.CreateDirectory(Path.Combine(_dir, "notperf")).FullName;
        AssertOneLineError(CliRunner.Run("convert", d), d);
    }

    [Fact]
    public void TruncatedCaptureFailsWithoutSalvageAndSalvagesWithIt()
    {
        var bytes = File.ReadAllBytes(RepoPaths.TestData("go-fp", "perf.data"));
        // Cut inside the data section: the header's data section starts at the offset stored at byte 40.
        var dataOffset = (int)BitConverter.ToUInt64(bytes, 40);
        var dataSize = (int)BitConverter.ToUInt64(bytes, 48);
        var cut = Write("cut.data", bytes[..(dataOffset + dataSize / 2 + 3)]);
        AssertOneLineError(CliRunner.Run("convert", cut, "--format", "folded"), cut);

        var out1 = Path.Combine(_dir, "out.folded");
        var r = CliRunner.Run("convert", cut, "-o", out1, "--salvage");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains(cut, r.Stderr);
        var lines = File.ReadAllLines(out1);
        Assert.NotEmpty(lines);
        var total = lines.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var full = File.ReadAllLines(RepoPaths.TestData("go-fp", "perf.data.folded"))
            .Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(total, 1, full - 1);
    }

    [Fact]
    public void FailedConversionLeavesNoOutputFile()
    {
        var p = Write("junk2.data", new byte[100]);
        var o = Path.Combine(_dir, "never.folded");
        Assert.Equal(2, CliRunner.Run("convert", p, "-o", o).ExitCode);
        Assert.False(File.Exists(o));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void InfoReportsEventsAndRecordCounts()
    {
        var r = CliRunner.Run("info", RepoPaths.TestData("two-events", "perf.data"), "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var info = doc.RootElement[0];
        var events = info.GetProperty("events");
        Assert.Equal(2, events.GetArrayLength());
        // perf report --stats of this capture (golden) counts the samples of both events.
        var stats = File.ReadAllText(RepoPaths.TestData("two-events", "perf.data.stats.txt"));
        var m = System.Text.RegularExpressions.Regex.Match(stats, @"SAMPLE events:\s+(\d+)");
        Assert.True(m.Success);
        var samples = events.EnumerateArray().Sum(e => e.GetProperty("samples").GetInt64());
        Assert.Equal(long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), samples);
        Assert.Equal(samples, info.GetProperty("records").GetProperty("SAMPLE").GetInt64());
    }

    public static TheoryData<string> EvlistCaptures() => new(["cpp-fp", "go-fp", "monoraw", "switch-ns-cgroup", "system-wide", "tracepoints", "two-events", "zstd"]);

    [Theory]
    [MemberData(nameof(EvlistCaptures))]
    public void InfoPrintsEachEventsTypeAndConfigAsPerfEvlist(string capture)
    {
        var r = CliRunner.Run("info", RepoPaths.TestData(capture, "perf.data"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var ours = System.Text.RegularExpressions.Regex.Matches(r.Stdout, @"^# event \d+: (.+?): type (\d+), config (0x[0-9a-f]+),", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();
        // perf evlist -v (golden): "NAME: type: T, size: S, config: 0xC, ..."; perf leaves out a config of 0
        var perf = File.ReadAllLines(RepoPaths.TestData(capture, "perf.data.evlist.txt"))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^(.+?): type: (\d+), size: \d+(?:, config: (0x[0-9a-f]+))?"))
            .Where(m => m.Success).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Success ? m.Groups[3].Value : "0x0")).ToList();
        Assert.NotEmpty(perf);
        Assert.Equal(perf, ours);
    }
}
