using System.Numerics;
using Stackweave.Formats.IO;

namespace Stackweave.Formats.PerfData;

// Kernel record decoding: event id → attr, sample fields in perf_output_sample() order, sample_id_all trailers.
public sealed partial class PerfDataFile
{
    // PERF_SAMPLE_BRANCH_HW_INDEX = 1U << PERF_SAMPLE_BRANCH_HW_INDEX_SHIFT (17) (include/uapi/linux/perf_event.h)
    private const ulong BranchHwIndex = 1UL << 17;

    private int _idPos = int.MinValue, _isPos = int.MinValue; // cached perf id_pos / is_pos; MinValue = not computed
    private bool _posMismatch;

    private void InvalidatePositions() { _idPos = int.MinValue; _isPos = int.MinValue; _posMismatch = false; }

    // tools/perf/util/evsel.c __evsel__calc_id_pos: u64 index of the id from the start of a sample body.
    private static int IdPos(SampleFormat t)
    {
        if ((t & SampleFormat.Identifier) != 0) return 0;
        if ((t & SampleFormat.Id) == 0) return -1;
        var i = 0;
        if ((t & SampleFormat.Ip) != 0) i++;
        if ((t & SampleFormat.Tid) != 0) i++;
        if ((t & SampleFormat.Time) != 0) i++;
        if ((t & SampleFormat.Addr) != 0) i++;
        return i;
    }

    // tools/perf/util/evsel.c __evsel__calc_is_pos: u64 index of the id counted back from the end of a trailer.
    private static int IsPos(SampleFormat t)
    {
        if ((t & SampleFormat.Identifier) != 0) return 1;
        if ((t & SampleFormat.Id) == 0) return -1;
        var i = 1;
        if ((t & SampleFormat.Cpu) != 0) i++;
        if ((t & SampleFormat.StreamId) != 0) i++;
        return i;
    }

    private void ComputePositions()
    {
        _idPos = IdPos(Attrs[0].SampleType);
        _isPos = IsPos(Attrs[0].SampleType);
        _posMismatch = false;
        for (var i = 1; i < Attrs.Count; i++)
            if (IdPos(Attrs[i].SampleType) != _idPos || IsPos(Attrs[i].SampleType) != _isPos) _posMismatch = true;
        if (Attrs.Count > 1 && (_idPos < 0 || _isPos < 0)) _posMismatch = true;
    }

    /// <summary>The attr of a record, perf's evlist__event2evsel rule; -1 when unknown.</summary>
    private int ResolveAttr(PerfRecordType type, PerfSpan rec, long offset)
    {
        if (Attrs.Count == 0) return -1;
        if (Attrs.Count == 1) return 0;
        if (type != PerfRecordType.Sample && !Attrs[0].SampleIdAll) return 0;
        if (_idPos == int.MinValue) ComputePositions();
        if (_posMismatch)
            throw new CaptureFormatException(Path, offset, "attrs whose sample_type puts the event id at the same position (perf: non matching sample_type; needs IDENTIFIER or ID in every event)");
        ulong id;
        if (type == PerfRecordType.Sample)
        {
            var at = 8 + _idPos * 8;
            if (at + 8 > rec.Length) return -1;
            id = rec.U64(at);
        }
        else
        {
            var at = rec.Length - _isPos * 8;
            if (at < 8) return -1;
            id = rec.U64(at);
        }
        if (id == 0) return 0; // synthesized events carry a zero id (tools/perf/util/evlist.c evlist__event2evsel)
        return _idToAttr.TryGetValue(id, out var idx) ? idx : -1;
    }

