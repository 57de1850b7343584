using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Tests.Writer;

/// <summary>The captures under Writer/Data/, written by <see cref="PerfDataWriter"/> and checked with perf 6.1 (see Data/README.md).</summary>
public static class GoldenCaptures
{
    // perf_event_attr bitfield positions (include/uapi/linux/perf_event.h, in declaration order)
    private const ulong Mmap = 1UL << 8, Comm = 1UL << 9, SampleIdAll = 1UL << 18, Mmap2 = 1UL << 23, CommExec = 1UL << 24;
    private const ulong BaseFlags = Mmap | Comm | SampleIdAll | Mmap2 | CommExec;
    // PERF_SAMPLE_BRANCH_ANY = 1 << 3, PERF_SAMPLE_BRANCH_USER = 1 << 0 (enum perf_branch_sample_type)
    private const ulong BranchAnyUser = 1UL << 3 | 1UL << 0;
    // PERF_SAMPLE_REGS_ABI_64 = 2 (enum perf_sample_regs_abi)
    private const ulong RegsAbi64 = 2;

    /// <summary>Names of the golden captures (file names without ".data").</summary>
    public static readonly string[] Names =
        ["le-file-branch", "le-file-hwidx-weight", "le-file-readgroup", "le-file-records", "le-file-ver0",
         "be-file", "le-pipe", "be-pipe", "le-file-zstd", "le-pipe-zstd"];

    /// <summary>Builds the capture called <paramref name="name"/>.</summary>
    public static PerfCapture Build(string name) => name switch
    {
        "le-file-branch" => Branch(bigEndian: false, pipe: false, hwIdx: false, attrSize: 112),
        "le-file-hwidx-weight" => HwIdxWeight(),
        "le-file-readgroup" => ReadGroup(bigEndian: false, pipe: false, attrSize: 120),
        "le-file-records" => Records(bigEndian: false),
        "le-file-ver0" => Ver0(),
        "be-file" => BigFile(),
        "le-pipe" => Branch(bigEndian: false, pipe: true, hwIdx: true, attrSize: 144),
        // perf 6.1 byte-swaps HEADER_ATTR ids from the offset of its own attr size (128; tools/perf/util/session.c
        // perf_event__hdr_attr_swap), so a big-endian pipe only works with 128-byte attrs
        "be-pipe" => ReadGroup(bigEndian: true, pipe: true, attrSize: 128),
        "le-file-zstd" => Zstd(pipe: false),
        "le-pipe-zstd" => Zstd(pipe: true),
        _ => throw new ArgumentException("unknown golden capture " + name),
    };

    private static PerfEventAttr Attr(uint size, SampleFormat st, ulong id, string name, ulong config = 0, ReadFormat rf = ReadFormat.None, ulong flags = BaseFlags)
    {
        var a = new PerfEventAttr
        {
            Type = 0, // PERF_TYPE_HARDWARE
            Size = size,
            Config = config, // PERF_COUNT_HW_CPU_CYCLES = 0, INSTRUCTIONS = 1
            SamplePeriodOrFreq = 1000,
            SampleType = st,
            ReadFormat = rf,
            Flags = flags,
            Name = name,
        };
        a.Ids.Add(id);
        return a;
    }

    private static void Prologue(PerfCapture c, int pid, ulong t0, ulong id)
    {
        c.Records.Add(new CommRecord { Type = PerfRecordType.Comm, Misc = PerfConstants.MiscBit13, Pid = pid, Tid = pid, Comm = "stackweave-app", SampleId = Sid(pid, pid, t0, id, 0) });
        c.Records.Add(new MmapRecord
        {
            Type = PerfRecordType.Mmap2, Misc = PerfConstants.MiscUser, Pid = pid, Tid = pid, Start = 0x400000, Length = 0x10000, PageOffset = 0,
            Major = 8, Minor = 1, Inode = 123456, InodeGeneration = 7, Prot = 5, Flags = 2, Filename = "/usr/bin/stackweave-app",
            SampleId = Sid(pid, pid, t0 + 1, id, 0),
        });
    }

    private static SampleId Sid(int pid, int tid, ulong time, ulong id, int cpu) =>
        new() { Pid = pid, Tid = tid, Time = time, Id = id, Cpu = cpu, StreamId = id, Present = true };

