using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.PerfData;

namespace Stackweave.Testing;

/// <summary>FsCheck 3 generators of perf.data attrs, records and whole captures that <see cref="PerfDataWriter"/> can write and perf's rules allow.</summary>
/// <remarks>
/// Captures keep the invariants perf relies on: all attrs share sample_id_all and the TIME bit; with several attrs every
/// attr has IDENTIFIER; event ids are unique; times never decrease in file order, so a reader's time order equals file
/// order; attr fields past the attr's size are zero; variable-length fields have the lengths the kernel produces.
/// </remarks>
public static class PerfGenerators
{
    /// <summary>Sample types a capture may use (enum perf_event_sample_format up to WEIGHT_STRUCT = 1 &lt;&lt; 24).</summary>
    public const SampleFormat AllSampleTypes = (SampleFormat)((1UL << 25) - 1);
    /// <summary>Attr sizes the kernel has defined: PERF_ATTR_SIZE_VER0..VER8 (include/uapi/linux/perf_event.h).</summary>
    public static readonly uint[] KnownAttrSizes = [64, 72, 80, 96, 104, 112, 120, 128, 136];

    /// <summary>Any u64, with extra weight on 0, 1 and all-ones.</summary>
    public static Gen<ulong> U64() =>
        Gen.Frequency(
            (1, Gen.Elements(0UL, 1UL, ulong.MaxValue, 1UL << 63)),
            (6, Gen.Choose(0, int.MaxValue).Two().Zip(Gen.Choose(0, 3)).Select(t => (ulong)(uint)t.Item1.Item1 << 33 ^ (ulong)(uint)t.Item1.Item2 << 2 ^ (ulong)t.Item2)));

    private static Gen<ulong> SmallU64(int max) => Gen.Choose(0, max).Select(i => (ulong)i);

    private static Gen<byte[]> Bytes(int count) => Gen.Choose(0, 255).Select(i => (byte)i).ArrayOf(count);

    private static Gen<byte[]> BytesMultipleOf8(int maxWords) => Gen.Choose(0, maxWords).SelectMany(n => Bytes(n * 8));

    private static readonly string[] s_names = ["a", "perf", "stackweave-app", "/usr/lib/x86_64-linux-gnu/libc.so.6", "[kernel.kallsyms]", "//anon", "ünïcode", "exactly8"];

    /// <summary>A short file or task name (never containing NUL).</summary>
    public static Gen<string> Name() => Gen.Elements(s_names);

    /// <summary>A random subset of read_format bits.</summary>
    public static Gen<ReadFormat> ReadFormats() => Gen.Choose(0, 31).Select(i => (ReadFormat)i);

    /// <summary>A random attr size: 0 (VER0), a known size, or a larger multiple of 8 (extra zero bytes); file mode caps at 128 when <paramref name="perfCompatible"/>.</summary>
    public static Gen<uint> AttrSizes(bool perfCompatible = false)
    {
        var known = perfCompatible ? KnownAttrSizes.Where(s => s <= 128).ToArray() : KnownAttrSizes;
        return perfCompatible
            ? Gen.Frequency((1, Gen.Constant(0u)), (8, Gen.Elements(known)))
            : Gen.Frequency((1, Gen.Constant(0u)), (8, Gen.Elements(known)), (2, Gen.Choose(18, 40).Select(n => (uint)n * 8)));
    }

    /// <summary>An attr with the given size and common bits; other fields random, fields past the size zero.</summary>
    public static Gen<PerfEventAttr> Attr(uint size, bool sampleIdAll, bool time, bool identifier) =>
        from sampleBits in U64()
        from rf in ReadFormats()
        from flagBits in U64()
        from cfg in U64()
        from period in SmallU64(100000)
        from c1 in U64()
        from c2 in U64()
        from bst in U64()
        from regsUser in SmallU64(0xffff)
        from regsIntr in SmallU64(0xff)
        from stack in SmallU64(8192)
        from clockId in Gen.Choose(0, 11)
        from maxStack in Gen.Choose(0, 127)
        from auxSample in Gen.Choose(0, 4096)
        from sig in U64()
        from c3 in U64()
        from type in Gen.Elements(0u, 1u, 4u, 8u)
        select MakeAttr(size, sampleIdAll, time, identifier, (SampleFormat)sampleBits, (sampleBits & (ulong)SampleFormat.WeightStruct) != 0, rf, flagBits, cfg, period, c1, c2, bst,
            regsUser, regsIntr, (uint)stack, clockId, (ushort)maxStack, (uint)auxSample, sig, c3, type);

