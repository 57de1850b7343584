using Stackweave.Formats.IO;

namespace Stackweave.Formats.PerfData;

// Salvage (ReadOptions.Salvage): every record of the data section is checked for plausibility before it is used;
// at damage (a record that does not fit, a header.size or type that makes no sense, a body that contradicts the
// attrs) reading resynchronises on the next plausible record instead of stopping, and counts what it skipped.
// Without salvage only CheckDecoded runs (the tests no valid capture fails, on each decoded kernel record): the first
// damage ends the read with a CaptureFormatException.
public sealed partial class PerfDataFile
{
    /// <summary>Diagnostics counter: bytes of the data section skipped while resynchronising (decompressed bytes included).</summary>
    public const string SalvageSkippedBytesCounter = "perf.salvage_skipped_bytes";
    /// <summary>Diagnostics counter: damaged places read past (each followed by a resynchronisation).</summary>
    public const string SalvageResyncCounter = "perf.salvage_resyncs";
    /// <summary>Diagnostics counter: records dropped because they were damaged although their framing held.</summary>
    public const string SalvageDamagedRecordCounter = "perf.salvage_damaged_records";
    /// <summary>Diagnostics counter: COMPRESSED records not decoded because the zstd stream broke before them.</summary>
    public const string SalvageCompressedLostCounter = "perf.salvage_compressed_records_lost";
    /// <summary>Diagnostics counter: SAMPLE records whose header.size was larger than their fields; kept at the fields' length.</summary>
    public const string SalvageSampleSizeFixedCounter = "perf.salvage_sample_size_repaired";

    // PID_MAX_LIMIT = 4 * 1024 * 1024 on 64-bit kernels (include/linux/threads.h): no pid or tid is larger.
    private const long PidMaxLimit = 4L << 20;
    // NR_CPUS is at most 8192 (arch/x86/Kconfig, MAXSMP); used when the capture has no NRCPUS feature.
    private const int CpuLimitDefault = 8192;
    // perf_event_header.misc bits 3..11 are used by no record type (include/uapi/linux/perf_event.h PERF_RECORD_MISC_*:
    // CPUMODE_MASK 0..2, PROC_MAP_PARSE_TIMEOUT 12, MMAP_DATA/COMM_EXEC/SWITCH_OUT 13, EXACT_IP/MMAP_BUILD_ID 14, EXT_RESERVED 15).
    private const ushort MiscUnusedBits = 0x0ff8;
    // PERF_RECORD_MISC_CPUMODE values 0..5 (UNKNOWN, KERNEL, USER, HYPERVISOR, GUEST_KERNEL, GUEST_USER).
    private const int MaxCpuMode = 5;
    // Time window around the times seen (or HEADER_SAMPLE_TIME) that a resynchronised record must fall in: one hour.
    private const ulong TimeSlackNs = 3600UL * 1_000_000_000;
    // Last kernel record type perf 6.1 knows (PERF_RECORD_AUX_OUTPUT_HW_ID = 21) and its user types (64..83).
    private const uint MaxKernelType = 21, FirstUserType = 64, MaxUserType = 83;

    private CaptureFormatException? _firstDamage;
    private long _skippedBytes, _damagedRecords, _lostCompressed;
    private int _resyncs;
    private bool _zstdBroken, _innerSkipping;
    private long _innerSkipStart, _innerFileOffset;
    private SampleRecord? _probeSample;

