using System.Diagnostics;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.PerfData;

/// <summary>Damaged inputs give CaptureFormatException with the right offset; salvage keeps what came before.</summary>
public sealed class PerfBadInputTests
{
    private static byte[] Capture(string name) => File.ReadAllBytes(PerfTestUtil.Locate(name).Capture);

    private static CaptureFormatException Fails(byte[] bytes)
        => Assert.Throws<CaptureFormatException>(() =>
        {
            using var f = PerfDataFile.Open(new MemoryStream(bytes), "bad", ReadOptions.Default);
            foreach (var _ in f.Records()) { }
        });

    private static (PerfDataFile File, List<PerfRecord> Records) Salvage(byte[] bytes)
    {
        var f = PerfDataFile.Open(new MemoryStream(bytes), "bad", new ReadOptions { Salvage = true });
        return (f, f.Records().ToList());
    }

    [Fact]
    public void Empty() => Assert.Equal(0, Fails([]).Offset);

    [Fact]
    public void WrongMagic() => Assert.Equal(0, Fails("NOTPERF!\x10\0\0\0\0\0\0\0"u8.ToArray()).Offset);

    [Fact]
    public void TruncatedHeader()
    {
        Assert.Equal(5, Fails(Capture("cpp-fp")[..5]).Offset);
        Assert.Equal(16, Fails(Capture("cpp-fp")[..40]).Offset);
    }

    [Fact]
    public void TruncatedAttrs()
    {
        var b = Capture("cpp-fp");
        var attrsOff = (int)BitConverter.ToUInt64(b, 24);
        Assert.Equal(24, Fails(b[..(attrsOff + 10)]).Offset);
    }

    [Fact]
    public void TruncatedData()
    {
        var b = Capture("cpp-fp");
        var recs = PerfTestUtil.WalkData(b);
        var cut = (int)recs[recs.Count / 2].Offset + 20; // in the middle of a record
        Assert.Equal(40, Fails(b[..cut]).Offset);        // data section runs past the end of the file
        var (f, got) = Salvage(b[..cut]);
        using (f)
        {
            Assert.NotNull(f.Damage);
            Assert.Equal(recs[recs.Count / 2].Offset, f.Damage!.Offset);
            // every kernel record before the damage came out
            var expected = recs.Take(recs.Count / 2).Count(r => r.Type < 64);
            Assert.Equal(expected, got.Count);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void RecordSmallerThanItsHeader(ushort size)
    {
        var b = Capture("cpp-fp");
        var recs = PerfTestUtil.WalkData(b);
        var at = recs[7].Offset;
        BitConverter.GetBytes(size).CopyTo(b, at + 6);
        Assert.Equal(at, Fails(b).Offset);
        var (f, got) = Salvage(b);
        using (f)
        {
            Assert.Equal(at, f.Damage!.Offset);
            // salvage resynchronises on the record after the damaged one and reads on to the end
            Assert.Equal(recs.Count(r => r.Type < 64) - 1, got.Count);
            Assert.True(Assert.IsType<SkippedDamageException>(f.Damage).ReadToEnd);
        }
    }

    [Fact]
    public void RecordSizePastTheEndOfTheData()
    {
        var b = Capture("cpp-fp");
        var recs = PerfTestUtil.WalkData(b);
        var last = recs[^1];
        BitConverter.GetBytes((ushort)0xfff8).CopyTo(b, last.Offset + 6);
        Assert.Equal(last.Offset, Fails(b).Offset);
    }

    [Fact]
    public void CorruptZstdChunk()
    {
        var b = Capture("zstd");
        var first = PerfTestUtil.WalkData(b).First(r => r.Type == 81);
        // overwrite the zstd frame magic at the start of the payload
        b[first.Offset + 8] ^= 0xff;
        b[first.Offset + 9] ^= 0xff;
        Assert.Equal(first.Offset, Fails(b).Offset);
        var (f, _) = Salvage(b);
        using (f) Assert.Equal(first.Offset, f.Damage!.Offset);
    }

    [Fact]
    public void DirectoryWhereAFileIsExpected()
    {
        var dir = PerfTestUtil.Locate("threads").Capture;
        Assert.True(Directory.Exists(dir));
        Assert.Equal(0, Assert.Throws<CaptureFormatException>(() => InputOpener.Open(dir)).Offset);
        Assert.Equal(0, Assert.Throws<CaptureFormatException>(() => PerfDataFile.OpenDirectory(PerfTestUtil.Locate("cpp-fp").Capture, ReadOptions.Default)).Offset);
    }

    [Fact]
    public void HugeSizesDoNotAllocate()
    {
        var b = Capture("cpp-fp");
        // attrs.size claims 2^62 bytes
        BitConverter.GetBytes(1UL << 62).CopyTo(b, 32);
        Assert.Equal(24, Fails(b).Offset);
    }

    /// <summary>Random truncations and bit flips of real captures only ever give CaptureFormatException or a clean (salvaged) read, quickly.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool MutatedCapturesFailCleanly(int seed, bool salvage)
    {
        var names = new[] { "cpp-fp", "zstd", "pipe", "tracepoints", "two-events" };
        var rnd = new Random(seed);
        var b = Capture(names[rnd.Next(names.Length)]);
        var mode = rnd.Next(3);
        if (mode != 1)
        {
            var flips = rnd.Next(1, 8);
            for (var i = 0; i < flips; i++)
            {
                // bias flips towards the header and attrs, where structure is dense
                var at = rnd.Next(3) == 0 ? rnd.Next(Math.Min(b.Length, 512)) : rnd.Next(b.Length);
                b[at] ^= (byte)(1 << rnd.Next(8));
            }
        }
        if (mode != 0) b = b[..rnd.Next(b.Length + 1)];
        // Work stays bounded by the input: measured as bytes allocated (deterministic), never as wall time.
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            using var f = PerfDataFile.Open(new MemoryStream(b), "fuzz", new ReadOptions { Salvage = salvage });
            foreach (var r in f.Records()) { _ = r.Time; }
            for (var i = 0; i < f.Attrs.Count; i++) _ = f.EventName(i);
        }
        catch (CaptureFormatException)
        {
        }
        // Limits: a compressed record may expand up to MaxExpansionRatio × its size or MinExpansionAllowance.
        var allowed = Limits.Default.MinExpansionAllowance + (long)b.Length * Limits.Default.MaxExpansionRatio + (16L << 20);
        return GC.GetAllocatedBytesForCurrentThread() - before < allowed;
    }
}
