using System.Diagnostics;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using Stackweave.Formats;
using Stackweave.Formats.IO;

namespace Stackweave.Tests.Integration;

/// <summary>Whole-file gzip, zstd and LZ4-frame wrappers, stdin/stdout, and the expansion cap.</summary>
public class WrapperTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackweave-wrap-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Capture => File.ReadAllBytes(RepoPaths.TestData("go-fp", "perf.data"));

    private string Wrapped(string kind)
    {
        var path = Path.Combine(_dir, "perf.data." + kind);
        using var fs = File.Create(path);
        Stream z = kind switch
        {
            "gz" => new GZipStream(fs, CompressionLevel.Fastest),
            "zst" => new ZstdSharp.CompressionStream(fs, 3),
            "lz4" => LZ4Stream.Encode(fs),
            _ => throw new ArgumentException(kind),
        };
        using (z) z.Write(Capture);
        return path;
    }

    [Theory]
    [InlineData("gz")]
    [InlineData("zst")]
    [InlineData("lz4")]
    public void CompressedCaptureGivesTheSameFoldedOutput(string kind)
    {
        var r = CliRunner.Run("convert", Wrapped(kind), "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllText(RepoPaths.TestData("go-fp", "perf.data.folded")), r.Stdout);
    }

    [Fact]
    public void ExpansionBeyondTheCapIsAFormatError()
    {
        var path = Wrapped("gz");
        var limits = Limits.Default with { MaxExpansionRatio = 2, MinExpansionAllowance = 0 };
        var e = Assert.ThrowsAny<CaptureFormatException>(() => FormatRegistry.Read(path, new ReadOptions { Limits = limits }));
        Assert.Contains("expanding at most 2x", e.Message);
    }

    [Fact]
    public async Task StdinToStdoutInAPipeline()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "stackweave.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "convert", "-", "-o", "-", "--symfs", CliRunner.Symfs, "--kallsyms", CliRunner.Kallsyms }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.BaseStream.WriteAsync(File.ReadAllBytes(Wrapped("gz")));
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        var err = await stderr;
        Assert.True(p.ExitCode == 0, err);
        Assert.Equal("", err); // silent in pipelines
        Assert.Equal(File.ReadAllText(RepoPaths.TestData("go-fp", "perf.data.folded")), await stdout);
    }
}
