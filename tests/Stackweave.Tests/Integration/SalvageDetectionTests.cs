using System.Globalization;
using Stackweave.Formats;
using Stackweave.Formats.IO;

namespace Stackweave.Tests.Integration;

/// <summary>
/// Damage inside the format-detection window (the first 4 KiB): without --salvage the input is exit 2 with one line naming
/// the file and a byte; with --salvage the format is still recognised from what comes before the damage when that is
/// clear (a pprof's first fields, a gzip member decompressing part-way, the first lines of a text format), the reader's
/// salvage writes what parsed, one stderr line names where the damage is, and the exit code is 3. Input that is
/// recognisable as nothing stays exit 2.
/// </summary>
public sealed class SalvageDetectionTests
{
    /// <summary>Real captures, the byte where 8 bytes are overwritten, and with what.</summary>
    public static TheoryData<string, int, byte> Cases() => new()
    {
        // capture, damage offset, damage byte
        { "pprof/cpu.pb", 1000, 0xff },
        { "pprof/cpu.pb", 300, 0x00 },
        { "pprof/cpu.pb.gz", 1000, 0xff },
        { "bpftrace/kstack.txt", 1000, 0x00 },
        { "bpftrace/stacks.txt", 40, 0x00 },
        { "bpftrace/stacks.json", 3000, 0x00 },
        { "bpftrace/kstack.json", 30, 0x00 },
        { "textin/go-fp.ns.txt", 1000, 0xff },
        { "textin/go-fp.ns.txt", 40, 0x00 },
        { "textin/go-fp.ns.folded", 1000, 0xff },
    };

    private static (string Dir, string Path) Write(string capture, byte[] bytes)
    {
        var dir = Directory.CreateTempSubdirectory("stackweave-detect-").FullName;
        var path = Path.Combine(dir, Path.GetFileName(capture));
        File.WriteAllBytes(path, bytes);
        return (dir, path);
    }