    /// <summary>Salvage: the next plausible record of <paramref name="rd"/>, resynchronising past damage; false at the end of its input.</summary>
    private bool SalvageNext(PerfRecordReader rd, out ReadOnlySpan<byte> rec, out long offset)
    {
        while (true)
        {
            var at = rd.Position;
            CaptureFormatException? err;
            try
            {
                if (!rd.Next(out rec, out offset)) return false;
                if (UnknownTypeInChain(rd, rec)) return true;
                var len = Check(rec, offset);
                if (len == rec.Length) return true;
                if (len > 0)
                {
                    // A SAMPLE whose fields end before its header.size: the size was damaged upwards; keep the fields.
                    Diagnostics.Report(SalvageSampleSizeFixedCounter, FormattableString.Invariant($"SAMPLE header.size {rec.Length} larger than its fields ({len} bytes)"), offset);
                    _firstDamage ??= new CaptureFormatException(rd.Path, offset, FormattableString.Invariant($"a SAMPLE header.size equal to its fields' {len} bytes (found {rec.Length})"));
                    rec = rec[..len];
                    rd.MoveTo(offset + len);
                    return true;
                }
                var h = new PerfSpan(rec, IsBigEndian);
                err = new CaptureFormatException(rd.Path, offset, FormattableString.Invariant($"a plausible record (found type {h.U32(0)}, misc 0x{h.U16(4):x}, size {rec.Length}, not consistent with the attrs)"));
            }
            catch (CaptureFormatException e)
            {
                err = e;
            }
            _firstDamage ??= err;
            if (!Resync(rd, at))
            {
                rec = default;
                offset = at;
                return false;
            }
        }
    }

    /// <summary>Salvage: dispatches a plausible record; damage inside it is counted, and a broken zstd stream drops the COMPRESSED records after it.</summary>
    private void SalvageDispatch(ReadOnlySpan<byte> rec, long offset, PerfRecordReader rd)
    {
        var type = new PerfSpan(rec, IsBigEndian).U32(0);
        var compressed = type is (uint)PerfRecordType.Compressed or (uint)PerfRecordType.Compressed2;
        if (compressed && _zstdBroken)
        {
            Count(type);
            _lostCompressed++;
            Diagnostics.Count(SalvageCompressedLostCounter);
            return;
        }
        _innerFileOffset = offset;
        try
        {
            Dispatch(rec, offset, false, rd.StreamIndex, rd);
        }
        catch (CaptureFormatException e)
        {
            _firstDamage ??= e;
            if (compressed)
            {
                // One zstd stream spans every COMPRESSED record (FACTS: flushed, never ended): past a decoding error
                // the decoder has lost its window and cannot go on.
                _zstdBroken = true;
                _lostCompressed++;
                Diagnostics.Report(SalvageCompressedLostCounter, "zstd stream broken: " + e.Expected, offset);
            }
            else
            {
                _damagedRecords++;
                Diagnostics.Report(SalvageDamagedRecordCounter, e.Expected, offset);
            }
        }
    }

    /// <summary>Scans forward from just after <paramref name="from"/> to the next plausible record (checked with the header of the one after it).</summary>
    private bool Resync(PerfRecordReader rd, long from)
    {
        rd.MoveTo(from + 1); // when the damaged record is no longer buffered, scanning goes on from where the reader is
        var start = from;
        while (true)
        {
            var head = rd.PeekAhead(8);
            if (head.Length < 8)
            {
                var lost = rd.Position + head.Length - start;
                _skippedBytes += lost;
                Diagnostics.Count(SalvageSkippedBytesCounter, lost);
                return false;
            }
            if (HeaderPlausible(head))
            {
                int size = new PerfSpan(head, IsBigEndian).U16(6);
                var span = rd.PeekAhead(size + 8);
                if (span.Length >= size)
                {
                    var len = Check(span[..size], rd.Position);
                    if (len > 0 && (span.Length < len + 8 || HeaderPlausible(span.Slice(len, 8))))
                    {
                        var lost = rd.Position - start;
                        _skippedBytes += lost;
                        _resyncs++;
                        Diagnostics.Count(SalvageSkippedBytesCounter, lost);
                        Diagnostics.Report(SalvageResyncCounter, FormattableString.Invariant($"damaged record at byte {start}: skipped {lost} bytes to the next plausible record"), rd.Position);
                        return true;
                    }
                }
            }
            if (!rd.MoveTo(rd.Position + NextCandidate(rd))) return false;
        }
    }