    private static PerfCapture Branch(bool bigEndian, bool pipe, bool hwIdx, uint attrSize)
    {
        var c = new PerfCapture { BigEndian = bigEndian, Pipe = pipe }.WithDefaultFeatures();
        const SampleFormat st = SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Id | SampleFormat.Cpu
            | SampleFormat.Period | SampleFormat.Callchain | SampleFormat.BranchStack;
        var a = Attr(attrSize, st, 101, "cycles");
        a.BranchSampleType = BranchAnyUser | (hwIdx ? PerfRecordEncoder.BranchHwIndex : 0);
        c.Attrs.Add(a);
        c.Features.SampleTime = (1_000_000, 1_000_400);
        c.Features.ClockResolutionNs = 1;
        Prologue(c, 4242, 999_000, 101);
        for (var i = 0; i < 4; i++)
        {
            c.Records.Add(new SampleRecord
            {
                Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser,
                Ip = 0x401000 + (ulong)i * 0x10, Period = 1000 + (ulong)i,
                SampleId = Sid(4242, 4243 + i % 2, 1_000_000 + (ulong)i * 100, 101, i % 2),
                Callchain = [PerfConstants.ContextUser, 0x401000 + (ulong)i * 0x10, 0x402345, 0x403456],
                Branches = i == 3 ? [] : new BranchEntry[]
                {
                    new BranchEntry(0x401100, 0x401000, PerfBitfields.BranchFlags(false, true, false, false, 12)),
                    new BranchEntry(0x402000, 0x401100, PerfBitfields.BranchFlags(true, false, false, false, 345)),
                    new BranchEntry(0x403000, 0x402000, PerfBitfields.BranchFlags(false, true, true, true, 1, type: 2)),
                }[..(1 + i % 3)],
                BranchHwIndex = hwIdx ? (ulong)(5 + i) : null,
            });
            if (i == 1) c.AddFinishedRound();
        }
        c.AddFinishedRound();
        return c;
    }

    private static PerfCapture HwIdxWeight()
    {
        var c = new PerfCapture().WithDefaultFeatures();
        const SampleFormat st = SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Addr | SampleFormat.Id
            | SampleFormat.Cpu | SampleFormat.Period | SampleFormat.BranchStack | SampleFormat.WeightStruct | SampleFormat.DataSrc
            | SampleFormat.PhysAddr | SampleFormat.DataPageSize | SampleFormat.CodePageSize;
        var a = Attr(128, st, 7, "cpu/mem-loads/");
        a.Type = 4; // PERF_TYPE_RAW
        a.Config = 0x1cd;
        a.BranchSampleType = BranchAnyUser | PerfRecordEncoder.BranchHwIndex;
        c.Attrs.Add(a);
        Prologue(c, 77, 5_000, 7);
        // perf_mem_data_src: mem_op LOAD (2 << 0), mem_lvl L1|HIT (0x8|0x2 << 5), snoop NONE (1 << 19), dtlb L1_HIT (0x3 << 26)
        const ulong dataSrc = 2UL | (0x0AUL << 5) | (1UL << 19) | (3UL << 26);
        for (var i = 0; i < 3; i++)
        {
            c.Records.Add(new SampleRecord
            {
                Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser,
                Ip = 0x401200 + (ulong)i, Addr = 0x7ffd0000 + (ulong)i * 8, Period = 5 + (ulong)i,
                SampleId = Sid(77, 77, 10_000 + (ulong)i, 7, 1),
                Branches = [new BranchEntry(0x401180, 0x401200, PerfBitfields.BranchFlags(false, true, false, false, (ushort)(20 + i)))],
                BranchHwIndex = (ulong)i,
                // weight struct: var1_dw = 30 + i (weight), var2_w = 4 (ins_lat), var3_w = 9 (p_stage_cyc)
                Weight = (30 + (ulong)i) | (4UL << 32) | (9UL << 48),
                DataSrc = dataSrc,
                PhysAddr = 0x1234000 + (ulong)i * 8,
                DataPageSize = 4096, CodePageSize = 2 << 20,
            });
        }
        c.AddFinishedRound();
        return c;
    }

