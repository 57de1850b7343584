using Stackweave.Formats.IO;

namespace Stackweave.Formats.PerfData;

// Feature sections (tools/perf/util/header.c process_* functions) and attr decoding.
public sealed partial class PerfDataFile
{
    /// <summary>Decodes a perf_event_attr of <paramref name="bytes"/>.Length bytes; fields past attr.size or the span are zero.</summary>
    internal static PerfEventAttr ParseAttr(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        // Copy the known part (up to attr.size and VER8 = 136 bytes) into a zeroed buffer: absent fields read as 0.
        var first = new PerfSpan(bytes, bigEndian);
        var a = new PerfEventAttr { Type = first.U32(0), Size = first.U32(4) };
        var size = a.Size == 0 ? PerfConstants.AttrSizeVer0 : (int)Math.Min(a.Size, (uint)bytes.Length);
        size = Math.Min(size, bytes.Length);
        Span<byte> buf = stackalloc byte[136];
        buf.Clear();
        bytes[..Math.Min(size, 136)].CopyTo(buf);
        var s = new PerfSpan(buf, bigEndian);
        a.Config = s.U64(8);
        a.SamplePeriodOrFreq = s.U64(16);
        a.SampleType = (SampleFormat)s.U64(24);
        a.ReadFormat = (ReadFormat)s.U64(32);
        if (size >= 48)
        {
            if (bigEndian)
            {
                // Bitfields of a big-endian capture: bytes keep their order, each byte's bits are reversed
                // (tools/perf/util/session.c perf_event__attr_swap → swap_bitfield).
                ulong f = 0;
                for (var i = 0; i < 8; i++) f |= (ulong)ReverseBits(buf[40 + i]) << (8 * i);
                a.Flags = f;
            }
            else a.Flags = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(buf[40..]);
        }
        a.WakeupEvents = s.U32(48);
        a.BpType = s.U32(52);
        a.Config1 = s.U64(56);
        a.Config2 = s.U64(64);                 // VER1
        a.BranchSampleType = s.U64(72);        // VER2
        a.SampleRegsUser = s.U64(80);          // VER3
        a.SampleStackUser = s.U32(88);
        a.ClockId = (int)s.U32(92);
        a.SampleRegsIntr = s.U64(96);          // VER4
        a.AuxWatermark = s.U32(104);           // VER5
        a.SampleMaxStack = s.U16(108);
        a.AuxSampleSize = s.U32(112);          // VER6
        a.SigData = s.U64(120);                // VER7
        a.Config3 = s.U64(128);                // VER8
        return a;
    }

    private static byte ReverseBits(byte b)
    {
        b = (byte)((b & 0xF0) >> 4 | (b & 0x0F) << 4);
        b = (byte)((b & 0xCC) >> 2 | (b & 0x33) << 2);
        return (byte)((b & 0xAA) >> 1 | (b & 0x55) << 1);
    }

