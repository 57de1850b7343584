using System.Buffers.Binary;
using System.Numerics;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

/// <summary>An opened perf.data capture: metadata (header, attrs, features) plus a time-ordered record stream.</summary>
/// <remarks>
/// Layouts: tools/perf/util/header.h (struct perf_file_header, perf_pipe_file_header), tools/perf/util/header.c
/// (feature sections), tools/lib/perf/include/perf/event.h (user records). Supports file mode (seekable, or
/// spooled to a temporary file when the stream cannot seek), pipe mode (also saved to a file) and directory mode
/// (perf record --threads), both byte orders, every attr size, COMPRESSED/COMPRESSED2 zstd records.
/// </remarks>
public sealed partial class PerfDataFile : IDisposable
{
    // struct perf_file_header: magic, size, attr_size, attrs{offset,size}, data{offset,size}, event_types{offset,size},
    // adds_features[HEADER_FEAT_BITS = 256 bits = 4 u64] (tools/perf/util/header.h)
    private const int FileHeaderSize = 104;
    private const int FeatureBits = 256;
    // struct perf_file_section {u64 offset; u64 size;}
    private const int SectionSize = 16;

    private readonly ReadOptions _options;
    private readonly Dictionary<ulong, int> _idToAttr = [];
    private readonly List<PerfRecordReader> _readers = [];
    private readonly List<IDisposable> _owned = [];
    private PerfZstdDecoder? _zstd;
    private ulong _maxTime, _nextFlush, _minTime = ulong.MaxValue;
    private long _seq;
    private bool _useRounds = true;
    private int _readerIndex;
    private bool _done, _enumerated, _sawKernel;
    private Tracing.TracingData? _tracing;
    private IO.CaptureFormatException? _tracingError;
    private bool _tracingParsed;
    private readonly Lock _tracingLock = new();
    private DecompressedRecordHandler? _innerHandler;
    private Stream? _spoolSource;
    private int _innerStream;

    private PerfDataFile(string path, ReadOptions options)
    {
        Path = path;
        _options = options;
    }

    /// <summary>Opens a capture from a stream (seekable file mode, a non-seekable file-mode stream, or pipe mode).</summary>
    /// <remarks>File mode reads header, attrs and features now; pipe mode reads the leading metadata records (attrs, features, event updates) up to the first kernel record.</remarks>
    public static PerfDataFile Open(Stream input, string path, ReadOptions options)
    {
        var f = new PerfDataFile(path, options);
        try
        {
            f.OpenStream(input);
            return f;
        }
        catch
        {
            f.Dispose();
            throw;
        }
    }

    /// <summary>Opens a <c>perf.data/</c> directory (perf record --threads).</summary>
    public static PerfDataFile OpenDirectory(string path, ReadOptions options)
    {
        if (!Directory.Exists(path)) throw new CaptureFormatException(path, 0, "a perf.data directory (perf record --threads)");
        var dataPath = System.IO.Path.Combine(path, "data");
        if (!File.Exists(dataPath)) throw new CaptureFormatException(dataPath, 0, "the directory's data file holding the perf.data header");
        var f = new PerfDataFile(path, options) { IsDirectory = true, _useRounds = false };
        try
        {
            var fs = OpenFile(dataPath);
            f._owned.Add(fs);
            f.OpenStream(fs);
            if (f.IsPipe) throw new CaptureFormatException(dataPath, 8, "a file-mode header in a perf.data directory");
            // data.N: headerless record streams, ordered by N (tools/perf/util/data.c open_dir).
            var extra = new List<(int N, string File)>();
            foreach (var file in Directory.EnumerateFiles(path, "data.*"))
            {
                var fileName = System.IO.Path.GetFileName(file);
                if (!fileName.StartsWith("data.", StringComparison.Ordinal)) continue;
                var suffix = fileName["data.".Length..];
                if (int.TryParse(suffix, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)) extra.Add((n, file));
                else f.Diagnostics.Report("perf.dir_unknown_file", "ignored " + file);
            }
            extra.Sort((a, b) => a.N.CompareTo(b.N));
            foreach (var (n, file) in extra)
            {
                var s = OpenFile(file);
                f._readers.Add(new PerfRecordReader(s, file, f.IsBigEndian, 0, -1, n + 1, ownsStream: true));
            }
            return f;
        }
        catch
        {
            f.Dispose();
            throw;
        }
    }