    private static PerfCapture ReadGroup(bool bigEndian, bool pipe, uint attrSize)
    {
        var c = new PerfCapture { BigEndian = bigEndian, Pipe = pipe }.WithDefaultFeatures();
        const SampleFormat st = SampleFormat.Identifier | SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Cpu
            | SampleFormat.Period | SampleFormat.Read | SampleFormat.Weight | SampleFormat.DataSrc;
        const ReadFormat rf = ReadFormat.Group | ReadFormat.Id | ReadFormat.TotalTimeEnabled | ReadFormat.TotalTimeRunning;
        c.Attrs.Add(Attr(attrSize, st, 11, "cycles", config: 0, rf: rf));
        c.Attrs.Add(Attr(attrSize, st, 12, "instructions", config: 1, rf: rf, flags: BaseFlags & ~(Mmap | Comm | Mmap2 | CommExec)));
        c.Features.ClockData = (1, 1, 1_700_000_000_000_000_000, 123_456);
        Prologue(c, 900, 100, 11);
        for (var i = 0; i < 3; i++)
        {
            c.Records.Add(new SampleRecord
            {
                Type = PerfRecordType.Sample, Misc = PerfConstants.MiscKernel, AttrIndex = i == 2 ? 1 : 0,
                Ip = 0xffffffff81000000 + (ulong)i * 0x40, Period = 100_000,
                SampleId = Sid(900, 901, 200 + (ulong)i, i == 2 ? 12UL : 11UL, 0),
                Read = new ReadValues
                {
                    TimeEnabled = 5000 + (ulong)i, TimeRunning = 4000 + (ulong)i,
                    Values = [(100_000 * (ulong)(i + 1), 11, 0), (250_000 * (ulong)(i + 1), 12, 0)],
                },
                Weight = 17 + (ulong)i,
                DataSrc = 0x68100142,
            });
        }
        c.Records.Add(new ReadRecord
        {
            Type = PerfRecordType.Read, Pid = 900, Tid = 901, SampleId = Sid(900, 901, 300, 11, 0),
            Values = new ReadValues { TimeEnabled = 6000, TimeRunning = 5000, Values = [(400_000, 11, 0), (1_000_000, 12, 0)] },
        });
        c.Records.Add(new ForkExitRecord { Type = PerfRecordType.Exit, Pid = 900, Ppid = 1, Tid = 901, Ptid = 1, ForkTime = 301, SampleId = Sid(900, 901, 301, 11, 0) });
        c.AddFinishedRound();
        return c;
    }

    private static PerfCapture Records(bool bigEndian)
    {
        var c = new PerfCapture { BigEndian = bigEndian }.WithDefaultFeatures();
        const SampleFormat st = SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Id | SampleFormat.Cpu
            | SampleFormat.Period | SampleFormat.Raw | SampleFormat.RegsUser | SampleFormat.StackUser | SampleFormat.Transaction
            | SampleFormat.RegsIntr | SampleFormat.Cgroup | SampleFormat.Aux;
        var a = Attr(128, st, 21, "cycles");
        a.SampleRegsUser = 0b1011; // AX, BX, DX... bits 0,1,3 of enum perf_event_x86_regs
        a.SampleRegsIntr = 0b1;
        a.SampleStackUser = 16;
        a.AuxSampleSize = 16;
        c.Attrs.Add(a);
        c.Features.BuildIds.Add(new BuildIdRecord { Misc = PerfConstants.MiscUser, Pid = -1, BuildId = "0123456789abcdef0123456789abcdef01234567", Filename = "/usr/bin/stackweave-app" });
        c.Features.BuildIds.Add(new BuildIdRecord { Misc = PerfConstants.MiscKernel, Pid = -1, BuildId = "aabbccddeeff00112233445566778899aabbccdd", Filename = "[kernel.kallsyms]" });
        c.Features.CpuDesc = "Stackweave Virtual CPU";
        c.Features.TotalMemKb = 24 * 1024 * 1024;
        Prologue(c, 500, 1000, 21);
        c.Records.Add(new ForkExitRecord { Type = PerfRecordType.Fork, Pid = 500, Ppid = 500, Tid = 501, Ptid = 500, ForkTime = 1002, SampleId = Sid(500, 501, 1002, 21, 0) });
        c.Records.Add(new SampleRecord
        {
            Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser, Ip = 0x401abc, Period = 1,
            SampleId = Sid(500, 501, 1003, 21, 0),
            Raw = [1, 2, 3, 4], RegsUserAbi = RegsAbi64, RegsUser = [0x11, 0x22, 0x33],
            StackUser = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], StackUserDynSize = 12,
            Transaction = 0x5, RegsIntrAbi = RegsAbi64, RegsIntr = [0x44], Cgroup = 0x99,
            Aux = [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        });
        c.Records.Add(new SampleRecord
        {
            Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser, Ip = 0x401abd, Period = 1,
            SampleId = Sid(500, 501, 1004, 21, 1),
            Raw = [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9], RegsUserAbi = 0, StackUser = [], Transaction = 0,
            RegsIntrAbi = 0, Cgroup = 0, Aux = [],
        });
        c.Records.Add(new LostRecord { Type = PerfRecordType.Lost, Id = 21, Lost = 3, SampleId = Sid(500, 501, 1005, 21, 0) });
        c.Records.Add(new LostSamplesRecord { Type = PerfRecordType.LostSamples, Lost = 4, SampleId = Sid(500, 501, 1006, 21, 0) });
        c.Records.Add(new ThrottleRecord { Type = PerfRecordType.Throttle, ThrottleTime = 1007, Id = 21, StreamId = 21, SampleId = Sid(500, 501, 1007, 21, 0) });
        c.Records.Add(new ThrottleRecord { Type = PerfRecordType.Unthrottle, ThrottleTime = 1008, Id = 21, StreamId = 21, SampleId = Sid(500, 501, 1008, 21, 0) });
        c.Records.Add(new SwitchRecord { Type = PerfRecordType.Switch, Misc = PerfConstants.MiscBit13, SampleId = Sid(500, 501, 1009, 21, 0) });
        c.Records.Add(new SwitchRecord { Type = PerfRecordType.SwitchCpuWide, NextPrevPid = 600, NextPrevTid = 601, SampleId = Sid(500, 501, 1010, 21, 0) });
        c.Records.Add(new NamespacesRecord { Type = PerfRecordType.Namespaces, Pid = 500, Tid = 501, Namespaces = [(4, 0xf0000001), (4, 0xf0000002)], SampleId = Sid(500, 501, 1011, 21, 0) });
        c.Records.Add(new KsymbolRecord { Type = PerfRecordType.Ksymbol, Addr = 0xffffffffc0001000, Len = 0x80, KsymType = 1, Flags = 0, Name = "bpf_prog_6deef7357e7b4530", SampleId = Sid(500, 501, 1012, 21, 0) });
        c.Records.Add(new BpfEventRecord { Type = PerfRecordType.BpfEvent, BpfType = 1, Flags = 0, ProgId = 42, Tag = [1, 2, 3, 4, 5, 6, 7, 8], SampleId = Sid(500, 501, 1013, 21, 0) });
        c.Records.Add(new CgroupRecord { Type = PerfRecordType.Cgroup, Id = 0x99, Path = "/user.slice", SampleId = Sid(500, 501, 1014, 21, 0) });
        c.Records.Add(new TextPokeRecord { Type = PerfRecordType.TextPoke, Misc = PerfConstants.MiscKernel, Addr = 0xffffffff81001000, OldBytes = [0x0f, 0x1f, 0x44, 0, 0], NewBytes = [0xe9, 1, 2, 3, 4], SampleId = Sid(500, 501, 1015, 21, 0) });
        c.Records.Add(new ItraceStartRecord { Type = PerfRecordType.ItraceStart, Pid = 500, Tid = 501, SampleId = Sid(500, 501, 1016, 21, 0) });
        c.Records.Add(new AuxRecord { Type = PerfRecordType.Aux, AuxOffset = 0x1000, AuxSize = 0x200, Flags = 1, SampleId = Sid(500, 501, 1017, 21, 0) });
        c.Records.Add(new ForkExitRecord { Type = PerfRecordType.Exit, Pid = 500, Ppid = 500, Tid = 501, Ptid = 500, ForkTime = 1018, SampleId = Sid(500, 501, 1018, 21, 0) });
        c.AddFinishedRound();
        return c;
    }