    /// <summary>Decodes one feature section; <paramref name="offset"/> is its absolute start, for errors.</summary>
    private void DecodeFeature(int bit, ReadOnlySpan<byte> data, long offset)
    {
        var f = Features;
        var feat = (PerfFeature)bit;
        if (!f.Present.Contains(feat)) f.Present.Add(feat);
        var c = new PerfCursor(data, IsBigEndian);
        try
        {
            switch (feat)
            {
                case PerfFeature.TracingData: f.TracingData = data.ToArray(); break;
                case PerfFeature.BuildId:
                    while (c.Remaining >= 8)
                    {
                        var at = c.Pos;
                        c.U32(); var misc = c.U16(); var size = c.U16();
                        if (size < 8 || size > data.Length - at) throw new PerfTruncatedException(at, size);
                        var b = ParseBuildId(data.Slice(at, size), misc);
                        f.BuildIds.Add(b);
                        c.Pos = at + size;
                    }
                    break;
                case PerfFeature.Hostname: f.Hostname = c.HeaderString(); break;
                case PerfFeature.OsRelease: f.OsRelease = c.HeaderString(); break;
                case PerfFeature.Version: f.Version = c.HeaderString(); break;
                case PerfFeature.Arch: f.Arch = c.HeaderString(); break;
                case PerfFeature.NrCpus: f.NrCpusAvailable = c.U32(); f.NrCpusOnline = c.U32(); break;
                case PerfFeature.CpuDesc: f.CpuDesc = c.HeaderString(); break;
                case PerfFeature.CpuId: f.CpuId = c.HeaderString(); break;
                case PerfFeature.TotalMem: f.TotalMemKb = c.U64(); break;
                case PerfFeature.Cmdline:
                {
                    var n = c.Count(4);
                    var args = new string[n];
                    for (var i = 0; i < args.Length; i++) args[i] = c.HeaderString();
                    f.Cmdline = args;
                    break;
                }
                case PerfFeature.EventDesc: DecodeEventDesc(ref c); break;
                case PerfFeature.CpuTopology: DecodeCpuTopology(ref c); break;
                case PerfFeature.NumaTopology:
                {
                    var n = c.Count(24);
                    var nodes = new List<NumaNode>((int)n);
                    for (var i = 0; i < n; i++) nodes.Add(new NumaNode(c.U32(), c.U64(), c.U64(), c.HeaderString()));
                    f.NumaTopology = nodes;
                    break;
                }
                case PerfFeature.BranchStack: f.BranchStack = true; break;
                case PerfFeature.PmuMappings:
                {
                    var n = c.Count(8);
                    var list = new List<(uint, string)>((int)n);
                    for (var i = 0; i < n; i++) list.Add((c.U32(), c.HeaderString()));
                    f.PmuMappings = list;
                    break;
                }
                case PerfFeature.GroupDesc:
                {
                    var n = c.Count(12);
                    var list = new List<GroupDesc>((int)n);
                    for (var i = 0; i < n; i++) list.Add(new GroupDesc(c.HeaderString(), c.U32(), c.U32()));
                    f.GroupDescs = list;
                    break;
                }
                case PerfFeature.Auxtrace:
                {
                    // tools/perf/util/auxtrace.c auxtrace_index__write: u64 count, then {u64 file_offset, u64 sz} each
                    var list = new List<(ulong, ulong)>();
                    while (c.Remaining >= 8)
                    {
                        var n = c.Count64(16);
                        for (ulong i = 0; i < n; i++) list.Add((c.U64(), c.U64()));
                    }
                    f.AuxtraceIndex = list;
                    break;
                }
                case PerfFeature.Stat: f.Stat = true; break;
                case PerfFeature.Cache:
                {
                    c.U32(); // version (1)
                    var n = c.Count(28);
                    var list = new List<CacheLevel>((int)n);
                    for (var i = 0; i < n; i++)
                        list.Add(new CacheLevel(c.U32(), c.U32(), c.U32(), c.U32(), c.HeaderString(), c.HeaderString(), c.HeaderString()));
                    f.Cache = list;
                    break;
                }
                case PerfFeature.SampleTime: f.SampleTime = (c.U64(), c.U64()); break;
                case PerfFeature.MemTopology:
                {
                    var m = new MemTopology { Version = c.U64(), BlockSize = c.U64() };
                    var n = c.Count64(24);
                    for (ulong i = 0; i < n; i++)
                    {
                        var node = c.U64(); var size = c.U64(); var bits = c.U64();
                        var words = (bits + 63) / 64;
                        if (words > (ulong)c.Remaining / 8) throw new PerfTruncatedException(c.Pos, int.MaxValue);
                        var bm = new ulong[words];
                        for (var w = 0; w < bm.Length; w++) bm[w] = c.U64();
                        m.Nodes.Add((node, size, bm, bits));
                    }
                    f.MemTopology = m;
                    break;
                }
                case PerfFeature.ClockId: f.ClockResolutionNs = c.U64(); break;
                case PerfFeature.DirFormat: f.DirFormatVersion = c.U64(); break;
                case PerfFeature.BpfProgInfo: f.BpfProgInfo = data.ToArray(); Diagnostics.Count("perf.feature_bpf_prog_info_raw"); break;
                case PerfFeature.BpfBtf: f.BpfBtf = data.ToArray(); Diagnostics.Count("perf.feature_bpf_btf_raw"); break;
                case PerfFeature.Compressed: f.Compressed = new CompressedInfo(c.U32(), c.U32(), c.U32(), c.U32(), c.U32()); break;
                case PerfFeature.CpuPmuCaps:
                {
                    var n = c.Count(8);
                    var list = new List<(string, string)>((int)n);
                    for (var i = 0; i < n; i++) list.Add((c.HeaderString(), c.HeaderString()));
                    f.CpuPmuCaps = list;
                    break;
                }
                case PerfFeature.ClockData:
                    f.ClockData = (c.U32(), (int)c.U32(), c.U64(), c.U64());
                    break;
                case PerfFeature.HybridTopology:
                {
                    var n = c.Count(8);
                    var list = new List<(string, string)>((int)n);
                    for (var i = 0; i < n; i++) list.Add((c.HeaderString(), c.HeaderString()));
                    f.HybridTopology = list;
                    break;
                }
                case PerfFeature.PmuCaps:
                {
                    // u32 nr_pmu; per PMU: u32 nr_caps, (name, value) strings, then the PMU name (header.c write_pmu_caps)
                    var n = c.Count(8);
                    var list = new List<PmuCaps>((int)n);
                    for (var i = 0; i < n; i++)
                    {
                        var p = new PmuCaps();
                        var nc = c.Count(8);
                        for (var j = 0; j < nc; j++) p.Caps.Add((c.HeaderString(), c.HeaderString()));
                        p.Pmu = c.HeaderString();
                        list.Add(p);
                    }
                    f.PmuCaps = list;
                    break;
                }
                default:
                    Diagnostics.Report("perf.feature_unknown", FormattableString.Invariant($"unknown feature section {bit} skipped"), offset);
                    break;
            }
        }
        catch (PerfTruncatedException t)
        {
            throw new CaptureFormatException(Path, offset + t.Position, FormattableString.Invariant($"a {feat} feature section whose contents fit in its {data.Length} bytes"));
        }
    }

