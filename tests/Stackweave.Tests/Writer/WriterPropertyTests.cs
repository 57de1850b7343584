using FsCheck;
using FsCheck.Xunit;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Tests.Writer;

/// <summary>Round trips through PerfDataWriter and PerfDataFile, and damaged captures.</summary>
public class WriterPropertyTests
{
    private static string Describe(PerfCapture c) => FormattableString.Invariant(
        $"{(c.BigEndian ? "BE" : "LE")} {(c.Pipe ? "pipe" : "file")} compress={c.Compression?.ChunkBytes} attrs=[{string.Join(", ", c.Attrs.Select(a => $"size {a.Size} st 0x{(ulong)a.SampleType:x} rf {(ulong)a.ReadFormat} idall {a.SampleIdAll} bst 0x{a.BranchSampleType:x}"))}]");

    [Property(Arbitrary = [typeof(PerfArbitraries)], MaxTest = 150)]
    public void WriterThenReaderGivesBackTheRecords(PerfCapture c) => RoundTrip(c);

    private static void RoundTrip(PerfCapture c)
    {
        var bytes = PerfDataWriter.Write(c);
        using var f = PerfDataFile.Open(new MemoryStream(bytes), "generated.data", ReadOptions.Default);
        var read = f.Records().ToList();
        Assert.Null(f.Damage);
        Assert.Equal(c.BigEndian, f.IsBigEndian);
        Assert.Equal(c.Pipe, f.IsPipe);
        Assert.Equal(c.Attrs.Count, f.Attrs.Count);
        for (var i = 0; i < c.Attrs.Count; i++)
        {
            var (e, a) = (c.Attrs[i], f.Attrs[i]);
            var what = $"{Describe(c)}: attr {i}";
            Assert.True(e.Type == a.Type && e.Size == a.Size && e.Config == a.Config && e.SamplePeriodOrFreq == a.SamplePeriodOrFreq, what);
            Assert.True(e.SampleType == a.SampleType && e.ReadFormat == a.ReadFormat, what + " sample_type/read_format");
            Assert.True(e.Flags == a.Flags, FormattableString.Invariant($"{what} flags 0x{e.Flags:x} vs 0x{a.Flags:x}"));
            Assert.True(e.Config1 == a.Config1 && e.Config2 == a.Config2 && e.BranchSampleType == a.BranchSampleType, what + " config1/2, branch_sample_type");
            Assert.True(e.SampleRegsUser == a.SampleRegsUser && e.SampleStackUser == a.SampleStackUser && e.ClockId == a.ClockId && e.SampleRegsIntr == a.SampleRegsIntr, what + " regs/stack/clockid");
            Assert.True(e.AuxWatermark == a.AuxWatermark && e.SampleMaxStack == a.SampleMaxStack && e.AuxSampleSize == a.AuxSampleSize && e.SigData == a.SigData && e.Config3 == a.Config3, what + " VER5+ fields");
            Assert.Equal(e.Ids, a.Ids);
        }
        Assert.Equal(c.Features.Hostname, f.Features.Hostname);
        Assert.Equal(c.Features.Cmdline, f.Features.Cmdline);
        Assert.Equal(c.Features.BuildIds.Select(b => (b.Pid, b.BuildId, b.Filename, b.CpuMode)),
            f.Features.BuildIds.Select(b => (b.Pid, b.BuildId, b.Filename, b.CpuMode)));

        var expected = c.Records.Where(r => (uint)r.Type < 64).ToList();
        Assert.True(expected.Count == read.Count, $"{Describe(c)}: {expected.Count} records written, {read.Count} read");
        for (var i = 0; i < expected.Count; i++)
        {
            var diffs = PerfRecordComparer.Differences(expected[i], read[i]);
            Assert.True(diffs.Count == 0, $"{Describe(c)}: record {i}: {string.Join("; ", diffs)}");
        }
    }

    // perf_file_header: data section {offset, size} at bytes 40 and 48 (tools/perf/util/header.h)
    private static ulong ReadU64(byte[] b, int at, bool bigEndian) => bigEndian
        ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at))
        : System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));

    [Property(Arbitrary = [typeof(PerfArbitraries)], MaxTest = 150)]
    public void DamagedCapturesFailCleanly(PerfCapture c, bool truncate, int seed, bool salvage)
    {
        var whole = PerfDataWriter.Write(c);
        var bytes = PerfGenerators.Damage(whole, truncate ? 0 : 1, seed);
        // a reader that loops on damage would hang the property: bound each read in time
        var read = Task.Run(() => ReadDamaged(c, whole, bytes, truncate, salvage));
        Assert.True(read.Wait(TimeSpan.FromSeconds(30)), "reading a damaged capture took more than 30 s");
    }

    private static void ReadDamaged(PerfCapture c, byte[] whole, byte[] bytes, bool truncate, bool salvage)
    {
        try
        {
            using var f = PerfDataFile.Open(new MemoryStream(bytes), "damaged.data", new ReadOptions { Salvage = salvage });
            foreach (var r in f.Records()) _ = r.Type;
            if (!salvage) Assert.Null(f.Damage);
            // a file-mode capture cut inside its data section can only be read under salvage, and then says so
            if (truncate && !c.Pipe)
            {
                var dataOffset = (long)ReadU64(whole, 40, c.BigEndian);
                var dataEnd = dataOffset + (long)ReadU64(whole, 48, c.BigEndian);
                if (bytes.Length > dataOffset && bytes.Length < dataEnd)
                {
                    Assert.True(salvage, "a capture cut in its data section was read without salvage and without an error");
                    Assert.NotNull(f.Damage);
                }
            }
        }
        catch (CaptureFormatException)
        {
            // the one allowed failure
        }
    }
}
