using System.Buffers.Binary;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Tests.PerfData;

public sealed class PerfSyntheticTests
{
    // attr.sample_id_all is bit 18 of the bitfield word (include/uapi/linux/perf_event.h)
    private const ulong SampleIdAll = 1UL << 18;
    private const SampleFormat IpTidTime = SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time;

    private static PerfDataFile Open(byte[] bytes, ReadOptions? o = null) => PerfDataFile.Open(new MemoryStream(bytes), "synthetic", o ?? ReadOptions.Default);

    private static byte[] RoundStream(bool be)
    {
        var b = new PipeBuilder(be);
        b.HeaderAttr(b.Attr(IpTidTime, SampleIdAll), 7);
        b.Sample(0x1000, 1, 1, 10);
        b.Sample(0x1000, 1, 2, 30);
        b.Round();
        b.Sample(0x1000, 1, 1, 20);   // older than round 1's max: still in order (flushed at the end of round 2)
        b.Sample(0x1000, 1, 1, 40);
        b.Round();
        b.Sample(0x1000, 1, 1, 15);   // older than what round 2 flushed: perf delivers it late, unordered
        return b.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FinishedRoundFlushesUpToThePreviousRoundsMax(bool be)
    {
        using var f = Open(RoundStream(be));
        Assert.Equal(be, f.IsBigEndian);
        Assert.True(f.IsPipe);
        Assert.True(f.Attrs[0].SampleIdAll);
        Assert.False(f.Attrs[0].Freq);
        Assert.Equal(IpTidTime, f.Attrs[0].SampleType);
        Assert.Equal("cpu-clock", f.EventName(0));
        Assert.Equal(new ulong[] { 10, 20, 30, 15, 40 }, f.Records().Select(r => r.Time));
        Assert.Equal(2, f.RecordCounts[68]);
    }

    /// <summary>A file-mode capture in either byte order (written by Stackweave.Testing's PerfDataWriter): one attr with id 7,
    /// three samples out of time order, a HOSTNAME feature section.</summary>
    private static byte[] FileMode(bool be)
    {
        var c = new PerfCapture { BigEndian = be };
        // software cpu-clock (type 1, config 0), period 1, as PipeBuilder.Attr writes it
        var attr = new PerfEventAttr { Type = 1, Size = 128, Config = 0, SamplePeriodOrFreq = 1, SampleType = IpTidTime, Flags = SampleIdAll };
        attr.Ids.Add(7);
        c.Attrs.Add(attr);
        foreach (var t in new ulong[] { 30, 10, 20 })
            c.Records.Add(new SampleRecord { Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser, Ip = 0x1000, SampleId = new SampleId { Pid = 1, Tid = 2, Time = t, Cpu = -1, Present = true } });
        c.Features.Hostname = "bigbox";
        return PerfDataWriter.Write(c);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FileModeInBothByteOrders(bool be)
    {
        using var f = Open(FileMode(be));
        Assert.Equal(be, f.IsBigEndian);
        Assert.False(f.IsPipe);
        Assert.Equal("bigbox", f.Features.Hostname);
        Assert.Equal(new[] { PerfFeature.Hostname }, f.Features.Present);
        Assert.True(f.Attrs[0].SampleIdAll);
        Assert.Equal(new ulong[] { 7 }, f.Attrs[0].Ids);
        var recs = f.Records().Cast<SampleRecord>().ToList();
        Assert.Equal(new ulong[] { 10, 20, 30 }, recs.Select(r => r.Time));
        Assert.All(recs, r => Assert.Equal((1, 2, 0x1000UL, 0), (r.SampleId.Pid, r.SampleId.Tid, r.Ip, r.AttrIndex)));
    }

    [Fact]
    public void WithoutRoundsEverythingIsSortedAtTheEnd()
    {
        var b = new PipeBuilder(false);
        b.HeaderAttr(b.Attr(IpTidTime, SampleIdAll), 7);
        foreach (var t in new ulong[] { 50, 10, 40, 20, 30 }) b.Sample(0x1000, 1, 1, t);
        using var f = Open(b.ToArray());
        Assert.Equal(new ulong[] { 10, 20, 30, 40, 50 }, f.Records().Select(r => r.Time));
    }

    [Fact]
    public void RecordsWithoutTimeAreDeliveredAtOnce()
    {
        var b = new PipeBuilder(false);
        b.HeaderAttr(b.Attr(IpTidTime, 0), 7); // no sample_id_all: COMM has no trailer, hence no time
        b.Sample(0x1000, 1, 1, 50);
        b.Add(3, 0, PipeBuilder.Body(false, 5u, 6u, "abc\0\0\0\0\0"u8.ToArray()));
        b.Sample(0x1000, 1, 1, 10);
        using var f = Open(b.ToArray());
        var recs = f.Records().ToList();
        Assert.IsType<CommRecord>(recs[0]);
        Assert.Equal("abc", ((CommRecord)recs[0]).Comm);
        Assert.Equal(new ulong[] { 10, 50 }, recs.Skip(1).Select(r => r.Time));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailerIsReadFromTheEndAndIdentifiesTheAttr(bool be)
    {
        var b = new PipeBuilder(be);
        var st = SampleFormat.Identifier | IpTidTime | SampleFormat.Cpu;
        b.HeaderAttr(b.Attr(st, SampleIdAll, size: 64, storedSize: 0), 11);       // VER0 (size 0)
        b.HeaderAttr(b.Attr(st, SampleIdAll, size: 200), 22);                      // larger than any known: extra bytes skipped
        // COMM + trailer (TID, TIME, CPU, IDENTIFIER) of attr 1
        b.Add(3, 0, PipeBuilder.Body(be, 5u, 6u, "name\0\0\0\0"u8.ToArray(), 5u, 6u, 99UL, 1u, 0u, 22UL));
        // sample of attr 0: IDENTIFIER first
        b.Add(9, 2, PipeBuilder.Body(be, 11UL, 0xabcUL, 5u, 6u, 100UL, 1u, 0u));
        using var f = Open(b.ToArray());
        Assert.Equal(2, f.Attrs.Count);
        Assert.Equal(0u, f.Attrs[0].Size);
        Assert.Equal(200u, f.Attrs[1].Size);
        var recs = f.Records().ToList();
        var comm = Assert.IsType<CommRecord>(recs[0]);
        Assert.Equal(("name", 1, 99UL, 5, 6, 1), (comm.Comm, comm.AttrIndex, comm.Time, comm.SampleId.Pid, comm.SampleId.Tid, comm.SampleId.Cpu));
        var s = Assert.IsType<SampleRecord>(recs[1]);
        Assert.Equal((0xabcUL, 0, 100UL, 1), (s.Ip, s.AttrIndex, s.Time, s.SampleId.Cpu));
        Assert.Equal(0, f.AttrIndexForId(11));
        Assert.Equal(1, f.AttrIndexForId(22));
    }

    [Fact]
    public void SeveralAttrsWithoutACommonIdPositionAreRejected()
    {
        var b = new PipeBuilder(false);
        b.HeaderAttr(b.Attr(IpTidTime | SampleFormat.Id, SampleIdAll), 1);
        b.HeaderAttr(b.Attr(IpTidTime | SampleFormat.Addr | SampleFormat.Id, SampleIdAll), 2);
        b.Sample(0x1000, 1, 1, 10);
        var bytes = b.ToArray();
        // perf refuses such a session at open (evlist__valid_sample_type); pipe mode finds out at the first sample
        var e = Assert.Throws<CaptureFormatException>(() => { using var f = Open(bytes); f.Records().ToList(); });
        Assert.Equal(bytes.Length - 32, e.Offset);
    }

    [Fact]
    public void AllSampleFieldsInKernelOrder()
    {
        var st = SampleFormat.Identifier | SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Addr | SampleFormat.Id
            | SampleFormat.StreamId | SampleFormat.Cpu | SampleFormat.Period | SampleFormat.Read | SampleFormat.Callchain | SampleFormat.Raw
            | SampleFormat.BranchStack | SampleFormat.RegsUser | SampleFormat.StackUser | SampleFormat.WeightStruct | SampleFormat.DataSrc
            | SampleFormat.Transaction | SampleFormat.RegsIntr | SampleFormat.PhysAddr | SampleFormat.Cgroup | SampleFormat.DataPageSize
            | SampleFormat.CodePageSize | SampleFormat.Aux;
        var b = new PipeBuilder(false);
        var attr = b.Attr(st, SampleIdAll);
        BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(32), (ulong)(ReadFormat.Group | ReadFormat.Id | ReadFormat.Lost | ReadFormat.TotalTimeEnabled));
        BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(72), 1UL << 17);   // branch_sample_type HW_INDEX
        BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(80), 0b101);       // sample_regs_user: 2 registers
        BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(96), 0b1);         // sample_regs_intr: 1 register
        b.HeaderAttr(attr, 5);
        var body = PipeBuilder.Body(false,
            5UL, 0x400000UL, 10u, 11u, 1234UL, 0xaddUL, 5UL, 77UL, 1u, 0u, 3000UL,
            2UL, 999UL, 40UL, 5UL, 0UL, 41UL, 6UL, 1UL,                          // READ group: nr 2, enabled, {value,id,lost}×2
            3UL, unchecked((ulong)-512L), 0x400000UL, 0x400100UL,                // CALLCHAIN
            12u, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },            // RAW (4 + 12 = 16)
            1UL, 42UL, 0x10UL, 0x20UL, 0x30UL,                                   // BRANCH_STACK nr 1, hw_idx, entry
            2UL, 100UL, 200UL,                                                   // REGS_USER abi 64, 2 regs
            8UL, new byte[] { 9, 9, 9, 9, 9, 9, 9, 9 }, 4UL,                     // STACK_USER size 8, data, dyn_size
            0x55UL, 0x66UL, 0x77UL,                                              // WEIGHT_STRUCT, DATA_SRC, TRANSACTION
            2UL, 300UL,                                                          // REGS_INTR
            0x88UL, 0x99UL, 4096UL, 8192UL,                                      // PHYS_ADDR, CGROUP, DATA_PAGE_SIZE, CODE_PAGE_SIZE
            8UL, new byte[] { 7, 7, 7, 7, 7, 7, 7, 7 });                         // AUX
        b.Add(9, 2, body);
        using var f = Open(b.ToArray());
        var s = Assert.IsType<SampleRecord>(f.Records().Single());
        Assert.Equal((0x400000UL, 10, 11, 1234UL, 0xaddUL, 5UL, 77UL, 1, 3000UL), (s.Ip, s.SampleId.Pid, s.SampleId.Tid, s.Time, s.Addr, s.SampleId.Id, s.SampleId.StreamId, s.SampleId.Cpu, s.Period));
        Assert.Equal(999UL, s.Read!.TimeEnabled);
        Assert.Equal(new[] { (40UL, 5UL, 0UL), (41UL, 6UL, 1UL) }, s.Read.Values);
        Assert.Equal(new[] { unchecked((ulong)-512L), 0x400000UL, 0x400100UL }, s.Callchain);
        Assert.Equal(12, s.Raw!.Length);
        Assert.Equal(42UL, s.BranchHwIndex);
        Assert.Equal(new BranchEntry(0x10, 0x20, 0x30), s.Branches!.Single());
        Assert.Equal(new ulong[] { 100, 200 }, s.RegsUser);
        Assert.Equal((8, 4UL), (s.StackUser!.Length, s.StackUserDynSize));
        Assert.Equal((0x55UL, 0x66UL, 0x77UL), (s.Weight, s.DataSrc, s.Transaction));
        Assert.Equal(new ulong[] { 300 }, s.RegsIntr);
        Assert.Equal((0x88UL, 0x99UL, 4096UL, 8192UL, 8), (s.PhysAddr, s.Cgroup, s.DataPageSize, s.CodePageSize, s.Aux!.Length));
    }

    [Fact]
    public void CompressedRecordsMayStraddle()
    {
        var b = new PipeBuilder(false);
        b.HeaderAttr(b.Attr(IpTidTime, SampleIdAll), 7);
        var inner = new MemoryStream();
        for (ulong t = 1; t <= 50; t++) inner.Write(PipeBuilder.Record(false, 9, 2, PipeBuilder.Body(false, 0x1000UL, 1u, 1u, t)));
        using var comp = new ZstdSharp.Compressor(1);
        var z = comp.Wrap(inner.ToArray()).ToArray();
        // split the zstd stream at an odd place: two COMPRESSED2 records (u64 data_size + data) and one COMPRESSED
        var cut1 = z.Length / 3; var cut2 = 2 * z.Length / 3 + 1;
        b.Add(83, 0, PipeBuilder.Body(false, (ulong)cut1, z[..cut1]));
        b.Add(81, 0, z[cut1..cut2]);
        b.Add(83, 0, PipeBuilder.Body(false, (ulong)(z.Length - cut2), z[cut2..]));
        using var f = Open(b.ToArray());
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i), f.Records().Select(r => r.Time));
        Assert.Equal(50, f.RecordCounts[9]);
        Assert.Equal(2, f.RecordCounts[83]);
    }

    [Fact]
    public void CompressedBombIsRefused()
    {
        var b = new PipeBuilder(false);
        b.HeaderAttr(b.Attr(IpTidTime, SampleIdAll), 7);
        var inner = new byte[1 << 20];
        var rec = PipeBuilder.Record(false, 68, 0, []); // FINISHED_ROUND × many
        for (var i = 0; i + 8 <= inner.Length; i += 8) rec.CopyTo(inner, i);
        using var comp = new ZstdSharp.Compressor(19);
        b.Add(81, 0, comp.Wrap(inner).ToArray());
        var o = new ReadOptions { Limits = new Limits { MaxExpansionRatio = 10, MinExpansionAllowance = 1000 } };
        var e = Assert.Throws<CaptureFormatException>(() => { using var f = Open(b.ToArray(), o); f.Records().ToList(); });
        Assert.Contains("expanding", e.Expected, StringComparison.Ordinal);
    }
}