    private static PerfEventAttr MakeAttr(uint size, bool sampleIdAll, bool time, bool identifier, SampleFormat st, bool weightStruct, ReadFormat rf,
        ulong flags, ulong cfg, ulong period, ulong c1, ulong c2, ulong bst, ulong regsUser, ulong regsIntr, uint stack, int clockId,
        ushort maxStack, uint auxSample, ulong sig, ulong c3, uint type)
    {
        st &= AllSampleTypes & ~(SampleFormat.Weight | SampleFormat.WeightStruct | SampleFormat.Time | SampleFormat.Identifier);
        if ((st & SampleFormat.DataSrc) != 0) st |= weightStruct ? SampleFormat.WeightStruct : SampleFormat.Weight;
        if (time) st |= SampleFormat.Time;
        if (identifier) st |= SampleFormat.Identifier;
        // evlist__valid_read_format (tools/perf/util/evlist.c): PERF_SAMPLE_READ implies PERF_FORMAT_ID
        if ((st & SampleFormat.Read) != 0) rf |= ReadFormat.Id;
        // bit 18 = sample_id_all (struct perf_event_attr bitfields)
        flags = sampleIdAll ? flags | 1UL << 18 : flags & ~(1UL << 18);
        var bytes = size == 0 ? PerfConstants.AttrSizeVer0 : (int)size;
        var a = new PerfEventAttr
        {
            Type = type, Size = size, Config = cfg, SamplePeriodOrFreq = period, SampleType = st, ReadFormat = rf, Flags = flags,
            WakeupEvents = 1, BpType = 0, Config1 = c1,
            Config2 = bytes >= 72 ? c2 : 0,
            BranchSampleType = bytes >= 80 ? bst : 0,
            SampleRegsUser = bytes >= 96 ? regsUser : 0,
            SampleStackUser = bytes >= 96 ? stack : 0,
            ClockId = bytes >= 96 ? clockId : 0,
            SampleRegsIntr = bytes >= 104 ? regsIntr : 0,
            AuxWatermark = bytes >= 112 ? 4096u : 0,
            SampleMaxStack = bytes >= 112 ? maxStack : (ushort)0,
            AuxSampleSize = bytes >= 120 ? auxSample : 0,
            SigData = bytes >= 128 ? sig : 0,
            Config3 = bytes >= 136 ? c3 : 0,
        };
        return a;
    }

