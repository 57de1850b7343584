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
        Capture(new PerfGenOptions { MaxRecords = maxRecords, PerfCompatible = perfCompatible, Modes = [PerfGenMode.File, PerfGenMode.Pipe], Compressions = [PerfGenCompression.None, PerfGenCompression.None, PerfGenCompression.None, PerfGenCompression.Zstd], NamesAndFeatures = false });

    /// <summary>A whole capture drawn as <paramref name="o"/> allows.</summary>
    public static Gen<PerfCapture> Capture(PerfGenOptions o)
    {
        var perfCompatible = o.PerfCompatible;
        return
        from big in Gen.Elements(o.Endians.Select(e => e == PerfGenEndian.Big).ToArray())
        from mode in Gen.Elements(o.Modes)
        from compKind in Gen.Elements(perfCompatible ? o.Compressions.Where(k => k != PerfGenCompression.Zstd2).DefaultIfEmpty(PerfGenCompression.None).ToArray() : o.Compressions)
        from chunk in Gen.Choose(16, 300)
        from nAttrs in Gen.Frequency((3, Gen.Constant(1)), (1, Gen.Choose(2, Math.Max(2, o.MaxAttrs))))
        from sampleIdAll in Gen.Elements(false, true)
        from time in Gen.Elements(false, true)
        from fileSize in AttrSizes(perfCompatible)
        // perf 6.1 copies a whole struct perf_event_attr (128 bytes) out of HEADER_ATTR (evsel__new in
        // perf_event__process_attr), so smaller pipe attrs make it read ids and the next record as attr fields
        from pipeSizes in (perfCompatible ? Gen.Elements(128u, 136u, 160u) : AttrSizes()).ArrayOf(nAttrs)
        from attrs in Gen.CollectToList(Enumerable.Range(0, Math.Min(nAttrs, o.MaxAttrs)).Select(i => Attr(mode == PerfGenMode.Pipe ? pipeSizes[i] : fileSize, sampleIdAll, time, Math.Min(nAttrs, o.MaxAttrs) > 1)))
        from names in Gen.Elements<string?>(null, "cycles", "cpu-clock", "sched:sched_switch", "instructions:u").ArrayOf(nAttrs)
        from idCounts in Gen.Choose(1, 2).ArrayOf(nAttrs)
        from seed in Gen.Choose(0, int.MaxValue)
        from n in Gen.Choose(0, o.MaxRecords)
        from recs in RecordsFor(attrs.ToList(), idCounts, seed, n, o.RecordTypes)
        from withRounds in Gen.Elements(o.Rounds)
        from buildIds in BuildIds()
        from features in HeaderFeatures()
        from shape in FeatureShape()
        from nFiles in Gen.Choose(1, 4)
        from files in Gen.Choose(-1, 3).ArrayOf(o.MaxRecords + o.MaxRecords / 4 + 2)
        select Finish(Assemble(big, mode == PerfGenMode.Pipe, compKind == PerfGenCompression.None ? 0 : chunk, attrs.ToList(), recs, withRounds && mode != PerfGenMode.Directory, buildIds),
            compKind, mode == PerfGenMode.Directory ? nFiles : 0, files, o.NamesAndFeatures ? names : new string?[names.Length], o.NamesAndFeatures ? features : null, shape, perfCompatible);
    }

    private static PerfCapture Finish(PerfCapture c, PerfGenCompression comp, int dirFiles, int[] files, string?[] names, PerfFeatures? features, FeatureShapeChoice shape, bool perfCompatible)
    {
        if (comp == PerfGenCompression.Zstd2 && c.Compression is not null) c.Compression = c.Compression with { Compressed2 = true };
        for (var i = 0; i < c.Attrs.Count; i++) c.Attrs[i].Name = names[i];
        if (dirFiles > 0)
        {
            c.DirectoryFiles = dirFiles;
            for (var i = 0; i < c.Records.Count; i++) c.RecordFiles.Add(Math.Min(files[i % files.Length], dirFiles - 1));
        }
        if (perfCompatible && c.Pipe)
        {
            // perf 6.1 mis-reads big-endian pipes with attrs other than 128 bytes, and its report --stats cannot read
            // compressed pipes (tests/Stackweave.Tests/Writer/Data/README.md)
            c.BigEndian = false;
            c.Compression = null;
        }
        if (perfCompatible)
        {
            // perf 6.1 report's branch mode (on with the BRANCH_STACK feature) counts branch types in tools/perf/util/branch.c
            // branch_type_count(): st->new_counts[flags->new_type]++ for type PERF_BR_EXTEND_ABI (15), with no bound check
            // against PERF_BR_NEW_MAX (8) — a 4-bit new_type of 8..15 writes past the array and can crash perf (later perf
            // checks the bound); so an EXTEND_ABI entry gets a new_type below 8 (struct perf_branch_entry: type bits 20-23,
            // new_type bits 26-29, include/uapi/linux/perf_event.h). In a byte-swapped file perf 6.1's
            // evsel__bitfield_swap_branch_flags() (tools/perf/util/evsel.c) swaps mispred, predicted, in_tx, abort, cycles and
            // type but moves the 40 bits above type as one field, so spec, new_type and priv come out scrambled whatever they
            // were: there EXTEND_ABI entries get type 7 instead (seen segfaulting perf 6.1 report -D: seed 20261125, capture 277)
            foreach (var r in c.Records)
                if (r is SampleRecord { Branches: { } br })
                    for (var i = 0; i < br.Length; i++)
                        if ((br[i].Flags >> 20 & 0xf) == 15)
                            br[i] = br[i] with { Flags = c.BigEndian ? br[i].Flags & ~(1UL << 23) : br[i].Flags & ~(1UL << 29) };
        }
        if (perfCompatible && c.BigEndian)
        {
            // perf 6.1 has no byte-swap for KSYMBOL and BPF_EVENT records (their swap ops in tools/perf/util/session.c
            // came later): in a byte-swapped file their sample_id trailer stays unswapped and perf fails to find their event
            // perf 6.1 also stops at a byte-swapped READ record (perf_event__read_swap swaps a fixed layout, not the
            // attr's read_format), and swaps attr fields only below attr.size (bswap_safe in perf_event__attr_swap),
            // so a size-0 (VER0) attr keeps an unswapped sample_type and several of them "don't match"; write 64 instead
            // perf 6.1 also leaves a PERF_RECORD_SWITCH's sample_id trailer unswapped: tools/perf/util/session.c
            // perf_event__switch_swap() calls swap_sample_id_all(event, &event->context_switch + 1), i.e. after the 16-byte
            // struct perf_record_switch of SWITCH_CPU_WIDE, but a plain SWITCH record is only the 8-byte header plus the
            // trailer, so the trailer's first u64 (all of an IDENTIFIER-only trailer) stays big-endian; with several attrs
            // evlist__event2evsel() then finds no event for its id and perf stops with "failed to process type: 14 [Bad address]"
            foreach (var a in c.Attrs) if (a.Size == 0) a.Size = PerfConstants.AttrSizeVer0;
            for (var i = c.Records.Count - 1; i >= 0; i--)
                if (c.Records[i].Type is PerfRecordType.Ksymbol or PerfRecordType.BpfEvent or PerfRecordType.Read or PerfRecordType.Switch)
                {
                    c.Records.RemoveAt(i);
                    if (i < c.RecordFiles.Count) c.RecordFiles.RemoveAt(i);
                }
        }
        if (features is not null)
        {
            // after the byte order is final: BPF_PROG_INFO and BPF_BTF are encoded in it
            var buildIds = c.Features.BuildIds.ToList();
            features.BuildIds.Clear();
            features.BuildIds.AddRange(buildIds);
            PerfCapture.CopyFeatures(features, c.Features);
            ApplyShape(c, shape);
        }
        return c;
    }

    private static readonly string[] s_hostnames = ["stackweave-test", "h", "build-07.example.invalid", "ünïcode-host", new string('x', 63), new string('y', 64)];
    private static readonly string[] s_releases = ["6.1.0-stackweave", "6.1.0-13-amd64", "5.10.0-28-cloud-amd64", "4.19.0"];
    private static readonly string[] s_versions = ["6.1.192", "6.1.55", "5.10.209", "6.8.rc1.g1234abcd"];
    private static readonly string[] s_cacheTypes = ["Data", "Instruction", "Unified"];

    /// <summary>Every header feature section the generator draws, each present or absent: HOSTNAME, OSRELEASE, VERSION, ARCH,
    /// NRCPUS (1–8 CPUs), CMDLINE always (perf wants them); CPUDESC, CPUID, TOTAL_MEM, SAMPLE_TIME, CLOCKID, CLOCK_DATA,
    /// PMU_MAPPINGS (<see cref="OptionalFeatures"/>); CPU_TOPOLOGY (with or without the per-CPU core/socket ids and the die part),
    /// NUMA_TOPOLOGY, BRANCH_STACK, CACHE, MEM_TOPOLOGY, CPU_PMU_CAPS, HYBRID_TOPOLOGY, PMU_CAPS. GROUP_DESC, BPF_PROG_INFO and
    /// BPF_BTF depend on the attrs and the byte order and are added by <see cref="Capture(PerfGenOptions)"/>.</summary>
    public static Gen<PerfFeatures> HeaderFeatures() =>
        from basic in OptionalFeatures()
        from host in Gen.Elements(s_hostnames)
        from release in Gen.Elements(s_releases)
        from version in Gen.Elements(s_versions)
        from args in Gen.Elements("record", "-g", "--call-graph=dwarf", "-e", "cycles:u", "-a", "--", "./app", "arg with spaces").ArrayOf().Select(a => a.Take(6).ToArray())
        from cpus in Gen.Choose(1, 8)
        from online in Gen.Choose(1, 8)
        from bits in Gen.Choose(0, 255)
        from topo in CpuTopologies(cpus)
        from numa in NumaTopologies(cpus)
        from cache in Caches(cpus)
        from mem in MemTopologies()
        select WithBasics(basic, host, release, version, args, (uint)cpus, (uint)Math.Min(online, cpus), bits, topo, numa, cache, mem);

    private static PerfFeatures WithBasics(PerfFeatures f, string host, string release, string version, string[] args, uint cpus, uint online, int bits,
        CpuTopology topo, List<NumaNode> numa, List<CacheLevel> cache, MemTopology mem)
    {
        f.Hostname = host; f.OsRelease = release; f.Version = version; f.Arch = "x86_64";
        f.NrCpusAvailable = cpus; f.NrCpusOnline = online;
        f.Cmdline = ["/usr/bin/perf", .. args];
        f.CpuTopology = (bits & 1) != 0 ? topo : null;
        f.NumaTopology = (bits & 2) != 0 ? numa : null;
        f.BranchStack = (bits & 4) != 0;
        f.Cache = (bits & 8) != 0 ? cache : null;
        f.MemTopology = (bits & 16) != 0 ? mem : null;
        f.CpuPmuCaps = (bits & 32) != 0 ? [("branches", "32"), ("max_precise", "3"), ("pmu_name", "skylake")] : null;
        f.HybridTopology = (bits & 64) != 0 ? [("cpu_core", CpuList(Enumerable.Range(0, (int)cpus))), ("cpu_atom", "")] : null;
        f.PmuCaps = (bits & 128) != 0
            ? [new PmuCaps { Pmu = "cpu_core", Caps = [("branches", "32"), ("max_precise", "3")] }, new PmuCaps { Pmu = "cpu_atom", Caps = [] }]
            : null;
        return f;
    }

    /// <summary>A CPU list as perf prints one (cpu_map__snprint: ascending, runs as "a-b", joined by commas).</summary>
    public static string CpuList(IEnumerable<int> cpus)
    {
        var sorted = cpus.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? FormattableString.Invariant($"{sorted[i]}") : FormattableString.Invariant($"{sorted[i]}-{sorted[j]}"));
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    /// <summary>CPU_TOPOLOGY of <paramref name="cpus"/> CPUs: 1–2 sockets, 1–2 threads per core, optionally per-CPU core/socket ids and the die part (1–2 dies per socket).</summary>
    public static Gen<CpuTopology> CpuTopologies(int cpus) =>
        from sockets in Gen.Choose(1, Math.Min(2, cpus))
        from threads in Gen.Choose(1, 2)
        from dies in Gen.Choose(1, 2)
        from part in Gen.Choose(0, 2) // 0: lists only (perf before 4.18), 1: + core/socket ids, 2: + dies (perf 5.2+)
        select MakeTopology(cpus, sockets, threads, dies, part);

    private static CpuTopology MakeTopology(int cpus, int sockets, int threads, int dies, int part)
    {
        var socket = new int[cpus]; var core = new int[cpus]; var die = new int[cpus];
        for (var i = 0; i < cpus; i++)
        {
            socket[i] = i * sockets / cpus;
            var first = Enumerable.Range(0, cpus).First(k => socket[k] == socket[i]);
            core[i] = (i - first) / threads;
            var inSocket = Enumerable.Range(0, cpus).Count(k => socket[k] == socket[i]);
            die[i] = socket[i] * dies + Math.Min(dies - 1, (i - first) * dies / inSocket);
        }
        var t = new CpuTopology
        {
            CoreSiblings = Enumerable.Range(0, sockets).Select(s => CpuList(Enumerable.Range(0, cpus).Where(k => socket[k] == s))).Where(l => l.Length > 0).ToArray(),
            ThreadSiblings = Enumerable.Range(0, cpus).Select(i => CpuList(Enumerable.Range(0, cpus).Where(k => socket[k] == socket[i] && core[k] == core[i]))).Distinct().ToArray(),
        };
        if (part >= 1) t.Cpus = Enumerable.Range(0, cpus).Select(i => (core[i], socket[i])).ToArray();
        if (part >= 2)
        {
            t.DieSiblings = die.Distinct().Select(d => CpuList(Enumerable.Range(0, cpus).Where(k => die[k] == d))).ToArray();
            t.DieIds = die.Select(d => d % dies).ToArray();
        }
        return t;
    }

    /// <summary>NUMA_TOPOLOGY: 1–2 nodes (numbered 0 and 0 or 2) sharing the <paramref name="cpus"/> CPUs, memory in kB.</summary>
    public static Gen<List<NumaNode>> NumaTopologies(int cpus) =>
        from nodes in Gen.Choose(1, Math.Min(2, cpus))
        from gap in Gen.Elements(1u, 2u)
        from total in Gen.Choose(1 << 10, int.MaxValue).ArrayOf(2)
        from free in Gen.Choose(0, 1 << 20).ArrayOf(2)
        select Enumerable.Range(0, nodes).Select(n => new NumaNode((uint)n * gap, (ulong)total[n], (ulong)Math.Min(free[n], total[n]),
            CpuList(Enumerable.Range(0, cpus).Where(k => k * nodes / cpus == n)))).ToList();

    /// <summary>CACHE: 1–4 levels (L1 data and instruction, L2, L3) shared by CPU lists of <paramref name="cpus"/> CPUs.</summary>
    public static Gen<List<CacheLevel>> Caches(int cpus) =>
        from n in Gen.Choose(1, 4)
        from sets in Gen.Elements(64u, 512u, 1024u, 16384u).ArrayOf(4)
        from ways in Gen.Elements(4u, 8u, 12u, 16u).ArrayOf(4)
        select Enumerable.Range(0, n).Select(i => new CacheLevel(
            (uint)Math.Max(1, i), 64, sets[i], ways[i], i == 0 ? s_cacheTypes[0] : i == 1 ? s_cacheTypes[1] : s_cacheTypes[2],
            FormattableString.Invariant($"{sets[i] * ways[i] * 64 / 1024}K"), i < 3 ? "0" : CpuList(Enumerable.Range(0, cpus)))).ToList();

    /// <summary>MEM_TOPOLOGY version 1: 1–2 nodes, each a bitmap of 1–130 memory blocks (bits past the size zero), block size 128 MiB.</summary>
    public static Gen<MemTopology> MemTopologies() =>
        from nodes in Gen.Choose(1, 2)
        from bits in Gen.Choose(1, 130).ArrayOf(2)
        from words in U64().ArrayOf(6)
        select new MemTopology
        {
            Version = 1, BlockSize = 0x8000000,
            Nodes = Enumerable.Range(0, nodes).Select(n =>
            {
                var b = (ulong)bits[n];
                var map = new ulong[(b + 63) / 64];
                for (var w = 0; w < map.Length; w++)
                {
                    var keep = b - (ulong)w * 64 >= 64 ? ulong.MaxValue : (1UL << (int)(b - (ulong)w * 64)) - 1;
                    map[w] = words[n * 3 + w] & keep;
                }
                return ((ulong)n, b, map, b);
            }).ToList(),
        };

    /// <summary>Choices made per capture once its attrs and byte order are known: GROUP_DESC (0 none, 1 empty, 2 the first attrs as a group, 3 named), BPF_PROG_INFO and BPF_BTF entry counts (-1 absent).</summary>
    public readonly record struct FeatureShapeChoice(int Groups, int BpfProgs, int BpfBtfs);

    /// <summary>Draws a <see cref="FeatureShapeChoice"/>.</summary>
    public static Gen<FeatureShapeChoice> FeatureShape() =>
        from g in Gen.Choose(0, 3)
        from p in Gen.Choose(-1, 2)
        from b in Gen.Choose(-1, 2)
        select new FeatureShapeChoice(g, p, b);

    private static void ApplyShape(PerfCapture c, FeatureShapeChoice shape)
    {
        var f = c.Features;
        // perf record keeps HEADER_BRANCH_STACK only when an event samples branch stacks (builtin-record.c record__init_features),
        // and perf report refuses the bit without them ("Selected -b but no branch data")
        f.BranchStack = f.BranchStack && c.Attrs.Exists(a => (a.SampleType & SampleFormat.BranchStack) != 0);
        // write_group_desc: groups of consecutive evsels, a leader's index and its member count (the leader included);
        // perf's process_group_desc rebuilds the groups from the evlist and refuses descs that do not fit it
        f.GroupDescs = shape.Groups switch
        {
            1 => [],
            2 when c.Attrs.Count >= 2 => [new GroupDesc("{anon_group}", 0, (uint)c.Attrs.Count)],
            3 when c.Attrs.Count >= 2 => [new GroupDesc("g" + c.Attrs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), (uint)c.Attrs.Count - 2, 2)],
            _ => null,
        };
        f.BpfProgInfo = shape.BpfProgs < 0 ? null : BpfProgInfoBytes(c.BigEndian, shape.BpfProgs);
        f.BpfBtf = shape.BpfBtfs < 0 ? null : BpfBtfBytes(c.BigEndian, shape.BpfBtfs);
    }

    /// <summary>A BPF_PROG_INFO section of <paramref name="count"/> programs (write_bpf_prog_info: u32 count, then per program struct perf_bpil:
    /// u32 info_len, u32 data_len, u64 arrays, info_len bytes of struct bpf_prog_info (u32 type, u32 id, u8 tag[8]), data_len bytes of arrays).</summary>
    public static byte[] BpfProgInfoBytes(bool bigEndian, int count)
    {
        var b = new EndianBuffer(bigEndian);
        b.U32((uint)count);
        for (var i = 0; i < count; i++)
        {
            b.U32(16); b.U32(8); b.U64(0);          // info_len 16, data_len 8, no arrays (tools/perf/util/bpf-utils.h struct perf_bpil)
            b.U32(1); b.U32(40 + (uint)i);           // bpf_prog_info.type = BPF_PROG_TYPE_SOCKET_FILTER, id (include/uapi/linux/bpf.h)
            b.Bytes([0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, (byte)i]); // tag
            b.U64(0);                                // data
        }
        return b.ToArray();
    }

    /// <summary>A BPF_BTF section of <paramref name="count"/> entries (write_bpf_btf: u32 count, then per entry u32 id, u32 data_size, data).</summary>
    public static byte[] BpfBtfBytes(bool bigEndian, int count)
    {
        var b = new EndianBuffer(bigEndian);
        b.U32((uint)count);
        for (var i = 0; i < count; i++) { b.U32(7 + (uint)i); b.U32(4); b.Bytes([0x9f, 0xeb, 0x01, 0x00]); } // BTF magic 0xeb9f, version 1 (include/uapi/linux/btf.h)
        return b.ToArray();
    }

    /// <summary>A random subset of the optional feature sections (CPUDESC, CPUID, TOTAL_MEM, SAMPLE_TIME, CLOCKID, CLOCK_DATA, PMU_MAPPINGS).</summary>
    public static Gen<PerfFeatures> OptionalFeatures() =>
        from bits in Gen.Choose(0, 127)
        from mem in Gen.Choose(1, int.MaxValue)
        from t0 in Gen.Choose(1, 1 << 30)
        from dt in Gen.Choose(0, 1 << 30)
        from res in Gen.Elements(1UL, 4UL, 1000UL)
        from clock in Gen.Elements(0, 1, 4, 7, 11)
        from wall in Gen.Choose(1, int.MaxValue)
        select new PerfFeatures
        {
            CpuDesc = (bits & 1) != 0 ? "Generated CPU @ 2.00GHz" : null,
            CpuId = (bits & 2) != 0 ? "GenuineIntel,6,85,7" : null,
            TotalMemKb = (bits & 4) != 0 ? (ulong)mem : null,
            SampleTime = (bits & 8) != 0 ? ((ulong)t0, (ulong)t0 + (ulong)dt) : null,
            ClockResolutionNs = (bits & 16) != 0 ? res : null,
            // CLOCK_DATA version 1 (tools/perf/util/header.c write_clock_data)
            ClockData = (bits & 32) != 0 ? (1u, clock, (ulong)wall * 1_000_000_000UL, (ulong)t0) : null,
            PmuMappings = (bits & 64) != 0 ? [(4u, "cpu"), (1u, "software"), (2u, "tracepoint")] : null,
        };

    /// <summary>Smaller captures than <paramref name="c"/> for shrinking: fewer records, no compression, no extra features, file mode, little-endian.</summary>
    public static IEnumerable<PerfCapture> Shrink(PerfCapture c)
    {
        var n = c.Records.Count;
        if (n > 0)
        {
            yield return c.CopyWith(records: []);
            if (n > 1) { yield return c.CopyWith(records: Enumerable.Range(0, n / 2)); yield return c.CopyWith(records: Enumerable.Range(n / 2, n - n / 2)); }
            for (var i = n - 1; i >= 0; i--) yield return c.CopyWith(records: Enumerable.Range(0, n).Where(k => k != i));
        }
        if (c.Compression is { Compressed2: true }) { var d = c.CopyWith(); d.Compression = c.Compression with { Compressed2 = false }; yield return d; }
        if (c.Compression is not null) { var d = c.CopyWith(); d.Compression = null; yield return d; }
        if (c.DirectoryFiles > 0) { var d = c.CopyWith(); d.DirectoryFiles = 0; d.RecordFiles.Clear(); yield return d; }
        if (c.BigEndian)
        {
            var d = c.CopyWith();
            d.BigEndian = false;
            // the BPF sections are bytes in the capture's order: write them again little-endian
            if (d.Features.BpfProgInfo is { Length: >= 4 } bpi) d.Features.BpfProgInfo = BpfProgInfoBytes(false, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bpi));
            if (d.Features.BpfBtf is { Length: >= 4 } btf) d.Features.BpfBtf = BpfBtfBytes(false, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(btf));
            yield return d;
        }
        if (c.Pipe && c.Attrs.Select(a => PerfRecordEncoder.AttrBytes(a)).Distinct().Count() == 1 && PerfRecordEncoder.AttrBytes(c.Attrs[0]) <= 128)
        { var d = c.CopyWith(); d.Pipe = false; yield return d; }
        var plain = new PerfCapture().WithDefaultFeatures();
        if (PerfDataWriter.FeatureList(c, false).Except(PerfDataWriter.FeatureList(plain, false)).Any(f => f is not PerfFeature.EventDesc and not PerfFeature.DirFormat and not PerfFeature.Compressed))
        {
            // every feature section but the ones perf wants (hostname, os release, version, arch, nrcpus, cmdline) dropped
            var d = c.CopyWith();
            PerfCapture.CopyFeatures(plain.Features, d.Features);
            yield return d;
        }
    }

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

    private static Gen<List<PerfRecord>> RecordsFor(List<PerfEventAttr> attrs, int[] idCounts, int seed, int n, PerfRecordType[]? types = null)
    {
        // unique ids: attr i gets ids 100*(i+1) + k
        for (var i = 0; i < attrs.Count; i++)
        {
            attrs[i].Ids.Clear();
            for (var k = 0; k < idCounts[i]; k++) attrs[i].Ids.Add((ulong)(100 * (i + 1) + k) ^ (ulong)seed << 20);
        }
        // without sample_id_all a READ record names no event, so its read_format is only known with a single attr
        var allowRead = attrs.Count == 1 || attrs[0].SampleIdAll;
        return Gen.CollectToList(Enumerable.Range(0, n).Select(_ => Gen.Choose(0, attrs.Count - 1).SelectMany(ai => Record(attrs[ai], ai, allowRead, types))))
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
    public static Gen<PerfRecord> Record(PerfEventAttr attr, int attrIndex, bool allowRead = true, PerfRecordType[]? only = null)
    {
        var onlySamples = (attr.SampleType & SampleFormat.Time) != 0 && !attr.SampleIdAll;
        var types = onlySamples ? [PerfRecordType.Sample] : allowRead ? s_kernelTypes : s_kernelTypes.Where(t => t != PerfRecordType.Read).ToArray();
        if (only is { Length: > 0 })
        {
            var allowed = types.Where(t => Array.IndexOf(only, t) >= 0).ToArray();
            types = allowed.Length > 0 ? allowed : [PerfRecordType.Sample];
        }
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
    public static Arbitrary<PerfCapture> Captures() => Arb.From(PerfGenerators.Capture(), PerfGenerators.Shrink);

    /// <summary>Captures in every mode (file, pipe, directory), both byte orders, zstd COMPRESSED and COMPRESSED2, with shrinking.</summary>
    public static Arbitrary<PerfCapture> AnyCaptures() => Arb.From(PerfGenerators.Capture(new PerfGenOptions()), PerfGenerators.Shrink);

    /// <summary>Captures perf 6.1 reads (see <see cref="PerfGenOptions.PerfCompatible"/>), with shrinking.</summary>
    public static Arbitrary<PerfCapture> Perf61Captures() => Arb.From(PerfGenerators.Capture(PerfGenOptions.Perf61), PerfGenerators.Shrink);
}

/// <summary>Layouts a generated capture may have.</summary>
public enum PerfGenMode
{
    /// <summary>One perf.data file.</summary>
    File,
    /// <summary>A pipe-mode stream (perf record -o -).</summary>
    Pipe,
    /// <summary>A perf.data/ directory (perf record --threads).</summary>
    Directory,
}

/// <summary>Byte orders a generated capture may have.</summary>
public enum PerfGenEndian
{
    /// <summary>Little-endian.</summary>
    Little,
    /// <summary>Byte-swapped (a big-endian writer).</summary>
    Big,
}

/// <summary>Compression a generated capture may have.</summary>
public enum PerfGenCompression
{
    /// <summary>Plain records.</summary>
    None,
    /// <summary>PERF_RECORD_COMPRESSED (81).</summary>
    Zstd,
    /// <summary>PERF_RECORD_COMPRESSED2 (83), newer than perf 6.1.</summary>
    Zstd2,
}

/// <summary>What <see cref="PerfGenerators.Capture(PerfGenOptions)"/> may draw; each array lists the choices (repeats weigh more).</summary>
public sealed record PerfGenOptions
{
    /// <summary>Byte orders.</summary>
    public PerfGenEndian[] Endians { get; init; } = [PerfGenEndian.Little, PerfGenEndian.Big];
    /// <summary>Layouts.</summary>
    public PerfGenMode[] Modes { get; init; } = [PerfGenMode.File, PerfGenMode.Pipe, PerfGenMode.Directory];
    /// <summary>Compressions.</summary>
    public PerfGenCompression[] Compressions { get; init; } = [PerfGenCompression.None, PerfGenCompression.None, PerfGenCompression.Zstd, PerfGenCompression.Zstd2];
    /// <summary>FINISHED_ROUND layouts: without rounds, with a round every 4 records and at the end.</summary>
    public bool[] Rounds { get; init; } = [false, true];
    /// <summary>Kernel record types to draw from (empty: all generated types).</summary>
    public PerfRecordType[] RecordTypes { get; init; } = [];
    /// <summary>At most this many kernel records.</summary>
    public int MaxRecords { get; init; } = 12;
    /// <summary>At most this many attrs (events), 1–3.</summary>
    public int MaxAttrs { get; init; } = 3;
    /// <summary>Give attrs event names (EVENT_DESC) and draw optional feature sections.</summary>
    public bool NamesAndFeatures { get; init; } = true;
    /// <summary>Keep to what perf 6.1 reads: file attrs ≤ 128 bytes, pipe attrs ≥ 128 bytes, no COMPRESSED2, no KSYMBOL/BPF_EVENT in byte-swapped captures.</summary>
    public bool PerfCompatible { get; init; }

    /// <summary>What perf 6.1 reads, checked against it: every mode and compression except big-endian pipes and compressed pipes (perf 6.1's report --stats misreads those, see tests/Stackweave.Tests/Writer/Data/README.md), no COMPRESSED2.</summary>
    public static PerfGenOptions Perf61 => new() { PerfCompatible = true, Compressions = [PerfGenCompression.None, PerfGenCompression.None, PerfGenCompression.Zstd] };
}