    /// <summary>Reads the sample_id_all trailer from the end of a non-sample record; returns where the trailer starts.</summary>
    private static int ReadTrailer(PerfSpan rec, PerfEventAttr? attr, ref SampleId sid)
    {
        if (attr is null || !attr.SampleIdAll) return rec.Length;
        var size = attr.SampleIdSize;
        var at = rec.Length - size;
        if (at < 8) return rec.Length;
        var t = attr.SampleType;
        var p = at;
        sid.Present = true;
        if ((t & SampleFormat.Tid) != 0) { sid.Pid = rec.I32(p); sid.Tid = rec.I32(p + 4); p += 8; }
        if ((t & SampleFormat.Time) != 0) { sid.Time = rec.U64(p); p += 8; }
        if ((t & SampleFormat.Id) != 0) { sid.Id = rec.U64(p); p += 8; }
        if ((t & SampleFormat.StreamId) != 0) { sid.StreamId = rec.U64(p); p += 8; }
        if ((t & SampleFormat.Cpu) != 0) { sid.Cpu = rec.I32(p); p += 8; }
        if ((t & SampleFormat.Identifier) != 0) { sid.Id = rec.U64(p); }
        return at;
    }

    /// <summary>True when the record has a timestamp perf would sort by.</summary>
    private bool HasTime(PerfRecord r)
    {
        if (r.AttrIndex < 0) return false;
        var a = Attrs[r.AttrIndex];
        if ((a.SampleType & SampleFormat.Time) == 0) return false;
        return r.Type == PerfRecordType.Sample || (a.SampleIdAll && r.SampleId.Present);
    }

    /// <summary>Decodes one kernel record (type below 64); a SAMPLE goes into <paramref name="sampleInto"/> (reused, reset here).</summary>
    private PerfRecord ParseKernel(ReadOnlySpan<byte> bytes, long offset, bool inCompressed, int stream, SampleRecord sampleInto)
    {
        var rec = new PerfSpan(bytes, IsBigEndian);
        var type = (PerfRecordType)rec.U32(0);
        var misc = rec.U16(4);
        var attrIndex = ResolveAttr(type, rec, offset);
        // perf refuses a record whose event id no attr owns (evlist__event2evsel NULL: -EFAULT, "Can't parse sample").
        if (attrIndex < 0 && Attrs.Count > 0 && !_options.Salvage)
            throw new CaptureFormatException(Path, offset, FormattableString.Invariant($"a {type} record whose event id belongs to one of the {Attrs.Count} attrs"));
        var attr = attrIndex >= 0 ? Attrs[attrIndex] : null;
        PerfRecord r;
        var sid = new SampleId { Pid = -1, Tid = -1, Cpu = -1 };
        var fieldsEnd = bytes.Length;
        try
        {
            if (type == PerfRecordType.Sample)
            {
                var s = sampleInto;
                if (attr is null)
                {
                    Diagnostics.Report("perf.sample_unknown_attr", "sample whose event id matches no attr", offset);
                    var raw = new RawRecord { Payload = bytes[8..].ToArray() };
                    r = raw;
                }
                else
                {
                    s.Reset();
                    fieldsEnd = ParseSample(bytes, attr, s, ref sid, reuse: true);
                    r = s;
                }
            }
            else
            {
                var end = ReadTrailer(rec, attr, ref sid);
                var c = new PerfCursor(bytes[..end], IsBigEndian) { Pos = 8 };
                r = ParseOther(type, ref c, rec, end, attr);
            }
        }
        catch (PerfTruncatedException t)
        {
            throw new CaptureFormatException(Path, offset + t.Position, FormattableString.Invariant($"a {type} record whose fields fit in its header.size ({bytes.Length})"));
        }
        r.Type = type;
        r.Misc = misc;
        r.Size = (ushort)bytes.Length;
        r.Offset = offset;
        r.InCompressed = inCompressed;
        r.Stream = stream;
        r.AttrIndex = attrIndex;
        r.SampleId = sid;
        if (!_options.Salvage && attr is not null) CheckDecoded(r, attr, fieldsEnd, bytes.Length, offset);
        return r;
    }