    /// <summary>
    /// Bytes to step to the next position whose type byte (the u32's low byte: first in little-endian, fourth in
    /// big-endian) could name a known type (1..21, 64..83): long runs of garbage (a zeroed range) are crossed at
    /// memory speed instead of byte by byte.
    /// </summary>
    private int NextCandidate(PerfRecordReader rd)
    {
        var low = IsBigEndian ? 3 : 0;
        var window = rd.PeekAhead(1 << 16);
        if (window.Length <= low + 1) return 1;
        var rest = window[(low + 1)..];
        var a = rest.IndexOfAnyInRange((byte)1, (byte)MaxKernelType);
        var b = rest.IndexOfAnyInRange((byte)FirstUserType, (byte)MaxUserType);
        var f = a < 0 ? b : b < 0 ? a : Math.Min(a, b);
        return f < 0 ? rest.Length : f + 1;
    }

    /// <summary>
    /// A record of a type perf 6.1 does not know (a newer kernel's), 8-aligned and followed by a plausible header: read on
    /// as without salvage (skipped and counted), not treated as damage.
    /// </summary>
    private bool UnknownTypeInChain(PerfRecordReader rd, ReadOnlySpan<byte> rec)
    {
        var h = new PerfSpan(rec, IsBigEndian);
        var type = h.U32(0);
        if (type is (>= 1 and <= MaxKernelType) or (>= FirstUserType and <= MaxUserType)) return false;
        if (rec.Length % 8 != 0 || (h.U16(4) & MiscUnusedBits) != 0 || type >= 1u << 16) return false;
        var next = rd.PeekAhead(8);
        return next.Length < 8 || HeaderPlausible(next);
    }

    /// <summary>The header alone could start a record: a type perf knows, unused misc bits clear, an 8-aligned size (COMPRESSED excepted).</summary>
    private bool HeaderPlausible(ReadOnlySpan<byte> head)
    {
        var h = new PerfSpan(head, IsBigEndian);
        var type = h.U32(0);
        var misc = h.U16(4);
        var size = h.U16(6);
        if (size < PerfConstants.EventHeaderSize || (misc & MiscUnusedBits) != 0) return false;
        if (type is >= 1 and <= MaxKernelType) return size % 8 == 0 && (misc & 7) <= MaxCpuMode;
        if (type is < FirstUserType or > MaxUserType) return false;
        // perf 6.1 writes COMPRESSED records (builtin-record.c process_comp_header) and pipe-mode HEADER_FEATURE
        // records (header.c perf_event__synthesize_features) unpadded; the others are 8-aligned.
        if (type is (uint)PerfRecordType.Compressed or (uint)PerfRecordType.HeaderFeature) return size > PerfConstants.EventHeaderSize;
        if (size % 8 != 0) return false;
        return type != (uint)PerfRecordType.FinishedRound || size == PerfConstants.EventHeaderSize;
    }

    /// <summary>
    /// Salvage check of one framed record: 0 when it is implausible, else the length it really has (its header.size, or
    /// for a SAMPLE whose fields end earlier, their length). Kernel records must parse with the attrs, name an event id
    /// an attr owns, carry a plausible pid, tid and CPU and a time within the capture's range.
    /// </summary>
    private int Check(ReadOnlySpan<byte> bytes, long offset)
    {
        if (!HeaderPlausible(bytes)) return 0;
        var rec = new PerfSpan(bytes, IsBigEndian);
        var type = rec.U32(0);
        if (type >= FirstUserType) return bytes.Length;
        if (Attrs.Count == 0) return bytes.Length;
        var kind = (PerfRecordType)type;
        int attrIndex;
        try { attrIndex = ResolveAttr(kind, rec, offset); }
        catch (CaptureFormatException) { return 0; }
        if (attrIndex < 0) return 0;
        var attr = Attrs[attrIndex];
        var sid = new SampleId { Pid = -1, Tid = -1, Cpu = -1 };
        var len = bytes.Length;
        try
        {
            if (kind == PerfRecordType.Sample)
            {
                var s = _probeSample ??= new SampleRecord();
                s.Reset();
                var used = ParseSample(bytes, attr, s, ref sid, reuse: true);
                if (used != bytes.Length)
                {
                    if (used % 8 != 0 || used < PerfConstants.EventHeaderSize) return 0;
                    len = used;
                }
                if (s.HasCallchain && !CallchainPlausible(s.CallchainSpan)) return 0;
            }
            else
            {
                var end = ReadTrailer(rec, attr, ref sid);
                var c = new PerfCursor(bytes[..end], IsBigEndian) { Pos = 8 };
                if (type <= (uint)PerfRecordType.TextPoke)
                {
                    var r = ParseOther(kind, ref c, rec, end, attr);
                    if (!BodyPlausible(r)) return 0;
                }
            }
        }
        catch (PerfTruncatedException) { return 0; }
        if (sid.Present)
        {
            if (_idToAttr.Count > 0 && (attr.SampleType & (SampleFormat.Id | SampleFormat.Identifier)) != 0
                && sid.Id != 0 && !_idToAttr.ContainsKey(sid.Id)) return 0;
            if (!PidPlausible(sid.Pid) || !PidPlausible(sid.Tid)) return 0;
            if ((attr.SampleType & SampleFormat.Cpu) != 0 && (sid.Cpu < 0 || sid.Cpu >= CpuLimit)) return 0;
            if ((attr.SampleType & SampleFormat.Time) != 0 && !TimePlausible(sid.Time, kind == PerfRecordType.Sample)) return 0;
        }
        return len;
    }