    private static FileStream OpenFile(string file)
    {
        try { return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new CaptureFormatException(file, 0, "a readable file (" + e.Message + ")", e); }
    }

    /// <summary>The input as the user named it.</summary>
    public string Path { get; private set; } = "";
    /// <summary>True for a pipe-mode stream.</summary>
    public bool IsPipe { get; private set; }
    /// <summary>True for a big-endian capture.</summary>
    public bool IsBigEndian { get; private set; }
    /// <summary>True for directory mode.</summary>
    public bool IsDirectory { get; private set; }
    /// <summary>The events (attrs) of the capture; in pipe mode filled as HEADER_ATTR records are read.</summary>
    public List<PerfEventAttr> Attrs { get; } = [];
    /// <summary>Decoded feature sections (file mode: read at open; pipe mode: filled as HEADER_FEATURE records are read).</summary>
    public PerfFeatures Features { get; } = new();
    /// <summary>Skipped and unknown things, counted.</summary>
    public Diagnostics Diagnostics { get; } = new();
    /// <summary>Records read, by type (user record types included; a COMPRESSED record counts itself and each record inside it, as perf report --stats does). Complete once <see cref="Records"/> has been enumerated.</summary>
    public SortedDictionary<uint, long> RecordCounts
    {
        get
        {
            for (var i = 0; i < _counts.Length; i++)
                if (_counts[i] != 0) _recordCounts[(uint)i] = _counts[i];
            return _recordCounts;
        }
    }

    private readonly SortedDictionary<uint, long> _recordCounts = [];
    private readonly long[] _counts = new long[128];
    /// <summary>Under salvage: where and why reading stopped early; null when the whole input was read.</summary>
    public CaptureFormatException? Damage { get; private set; }

    /// <summary>File mode: data section offset (perf_file_header.data.offset); 0 in pipe mode.</summary>
    public long DataOffset { get; private set; }
    /// <summary>File mode: data section size; 0 in pipe mode.</summary>
    public long DataSize { get; private set; }
    /// <summary>ID_INDEX entries (id, index in the event's cpu/thread map, cpu, tid).</summary>
    public List<(ulong Id, ulong Index, ulong Cpu, ulong Tid)> IdIndex { get; } = [];
    /// <summary>THREAD_MAP entries (pid, comm).</summary>
    public List<(int Pid, string Comm)> ThreadMap { get; } = [];
    /// <summary>TIME_CONV, when present.</summary>
    public TimeConvRecord? TimeConv { get; private set; }
    /// <summary>AUXTRACE_INFO payload after its header (u32 type, u32 reserved, u64 priv[]), when present.</summary>
    public byte[]? AuxtraceInfo { get; private set; }
    /// <summary>AUXTRACE records (their payloads skipped).</summary>
    public List<AuxtraceRecord> Auxtraces { get; } = [];
    /// <summary>Names set by EVENT_TYPE records (old pipe mode): event config id → name.</summary>
    public Dictionary<ulong, string> EventTypes { get; } = [];

    /// <summary>Kernel records (types below 64, unknown ones as <see cref="RawRecord"/>) in time order by perf's FINISHED_ROUND rule, ties by file offset. User records are folded into the metadata.</summary>
    /// <remarks>
    /// Enumerable once (it consumes the input). Records that carry no timestamp (no TIME in the attr's sample_type,
    /// a non-sample record without sample_id_all, or an event id no attr owns) are yielded as soon as they are read,
    /// like perf (perf_session__queue_event → -ETIME). Inputs without FINISHED_ROUND and directory mode are sorted
    /// as a whole at the end, as perf does; with rounds at most two rounds are buffered. Under
    /// <see cref="ReadOptions.Salvage"/> damage ends the sequence normally and sets <see cref="Damage"/>.
    /// </remarks>
    public IEnumerable<PerfRecord> Records()
    {
        if (_enumerated) throw new InvalidOperationException("PerfDataFile.Records() can be enumerated only once");
        _enumerated = true;
        return Iterate();
    }