    /// <summary>Decodes a SAMPLE already checked when it was read (its attr known) into <paramref name="into"/>.</summary>
    private SampleRecord DecodeSample(ReadOnlySpan<byte> bytes, long offset, bool inCompressed, int stream, int attrIndex, PerfEventAttr attr, SampleRecord into, bool reuse)
    {
        into.Reset();
        var sid = new SampleId { Pid = -1, Tid = -1, Cpu = -1 };
        ParseSample(bytes, attr, into, ref sid, reuse);
        var rec = new PerfSpan(bytes, IsBigEndian);
        into.Type = PerfRecordType.Sample;
        into.Misc = rec.U16(4);
        into.Size = (ushort)bytes.Length;
        into.Offset = offset;
        into.InCompressed = inCompressed;
        into.Stream = stream;
        into.AttrIndex = attrIndex;
        into.SampleId = sid;
        return into;
    }

    /// <summary>Decodes a SAMPLE body in kernel order; returns how many bytes its fields took (header included).</summary>
    private int ParseSample(ReadOnlySpan<byte> bytes, PerfEventAttr attr, SampleRecord s, ref SampleId sid, bool reuse)
    {
        var c = new PerfCursor(bytes, IsBigEndian) { Pos = 8 };
        var t = attr.SampleType;
        sid.Present = true;
        // Order: kernel/events/core.c perf_output_sample().
        if ((t & SampleFormat.Identifier) != 0) sid.Id = c.U64();
        if ((t & SampleFormat.Ip) != 0) s.Ip = c.U64();
        if ((t & SampleFormat.Tid) != 0) { sid.Pid = (int)c.U32(); sid.Tid = (int)c.U32(); }
        if ((t & SampleFormat.Time) != 0) sid.Time = c.U64();
        if ((t & SampleFormat.Addr) != 0) s.Addr = c.U64();
        if ((t & SampleFormat.Id) != 0) sid.Id = c.U64();
        if ((t & SampleFormat.StreamId) != 0) sid.StreamId = c.U64();
        if ((t & SampleFormat.Cpu) != 0) { sid.Cpu = (int)c.U32(); c.U32(); }
        if ((t & SampleFormat.Period) != 0) s.Period = c.U64();
        if ((t & SampleFormat.Read) != 0) s.Read = ReadValuesOf(ref c, attr.ReadFormat);
        if ((t & SampleFormat.Callchain) != 0)
        {
            var nr = (int)c.Count64(8);
            var cc = reuse ? s.CallchainBuffer(nr) : new ulong[nr];
            c.U64s(cc.AsSpan(0, nr));
            s.SetCallchain(cc, nr);
        }
        if ((t & SampleFormat.Raw) != 0)
        {
            // u32 size, then size bytes; size already includes the padding that aligns the field to 8.
            var size = c.U32();
            s.Raw = c.Bytes((ulong)size).ToArray();
        }
        if ((t & SampleFormat.BranchStack) != 0)
        {
            var nr = c.Count64(24);
            if ((attr.BranchSampleType & BranchHwIndex) != 0) s.BranchHwIndex = c.U64();
            if (nr * 24 > (ulong)c.Remaining) throw new PerfTruncatedException(c.Pos, (int)Math.Min(int.MaxValue, nr * 24));
            var br = new BranchEntry[nr];
            for (var i = 0; i < br.Length; i++)
            {
                var from = c.U64();
                var to = c.U64();
                var flags = c.U64();
                br[i] = new BranchEntry(from, to, IsBigEndian ? PerfBranchFlags.FromBigEndianLayout(flags) : flags);
            }
            s.Branches = br;
        }
        if ((t & SampleFormat.RegsUser) != 0)
        {
            s.RegsUserAbi = c.U64();
            if (s.RegsUserAbi != 0) s.RegsUser = Regs(ref c, attr.SampleRegsUser);
        }
        if ((t & SampleFormat.StackUser) != 0)
        {
            var size = c.U64();
            s.StackUser = c.Bytes(size).ToArray();
            if (size != 0) s.StackUserDynSize = c.U64();
        }
        if ((t & (SampleFormat.Weight | SampleFormat.WeightStruct)) != 0) s.Weight = c.U64();
        if ((t & SampleFormat.DataSrc) != 0) s.DataSrc = c.U64();
        if ((t & SampleFormat.Transaction) != 0) s.Transaction = c.U64();
        if ((t & SampleFormat.RegsIntr) != 0)
        {
            s.RegsIntrAbi = c.U64();
            if (s.RegsIntrAbi != 0) s.RegsIntr = Regs(ref c, attr.SampleRegsIntr);
        }
        if ((t & SampleFormat.PhysAddr) != 0) s.PhysAddr = c.U64();
        if ((t & SampleFormat.Cgroup) != 0) s.Cgroup = c.U64();
        if ((t & SampleFormat.DataPageSize) != 0) s.DataPageSize = c.U64();
        if ((t & SampleFormat.CodePageSize) != 0) s.CodePageSize = c.U64();
        if ((t & SampleFormat.Aux) != 0)
        {
            var size = c.U64();
            s.Aux = c.Bytes(size).ToArray();
        }
        return c.Pos;
    }

