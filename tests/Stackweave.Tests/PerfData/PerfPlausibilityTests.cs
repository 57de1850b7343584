using System.Buffers.Binary;
using System.Globalization;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.PerfData;

/// <summary>
/// Damage to a perf.data SAMPLE that still frames and decodes (a type flipped to another known type, a pid of 2^31, a CPU
/// of 100000, a time ten hours or 2^64-1 ns away, a callchain count that leaves the record's last bytes unread): without --salvage it is exit 2 naming the record's byte, with --salvage the
/// record is skipped and counted (or, for the short callchain, kept at its fields' length) and every other sample is
/// written. Every real capture still reads unchanged.
/// </summary>
public sealed class PerfPlausibilityTests
{
    /// <summary>Kinds of damage to the middle SAMPLE of a capture.</summary>
    public enum Harm
    {
        /// <summary>type SAMPLE (9) becomes MMAP (1).</summary>
        TypeToMmap,
        /// <summary>type SAMPLE becomes COMM (3).</summary>
        TypeToComm,
        /// <summary>pid becomes 0x7ffffff0.</summary>
        Pid,
        /// <summary>cpu becomes 100000.</summary>
        Cpu,
        /// <summary>time moves ten hours later.</summary>
        TimeLater,
        /// <summary>time becomes 2^64-1.</summary>
        TimeMax,
        /// <summary>the first callchain entry (a PERF_CONTEXT_* marker) loses its top byte.</summary>
        ChainMarker,
        /// <summary>the callchain count drops by two: the fields end 16 bytes before header.size.</summary>
        ChainShorter,
    }

    /// <summary>Byte offsets in a SAMPLE of the fields perf_output_sample() writes for <paramref name="sampleType"/>.</summary>
    private static Dictionary<string, int> Fields(ulong sampleType)
    {
        var f = new Dictionary<string, int>(StringComparer.Ordinal);
        var at = 8;
        if ((sampleType & (1UL << 16)) != 0) at += 8; // IDENTIFIER
        foreach (var (bit, name) in new[] { (0, "ip"), (1, "tid"), (2, "time"), (3, "addr"), (6, "id"), (9, "stream"), (7, "cpu"), (8, "period") })
            if ((sampleType & (1UL << bit)) != 0) { f[name] = at; at += 8; }
        Assert.Equal(0UL, sampleType & (1UL << 4)); // no READ in these captures: the callchain follows
        if ((sampleType & (1UL << 5)) != 0) f["callchain"] = at;
        return f;
    }