    // sample_type bits perf 6.1 defines (IP .. WEIGHT_STRUCT, include/uapi/linux/perf_event.h): ParseSample reads them all.
    private const SampleFormat KnownSampleBits = (SampleFormat)((1UL << 25) - 1);
    // No perf clock (local_clock or a CLOCK_* in ns) reaches 2^63 ns before the year 2262.
    private const ulong TimeLimit = 1UL << 63;
    // NR_CPUS is at most 8192 in every architecture's Kconfig (x86 MAXSMP, powerpc); without --salvage a CPU is refused
    // only beyond eight times that (or beyond NRCPUS when larger), so no larger future configuration is taken for damage.
    private const int StrictCpuLimit = 8 * CpuLimitDefault;
    private int _timestampBoundary; // 0 not looked at, 1 no, 2 perf record ran with --timestamp-boundary

    /// <summary>
    /// Without salvage: a kernel record that framed and decoded is refused (a format error naming it) when it fails one of
    /// <see cref="Check"/>'s tests that no record perf or the kernel writes can fail: pid and tid within PID_MAX_LIMIT (or
    /// -1) in the fields and the sample_id; a sampled CPU of -1 or below the largest NR_CPUS; a SAMPLE's fields ending at
    /// its header.size; a time below 2^63; a SAMPLE time within an hour of
    /// HEADER_SAMPLE_TIME when perf record wrote it from its ordered build-id pass (not with --timestamp-boundary, which
    /// takes the first sample in ring-buffer order). Uses only the values the record's decoding produced: no allocation.
    /// (ParseKernel refuses a record whose event id no attr owns, as perf does.) Left to salvage (they can fail on valid
    /// captures): misc bits and
    /// cpumode values perf 6.1 does not define (a newer kernel's), 8-alignment, a callchain whose context marker is not
    /// first (the kernel always puts one first, but perf reads such chains, dropping them as "invalid callchain context",
    /// and the Stackweave.Testing generators write them), and the time window without
    /// HEADER_SAMPLE_TIME (the times seen so far; pipe mode) or for side-band records (a capture may go on long after its
    /// last sample).
    /// </summary>
    private void CheckDecoded(PerfRecord r, PerfEventAttr attr, int fieldsEnd, int size, long offset)
    {
        string? what = null;
        ref readonly var sid = ref r.SampleId;
        var sample = r as SampleRecord;
        if (sample is not null)
        {
            if (fieldsEnd != size && (attr.SampleType & ~KnownSampleBits) == 0)
                what = FormattableString.Invariant($"a Sample record whose fields end at its header.size {size} (they end at {fieldsEnd})");
        }
        else if (!BodyPlausible(r)) what = "a " + r.Type + " record with pid and tid within PID_MAX_LIMIT";
        if (what is null && sid.Present)
        {
            var t = attr.SampleType;
            if (!PidPlausible(sid.Pid) || !PidPlausible(sid.Tid))
                what = FormattableString.Invariant($"a {r.Type} record with pid and tid within PID_MAX_LIMIT (found {sid.Pid}/{sid.Tid})");
            else if ((t & SampleFormat.Cpu) != 0 && sid.Cpu != -1 && (sid.Cpu < 0 || sid.Cpu >= Math.Max(StrictCpuLimit, CpuLimit)))
                what = FormattableString.Invariant($"a {r.Type} record with a CPU number below {Math.Max(StrictCpuLimit, CpuLimit)} (found {(uint)sid.Cpu})");
            else if ((t & SampleFormat.Time) != 0 && sid.Time >= TimeLimit)
                what = FormattableString.Invariant($"a {r.Type} record with a time below 2^63 ns (found {sid.Time})");
            else if (sample is not null && (t & SampleFormat.Time) != 0 && !SampleTimeCertain(sid.Time))
                what = FormattableString.Invariant($"a Sample time within an hour of the capture's samples (HEADER_SAMPLE_TIME; found {sid.Time})");
        }
        if (what is not null) throw new CaptureFormatException(Path, offset, what);
    }