    private static ulong[] Regs(ref PerfCursor c, ulong mask)
    {
        var n = BitOperations.PopCount(mask);
        var regs = new ulong[n];
        for (var i = 0; i < n; i++) regs[i] = c.U64();
        return regs;
    }

    // include/uapi/linux/perf_event.h "struct read_format" (with PERF_FORMAT_LOST since 6.0).
    private static ReadValues ReadValuesOf(ref PerfCursor c, ReadFormat f)
    {
        var v = new ReadValues();
        var hasId = (f & ReadFormat.Id) != 0;
        var hasLost = (f & ReadFormat.Lost) != 0;
        if ((f & ReadFormat.Group) != 0)
        {
            var each = 8 + (hasId ? 8 : 0) + (hasLost ? 8 : 0);
            var nr = c.Count64(each);
            if ((f & ReadFormat.TotalTimeEnabled) != 0) v.TimeEnabled = c.U64();
            if ((f & ReadFormat.TotalTimeRunning) != 0) v.TimeRunning = c.U64();
            if (nr * (ulong)each > (ulong)c.Remaining) throw new PerfTruncatedException(c.Pos, int.MaxValue);
            var vals = new (ulong, ulong, ulong)[nr];
            for (var i = 0; i < vals.Length; i++)
            {
                var value = c.U64();
                var id = hasId ? c.U64() : 0;
                var lost = hasLost ? c.U64() : 0;
                vals[i] = (value, id, lost);
            }
            v.Values = vals;
        }
        else
        {
            var value = c.U64();
            if ((f & ReadFormat.TotalTimeEnabled) != 0) v.TimeEnabled = c.U64();
            if ((f & ReadFormat.TotalTimeRunning) != 0) v.TimeRunning = c.U64();
            var id = hasId ? c.U64() : 0;
            var lost = hasLost ? c.U64() : 0;
            v.Values = [(value, id, lost)];
        }
        return v;
    }

