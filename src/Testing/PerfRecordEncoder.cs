using System.Numerics;
using Stackweave.Formats.PerfData;

namespace Stackweave.Testing;

/// <summary>Encodes perf.data records (perf_event_header + body) in the layouts of include/uapi/linux/perf_event.h.</summary>
public static class PerfRecordEncoder
{
    /// <summary>PERF_SAMPLE_BRANCH_HW_INDEX (include/uapi/linux/perf_event.h, 1U &lt;&lt; PERF_SAMPLE_BRANCH_HW_INDEX_SHIFT = 17).</summary>
    public const ulong BranchHwIndex = 1UL << 17;
    /// <summary>Full size of struct perf_event_attr this encoder knows (PERF_ATTR_SIZE_VER8).</summary>
    public const int AttrSizeVer8 = 136;

    /// <summary>Bytes an attr occupies: its Size, or PERF_ATTR_SIZE_VER0 (64) when Size is 0.</summary>
    public static int AttrBytes(PerfEventAttr attr) => attr.Size == 0 ? PerfConstants.AttrSizeVer0 : checked((int)attr.Size);

    /// <summary>Writes struct perf_event_attr truncated or zero-extended to <paramref name="bytes"/> bytes.</summary>
    public static void WriteAttr(EndianBuffer b, PerfEventAttr a, int bytes)
    {
        var scratch = new EndianBuffer(b.BigEndian, AttrSizeVer8);
        scratch.U32(a.Type);                      // 0 type
        scratch.U32(a.Size);                      // 4 size
        scratch.U64(a.Config);                    // 8 config
        scratch.U64(a.SamplePeriodOrFreq);        // 16 sample_period / sample_freq
        scratch.U64((ulong)a.SampleType);         // 24 sample_type
        scratch.U64((ulong)a.ReadFormat);         // 32 read_format
        scratch.U64(b.BigEndian ? PerfBitfields.AttrFlagsToBigEndian(a.Flags) : a.Flags); // 40 bitfields
        scratch.U32(a.WakeupEvents);              // 48 wakeup_events
        scratch.U32(a.BpType);                    // 52 bp_type
        scratch.U64(a.Config1);                   // 56 config1 (VER0 ends at 64)
        scratch.U64(a.Config2);                   // 64 config2 (VER1 = 72)
        scratch.U64(a.BranchSampleType);          // 72 branch_sample_type (VER2 = 80)
        scratch.U64(a.SampleRegsUser);            // 80 sample_regs_user
        scratch.U32(a.SampleStackUser);           // 88 sample_stack_user
        scratch.I32(a.ClockId);                   // 92 clockid (VER3 = 96)
        scratch.U64(a.SampleRegsIntr);            // 96 sample_regs_intr (VER4 = 104)
        scratch.U32(a.AuxWatermark);              // 104 aux_watermark
        scratch.U16(a.SampleMaxStack);            // 108 sample_max_stack
        scratch.U16(0);                           // 110 __reserved_2 (VER5 = 112)
        scratch.U32(a.AuxSampleSize);             // 112 aux_sample_size
        scratch.U32(0);                           // 116 __reserved_3 (VER6 = 120)
        scratch.U64(a.SigData);                   // 120 sig_data (VER7 = 128)
        scratch.U64(a.Config3);                   // 128 config3 (VER8 = 136)
        var w = scratch.Written;
        if (bytes <= w.Length) b.Bytes(w[..bytes]);
        else { b.Bytes(w); b.Zeros(bytes - w.Length); }
    }