    private IEnumerable<PerfRecord> Iterate()
    {
        while (true)
        {
            while (_ready.Count > 0) yield return Deliver(_ready.Dequeue());
            if (_done) yield break;
            PumpSafe();
        }
    }

    /// <summary>Index of the attr that owns event id <paramref name="id"/>, -1 when unknown.</summary>
    public int AttrIndexForId(ulong id) => _idToAttr.TryGetValue(id, out var i) ? i : -1;

    /// <summary>The name perf gives event <paramref name="attrIndex"/> (e.g. "cycles", "cpu-clock", "sched:sched_switch").</summary>
    public string EventName(int attrIndex)
    {
        if (attrIndex < 0 || attrIndex >= Attrs.Count) return "unknown";
        var a = Attrs[attrIndex];
        if (a.Name is { } n) return n;
        // old pipe streams name tracepoints by HEADER_EVENT_TYPE (config → name)
        if (a.Type == 2 && TracepointName(a.Config) is null && EventTypes.TryGetValue(a.Config, out var et)) return et;
        return PerfEventNames.Derive(a, TracepointName, Features.PmuMappings);
    }

    private string? TracepointName(ulong id) => Tracing?.FindById((long)id)?.ToString(); // "system:name"

    /// <summary>The tracepoint formats of TRACING_DATA, decoded once on first use; null when the capture has none or they are unreadable (see <see cref="TracingError"/>).</summary>
    public Tracing.TracingData? Tracing
    {
        get
        {
            lock (_tracingLock)
            {
                if (!_tracingParsed && Features.TracingData is { } blob)
                {
                    _tracingParsed = true;
                    try { _tracing = PerfData.Tracing.TracingData.Parse(blob, Path, 0); }
                    catch (IO.CaptureFormatException e) { _tracingError = e; }
                }
                return _tracing;
            }
        }
    }