    private BuildIdRecord ParseBuildId(ReadOnlySpan<byte> rec, ushort misc)
    {
        // struct perf_record_header_build_id: header, pid_t pid, u8 build_id[24] (data[20], size, reserved...), char filename[]
        var s = new PerfSpan(rec, IsBigEndian);
        if (rec.Length < 8 + 4 + 24) throw new PerfTruncatedException(0, 36);
        var b = new BuildIdRecord { Type = PerfRecordType.HeaderBuildId, Misc = misc, Size = (ushort)rec.Length, Pid = s.I32(8) };
        var idBytes = rec.Slice(12, 20);
        // PERF_RECORD_MISC_BUILD_ID_SIZE (1 << 15): the size byte is valid (tools/lib/perf/include/perf/event.h)
        var n = (misc & PerfConstants.MiscBit15) != 0 ? Math.Min((int)rec[32], 20) : 20;
        b.BuildId = PerfSpan.Hex(idBytes[..n]);
        b.Filename = s.CString(36, rec.Length);
        return b;
    }

    private void DecodeEventDesc(ref PerfCursor c)
    {
        // u32 nr_events, u32 attr_size; per event: attr, u32 nr_ids, string name, u64 ids[nr_ids] (header.c write_event_desc)
        var nre = c.Count(4);
        var sz = c.U32();
        if (sz < 8 || sz > (uint)c.Remaining && nre > 0) throw new PerfTruncatedException(c.Pos, (int)Math.Min(sz, int.MaxValue));
        if ((ulong)nre * sz > (ulong)c.Remaining) throw new PerfTruncatedException(c.Pos, int.MaxValue);
        var list = new List<EventDesc>((int)nre);
        for (var i = 0; i < nre; i++)
        {
            var attr = ParseAttr(c.Bytes((int)sz), IsBigEndian);
            var nids = c.Count(8);
            var name = c.HeaderString();
            if ((ulong)nids * 8 > (ulong)c.Remaining) throw new PerfTruncatedException(c.Pos, int.MaxValue);
            var ids = new ulong[nids];
            for (var j = 0; j < ids.Length; j++) ids[j] = c.U64();
            list.Add(new EventDesc { Attr = attr, Name = name, Ids = ids });
        }
        Features.EventDescs = list;
        // Names go to the attrs: by matching ids, else by position (perf writes them in evlist order).
        for (var i = 0; i < list.Count; i++)
        {
            var idx = -1;
            foreach (var id in list[i].Ids)
                if (_idToAttr.TryGetValue(id, out var found)) { idx = found; break; }
            if (idx < 0 && i < Attrs.Count && list.Count == Attrs.Count) idx = i;
            if (idx >= 0 && idx < Attrs.Count) Attrs[idx].Name = list[i].Name;
        }
    }

    private void DecodeCpuTopology(ref PerfCursor c)
    {
        var t = new CpuTopology();
        var n = c.Count(4);
        t.CoreSiblings = new string[n];
        for (var i = 0; i < n; i++) t.CoreSiblings[i] = c.HeaderString();
        n = c.Count(4);
        t.ThreadSiblings = new string[n];
        for (var i = 0; i < n; i++) t.ThreadSiblings[i] = c.HeaderString();
        Features.CpuTopology = t;
        // Optional per-CPU core/socket ids (perf ≥ 4.x), one per available CPU.
        // nr_cpus_avail is untrusted: a value of 2^31 or more must not become a negative count.
        var available = Features.NrCpusAvailable ?? 0;
        if (available == 0 || (ulong)c.Remaining < available * 8UL) return;
        var cpus = (int)available;
        t.Cpus = new (int, int)[cpus];
        for (var i = 0; i < cpus; i++) t.Cpus[i] = ((int)c.U32(), (int)c.U32());
        // Optional die information (perf ≥ 5.2).
        if (c.Remaining < 4) return;
        n = c.Count(4);
        t.DieSiblings = new string[n];
        for (var i = 0; i < n; i++) t.DieSiblings[i] = c.HeaderString();
        if (c.Remaining < cpus * 4L) return;
        t.DieIds = new int[cpus];
        for (var i = 0; i < cpus; i++) t.DieIds[i] = (int)c.U32();
    }
}
