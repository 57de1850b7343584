using System.Diagnostics;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using Stackweave.Formats;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.TextInputs;

/// <summary>
/// Point 4 of issue 8: <c>stackweave script x.data | stackweave convert - --format folded</c> equals
/// <c>stackweave convert x.data --format folded</c> on every perf capture in testdata/, and the text is recognised
/// through gzip, zstd and LZ4 wrappers and on stdin.
/// </summary>
public class ScriptPipeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackweave-textin-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    public static TheoryData<string> Captures()
    {
        var d = new TheoryData<string>();
        foreach (var c in new[] { "cpp-fp", "go-fp", "monoraw", "pipe", "switch-ns-cgroup", "system-wide", "threads", "tracepoints", "two-events", "zstd" })
            d.Add(c);
        return d;
    }

    private static string Capture(string name) => name == "pipe" ? RepoPaths.TestData(name, "perf.data.pipe") : RepoPaths.TestData(name, "perf.data");

    private static readonly string[] s_symbols = ["--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms];

    private string ScriptText(string capture)
    {
        var script = CliRunner.Run(["script", Capture(capture), .. s_symbols]);
        Assert.True(script.ExitCode == 0, script.Stderr);
        var path = Path.Combine(_dir, capture + ".script.txt");
        File.WriteAllText(path, script.Stdout);
        return path;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void ScriptTextFoldsLikeTheCapture(string capture)
    {
        var direct = CliRunner.Run(["convert", Capture(capture), "--format", "folded", .. s_symbols]);
        Assert.True(direct.ExitCode == 0, direct.Stderr);
        var viaText = CliRunner.Run("convert", ScriptText(capture), "--format", "folded");
        Assert.True(viaText.ExitCode == 0, viaText.Stderr);
        Assert.Equal(direct.Stdout, viaText.Stdout);
        Assert.Equal(direct.Stderr, viaText.Stderr); // the same "skipped N samples of events" note, or none
        // and it is the FlameGraph pipeline's answer
        var golden = Capture(capture) + ".folded";
        Assert.Equal(File.ReadAllText(golden), viaText.Stdout);
    }

    [Theory]
    [InlineData("gz")]
    [InlineData("zst")]
    [InlineData("lz4")]
    public void WrappedScriptTextIsDetected(string kind)
    {
        var text = File.ReadAllBytes(ScriptText("go-fp"));
        var path = Path.Combine(_dir, "go-fp.script.txt." + kind);
        using (var fs = File.Create(path))
        using (Stream z = kind switch
        {
            "gz" => new GZipStream(fs, CompressionLevel.Fastest),
            "zst" => new ZstdSharp.CompressionStream(fs, 3),
            _ => LZ4Stream.Encode(fs),
        })
            z.Write(text);
        var p = FormatRegistry.Read(path);
        Assert.Equal("perf-script", p.Source.Format);
        var r = CliRunner.Run("convert", path);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData("go-fp", "perf.data.folded")), r.Stdout);
    }

    [Fact]
    public async Task ScriptTextOnStdin()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "stackweave.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "convert", "-", "--format", "folded" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.BaseStream.WriteAsync(File.ReadAllBytes(ScriptText("cpp-fp")));
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        var err = await stderr;
        Assert.True(p.ExitCode == 0, err);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData("cpp-fp", "perf.data.folded")), await stdout);
    }
}