    /// <summary>Encodes one record. <paramref name="attr"/> gives the sample layout (samples, READ records, trailers); null writes no trailer.</summary>
    public static void Encode(EndianBuffer b, PerfRecord r, PerfEventAttr? attr)
    {
        var start = b.Length;
        b.U32((uint)r.Type);
        b.U16(r.Misc);
        b.U16(0); // size, patched below
        var trailer = attr is not null && attr.SampleIdAll;
        switch (r)
        {
            case SampleRecord s:
                WriteSample(b, s, attr ?? throw new ArgumentException("a sample needs its attr", nameof(attr)));
                trailer = false;
                break;
            case MmapRecord m:
                b.I32(m.Pid); b.I32(m.Tid); b.U64(m.Start); b.U64(m.Length); b.U64(m.PageOffset);
                if (m.Type == PerfRecordType.Mmap2)
                {
                    if ((m.Misc & PerfConstants.MiscBit14) != 0)
                    {
                        // union: u8 build_id_size, u8 __reserved_1, u16 __reserved_2, u8 build_id[20]
                        var id = Convert.FromHexString(m.BuildId ?? "");
                        if (id.Length > 20) throw new ArgumentException("build id longer than 20 bytes");
                        b.U8((byte)id.Length); b.U8(0); b.U16(0);
                        b.Bytes(id); b.Zeros(20 - id.Length);
                    }
                    else
                    {
                        b.U32(m.Major); b.U32(m.Minor); b.U64(m.Inode); b.U64(m.InodeGeneration);
                    }
                    b.U32(m.Prot); b.U32(m.Flags);
                }
                b.CString(m.Filename, 8);
                break;
            case CommRecord c:
                b.I32(c.Pid); b.I32(c.Tid); b.CString(c.Comm, 8);
                break;
            case ForkExitRecord f:
                b.I32(f.Pid); b.I32(f.Ppid); b.I32(f.Tid); b.I32(f.Ptid); b.U64(f.ForkTime);
                break;
            case LostRecord l:
                b.U64(l.Id); b.U64(l.Lost);
                break;
            case LostSamplesRecord ls:
                b.U64(ls.Lost);
                break;
            case ThrottleRecord t:
                b.U64(t.ThrottleTime); b.U64(t.Id); b.U64(t.StreamId);
                break;
            case SwitchRecord sw:
                if (sw.Type == PerfRecordType.SwitchCpuWide) { b.I32(sw.NextPrevPid); b.I32(sw.NextPrevTid); }
                break;
            case NamespacesRecord n:
                b.I32(n.Pid); b.I32(n.Tid); b.U64((ulong)n.Namespaces.Length);
                foreach (var (dev, ino) in n.Namespaces) { b.U64(dev); b.U64(ino); }
                break;
            case CgroupRecord cg:
                b.U64(cg.Id); b.CString(cg.Path, 8);
                break;
            case KsymbolRecord k:
                b.U64(k.Addr); b.U32(k.Len); b.U16(k.KsymType); b.U16(k.Flags); b.CString(k.Name, 8);
                break;
            case BpfEventRecord bpf:
                // BPF_TAG_SIZE = 8 (include/uapi/linux/bpf.h)
                b.U16(bpf.BpfType); b.U16(bpf.Flags); b.U32(bpf.ProgId);
                b.Bytes(bpf.Tag.AsSpan(0, Math.Min(8, bpf.Tag.Length))); b.Zeros(8 - Math.Min(8, bpf.Tag.Length));
                break;
            case TextPokeRecord tp:
                b.U64(tp.Addr); b.U16((ushort)tp.OldBytes.Length); b.U16((ushort)tp.NewBytes.Length);
                b.Bytes(tp.OldBytes); b.Bytes(tp.NewBytes);
                PadFrom(b, start, 8);
                break;
            case AuxRecord aux:
                b.U64(aux.AuxOffset); b.U64(aux.AuxSize); b.U64(aux.Flags);
                break;
            case ItraceStartRecord it:
                b.I32(it.Pid); b.I32(it.Tid);
                break;
            case ReadRecord rd:
                b.I32(rd.Pid); b.I32(rd.Tid);
                WriteRead(b, rd.Values, attr?.ReadFormat ?? ReadFormat.None);
                break;
            case BuildIdRecord bid:
                WriteBuildIdBody(b, bid);
                trailer = false;
                break;
            case TimeConvRecord tc:
                b.U64(tc.TimeShift); b.U64(tc.TimeMult); b.U64(tc.TimeZero); b.U64(tc.TimeCycles); b.U64(tc.TimeMask);
                b.U8(tc.CapUserTimeZero ? (byte)1 : (byte)0); b.U8(tc.CapUserTimeShort ? (byte)1 : (byte)0); b.Zeros(6);
                trailer = false;
                break;
            case RawRecord raw:
                b.Bytes(raw.Payload);
                trailer = false;
                break;
            default:
                throw new NotSupportedException("no encoder for " + r.GetType().Name);
        }
        if (trailer && (uint)r.Type < 64) WriteSampleIdTrailer(b, r.SampleId, attr!.SampleType);
        var size = b.Length - start;
        if (size > ushort.MaxValue) throw new ArgumentException("record larger than 65535 bytes");
        b.PatchU16(start + 6, (ushort)size);
    }