    private static Dictionary<string, long> Folded(string stdout)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var sp = line.LastIndexOf(' ');
            d[line[..sp]] = d.GetValueOrDefault(line[..sp]) + long.Parse(line[(sp + 1)..], CultureInfo.InvariantCulture);
        }
        return d;
    }

    private static long OffsetOf(string line, string path)
    {
        Assert.StartsWith("stackweave: " + path + ": at byte ", line, StringComparison.Ordinal);
        return long.Parse(line.Split(": at byte ")[1].Split(':')[0], CultureInfo.InvariantCulture);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DamageInTheDetectionWindowIsExitTwoAndSalvageStillReads(string capture, int at, byte with)
    {
        var parts = capture.Split('/');
        var original = File.ReadAllBytes(RepoPaths.TestData(parts[0], parts[1]));
        var bytes = (byte[])original.Clone();
        Assert.True(at + 8 <= Math.Min(bytes.Length, FormatRegistry.HeaderSize));
        Array.Fill(bytes, with, at, 8);
        var (dir, path) = Write(capture, bytes);
        try
        {
            // the strict detectors do not recognise it: without --salvage it is bad input
            Assert.Throws<UnknownFormatException>(() => FormatRegistry.Detect(path, new PeekStream(new MemoryStream(bytes))));
            var intact = CliRunner.Run("convert", RepoPaths.TestData(parts[0], parts[1]), "--format", "folded");
            Assert.Equal(0, intact.ExitCode);
            var bad = CliRunner.Run("convert", path, "--format", "folded");
            Assert.Equal(2, bad.ExitCode);
            Assert.Empty(bad.Stdout);
            OffsetOf(Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), path);

            var good = CliRunner.Run("convert", path, "--format", "folded", "--salvage");
            Assert.Equal(3, good.ExitCode);
            var line = Assert.Single(good.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("(--salvage)", StringComparison.Ordinal));
            // the line names the damaged place: at or after the damage's start, within the window (gzip: a decompressed offset)
            var offset = OffsetOf(line, path);
            if (!capture.EndsWith(".gz", StringComparison.Ordinal)) Assert.InRange(offset, Math.Min(at, 16), at + 64);
            else Assert.InRange(offset, 0, 4 * original.Length);

            var want = Folded(intact.Stdout);
            var got = Folded(good.Stdout);
            var total = want.Values.Sum();
            if (capture.EndsWith(".gz", StringComparison.Ordinal))
            {
                // Go writes locations, functions and strings after the samples: the samples decompressed before the
                // damage come out (frames unresolved), never more than the profile holds
                Assert.InRange(got.Values.Sum(), 1, total);
                return;
            }
            if (capture.EndsWith(".json", StringComparison.Ordinal))
            {
                // a bpftrace JSON map is one line: the reader stops at the damaged line and keeps the lines before it
                Assert.All(got, kv => Assert.True(want.TryGetValue(kv.Key, out var v) && v >= kv.Value));
                return;
            }
            // what came out is the intact file's, nearly all of it
            var same = got.Where(kv => want.TryGetValue(kv.Key, out var v) && v == kv.Value).Sum(kv => kv.Value);
            Assert.True(same >= total * 75 / 100, FormattableString.Invariant($"{same} of {total} recovered unchanged"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AGzipMemberFailingInsideTheWindowEndsTheWindowAndIsTheDamageNamed()
    {
        var bytes = File.ReadAllBytes(RepoPaths.TestData("pprof", "cpu.pb.gz"));
        Array.Fill(bytes, (byte)0xff, 1000, 8);
        // without salvage detection fails on the decompression error itself
        var e = Assert.Throws<CaptureFormatException>(() => FormatRegistry.Detect("x", new PeekStream(InputOpener.Unwrap("x", new MemoryStream(bytes), Limits.Default))));
        Assert.Contains("gzip", e.Expected, StringComparison.Ordinal);
        var peek = new PeekStream(InputOpener.Unwrap("x", new MemoryStream(bytes), Limits.Default));
        Assert.Same(Formats.Pprof.PprofFormat.Instance, FormatRegistry.Detect("x", peek, salvage: true));
        // the reader gets the decompressed bytes, then the same error where decompression failed
        var buf = new byte[1 << 16];
        var n = 0;
        var thrown = Assert.Throws<CaptureFormatException>(() => { while (true) { var r = peek.Read(buf, n, buf.Length - n); if (r == 0) break; n += r; } });
        Assert.Contains("gzip", thrown.Expected, StringComparison.Ordinal);
        Assert.InRange(n, 1000, FormatRegistry.HeaderSize);
    }

    [Theory]
    [InlineData("textin/go-fp.ns.txt")]
    [InlineData("bpftrace/stacks.txt")]
    [InlineData("cpp-fp/perf.data")]
    public void ADecompressionErrorPastTheWindowEndsTheInputForEveryReader(string capture)
    {
        var parts = capture.Split('/');
        var original = File.ReadAllBytes(RepoPaths.TestData(parts[0], parts[1]));
        var gz = new MemoryStream();
        using (var z = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) z.Write(original);
        var bytes = gz.ToArray();
        Array.Fill(bytes, (byte)0xff, bytes.Length * 3 / 4, 8);
        var (dir, path) = Write(capture + ".gz", bytes);
        try
        {
            var bad = CliRunner.Run("convert", path, "--format", "folded");
            Assert.Equal(2, bad.ExitCode);
            OffsetOf(Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), path);
            var good = CliRunner.Run("convert", path, "--format", "folded", "--salvage");
            Assert.Equal(3, good.ExitCode);
            Assert.NotEmpty(good.Stdout);
            var line = Assert.Single(good.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("(--salvage)", StringComparison.Ordinal));
            // a decompressed offset: deflate may emit some garbage before it detects the damage
            Assert.InRange(OffsetOf(line, path), 1, original.Length + FormatRegistry.HeaderSize);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("pprof/cpu.pb.gz", 40)]   // the deflate block header: nothing decompresses
    [InlineData("pprof/cpu.pb", 2)]       // the first field: nothing before the damage
    [InlineData("pprof/cpu.pb", 40)]      // too few fields before the damage to tell a profile from arbitrary bytes
    [InlineData("textin/go-fp.ns.folded", 0)]
    public void DamageBeforeAnythingRecognisableStaysExitTwo(string capture, int at)
    {
        var parts = capture.Split('/');
        var bytes = File.ReadAllBytes(RepoPaths.TestData(parts[0], parts[1]));
        Array.Fill(bytes, (byte)0xff, at, 8);
        var (dir, path) = Write(capture, bytes);
        try
        {
            var r = CliRunner.Run("convert", path, "--format", "folded", "--salvage");
            Assert.Equal(2, r.ExitCode);
            Assert.Empty(r.Stdout);
            OffsetOf(Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), path);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void ArbitraryBytesAreRecognisedAsNothingMoreUnderSalvage()
    {
        // The tolerant pass adds no recognition of arbitrary bytes: what the strict detectors refuse stays refused.
        // (The strict pprof detector itself takes about 1 % of random inputs whose first field overruns a short input;
        // their reader then fails on them.)
        var rng = new Random(12);
        for (var i = 0; i < 3000; i++)
        {
            var b = new byte[rng.Next(1, 5000)];
            rng.NextBytes(b);
            string? strict, tolerant;
            try { strict = FormatRegistry.Detect("x", new PeekStream(new MemoryStream(b))).Name; }
            catch (UnknownFormatException) { strict = null; }
            try { tolerant = FormatRegistry.Detect("x", new PeekStream(new MemoryStream(b)), salvage: true).Name; }
            catch (UnknownFormatException) { tolerant = null; }
            Assert.True(strict == tolerant, FormattableString.Invariant($"{b.Length} random bytes: {strict ?? "nothing"} strictly, {tolerant} under salvage"));
        }
    }
}