    /// <summary>A whole capture: endianness, file or pipe mode, optional compression, 1–3 attrs, features and up to <paramref name="maxRecords"/> records.
    /// <paramref name="perfCompatible"/> keeps to what perf 6.1 reads: file attrs of at most 128 bytes, pipe attrs of at least 128.</summary>
    public static Gen<PerfCapture> Capture(int maxRecords = 12, bool perfCompatible = false) =>
        from big in Gen.Elements(false, true)
        from pipe in Gen.Elements(false, true)
        from compress in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(16, 300)))
        from nAttrs in Gen.Frequency((3, Gen.Constant(1)), (1, Gen.Choose(2, 3)))
        from sampleIdAll in Gen.Elements(false, true)
        from time in Gen.Elements(false, true)
        from fileSize in AttrSizes(perfCompatible)
        // perf 6.1 copies a whole struct perf_event_attr (128 bytes) out of HEADER_ATTR (evsel__new in
        // perf_event__process_attr), so smaller pipe attrs make it read ids and the next record as attr fields
        from pipeSizes in (perfCompatible ? Gen.Elements(128u, 136u, 160u) : AttrSizes()).ArrayOf(nAttrs)
        from attrs in Gen.CollectToList(Enumerable.Range(0, nAttrs).Select(i => Attr(pipe ? pipeSizes[i] : fileSize, sampleIdAll, time, nAttrs > 1)))
        from idCounts in Gen.Choose(1, 2).ArrayOf(nAttrs)
        from seed in Gen.Choose(0, int.MaxValue)
        from n in Gen.Choose(0, maxRecords)
        from recs in RecordsFor(attrs.ToList(), idCounts, seed, n)
        from withRounds in Gen.Elements(false, true)
        from buildIds in BuildIds()
        select Assemble(big, pipe, compress, attrs.ToList(), recs, withRounds, buildIds);

    /// <summary>0–2 build-id entries (BUILD_ID feature in file mode, HEADER_BUILD_ID records in pipe mode).</summary>
    public static Gen<BuildIdRecord[]> BuildIds() =>
        (from len in Gen.Choose(1, 20)
         from id in Bytes(len)
         from pid in Gen.Elements(-1, 0, 4242)
         from kernel in Gen.Elements(false, true)
         from name in Name()
         select new BuildIdRecord
         {
             Type = PerfRecordType.HeaderBuildId, Misc = kernel ? PerfConstants.MiscKernel : PerfConstants.MiscUser,
             Pid = pid, BuildId = Convert.ToHexStringLower(id), Filename = name,
         }).ArrayOf().Select(a => a.Take(2).ToArray());

    private static Gen<List<PerfRecord>> RecordsFor(List<PerfEventAttr> attrs, int[] idCounts, int seed, int n)
    {
        // unique ids: attr i gets ids 100*(i+1) + k
        for (var i = 0; i < attrs.Count; i++)
        {
            attrs[i].Ids.Clear();
            for (var k = 0; k < idCounts[i]; k++) attrs[i].Ids.Add((ulong)(100 * (i + 1) + k) ^ (ulong)seed << 20);
        }
        // without sample_id_all a READ record names no event, so its read_format is only known with a single attr
        var allowRead = attrs.Count == 1 || attrs[0].SampleIdAll;
        return Gen.CollectToList(Enumerable.Range(0, n).Select(_ => Gen.Choose(0, attrs.Count - 1).SelectMany(ai => Record(attrs[ai], ai, allowRead))))
            .Select(list => list.ToList());
    }

    private static PerfCapture Assemble(bool big, bool pipe, int compress, List<PerfEventAttr> attrs, List<PerfRecord> recs, bool withRounds, BuildIdRecord[] buildIds)
    {
        var c = new PerfCapture { BigEndian = big, Pipe = pipe }.WithDefaultFeatures();
        c.Features.BuildIds.AddRange(buildIds);
        if (compress > 0) c.Compression = new PerfCompression { ChunkBytes = compress };
        c.Attrs.AddRange(attrs);
        // times never decrease in file order
        ulong t = 1000;
        for (var i = 0; i < recs.Count; i++)
        {
            var r = recs[i];
            var attr = attrs[r.AttrIndex];
            t += (ulong)(i % 3);
            if ((attr.SampleType & SampleFormat.Time) != 0 && (r is SampleRecord || attr.SampleIdAll)) r.SampleId.Time = t;
            c.Records.Add(r);
            if (withRounds && i % 4 == 3) c.AddFinishedRound();
        }
        if (withRounds) c.AddFinishedRound();
        return c;
    }

    /// <summary>The sample_id fields an attr's records carry (absent fields keep the reader's defaults: -1 pid/tid/cpu, 0 time/id).</summary>
    public static Gen<SampleId> SampleIdFor(PerfEventAttr attr, bool isSample) =>
        from pid in Gen.Choose(0, 1 << 22)
        from tid in Gen.Choose(0, 1 << 22)
        from idIndex in Gen.Choose(0, Math.Max(0, attr.Ids.Count - 1))
        from stream in U64()
        from cpu in Gen.Choose(0, 255)
        select MakeSampleId(attr, isSample, pid, tid, idIndex, stream, cpu);

    private static SampleId MakeSampleId(PerfEventAttr attr, bool isSample, int pid, int tid, int idIndex, ulong stream, int cpu)
    {
        var t = attr.SampleType;
        var sid = new SampleId { Pid = -1, Tid = -1, Cpu = -1 };
        if (!isSample && !attr.SampleIdAll) return sid;
        sid.Present = true;
        if ((t & SampleFormat.Tid) != 0) { sid.Pid = pid; sid.Tid = tid; }
        if ((t & (SampleFormat.Id | SampleFormat.Identifier)) != 0 && attr.Ids.Count > 0) sid.Id = attr.Ids[idIndex];
        if ((t & SampleFormat.StreamId) != 0) sid.StreamId = stream;
        if ((t & SampleFormat.Cpu) != 0) sid.Cpu = cpu;
        return sid;
    }

    private static readonly PerfRecordType[] s_kernelTypes =
    [
        PerfRecordType.Sample, PerfRecordType.Sample, PerfRecordType.Sample, PerfRecordType.Mmap, PerfRecordType.Mmap2,
        PerfRecordType.Comm, PerfRecordType.Exit, PerfRecordType.Fork, PerfRecordType.Lost, PerfRecordType.LostSamples,
        PerfRecordType.Throttle, PerfRecordType.Unthrottle, PerfRecordType.Switch, PerfRecordType.SwitchCpuWide,
        PerfRecordType.Namespaces, PerfRecordType.Cgroup, PerfRecordType.Ksymbol, PerfRecordType.BpfEvent,
        PerfRecordType.TextPoke, PerfRecordType.Aux, PerfRecordType.ItraceStart, PerfRecordType.Read,
    ];

    /// <summary>One kernel record of a random type for attr <paramref name="attrIndex"/>. When the attr has TIME but not sample_id_all only samples are made, since other records would carry no time.</summary>
    public static Gen<PerfRecord> Record(PerfEventAttr attr, int attrIndex, bool allowRead = true)
    {
        var onlySamples = (attr.SampleType & SampleFormat.Time) != 0 && !attr.SampleIdAll;
        var types = onlySamples ? [PerfRecordType.Sample] : allowRead ? s_kernelTypes : s_kernelTypes.Where(t => t != PerfRecordType.Read).ToArray();
        return Gen.Elements(types).SelectMany(type => Record(attr, attrIndex, type));
    }

    /// <summary>One record of <paramref name="type"/> for attr <paramref name="attrIndex"/>.</summary>
    public static Gen<PerfRecord> Record(PerfEventAttr attr, int attrIndex, PerfRecordType type)
    {
        var body = type switch
        {
            PerfRecordType.Sample => Sample(attr).Select(s => (PerfRecord)s),
            PerfRecordType.Mmap or PerfRecordType.Mmap2 =>
                from pid in Gen.Choose(0, 99999)
                from start in U64()
                from len in U64()
                from pgoff in U64()
                from maj in Gen.Choose(0, 255)
                from ino in U64()
                from buildId in Gen.Frequency((2, Gen.Constant<byte[]?>(null)), (1, Gen.Choose(0, 20).SelectMany(Bytes).Select(b => (byte[]?)b)))
                from name in Name()
                from data in Gen.Elements(false, true)
                select (PerfRecord)new MmapRecord
                {
                    Type = type, Pid = pid, Tid = pid + 1, Start = start, Length = len, PageOffset = pgoff,
                    Misc = (ushort)(PerfConstants.MiscUser | (data ? PerfConstants.MiscBit13 : 0)
                        | (type == PerfRecordType.Mmap2 && buildId is not null ? PerfConstants.MiscBit14 : 0)),
                    Major = type == PerfRecordType.Mmap2 && buildId is null ? (uint)maj : 0,
                    Minor = type == PerfRecordType.Mmap2 && buildId is null ? 3u : 0,
                    Inode = type == PerfRecordType.Mmap2 && buildId is null ? ino : 0,
                    InodeGeneration = type == PerfRecordType.Mmap2 && buildId is null ? 1u : 0,
                    BuildId = type == PerfRecordType.Mmap2 && buildId is not null ? Convert.ToHexStringLower(buildId) : null,
                    Prot = type == PerfRecordType.Mmap2 ? 5u : 0, Flags = type == PerfRecordType.Mmap2 ? 2u : 0,
                    Filename = name,
                },
            PerfRecordType.Comm =>
                from pid in Gen.Choose(0, 99999)
                from exec in Gen.Elements(false, true)
                from name in Name()
                select (PerfRecord)new CommRecord { Type = type, Misc = exec ? PerfConstants.MiscBit13 : (ushort)0, Pid = pid, Tid = pid, Comm = name },
            PerfRecordType.Exit or PerfRecordType.Fork =>
                from p in Gen.Choose(0, 99999).ArrayOf(4)
                from t in U64()
                select (PerfRecord)new ForkExitRecord { Type = type, Pid = p[0], Ppid = p[1], Tid = p[2], Ptid = p[3], ForkTime = t },
            PerfRecordType.Lost =>
                from lost in U64() select (PerfRecord)new LostRecord { Type = type, Id = attr.Ids.Count > 0 ? attr.Ids[0] : 0, Lost = lost },
            PerfRecordType.LostSamples =>
                from lost in U64() select (PerfRecord)new LostSamplesRecord { Type = type, Lost = lost },
            PerfRecordType.Throttle or PerfRecordType.Unthrottle =>
                from t in U64() from s in U64()
                select (PerfRecord)new ThrottleRecord { Type = type, ThrottleTime = t, Id = attr.Ids.Count > 0 ? attr.Ids[0] : 0, StreamId = s },
            PerfRecordType.Switch =>
                from misc in Gen.Elements((ushort)0, PerfConstants.MiscBit13, (ushort)(PerfConstants.MiscBit13 | PerfConstants.MiscBit14))
                select (PerfRecord)new SwitchRecord { Type = type, Misc = misc },
            PerfRecordType.SwitchCpuWide =>
                from misc in Gen.Elements((ushort)0, PerfConstants.MiscBit13)
                from pid in Gen.Choose(0, 99999)
                select (PerfRecord)new SwitchRecord { Type = type, Misc = misc, NextPrevPid = pid, NextPrevTid = pid + 2 },
            PerfRecordType.Namespaces =>
                from pid in Gen.Choose(0, 99999)
                from ns in U64().Two().ArrayOf(7)
                from n in Gen.Choose(0, 7)
                select (PerfRecord)new NamespacesRecord { Type = type, Pid = pid, Tid = pid, Namespaces = ns.Take(n).ToArray() },
            PerfRecordType.Cgroup =>
                from id in U64() from path in Name()
                select (PerfRecord)new CgroupRecord { Type = type, Id = id, Path = path },
            PerfRecordType.Ksymbol =>
                from addr in U64() from len in Gen.Choose(0, 1 << 20) from kt in Gen.Choose(0, 2) from name in Name()
                select (PerfRecord)new KsymbolRecord { Type = type, Addr = addr, Len = (uint)len, KsymType = (ushort)kt, Flags = (ushort)(kt & 1), Name = name },
            PerfRecordType.BpfEvent =>
                from bt in Gen.Choose(0, 2) from id in Gen.Choose(0, 100000) from tag in Bytes(8)
                select (PerfRecord)new BpfEventRecord { Type = type, BpfType = (ushort)bt, Flags = 0, ProgId = (uint)id, Tag = tag },
            PerfRecordType.TextPoke =>
                from addr in U64() from oldLen in Gen.Choose(0, 12) from newLen in Gen.Choose(0, 12)
                from olds in Bytes(oldLen) from news in Bytes(newLen)
                select (PerfRecord)new TextPokeRecord { Type = type, Misc = PerfConstants.MiscKernel, Addr = addr, OldBytes = olds, NewBytes = news },
            PerfRecordType.Aux =>
                from o in U64() from s in U64() from f in SmallU64(0xf)
                select (PerfRecord)new AuxRecord { Type = type, AuxOffset = o, AuxSize = s, Flags = f },
            PerfRecordType.ItraceStart =>
                from pid in Gen.Choose(0, 99999)
                select (PerfRecord)new ItraceStartRecord { Type = type, Pid = pid, Tid = pid },
            PerfRecordType.Read =>
                from pid in Gen.Choose(0, 99999)
                from v in ReadValuesFor(attr)
                select (PerfRecord)new ReadRecord { Type = type, Pid = pid, Tid = pid, Values = v },
            _ => throw new ArgumentException("no generator for " + type),
        };
        return from r in body
               from sid in SampleIdFor(attr, type == PerfRecordType.Sample)
               select WithId(r, sid, attrIndex);
    }

    private static PerfRecord WithId(PerfRecord r, SampleId sid, int attrIndex)
    {
        r.SampleId = sid;
        r.AttrIndex = attrIndex;
        return r;
    }

    /// <summary>READ values shaped by the attr's read_format (one value, or 1–3 group members).</summary>
    public static Gen<ReadValues> ReadValuesFor(PerfEventAttr attr)
    {
        var f = attr.ReadFormat;
        var isGroup = (f & ReadFormat.Group) != 0;
        return from n in isGroup ? Gen.Choose(1, 3) : Gen.Constant(1)
               from values in U64().Three().ArrayOf(n)
               from te in U64()
               from tr in U64()
               select new ReadValues
               {
                   TimeEnabled = (f & ReadFormat.TotalTimeEnabled) != 0 ? te : 0,
                   TimeRunning = (f & ReadFormat.TotalTimeRunning) != 0 ? tr : 0,
                   Values = values.Select(v => (v.Item1, (f & ReadFormat.Id) != 0 ? v.Item2 : 0, (f & ReadFormat.Lost) != 0 ? v.Item3 : 0)).ToArray(),
               };
    }

    /// <summary>A sample whose present fields are random and absent fields are zero / null as a reader reports them.</summary>
    public static Gen<SampleRecord> Sample(PerfEventAttr attr)
    {
        var t = attr.SampleType;
        bool Has(SampleFormat f) => (t & f) != 0;
        var hwIdx = (attr.BranchSampleType & PerfRecordEncoder.BranchHwIndex) != 0;
        var regsUser = BitOperations.PopCount(attr.SampleRegsUser);
        var regsIntr = BitOperations.PopCount(attr.SampleRegsIntr);
        return
            from misc in Gen.Elements(PerfConstants.MiscKernel, PerfConstants.MiscUser, (ushort)(PerfConstants.MiscUser | PerfConstants.MiscBit14))
            from ip in U64()
            from addr in U64()
            from period in U64()
            from read in Has(SampleFormat.Read) ? ReadValuesFor(attr).Select(r => (ReadValues?)r) : Gen.Constant<ReadValues?>(null)
            from chain in Gen.Choose(0, 6).SelectMany(n => U64().ArrayOf(n))
            from rawWords in Gen.Choose(0, 3)
            from raw in Bytes(rawWords * 8 + 4)
            from branches in Gen.Choose(0, 4).SelectMany(n => U64().Three().ArrayOf(n))
            from hw in U64()
            from abiUser in Gen.Elements(0UL, 1UL, 2UL)
            from ru in U64().ArrayOf(regsUser)
            from stack in BytesMultipleOf8(4)
            from dyn in SmallU64(32)
            from w in U64().ArrayOf(8)
            from abiIntr in Gen.Elements(0UL, 2UL)
            from ri in U64().ArrayOf(regsIntr)
            from aux in BytesMultipleOf8(3)
            select new SampleRecord
            {
                Type = PerfRecordType.Sample, Misc = misc,
                Ip = Has(SampleFormat.Ip) ? ip : 0,
                Addr = Has(SampleFormat.Addr) ? addr : 0,
                Period = Has(SampleFormat.Period) ? period : 0,
                Read = read,
                Callchain = Has(SampleFormat.Callchain) ? chain : null,
                Raw = Has(SampleFormat.Raw) ? raw : null,
                Branches = Has(SampleFormat.BranchStack) ? branches.Select(b => new BranchEntry(b.Item1, b.Item2, b.Item3)).ToArray() : null,
                BranchHwIndex = Has(SampleFormat.BranchStack) && hwIdx ? hw : null,
                RegsUserAbi = Has(SampleFormat.RegsUser) ? abiUser : 0,
                RegsUser = Has(SampleFormat.RegsUser) && abiUser != 0 ? ru : null,
                StackUser = Has(SampleFormat.StackUser) ? stack : null,
                StackUserDynSize = Has(SampleFormat.StackUser) && stack.Length != 0 ? Math.Min(dyn, (ulong)stack.Length) : 0,
                Weight = Has(SampleFormat.Weight) || Has(SampleFormat.WeightStruct) ? w[0] : 0,
                DataSrc = Has(SampleFormat.DataSrc) ? w[1] : 0,
                Transaction = Has(SampleFormat.Transaction) ? w[2] : 0,
                RegsIntrAbi = Has(SampleFormat.RegsIntr) ? abiIntr : 0,
                RegsIntr = Has(SampleFormat.RegsIntr) && abiIntr != 0 ? ri : null,
                PhysAddr = Has(SampleFormat.PhysAddr) ? w[3] : 0,
                Cgroup = Has(SampleFormat.Cgroup) ? w[4] : 0,
                DataPageSize = Has(SampleFormat.DataPageSize) ? w[5] : 0,
                CodePageSize = Has(SampleFormat.CodePageSize) ? w[6] : 0,
                Aux = Has(SampleFormat.Aux) ? aux : null,
            };
    }

    /// <summary>Damages a capture: truncates it (<paramref name="kind"/> 0) or flips 1–4 bits (1); positions from <paramref name="seed"/>.</summary>
    public static byte[] Damage(byte[] data, int kind, int seed)
    {
        var rng = new Random(seed);
        if (data.Length == 0) return data;
        if (kind == 0) return data.AsSpan(0, rng.Next(data.Length)).ToArray();
        var copy = (byte[])data.Clone();
        var flips = 1 + rng.Next(4);
        for (var i = 0; i < flips; i++) copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
        return copy;
    }
}

/// <summary>FsCheck arbitraries for <c>[Property(Arbitrary = [typeof(PerfArbitraries)])]</c>.</summary>
public static class PerfArbitraries
{
    /// <summary>Whole captures (both byte orders, file and pipe mode, random attr sizes and sample types).</summary>
    public static Arbitrary<PerfCapture> Captures() => PerfGenerators.Capture().ToArbitrary();
}