    private PerfRecord ParseOther(PerfRecordType type, ref PerfCursor c, PerfSpan rec, int end, PerfEventAttr? attr)
    {
        switch (type)
        {
            case PerfRecordType.Mmap:
            {
                var m = new MmapRecord { Pid = (int)c.U32(), Tid = (int)c.U32(), Start = c.U64(), Length = c.U64(), PageOffset = c.U64() };
                m.Filename = rec.CString(c.Pos, end);
                return m;
            }
            case PerfRecordType.Mmap2:
            {
                var m = new MmapRecord { Pid = (int)c.U32(), Tid = (int)c.U32(), Start = c.U64(), Length = c.U64(), PageOffset = c.U64() };
                var misc = rec.U16(4);
                if ((misc & PerfConstants.MiscBit14) != 0)
                {
                    // PERF_RECORD_MISC_MMAP_BUILD_ID: u8 build_id_size, u8 __reserved_1, u16 __reserved_2, u8 build_id[20]
                    var bsz = c.U8();
                    c.Skip(3);
                    var bid = c.Bytes(20);
                    m.BuildId = PerfSpan.Hex(bid[..Math.Min((int)bsz, 20)]);
                }
                else
                {
                    m.Major = c.U32(); m.Minor = c.U32(); m.Inode = c.U64(); m.InodeGeneration = c.U64();
                }
                m.Prot = c.U32(); m.Flags = c.U32();
                m.Filename = rec.CString(c.Pos, end);
                return m;
            }
            case PerfRecordType.Comm:
            {
                var m = new CommRecord { Pid = (int)c.U32(), Tid = (int)c.U32() };
                m.Comm = rec.CString(c.Pos, end);
                return m;
            }
            case PerfRecordType.Fork:
            case PerfRecordType.Exit:
                return new ForkExitRecord { Pid = (int)c.U32(), Ppid = (int)c.U32(), Tid = (int)c.U32(), Ptid = (int)c.U32(), ForkTime = c.U64() };
            case PerfRecordType.Lost:
                return new LostRecord { Id = c.U64(), Lost = c.U64() };
            case PerfRecordType.LostSamples:
                return new LostSamplesRecord { Lost = c.U64() };
            case PerfRecordType.Throttle:
            case PerfRecordType.Unthrottle:
                return new ThrottleRecord { ThrottleTime = c.U64(), Id = c.U64(), StreamId = c.U64() };
            case PerfRecordType.Switch:
                return new SwitchRecord();
            case PerfRecordType.SwitchCpuWide:
                return new SwitchRecord { NextPrevPid = (int)c.U32(), NextPrevTid = (int)c.U32() };
            case PerfRecordType.Namespaces:
            {
                var m = new NamespacesRecord { Pid = (int)c.U32(), Tid = (int)c.U32() };
                var nr = c.Count64(16);
                var ns = new (ulong, ulong)[nr];
                for (var i = 0; i < ns.Length; i++) ns[i] = (c.U64(), c.U64());
                m.Namespaces = ns;
                return m;
            }
            case PerfRecordType.Ksymbol:
            {
                var m = new KsymbolRecord { Addr = c.U64(), Len = c.U32(), KsymType = c.U16(), Flags = c.U16() };
                m.Name = rec.CString(c.Pos, end);
                return m;
            }
            case PerfRecordType.BpfEvent:
                // u16 type, u16 flags, u32 id, u8 tag[BPF_TAG_SIZE = 8]
                return new BpfEventRecord { BpfType = c.U16(), Flags = c.U16(), ProgId = c.U32(), Tag = c.Bytes(8).ToArray() };
            case PerfRecordType.Cgroup:
            {
                var m = new CgroupRecord { Id = c.U64() };
                m.Path = rec.CString(c.Pos, end);
                return m;
            }
            case PerfRecordType.TextPoke:
            {
                var m = new TextPokeRecord { Addr = c.U64() };
                var oldLen = c.U16();
                var newLen = c.U16();
                m.OldBytes = c.Bytes(oldLen).ToArray();
                m.NewBytes = c.Bytes(newLen).ToArray();
                return m;
            }
            case PerfRecordType.Aux:
                return new AuxRecord { AuxOffset = c.U64(), AuxSize = c.U64(), Flags = c.U64() };
            case PerfRecordType.ItraceStart:
                return new ItraceStartRecord { Pid = (int)c.U32(), Tid = (int)c.U32() };
            case PerfRecordType.Read:
            {
                var m = new ReadRecord { Pid = (int)c.U32(), Tid = (int)c.U32() };
                m.Values = ReadValuesOf(ref c, attr?.ReadFormat ?? ReadFormat.None);
                return m;
            }
            default:
                Diagnostics.Count(FormattableString.Invariant($"perf.raw_record_type_{(uint)type}"));
                return new RawRecord { Payload = rec.Data[8..].ToArray() };
        }
    }
}