    /// <summary>Without salvage: a SAMPLE time no valid capture contradicts (see <see cref="CheckDecoded"/>).</summary>
    private bool SampleTimeCertain(ulong t)
    {
        if (t == 0 || Features.SampleTime is not { } st || st.First == 0 || st.First > st.Last) return true; // e.g. Intel PT without TSC: time 0
        if (_timestampBoundary == 0)
            _timestampBoundary = Features.Cmdline is { } args && Array.Exists(args, IsTimestampBoundary) ? 2 : 1;
        return _timestampBoundary == 2 || TimePlausible(t, sample: true);
    }

    // perf's parse-options takes any unambiguous prefix of a long option: "--timestamp-b" and longer.
    private static bool IsTimestampBoundary(string arg)
        => arg.Length >= "--timestamp-b".Length && "--timestamp-boundary".StartsWith(arg, StringComparison.Ordinal);

    private int CpuLimit => Features.NrCpusAvailable is { } n and > 0 ? (int)Math.Min(n, int.MaxValue) : CpuLimitDefault;

    private static bool PidPlausible(int pid) => pid >= -1 && pid <= PidMaxLimit;

    /// <summary>A callchain starts with a context marker (≥ -4095 as u64, include/uapi/linux/perf_event.h PERF_CONTEXT_MAX) or holds none at all.</summary>
    private static bool CallchainPlausible(ReadOnlySpan<ulong> chain)
    {
        if (chain.Length == 0) return true;
        // PERF_CONTEXT_MAX = (__u64)-4095: every marker is at or above it.
        const ulong ContextMax = unchecked((ulong)-4095L);
        if (chain[0] >= ContextMax) return true;
        foreach (var a in chain)
            if (a >= ContextMax) return false; // markers appear but not first: not a kernel-written chain
        return true;
    }

    private static bool BodyPlausible(PerfRecord r) => r switch
    {
        MmapRecord m => PidPlausible(m.Pid) && PidPlausible(m.Tid),
        CommRecord m => PidPlausible(m.Pid) && PidPlausible(m.Tid),
        ForkExitRecord m => PidPlausible(m.Pid) && PidPlausible(m.Tid) && PidPlausible(m.Ppid) && PidPlausible(m.Ptid),
        ItraceStartRecord m => PidPlausible(m.Pid) && PidPlausible(m.Tid),
        _ => true,
    };

    /// <summary>A time within the capture's range: HEADER_SAMPLE_TIME when recorded, else the times seen so far, widened by an hour.</summary>
    private bool TimePlausible(ulong t, bool sample)
    {
        // Side-band records perf synthesizes at the start carry time 0; samples never do.
        if (t == 0) return !sample;
        ulong lo, hi;
        // HEADER_SAMPLE_TIME holds the first and last sample perf record processed, in its order, not the extremes:
        // the window is widened as for the times seen.
        if (Features.SampleTime is { } st && st.First != 0 && st.First <= st.Last) { lo = st.First; hi = st.Last; }
        else if (_maxTime != 0) { lo = Math.Min(_minTime, _maxTime); hi = _maxTime; }
        else return true;
        lo = lo > TimeSlackNs ? lo - TimeSlackNs : 0;
        hi = hi > ulong.MaxValue - TimeSlackNs ? ulong.MaxValue : hi + TimeSlackNs;
        return t >= lo && t <= hi;
    }