    private static PerfCapture Ver0()
    {
        var c = new PerfCapture().WithDefaultFeatures();
        const SampleFormat st = SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Period | SampleFormat.Callchain;
        c.Attrs.Add(Attr(0, st, 1, "cycles", flags: Mmap | Comm));
        c.Records.Add(new CommRecord { Type = PerfRecordType.Comm, Pid = 10, Tid = 10, Comm = "ver0" });
        c.Records.Add(new MmapRecord { Type = PerfRecordType.Mmap, Misc = PerfConstants.MiscUser, Pid = 10, Tid = 10, Start = 0x400000, Length = 0x2000, PageOffset = 0, Filename = "/bin/ver0" });
        for (var i = 0; i < 2; i++)
            c.Records.Add(new SampleRecord
            {
                Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser, Ip = 0x400100 + (ulong)i, Period = 7,
                SampleId = new SampleId { Pid = 10, Tid = 10, Time = 50 + (ulong)i, Cpu = -1, Present = true },
                Callchain = [PerfConstants.ContextUser, 0x400100 + (ulong)i, 0x400200],
            });
        return c;
    }

    private static PerfCapture BigFile()
    {
        var c = Branch(bigEndian: true, pipe: false, hwIdx: true, attrSize: 128);
        c.Features.ClockData = (1, 1, 1_700_000_000_000_000_000, 999_000);
        c.Features.BuildIds.Add(new BuildIdRecord { Misc = PerfConstants.MiscUser, Pid = -1, BuildId = "00112233445566778899aabbccddeeff00112233", Filename = "/usr/bin/stackweave-app" });
        return c;
    }

    private static PerfCapture Zstd(bool pipe)
    {
        var c = Branch(bigEndian: false, pipe: pipe, hwIdx: false, attrSize: 128);
        if (pipe) c.Features.BuildIds.Add(new BuildIdRecord { Misc = PerfConstants.MiscUser, Pid = -1, BuildId = "0123456789abcdef0123456789abcdef01234567", Filename = "/usr/bin/stackweave-app" });
        c.Compression = new PerfCompression { ChunkBytes = 100, Level = 3 };
        return c;
    }
}