    /// <summary>Why <see cref="Tracing"/> is null although the capture carries TRACING_DATA.</summary>
    public IO.CaptureFormatException? TracingError => _tracingError;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var r in _readers) r.Dispose();
        _readers.Clear();
        _zstd?.Dispose();
        _zstd = null;
        foreach (var d in _owned) d.Dispose();
        _owned.Clear();
    }

    // ---------------------------------------------------------------- opening

    private void OpenStream(Stream input)
    {
        Span<byte> head = stackalloc byte[FileHeaderSize];
        var n = ReadFully(input, head[..16]);
        if (n == 0) throw new CaptureFormatException(Path, 0, "a perf.data header (the input is empty)");
        if (n < 8) throw new CaptureFormatException(Path, n, "the 8-byte perf.data magic (input ends)");
        var magic = BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (magic == PerfConstants.Magic2) IsBigEndian = false;
        else if (magic == PerfConstants.Magic2Swapped) IsBigEndian = true;
        else throw new CaptureFormatException(Path, 0, "the perf.data magic \"PERFILE2\"");
        if (n < 16) throw new CaptureFormatException(Path, n, "the perf.data header size field (input ends)");
        var hs = new PerfSpan(head, IsBigEndian);
        var headerSize = hs.U64(8);
        if (headerSize == PerfConstants.PipeHeaderSize)
        {
            IsPipe = true;
            _readers.Add(new PerfRecordReader(input, Path, IsBigEndian, PerfConstants.PipeHeaderSize, -1, 0, ownsStream: false));
            // Read the leading metadata (attrs, features) so callers see them right after Open.
            while (!_sawKernel && !_done) PumpSafe();
            return;
        }
        // perf_file_header__read (tools/perf/util/header.c) accepts only its own size in file mode.
        if (headerSize != FileHeaderSize)
            throw new CaptureFormatException(Path, 8, FormattableString.Invariant($"a perf_file_header.size of {FileHeaderSize} (or {PerfConstants.PipeHeaderSize} for pipe mode), found {headerSize}"));

        Stream s = input;
        long baseOffset;
        if (input.CanSeek)
        {
            baseOffset = input.Position - 16;
        }
        else
        {
            s = Spool(input, head[..16]);
            _owned.Add(s);
            baseOffset = 0;
            _spoolSource = input;
            SpoolTo(s, FileHeaderSize);
            s.Position = 16;
        }
        var fileLength = s.Length - baseOffset;
        // A spooled (non-seekable, e.g. decompressed) input is copied only as far as the header's sections reach:
        // bytes after the last section are never decompressed (a small bomb cannot make us spool gigabytes).
        void Need(ulong offset, ulong size)
        {
            if (_spoolSource is null) return;
            SpoolTo(s, offset > long.MaxValue || size > long.MaxValue - offset ? long.MaxValue : (long)(offset + size));
            fileLength = s.Length;
        }
        if (ReadFully(s, head[16..]) < FileHeaderSize - 16)
            throw new CaptureFormatException(Path, 16, FormattableString.Invariant($"a {FileHeaderSize}-byte perf_file_header (input ends at {fileLength})"));
        var h = new PerfSpan(head, IsBigEndian);
        var attrSize = h.U64(16);
        var attrsOff = h.U64(24); var attrsSize = h.U64(32);
        var dataOff = h.U64(40); var dataSize = h.U64(48);

        // attrs: perf_file_attr {attr (attr.size bytes), perf_file_section ids} × attrs.size / attr_size
        if (attrsSize > 0 && attrSize == 0) throw new CaptureFormatException(Path, 16, "a non-zero perf_file_header.attr_size");
        Need(attrsOff, attrsSize);
        if (attrsOff > (ulong)fileLength || attrsSize > (ulong)fileLength - attrsOff)
            throw new CaptureFormatException(Path, 24, FormattableString.Invariant($"an attrs section within the file ({fileLength} bytes)"));
        var attrBytes = ReadAt(s, baseOffset, (long)attrsOff, (long)attrsSize);
        var nAttrs = attrSize == 0 ? 0 : attrsSize / attrSize;
        if (attrsSize > 0 && nAttrs == 0)
            throw new CaptureFormatException(Path, 16, FormattableString.Invariant($"a perf_file_header.attr_size no larger than attrs.size ({attrsSize}), found {attrSize}"));
        var pos = 0;
        for (ulong i = 0; i < nAttrs; i++)
        {
            var at = (long)attrsOff + pos;
            if (attrBytes.Length - pos < PerfConstants.AttrSizeVer0)
                throw new CaptureFormatException(Path, at, "a perf_event_attr of at least 64 bytes (PERF_ATTR_SIZE_VER0)");
            var stored = new PerfSpan(attrBytes, IsBigEndian).U32(pos + 4);
            var sz = stored == 0 ? PerfConstants.AttrSizeVer0 : (long)stored;
            if (sz < PerfConstants.AttrSizeVer0 || sz + SectionSize > attrBytes.Length - pos)
                throw new CaptureFormatException(Path, at + 4, FormattableString.Invariant($"a perf_event_attr.size that fits the attrs section (found {stored})"));
            var attr = ParseAttr(attrBytes.AsSpan(pos, (int)sz), IsBigEndian);
            var idsOff = new PerfSpan(attrBytes, IsBigEndian).U64(pos + (int)sz);
            var idsSize = new PerfSpan(attrBytes, IsBigEndian).U64(pos + (int)sz + 8);
            Need(idsOff, idsSize);
            if (idsOff > (ulong)fileLength || idsSize > (ulong)fileLength - idsOff)
                throw new CaptureFormatException(Path, at + sz, FormattableString.Invariant($"an attr id section within the file ({fileLength} bytes)"));
            var ids = ReadAt(s, baseOffset, (long)idsOff, (long)idsSize);
            var idx = Attrs.Count;
            Attrs.Add(attr);
            for (var k = 0; k + 8 <= ids.Length; k += 8)
            {
                var id = new PerfSpan(ids, IsBigEndian).U64(k);
                attr.Ids.Add(id);
                _idToAttr[id] = idx;
            }
            pos += (int)sz + SectionSize;
        }

        // data section
        DataOffset = (long)Math.Min(dataOff, long.MaxValue);
        DataSize = (long)Math.Min(dataSize, long.MaxValue);
        var dataEndsEarly = false;
        Need(dataOff, dataSize);
        if (dataOff > (ulong)fileLength || dataSize > (ulong)fileLength - dataOff)
        {
            var outside = new CaptureFormatException(Path, 40, FormattableString.Invariant($"a data section within the file (offset {dataOff}, size {dataSize}, file {fileLength} bytes)"));
            if (!_options.Salvage) throw outside;
            dataEndsEarly = true;
            // a data section starting past the end: the damage is the header field, not a position that does not exist
            if (dataOff > (ulong)fileLength) _dataOutside = outside;
        }

        // feature sections: one perf_file_section per set bit, ascending, at data.offset + data.size
        var featOff = dataOff + dataSize;
        var bits = new List<int>();
        for (var w = 0; w < FeatureBits / 64; w++)
        {
            var word = h.U64(72 + w * 8);
            while (word != 0)
            {
                var b = BitOperations.TrailingZeroCount(word);
                bits.Add(w * 64 + b);
                word &= word - 1;
            }
        }
        if (bits.Count > 0)
        {
            try
            {
                if (!dataEndsEarly) Need(featOff, (ulong)(bits.Count * SectionSize));
                if (dataEndsEarly || featOff > (ulong)fileLength || (ulong)(bits.Count * SectionSize) > (ulong)fileLength - featOff)
                    throw new CaptureFormatException(Path, (long)Math.Min(featOff, long.MaxValue), FormattableString.Invariant($"{bits.Count} feature section descriptors after the data section (file {fileLength} bytes)"));
                var table = ReadAt(s, baseOffset, (long)featOff, bits.Count * SectionSize);
                var ts = new PerfSpan(table, IsBigEndian);
                for (var k = 0; k < bits.Count; k++)
                {
                    var so = ts.U64(k * SectionSize);
                    var ss = ts.U64(k * SectionSize + 8);
                    Need(so, ss);
                    if (so > (ulong)fileLength || ss > (ulong)fileLength - so)
                        throw new CaptureFormatException(Path, (long)featOff + k * SectionSize, FormattableString.Invariant($"feature section {(PerfFeature)bits[k]} within the file (offset {so}, size {ss})"));
                    if (bits[k] >= 32 || bits[k] == 0)
                    {
                        Diagnostics.Report("perf.feature_unknown", FormattableString.Invariant($"unknown feature section {bits[k]} skipped"), (long)so);
                        continue;
                    }
                    DecodeFeature(bits[k], ReadAt(s, baseOffset, (long)so, (long)ss), (long)so);
                }
            }
            catch (CaptureFormatException e) when (_options.Salvage)
            {
                Damage ??= e;
            }
        }

        var avail = dataEndsEarly ? Math.Max(0, fileLength - DataOffset) : DataSize;
        s.Position = baseOffset + Math.Min(DataOffset, fileLength);
        var reader = new PerfRecordReader(s, Path, IsBigEndian, DataOffset, avail, 0, ownsStream: false) { EndsEarly = dataEndsEarly };
        _readers.Add(reader);
    }

    private Stream Spool(Stream input, ReadOnlySpan<byte> head)
    {
        var tmp = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stackweave-" + Guid.NewGuid().ToString("N") + ".perf.data");
        var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            fs.Write(head);
            return fs;
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Copies the spooled input on until the spool holds <paramref name="length"/> bytes or the input ends; the position is kept.</summary>
    private void SpoolTo(Stream spool, long length)
    {
        if (_spoolSource is not { } src || spool.Length >= length) return;
        var keep = spool.Position;
        spool.Position = spool.Length;
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (spool.Length < length)
            {
                int r;
                try { r = src.Read(buf, 0, (int)Math.Min(buf.Length, length - spool.Length)); }
                catch (Exception e) when (e is IOException or InvalidDataException)
                { throw new CaptureFormatException(Path, spool.Length, "readable input (" + e.Message + ")", e); }
                if (r <= 0) { _spoolSource = null; break; }
                spool.Write(buf, 0, r);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buf);
            spool.Position = keep;
        }
    }

    private static int ReadFully(Stream s, Span<byte> dest)
    {
        var total = 0;
        while (total < dest.Length)
        {
            var r = s.Read(dest[total..]);
            if (r <= 0) break;
            total += r;
        }
        return total;
    }

    /// <summary>Reads a region already checked to lie within the file.</summary>
    private byte[] ReadAt(Stream s, long baseOffset, long offset, long length)
    {
        if (length > Array.MaxLength) throw new CaptureFormatException(Path, offset, FormattableString.Invariant($"a header section smaller than {Array.MaxLength} bytes (found {length})"));
        var b = new byte[(int)length];
        s.Position = baseOffset + offset;
        if (ReadFully(s, b) < b.Length) throw new CaptureFormatException(Path, offset, FormattableString.Invariant($"{length} bytes at this offset (input ends)"));
        return b;
    }

    // ---------------------------------------------------------------- record pump

    private void PumpSafe()
    {
        try
        {
            Pump();
        }
        catch (CaptureFormatException e) when (_options.Salvage)
        {
            Damage = e;
            FinishAll();
        }
    }

    private void FinishAll()
    {
        while (_heap.TryDequeue(out var r, out _)) _ready.Enqueue(r);
        _done = true;
        FinishSalvage();
    }

    private void Pump()
    {
        if (_readerIndex >= _readers.Count)
        {
            if (_zstd is { Pending: > 0 } z)
                Diagnostics.Report("perf.compressed_trailing_bytes", FormattableString.Invariant($"{z.Pending} decompressed bytes left over after the last COMPRESSED record"));
            FinishAll();
            return;
        }
        var rd = _readers[_readerIndex];
        if (_options.Salvage)
        {
            if (SalvageNext(rd, out var good, out var goodOffset)) { SalvageDispatch(good, goodOffset, rd); return; }
            EndOfReader(rd);
            return;
        }
        if (!rd.Next(out var rec, out var offset))
        {
            EndOfReader(rd);
            return;
        }
        Dispatch(rec, offset, false, rd.StreamIndex, rd);
    }

    private CaptureFormatException? _dataOutside;

    private void EndOfReader(PerfRecordReader rd)
    {
        if (rd.EndsEarly && _dataOutside is not null) throw _dataOutside;
        if (rd.EndsEarly)
            throw new CaptureFormatException(rd.Path, rd.Position, FormattableString.Invariant($"a data section of {DataSize} bytes (input ends)"));
        _readerIndex++;
        // perf record --threads -z starts a zstd stream in every file of a perf.data/ directory (perf 6.1 zstd_init per data.N)
        if (_readerIndex < _readers.Count && _zstd is { } zs)
        {
            if (zs.Pending > 0)
                Diagnostics.Report("perf.compressed_trailing_bytes", FormattableString.Invariant($"{zs.Pending} decompressed bytes left over at the end of {rd.Path}"));
            zs.Dispose();
            _zstd = null;
        }
        _zstdBroken = false;
    }

    private void Count(uint type)
    {
        if (type < (uint)_counts.Length) { _counts[type]++; return; }
        _recordCounts.TryGetValue(type, out var v);
        _recordCounts[type] = v + 1;
    }

    private void Dispatch(ReadOnlySpan<byte> rec, long offset, bool inCompressed, int stream, PerfRecordReader? rd)
    {
        var s = new PerfSpan(rec, IsBigEndian);
        var type = s.U32(0);
        Count(type);
        if (type < 64)
        {
            _sawKernel = true;
            EnqueueKernel(rec, offset, inCompressed, stream);
            return;
        }
        try
        {
            DispatchUser((PerfRecordType)type, s, offset, stream, rd);
        }
        catch (PerfTruncatedException t)
        {
            throw new CaptureFormatException(rd?.Path ?? Path, offset + t.Position, FormattableString.Invariant($"a {(PerfRecordType)type} record whose fields fit in its header.size ({rec.Length})"));
        }
    }

    private void DispatchUser(PerfRecordType type, PerfSpan s, long offset, int stream, PerfRecordReader? rd)
    {
        var rec = s.Data;
        var c = new PerfCursor(rec, IsBigEndian) { Pos = 8 };
        switch (type)
        {
            case PerfRecordType.HeaderAttr:
            {
                // struct perf_record_header_attr: header, perf_event_attr (attr.size bytes), u64 id[] (ids start at attr.size)
                if (rec.Length < 8 + PerfConstants.AttrSizeVer0) throw new PerfTruncatedException(8, PerfConstants.AttrSizeVer0);
                var stored = s.U32(12);
                var sz = stored == 0 ? PerfConstants.AttrSizeVer0 : (long)stored;
                if (sz < PerfConstants.AttrSizeVer0 || 8 + sz > rec.Length) throw new PerfTruncatedException(12, (int)Math.Min(sz, int.MaxValue));
                var attr = ParseAttr(rec.Slice(8, (int)sz), IsBigEndian);
                var idx = Attrs.Count;
                Attrs.Add(attr);
                for (var p = 8 + (int)sz; p + 8 <= rec.Length; p += 8)
                {
                    var id = s.U64(p);
                    attr.Ids.Add(id);
                    _idToAttr[id] = idx;
                }
                InvalidatePositions();
                break;
            }
            case PerfRecordType.HeaderEventType:
            {
                // struct perf_trace_event_type: u64 event_id, char name[MAX_EVENT_NAME = 64]
                var id = c.U64();
                EventTypes[id] = s.CString(16, rec.Length);
                break;
            }
            case PerfRecordType.HeaderTracingData:
            {
                // struct perf_record_header_tracing_data: header, u32 size; `size` bytes follow outside header.size
                var size = c.U32();
                if (rd is null)
                {
                    Diagnostics.Report("perf.tracing_data_in_compressed", "HEADER_TRACING_DATA inside a COMPRESSED record ignored", offset);
                    break;
                }
                Features.TracingData = rd.Payload(size, keep: true, "a HEADER_TRACING_DATA payload");
                if (!Features.Present.Contains(PerfFeature.TracingData)) Features.Present.Add(PerfFeature.TracingData);
                lock (_tracingLock) _tracingParsed = false;
                break;
            }
            case PerfRecordType.HeaderBuildId:
                Features.BuildIds.Add(ParseBuildId(rec, s.U16(4)));
                break;
            case PerfRecordType.FinishedRound:
                Round();
                break;
            case PerfRecordType.IdIndex:
            {
                // struct perf_record_id_index: u64 nr, {u64 id, idx, cpu, tid} × nr
                var nr = c.Count64(32);
                for (ulong i = 0; i < nr; i++)
                {
                    var e = (Id: c.U64(), Index: c.U64(), Cpu: c.U64(), Tid: c.U64());
                    IdIndex.Add(e);
                    // idx is the position in the event's cpu/thread map, not the evlist index
                    // (tools/perf/util/session.c perf_event__process_id_index only annotates ids already known).
                    if (!_idToAttr.ContainsKey(e.Id))
                        Diagnostics.Report("perf.id_index_unknown_id", FormattableString.Invariant($"ID_INDEX names id {e.Id} that no attr owns"), offset);
                }
                break;
            }
            case PerfRecordType.AuxtraceInfo:
                AuxtraceInfo = rec[8..].ToArray();
                break;
            case PerfRecordType.Auxtrace:
            {
                // struct perf_record_auxtrace: u64 size, offset, reference; u32 idx, tid, cpu, reserved; `size` bytes follow
                var a = new AuxtraceRecord
                {
                    Type = type, Misc = s.U16(4), Size = (ushort)rec.Length, Offset = offset, Stream = stream,
                    PayloadSize = c.U64(), AuxOffset = c.U64(), Reference = c.U64(), Idx = c.U32(), Tid = c.U32(), Cpu = c.U32(),
                };
                Auxtraces.Add(a);
                if (rd is null) Diagnostics.Report("perf.auxtrace_in_compressed", "AUXTRACE inside a COMPRESSED record: payload not skipped", offset);
                else rd.Payload(a.PayloadSize, keep: false, "an AUXTRACE payload");
                break;
            }
            case PerfRecordType.ThreadMap:
            {
                // struct perf_record_thread_map: u64 nr, {u64 pid, char comm[16]} × nr
                var nr = c.Count64(24);
                for (ulong i = 0; i < nr; i++)
                {
                    var pid = (int)c.U64();
                    var at = c.Pos;
                    c.Skip(16);
                    ThreadMap.Add((pid, s.CString(at, at + 16)));
                }
                break;
            }
            case PerfRecordType.EventUpdate:
            {
                // struct perf_record_event_update: u64 type, u64 id, then the type's payload (PERF_EVENT_UPDATE__NAME = 2: a string)
                var kind = c.U64();
                var id = c.U64();
                if (kind == 2)
                {
                    var name = s.CString(24, rec.Length);
                    if (_idToAttr.TryGetValue(id, out var idx)) Attrs[idx].Name = name;
                    else Diagnostics.Report("perf.event_update_unknown_id", FormattableString.Invariant($"EVENT_UPDATE names unknown id {id}"), offset);
                }
                break;
            }
            case PerfRecordType.TimeConv:
            {
                // struct perf_record_time_conv: time_shift, time_mult, time_zero, [time_cycles, time_mask, u8 cap_user_time_zero, cap_user_time_short]
                var t = new TimeConvRecord { Type = type, Misc = s.U16(4), Size = (ushort)rec.Length, Offset = offset, TimeShift = c.U64(), TimeMult = c.U64(), TimeZero = c.U64() };
                if (c.Remaining >= 24)
                {
                    t.TimeCycles = c.U64(); t.TimeMask = c.U64();
                    t.CapUserTimeZero = c.U8() != 0; t.CapUserTimeShort = c.U8() != 0;
                }
                TimeConv = t;
                break;
            }
            case PerfRecordType.HeaderFeature:
            {
                // struct perf_record_header_feature: header, u64 feat_id, char data[]
                var feat = c.U64();
                if (feat == 0 || feat >= 32) Diagnostics.Report("perf.feature_unknown", FormattableString.Invariant($"unknown feature {feat} skipped"), offset);
                else DecodeFeature((int)feat, rec[16..], offset + 16);
                break;
            }
            case PerfRecordType.Compressed:
            case PerfRecordType.Compressed2:
            {
                var data = rec[8..];
                if (type == PerfRecordType.Compressed2)
                {
                    // struct perf_record_compressed2: header, u64 data_size, char data[]; bounded by header.size
                    var declared = c.U64();
                    data = rec[16..];
                    if (declared < (ulong)data.Length) data = data[..(int)declared];
                }
                _zstd ??= new PerfZstdDecoder(IsBigEndian, _options.Limits) { Probe = _options.Salvage ? ProbeInner : null };
                _innerStream = stream;
                _innerHandler ??= _options.Salvage ? SalvageInner : (inner, dOff) => Dispatch(inner, dOff, true, _innerStream, null);
                _zstd.Feed(data, rd?.Path ?? Path, offset, _innerHandler);
                break;
            }
            case PerfRecordType.FinishedInit:
            case PerfRecordType.CpuMap:
            case PerfRecordType.StatConfig:
            case PerfRecordType.Stat:
            case PerfRecordType.StatRound:
            case PerfRecordType.AuxtraceError:
                break;
            default:
                Diagnostics.Report("perf.user_record_unknown", FormattableString.Invariant($"unknown user record type {(uint)type} skipped"), offset);
                break;
        }
    }

    // ---------------------------------------------------------------- ordering (tools/perf/util/ordered-events.c)

    /// <summary>
    /// FINISHED_ROUND: deliver everything up to the largest timestamp seen before the *previous* round ended, then
    /// remember the current largest (process_finished_round → OE_FLUSH__ROUND; next_flush = max_timestamp).
    /// <code>
    ///   round N-1 | round N            | round N+1
    ///   ....max₁  | events ≤ max₁ late  | flush at end of N+1: ≤ max(N)
    ///            flush at end of N: ≤ max₁
    /// </code>
    /// </summary>
    private void Round()
    {
        if (!_useRounds) return;
        while (_heap.TryPeek(out _, out var p) && p.Time <= _nextFlush)
            _ready.Enqueue(_heap.Dequeue());
        _nextFlush = _maxTime;
    }
}