    /// <summary>Writes the body of a build-id entry (struct perf_record_header_build_id after its header).</summary>
    public static void WriteBuildIdBody(EndianBuffer b, BuildIdRecord bid)
    {
        var id = Convert.FromHexString(bid.BuildId);
        if (id.Length > 20) throw new ArgumentException("build id longer than 20 bytes");
        b.I32(bid.Pid);
        // union { u8 build_id[24]; struct { u8 data[20]; u8 size; u8 r1; u16 r2; } } (tools/lib/perf/include/perf/event.h)
        b.Bytes(id); b.Zeros(20 - id.Length); b.U8((byte)id.Length); b.U8(0); b.U16(0);
        // filename padded to NAME_ALIGN = 64 (tools/perf/util/header.h)
        b.CString(bid.Filename, 64);
    }

    private static void PadFrom(EndianBuffer b, int start, int align)
    {
        var rem = (b.Length - start) % align;
        if (rem != 0) b.Zeros(align - rem);
    }

    /// <summary>Writes the sample_id_all trailer: TID, TIME, ID, STREAM_ID, CPU, IDENTIFIER (kernel/events/core.c __perf_event__output_id_sample).</summary>
    public static void WriteSampleIdTrailer(EndianBuffer b, in SampleId id, SampleFormat t)
    {
        if ((t & SampleFormat.Tid) != 0) { b.I32(id.Pid); b.I32(id.Tid); }
        if ((t & SampleFormat.Time) != 0) b.U64(id.Time);
        if ((t & SampleFormat.Id) != 0) b.U64(id.Id);
        if ((t & SampleFormat.StreamId) != 0) b.U64(id.StreamId);
        if ((t & SampleFormat.Cpu) != 0) { b.I32(id.Cpu); b.U32(0); }
        if ((t & SampleFormat.Identifier) != 0) b.U64(id.Id);
    }

    /// <summary>Writes read values in the layout read_format selects (kernel/events/core.c perf_output_read_one / _group).</summary>
    public static void WriteRead(EndianBuffer b, ReadValues v, ReadFormat f)
    {
        var group = (f & ReadFormat.Group) != 0;
        if (group) b.U64((ulong)v.Values.Length);
        else
        {
            if (v.Values.Length != 1) throw new ArgumentException("read_format without GROUP holds exactly one value");
            b.U64(v.Values[0].Value);
        }
        if ((f & ReadFormat.TotalTimeEnabled) != 0) b.U64(v.TimeEnabled);
        if ((f & ReadFormat.TotalTimeRunning) != 0) b.U64(v.TimeRunning);
        if (group)
        {
            foreach (var (value, id, lost) in v.Values)
            {
                b.U64(value);
                if ((f & ReadFormat.Id) != 0) b.U64(id);
                if ((f & ReadFormat.Lost) != 0) b.U64(lost);
            }
        }
        else
        {
            if ((f & ReadFormat.Id) != 0) b.U64(v.Values[0].Id);
            if ((f & ReadFormat.Lost) != 0) b.U64(v.Values[0].Lost);
        }
    }