    /// <summary>Salvage inside COMPRESSED records: the length of the plausible record at the start of <paramref name="avail"/>, 0 to skip a byte, -1 to wait for more bytes.</summary>
    private int ProbeInner(ReadOnlySpan<byte> avail, long decompressedOffset)
    {
        if (avail.Length < 8) return -1;
        var size = new PerfSpan(avail, IsBigEndian).U16(6);
        int len;
        if (!HeaderPlausible(avail)) len = 0;
        else if (avail.Length < size) return -1;
        else len = Check(avail[..size], decompressedOffset);
        if (len == 0)
        {
            if (!_innerSkipping)
            {
                _innerSkipping = true;
                _innerSkipStart = decompressedOffset;
                _firstDamage ??= new CaptureFormatException(Path, _innerFileOffset, FormattableString.Invariant($"a plausible record at decompressed byte {decompressedOffset} of the COMPRESSED records"));
            }
            _skippedBytes++;
            Diagnostics.Count(SalvageSkippedBytesCounter);
            return 0;
        }
        if (_innerSkipping)
        {
            _innerSkipping = false;
            _resyncs++;
            Diagnostics.Report(SalvageResyncCounter, FormattableString.Invariant($"damaged record at decompressed byte {_innerSkipStart}: skipped {decompressedOffset - _innerSkipStart} decompressed bytes to the next plausible record"), _innerFileOffset);
        }
        return len;
    }

    /// <summary>Salvage: a record from inside COMPRESSED records; damage in it is counted and reading goes on.</summary>
    private void SalvageInner(ReadOnlySpan<byte> inner, long decompressedOffset)
    {
        try { Dispatch(inner, decompressedOffset, true, _innerStream, null); }
        catch (CaptureFormatException e)
        {
            _firstDamage ??= e;
            _damagedRecords++;
            Diagnostics.Report(SalvageDamagedRecordCounter, e.Expected, _innerFileOffset);
        }
    }

    /// <summary>At the end of a salvaged read: one damage report naming the first damaged place and what was lost in all.</summary>
    private void FinishSalvage()
    {
        if (!_options.Salvage || _firstDamage is null) return;
        var terminal = Damage;
        if (_resyncs == 0 && _lostCompressed == 0 && _damagedRecords == 0 && Diagnostics.Get(SalvageSampleSizeFixedCounter) == 0)
        {
            // Nothing was read past the damage: it is where reading stopped.
            Damage = _firstDamage;
            return;
        }
        var parts = new List<string>();
        if (_resyncs > 0) parts.Add(FormattableString.Invariant($"{_resyncs} damaged place(s) resynchronised, {_skippedBytes} bytes skipped"));
        else if (_skippedBytes > 0) parts.Add(FormattableString.Invariant($"{_skippedBytes} bytes skipped"));
        if (Diagnostics.Get(SalvageSampleSizeFixedCounter) is > 0 and var fixedSizes) parts.Add(FormattableString.Invariant($"{fixedSizes} SAMPLE size(s) repaired"));
        if (_damagedRecords > 0) parts.Add(FormattableString.Invariant($"{_damagedRecords} damaged record(s) dropped"));
        if (_lostCompressed > 0) parts.Add(FormattableString.Invariant($"{_lostCompressed} COMPRESSED record(s) undecodable after a zstd error"));
        var lost = "read on past it: " + string.Join(", ", parts);
        if (terminal is not null && !ReferenceEquals(terminal, _firstDamage))
            lost += "; reading stopped at byte " + terminal.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + terminal.Expected;
        Damage = new SkippedDamageException(_firstDamage, lost, terminal is null);
    }
}
