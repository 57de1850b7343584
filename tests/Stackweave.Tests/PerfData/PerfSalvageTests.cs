using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.PerfData;

/// <summary>
/// --salvage on real captures damaged in the middle of the data section (a flipped header.size or type, a zeroed range):
/// reading resynchronises on the next plausible record and recovers nearly every intact sample, each equal to the
/// undamaged file's; without --salvage the same damage is a format error naming the byte.
/// </summary>
public sealed class PerfSalvageTests
{
    private static byte[] Capture(string name) => File.ReadAllBytes(PerfTestUtil.Locate(name).Capture);

    /// <summary>A sample's identity: time, thread, ip, period and callchain.</summary>
    private static string Key(SampleRecord s)
        => FormattableString.Invariant($"{s.Time} {s.SampleId.Pid}/{s.SampleId.Tid} {s.Ip:x} {s.Period} {string.Join(",", s.CallchainSpan.ToArray().Select(a => a.ToString("x", System.Globalization.CultureInfo.InvariantCulture)))}");

    private static (List<string> Samples, CaptureFormatException? Damage, PerfDataFile File) Read(byte[] bytes, bool salvage)
    {
        var (list, damage, f, _) = ReadWithOffsets(bytes, salvage);
        return (list, damage, f);
    }

    private static (List<string> Samples, CaptureFormatException? Damage, PerfDataFile File, Dictionary<string, long> Offsets) ReadWithOffsets(byte[] bytes, bool salvage)
    {
        var f = PerfDataFile.Open(new MemoryStream(bytes), "damaged", new ReadOptions { Salvage = salvage });
        var list = new List<string>();
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var r in f.Records())
            if (r is SampleRecord s)
            {
                var k = Key(s);
                list.Add(k);
                offsets[k] = s.Offset;
            }
        return (list, f.Damage, f, offsets);
    }

    /// <summary>(offset, type, size) of every record of a pipe-mode capture (little-endian).</summary>
    private static List<(long Offset, uint Type, int Size)> WalkPipe(byte[] b)
    {
        var list = new List<(long, uint, int)>();
        for (long p = 16; p < b.Length;)
        {
            var type = BitConverter.ToUInt32(b, (int)p);
            var size = BitConverter.ToUInt16(b, (int)p + 6);
            list.Add((p, type, size));
            if (type == 66) p += BitConverter.ToUInt32(b, (int)p + 8);
            p += size;
        }
        return list;
    }

    private static List<(long Offset, uint Type, int Size)> Walk(string name, byte[] b) => name == "pipe" ? WalkPipe(b) : PerfTestUtil.WalkData(b);

    /// <summary>Kinds of damage, each applied to the middle SAMPLE of a capture.</summary>
    public enum Harm
    {
        /// <summary>header.size grows by 256 (bit 8 set): the record swallows the next ones.</summary>
        SizeUp,
        /// <summary>header.size shrinks by 16: the next header is read from inside the record.</summary>
        SizeDown,
        /// <summary>header.size has its top bit flipped.</summary>
        SizeHigh,
        /// <summary>type SAMPLE becomes MMAP (a known type whose body then contradicts the attrs).</summary>
        TypeToMmap,
        /// <summary>type SAMPLE gets bit 10 set (an unknown user type).</summary>
        TypeUnknown,
        /// <summary>300 bytes zeroed from the middle of the sample's body onwards.</summary>
        ZeroRange,
        /// <summary>three places damaged: sizes flipped at 1/4 and 3/4, a range zeroed at 1/2.</summary>
        Several,
    }

    private static void Damage(byte[] b, List<(long Offset, uint Type, int Size)> recs, int index, Harm harm)
    {
        var r = recs[index];
        var at = (int)r.Offset;
        switch (harm)
        {
            case Harm.SizeUp: BitConverter.GetBytes((ushort)(r.Size + 256)).CopyTo(b, at + 6); break;
            case Harm.SizeDown: BitConverter.GetBytes((ushort)(r.Size - 16)).CopyTo(b, at + 6); break;
            case Harm.SizeHigh: b[at + 7] ^= 0x80; break;
            case Harm.TypeToMmap: b[at] = 1; break;
            case Harm.TypeUnknown: b[at + 1] ^= 0x04; break;
            case Harm.ZeroRange: Array.Clear(b, at + 24, Math.Min(300, b.Length - at - 24)); break;
            default: throw new ArgumentOutOfRangeException(nameof(harm));
        }
    }

    [Theory]
    [InlineData("cpp-fp", Harm.SizeUp)]
    [InlineData("cpp-fp", Harm.SizeDown)]
    [InlineData("cpp-fp", Harm.SizeHigh)]
    [InlineData("cpp-fp", Harm.TypeToMmap)]
    [InlineData("cpp-fp", Harm.TypeUnknown)]
    [InlineData("cpp-fp", Harm.ZeroRange)]
    [InlineData("go-fp", Harm.SizeUp)]
    [InlineData("go-fp", Harm.ZeroRange)]
    [InlineData("go-fp", Harm.Several)]
    [InlineData("two-events", Harm.SizeDown)]
    [InlineData("two-events", Harm.SizeHigh)]
    [InlineData("two-events", Harm.ZeroRange)]
    [InlineData("two-events", Harm.Several)]
    [InlineData("pipe", Harm.SizeUp)]
    [InlineData("pipe", Harm.SizeDown)]
    [InlineData("pipe", Harm.SizeHigh)]
    [InlineData("pipe", Harm.TypeToMmap)]
    [InlineData("pipe", Harm.ZeroRange)]
    [InlineData("pipe", Harm.Several)]
    public void ResynchronisesAndRecoversNearlyEverySample(string capture, Harm harm)
    {
        var original = Capture(capture);
        var (intact, none, f0, offsets) = ReadWithOffsets(original, salvage: false);
        f0.Dispose();
        Assert.Null(none);
        var recs = Walk(capture, original);
        var samples = recs.Select((r, i) => (r, i)).Where(x => x.r.Type == 9).Select(x => x.i).ToList();
        var b = (byte[])original.Clone();
        int firstDamaged, lastDamaged;
        if (harm == Harm.Several)
        {
            lastDamaged = samples[samples.Count * 3 / 4];
            Damage(b, recs, samples[samples.Count / 4], Harm.SizeUp);
            Damage(b, recs, samples[samples.Count / 2], Harm.ZeroRange);
            Damage(b, recs, samples[samples.Count * 3 / 4], Harm.SizeHigh);
            firstDamaged = samples[samples.Count / 4];
        }
        else
        {
            firstDamaged = lastDamaged = samples[samples.Count / 2];
            Damage(b, recs, firstDamaged, harm);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var (got, damage, f) = Read(b, salvage: true);
        using (f)
        {
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 200L << 20);
            // every recovered sample is one of the undamaged file's, unchanged, and nearly all of them came back
            var originals = intact.ToHashSet(StringComparer.Ordinal);
            Assert.All(got, s => Assert.Contains(s, originals));
            Assert.Equal(got.Count, got.Distinct(StringComparer.Ordinal).Count());
            Assert.True(got.Count >= intact.Count * 95 / 100, FormattableString.Invariant($"{got.Count} of {intact.Count} samples recovered"));
            if (harm == Harm.TypeUnknown)
            {
                // an unknown record type with intact framing is skipped and counted, as without --salvage
                Assert.Null(damage);
                Assert.Equal(intact.Count - 1, got.Count);
                return;
            }
            Assert.NotNull(damage);
            var skipped = Assert.IsType<SkippedDamageException>(damage);
            Assert.True(skipped.ReadToEnd);
            Assert.InRange(skipped.Offset, recs[firstDamaged].Offset, recs[firstDamaged].Offset + recs[firstDamaged].Size + 300);
            Assert.True(f.Diagnostics.Get(PerfDataFile.SalvageResyncCounter) + f.Diagnostics.Get(PerfDataFile.SalvageSampleSizeFixedCounter) >= 1);
            // every sample stored after the last damaged place (by file offset; delivery is in time order) is there
            var tail = intact.Where(s => offsets[s] > recs[lastDamaged].Offset + 300 + 1024).ToList();
            Assert.NotEmpty(tail);
            Assert.All(tail, s => Assert.Contains(s, got));
        }
    }

    [Theory]
    [InlineData("cpp-fp", Harm.SizeUp)]
    [InlineData("cpp-fp", Harm.SizeDown)]
    [InlineData("cpp-fp", Harm.ZeroRange)]
    [InlineData("pipe", Harm.SizeHigh)]
    [InlineData("pipe", Harm.ZeroRange)]
    public void WithoutSalvageTheSameDamageIsAFormatError(string capture, Harm harm)
    {
        var b = Capture(capture);
        var recs = Walk(capture, b);
        var samples = recs.Select((r, i) => (r, i)).Where(x => x.r.Type == 9).Select(x => x.i).ToList();
        var index = samples[samples.Count / 2];
        Damage(b, recs, index, harm);
        var e = Assert.Throws<CaptureFormatException>(() =>
        {
            using var f = PerfDataFile.Open(new MemoryStream(b), "damaged", ReadOptions.Default);
            foreach (var _ in f.Records()) { }
        });
        Assert.InRange(e.Offset, recs[index].Offset, recs[index].Offset + recs[index].Size + 300);
        Assert.Equal("damaged", e.File);
    }

    [Fact]
    public void CliSalvageExitsThreeWithOneLineSayingWhatWasSkipped()
    {
        var b = Capture("two-events");
        var recs = PerfTestUtil.WalkData(b);
        var sample = recs.Where(r => r.Type == 9).Skip(100).First();
        BitConverter.GetBytes((ushort)(sample.Size + 256)).CopyTo(b, sample.Offset + 6);
        var dir = Directory.CreateTempSubdirectory("stackweave-salvage-");
        try
        {
            var path = Path.Combine(dir.FullName, "damaged.data");
            File.WriteAllBytes(path, b);
            var bad = CliRunner.Run("convert", path, "--format", "folded");
            Assert.Equal(2, bad.ExitCode);
            var badLine = Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(path + ": at byte ", badLine, StringComparison.Ordinal);

            var ok = CliRunner.Run("convert", path, "--format", "folded", "--salvage");
            Assert.Equal(3, ok.ExitCode);
            var lines = ok.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("stackweave: ", StringComparison.Ordinal)).ToList();
            var line = Assert.Single(lines, l => l.Contains("--salvage", StringComparison.Ordinal));
            Assert.Contains(path + ": at byte " + sample.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
            Assert.Contains("skipped", line, StringComparison.Ordinal);
            Assert.Contains("read on to the end", line, StringComparison.Ordinal);
            Assert.NotEmpty(ok.Stdout);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void DamageInsideACompressedRecordKeepsWhatCameBeforeAndCountsTheRest()
    {
        var b = Capture("zstd");
        var (intact, _, f0) = Read(b, salvage: false);
        f0.Dispose();
        var compressed = PerfTestUtil.WalkData(b).Where(r => r.Type == 81).ToList();
        var first = compressed[0];
        // a byte flipped late in the first COMPRESSED record's zstd payload
        b[first.Offset + first.Size - 40] ^= 0x5a;
        CaptureFormatException? plain = null;
        try
        {
            using var f = PerfDataFile.Open(new MemoryStream(b), "damaged", ReadOptions.Default);
            foreach (var _ in f.Records()) { }
        }
        catch (CaptureFormatException e) { plain = e; }
        var (got, damage, fs) = Read(b, salvage: true);
        using (fs)
        {
            var originals = intact.ToHashSet(StringComparer.Ordinal);
            // what came out is unchanged; the damage is named and the loss counted
            Assert.NotNull(damage);
            Assert.NotNull(plain);
            Assert.True(got.Count(s => originals.Contains(s)) >= got.Count * 9 / 10);
            Assert.True(fs.Diagnostics.Get(PerfDataFile.SalvageCompressedLostCounter) + fs.Diagnostics.Get(PerfDataFile.SalvageResyncCounter)
                + fs.Diagnostics.Get(PerfDataFile.SalvageDamagedRecordCounter) >= 1);
        }
    }
}