    /// <summary>Writes a sample body in perf_output_sample() order (kernel/events/core.c, Linux 6.1).</summary>
    public static void WriteSample(EndianBuffer b, SampleRecord s, PerfEventAttr attr)
    {
        var t = attr.SampleType;
        ref readonly var id = ref s.SampleId;
        if ((t & SampleFormat.Identifier) != 0) b.U64(id.Id);
        if ((t & SampleFormat.Ip) != 0) b.U64(s.Ip);
        if ((t & SampleFormat.Tid) != 0) { b.I32(id.Pid); b.I32(id.Tid); }
        if ((t & SampleFormat.Time) != 0) b.U64(id.Time);
        if ((t & SampleFormat.Addr) != 0) b.U64(s.Addr);
        if ((t & SampleFormat.Id) != 0) b.U64(id.Id);
        if ((t & SampleFormat.StreamId) != 0) b.U64(id.StreamId);
        if ((t & SampleFormat.Cpu) != 0) { b.I32(id.Cpu); b.U32(0); }
        if ((t & SampleFormat.Period) != 0) b.U64(s.Period);
        if ((t & SampleFormat.Read) != 0) WriteRead(b, s.Read ?? throw new ArgumentException("READ sample without values"), attr.ReadFormat);
        if ((t & SampleFormat.Callchain) != 0)
        {
            var cc = s.Callchain ?? [];
            b.U64((ulong)cc.Length);
            foreach (var ip in cc) b.U64(ip);
        }
        if ((t & SampleFormat.Raw) != 0)
        {
            // u32 size then data; the kernel pads so that size + 4 is a multiple of 8 and counts the padding in size
            var raw = s.Raw ?? [];
            var padded = (raw.Length + 4 + 7) / 8 * 8 - 4;
            b.U32((uint)padded); b.Bytes(raw); b.Zeros(padded - raw.Length);
        }
        if ((t & SampleFormat.BranchStack) != 0)
        {
            var br = s.Branches ?? [];
            b.U64((ulong)br.Length);
            if ((attr.BranchSampleType & BranchHwIndex) != 0) b.U64(s.BranchHwIndex ?? 0);
            foreach (var e in br)
            {
                b.U64(e.From); b.U64(e.To);
                b.U64(b.BigEndian ? PerfBitfields.BranchFlagsToBigEndian(e.Flags) : e.Flags);
            }
        }
        if ((t & SampleFormat.RegsUser) != 0) WriteRegs(b, s.RegsUserAbi, s.RegsUser, attr.SampleRegsUser);
        if ((t & SampleFormat.StackUser) != 0)
        {
            var st = s.StackUser ?? [];
            if (st.Length % 8 != 0) throw new ArgumentException("STACK_USER size must be a multiple of 8 (the kernel rounds it)");
            b.U64((ulong)st.Length); b.Bytes(st);
            if (st.Length != 0) b.U64(s.StackUserDynSize);
        }
        if ((t & (SampleFormat.Weight | SampleFormat.WeightStruct)) != 0) b.U64(s.Weight);
        if ((t & SampleFormat.DataSrc) != 0) b.U64(s.DataSrc);
        if ((t & SampleFormat.Transaction) != 0) b.U64(s.Transaction);
        if ((t & SampleFormat.RegsIntr) != 0) WriteRegs(b, s.RegsIntrAbi, s.RegsIntr, attr.SampleRegsIntr);
        if ((t & SampleFormat.PhysAddr) != 0) b.U64(s.PhysAddr);
        if ((t & SampleFormat.Cgroup) != 0) b.U64(s.Cgroup);
        if ((t & SampleFormat.DataPageSize) != 0) b.U64(s.DataPageSize);
        if ((t & SampleFormat.CodePageSize) != 0) b.U64(s.CodePageSize);
        if ((t & SampleFormat.Aux) != 0)
        {
            var aux = s.Aux ?? [];
            if (aux.Length % 8 != 0) throw new ArgumentException("AUX sample size must be a multiple of 8");
            b.U64((ulong)aux.Length); b.Bytes(aux);
        }
    }

    private static void WriteRegs(EndianBuffer b, ulong abi, ulong[]? regs, ulong mask)
    {
        b.U64(abi);
        if (abi == 0) return;
        var n = BitOperations.PopCount(mask);
        var r = regs ?? [];
        if (r.Length != n) throw new ArgumentException("register count must equal the popcount of the register mask");
        foreach (var v in r) b.U64(v);
    }
}