    /// <summary>The records of a capture (file or pipe mode, little-endian) and the first attr's sample_type.</summary>
    private static (List<(long Offset, uint Type, int Size)> Records, ulong SampleType) Walk(byte[] b, bool pipe)
    {
        if (!pipe)
        {
            var attrs = (int)BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(24));
            return (PerfTestUtil.WalkData(b), BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(attrs + 24)));
        }
        var list = new List<(long, uint, int)>();
        ulong st = 0;
        for (var p = 16; p < b.Length;)
        {
            var type = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p));
            var size = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p + 6));
            if (type == 64 && st == 0) st = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(p + 8 + 24)); // HEADER_ATTR
            list.Add((p, type, size));
            if (type == 66) p += (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p + 8));
            p += size;
        }
        return (list, st);
    }

    private static long Damage(byte[] b, string capture, Harm harm)
    {
        var (recs, st) = Walk(b, capture == "pipe");
        var samples = recs.Where(r => r.Type == 9).ToList();
        var s = samples[samples.Count / 2];
        var at = (int)s.Offset;
        var f = Fields(st);
        var span = b.AsSpan(at);
        switch (harm)
        {
            case Harm.TypeToMmap: span[0] = 1; break;
            case Harm.TypeToComm: span[0] = 3; break;
            case Harm.Pid: BinaryPrimitives.WriteUInt32LittleEndian(span[f["tid"]..], 0x7ffffff0); break;
            case Harm.Cpu: BinaryPrimitives.WriteUInt32LittleEndian(span[f["cpu"]..], 100000); break;
            case Harm.TimeLater:
                BinaryPrimitives.WriteUInt64LittleEndian(span[f["time"]..], BinaryPrimitives.ReadUInt64LittleEndian(span[f["time"]..]) + 36_000_000_000_000UL);
                break;
            case Harm.TimeMax: BinaryPrimitives.WriteUInt64LittleEndian(span[f["time"]..], ulong.MaxValue); break;
            case Harm.ChainMarker:
                Assert.True(BinaryPrimitives.ReadUInt64LittleEndian(span[(f["callchain"] + 8)..]) >= unchecked((ulong)-4095L));
                span[f["callchain"] + 8 + 7] = 0;
                break;
            case Harm.ChainShorter:
                var nr = BinaryPrimitives.ReadUInt64LittleEndian(span[f["callchain"]..]);
                BinaryPrimitives.WriteUInt64LittleEndian(span[f["callchain"]..], nr - 2);
                break;
        }
        return s.Offset;
    }

    private static string CapturePath(string capture) => PerfTestUtil.Locate(capture).Capture;

    private static int SampleCount(byte[] bytes, bool salvage)
    {
        using var f = PerfDataFile.Open(new MemoryStream(bytes), "capture", new ReadOptions { Salvage = salvage });
        var n = 0;
        foreach (var r in f.Records()) if (r is SampleRecord) n++;
        if (!salvage) Assert.Null(f.Damage);
        return n;
    }

    [Theory]
    [InlineData("cpp-fp", Harm.TypeToMmap)]
    [InlineData("cpp-fp", Harm.TypeToComm)]
    [InlineData("cpp-fp", Harm.Pid)]
    [InlineData("cpp-fp", Harm.TimeLater)]
    [InlineData("cpp-fp", Harm.ChainShorter)]
    [InlineData("system-wide", Harm.TypeToMmap)]
    [InlineData("system-wide", Harm.Cpu)]
    [InlineData("two-events", Harm.TypeToComm)]
    [InlineData("two-events", Harm.TimeMax)]
    [InlineData("pipe", Harm.Pid)]
    [InlineData("pipe", Harm.TimeMax)]
    public void ARecordThatDecodesButCannotBeRealIsExitTwoAndSkippedUnderSalvage(string capture, Harm harm)
    {
        var original = File.ReadAllBytes(CapturePath(capture));
        var b = (byte[])original.Clone();
        var offset = Damage(b, capture, harm);
        var dir = Directory.CreateTempSubdirectory("stackweave-plausible-");
        try
        {
            var path = Path.Combine(dir.FullName, "damaged.data");
            File.WriteAllBytes(path, b);
            var intact = CliRunner.Run("convert", CapturePath(capture), "--format", "folded");
            Assert.Equal(0, intact.ExitCode);

            var bad = CliRunner.Run("convert", path, "--format", "folded");
            Assert.Equal(2, bad.ExitCode);
            Assert.Empty(bad.Stdout);
            var line = Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("stackweave: " + path + ": at byte " + offset.ToString(CultureInfo.InvariantCulture) + ": a ", line, StringComparison.Ordinal);

            var ok = CliRunner.Run("convert", path, "--format", "folded", "--salvage");
            Assert.Equal(3, ok.ExitCode);
            var salvaged = Assert.Single(ok.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("(--salvage)", StringComparison.Ordinal));
            Assert.StartsWith("stackweave: " + path + ": at byte " + offset.ToString(CultureInfo.InvariantCulture) + ": ", salvaged, StringComparison.Ordinal);
            Assert.NotEmpty(ok.Stdout);
            // the damaged sample is the only one missing (one whose fields end early is kept at their length)
            Assert.Equal(SampleCount(original, false) - (harm == Harm.ChainShorter ? 0 : 1), SampleCount(b, true));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void ACallchainWhoseMarkerIsNotFirstIsLeftToSalvage()
    {
        // The kernel always puts a context marker first, but perf 6.1 reads such a chain (dropping it as "invalid
        // callchain context") and the generators write them: without --salvage it is read, under --salvage it is skipped.
        var b = File.ReadAllBytes(CapturePath("system-wide"));
        Damage(b, "system-wide", Harm.ChainMarker);
        Assert.Equal(SampleCount(File.ReadAllBytes(CapturePath("system-wide")), false), SampleCount(b, false));
        Assert.Equal(SampleCount(File.ReadAllBytes(CapturePath("system-wide")), false) - 1, SampleCount(b, true));
    }

    [Theory]
    [MemberData(nameof(PerfTestUtil.Captures), MemberType = typeof(PerfTestUtil))]
    public void EveryRealCapturePassesTheChecks(string capture)
    {
        using var f = PerfTestUtil.Open(capture);
        var n = 0;
        foreach (var r in f.Records()) n++;
        Assert.True(n > 0);
        Assert.Null(f.Damage);
    }

    [Fact]
    public void TheSampleTimeWindowIsNotUsedWhenPerfRecordRanWithTimestampBoundary()
    {
        // perf record --timestamp-boundary sets HEADER_SAMPLE_TIME's first sample in ring-buffer order, not the earliest:
        // there a sample ten hours away is not refused without --salvage (the salvage window still drops it)
        var b = File.ReadAllBytes(CapturePath("cpp-fp"));
        Damage(b, "cpp-fp", Harm.TimeLater);
        static void ReadAll(byte[] bytes, ReadOptions o)
        {
            using var f = PerfDataFile.Open(new MemoryStream(bytes), "damaged", o);
            foreach (var _ in f.Records()) { }
        }
        Assert.Throws<CaptureFormatException>(() => ReadAll(b, ReadOptions.Default));
        // an argument of the recorded command line (HEADER_CMDLINE) long enough to hold the option is overwritten with it
        var cmdline = Assert.IsType<string[]>(PerfTestUtil.Open("cpp-fp").Features.Cmdline);
        Assert.DoesNotContain(cmdline, a => a.StartsWith("--timestamp-b", StringComparison.Ordinal));
        var arg = cmdline.First(a => a.Length >= "--timestamp-boundary".Length);
        // the HEADER_CMDLINE (bit 11) section: its perf_file_section follows the data section, one per feature bit set before it
        var features = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(72)); // perf_file_header.adds_features[0]
        var index = System.Numerics.BitOperations.PopCount(features & ((1UL << 11) - 1));
        var table = (int)(BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(40)) + BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(48)));
        var section = (int)BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(table + 16 * index));
        var at = section + b.AsSpan(section).IndexOf(System.Text.Encoding.ASCII.GetBytes(arg + "\0"));
        Assert.True(at > section);
        b.AsSpan(at, arg.Length).Clear();
        System.Text.Encoding.ASCII.GetBytes("--timestamp-boundary").CopyTo(b, at);
        using (var f = PerfDataFile.Open(new MemoryStream(b), "damaged", ReadOptions.Default))
            Assert.Contains("--timestamp-boundary", f.Features.Cmdline!);
        ReadAll(b, ReadOptions.Default);
        using (var f = PerfDataFile.Open(new MemoryStream(b), "damaged", new ReadOptions { Salvage = true }))
        {
            foreach (var _ in f.Records()) { }
            Assert.NotNull(f.Damage);
        }
    }
}
