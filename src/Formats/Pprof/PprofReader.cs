using System.Buffers;
using System.Text;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Pprof;

/// <summary>
/// Reads a pprof profile (profile.proto, raw protobuf; gzip is removed by <see cref="InputOpener"/>) into the neutral model.
/// Supports every field of profile.proto, packed and unpacked repeated scalars, ids in any order and of any size; unknown
/// fields are skipped and counted. Validation follows pprof's (profile.Parse + CheckValid): string_table[0] is "", ids are
/// non-zero and unique, string indexes are in range, samples name existing locations and carry one value per sample type,
/// lines name existing functions. Like pprof, a location naming an unknown mapping gets no mapping (counted).
/// Reading is in two passes over the bytes, kept in memory: the first frames the top-level fields (samples usually come
/// before the tables they refer to, strings last), the second decodes each message once the tables are known.
/// </summary>
public static class PprofReader
{
    private const string UnknownFields = "pprof: unknown fields skipped";
    private const string UnknownMappings = "pprof: locations naming an unknown mapping id (read without a mapping, as pprof does)";
    private const string EmptyLabels = "pprof: labels with neither a string nor a number (dropped, as pprof does)";
    private const string DamagedSkipped = "pprof: messages skipped after damage (--salvage)";

    /// <summary>Reads a whole profile from <paramref name="input"/>; <paramref name="path"/> names it in errors.</summary>
    public static Profile Read(Stream input, string path, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        var (buffer, length) = input.CanSeek ? ReadAll(input, path) : ReadChunked(input, path);
        try { return Decode(buffer.AsSpan(0, length), path, options); }
        finally { if (input.CanSeek) ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>Decodes a profile held in memory (raw protobuf).</summary>
    public static Profile Decode(ReadOnlySpan<byte> data, string path, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        var d = new Decoder(path, options);
        return d.Run(data);
    }

    /// <summary>
    /// Reads a stream of unknown length (decompressed, piped) in 1 MiB chunks and joins them once at the end: memory is
    /// twice the profile at most, not the four times of a doubling buffer. The top-level fields are checked as they arrive.
    /// </summary>
    private static (byte[] Buffer, int Length) ReadChunked(Stream input, string path)
    {
        const int Chunk = 1 << 20;
        var chunks = new List<byte[]>();
        byte[] joined;
        long total = 0, scan = 0;
        try
        {
            var last = 0;
            while (true)
            {
                if (chunks.Count == 0 || last == Chunk)
                {
                    chunks.Add(ArrayPool<byte>.Shared.Rent(Chunk));
                    last = 0;
                }
                var r = input.Read(chunks[^1], last, Chunk - last);
                if (r <= 0) break;
                last += r;
                total += r;
                if (total > Array.MaxLength) throw new CaptureFormatException(path, total, "a profile smaller than 2 GB");
                // the field check needs contiguous bytes: it looks at the current chunk only once the scan reached it
                var chunkStart = total - last;
                if (scan >= chunkStart)
                {
                    var local = scan - chunkStart;
                    var ok = TopLevelFieldsValid(chunks[^1].AsSpan(0, last), ref local);
                    scan = chunkStart + local;
                    if (!ok) break;
                }
            }
            joined = new byte[total];
            var at = 0;
            foreach (var c in chunks)
            {
                var n = (int)Math.Min(Chunk, total - at);
                c.AsSpan(0, n).CopyTo(joined.AsSpan(at));
                at += n;
            }
            return (joined, (int)total);
        }
        finally
        {
            foreach (var c in chunks) ArrayPool<byte>.Shared.Return(c);
        }
    }

    /// <summary>Reads the stream to its end into a pooled buffer that grows only as bytes arrive.</summary>
    private static (byte[] Buffer, int Length) ReadAll(Stream input, string path)
    {
        var size = 1 << 16;
        if (input.CanSeek)
        {
            var remaining = input.Length - input.Position;
            if (remaining > Array.MaxLength) throw new CaptureFormatException(path, 0, "a profile smaller than 2 GB");
            size = (int)Math.Max(remaining + 1, 16);
        }
        var buf = ArrayPool<byte>.Shared.Rent(size);
        var n = 0;
        long scan = 0; // start of the next top-level field not yet checked
        try
        {
            while (true)
            {
                // Check the top-level fields as the bytes arrive: a stream that stops being protobuf (a bomb of zeros
                // after a profile, garbage) is refused at its first bad tag instead of being held whole. The bad tag
                // is kept, so Decode reports it (or keeps what came before it under salvage).
                if (!TopLevelFieldsValid(buf.AsSpan(0, n), ref scan)) return (buf, n);
                if (n == buf.Length)
                {
                    if (buf.Length >= Array.MaxLength) throw new CaptureFormatException(path, n, "a profile smaller than 2 GB");
                    var nb = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buf.Length * 2, Array.MaxLength));
                    buf.AsSpan(0, n).CopyTo(nb);
                    ArrayPool<byte>.Shared.Return(buf);
                    buf = nb;
                }
                var r = input.Read(buf, n, buf.Length - n);
                if (r <= 0) break;
                n += r;
            }
            return (buf, n);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buf);
            throw;
        }
    }

    /// <summary>
    /// Walks the complete top-level fields of <paramref name="data"/> from <paramref name="scan"/>; false at a tag no
    /// profile can hold (field 0, or wire types 3, 4, 6, 7: groups and undefined types, which ProtoReader refuses).
    /// </summary>
    private static bool TopLevelFieldsValid(ReadOnlySpan<byte> data, ref long scan)
    {
        while (scan < data.Length)
        {
            var p = (int)scan;
            if (!TryVarint(data, ref p, out var tag)) return true; // incomplete: wait for more bytes
            var wire = (int)(tag & 7);
            if (tag >> 3 == 0 || wire is 3 or 4 or 6 or 7) return false;
            ulong skip;
            switch (wire)
            {
                case 0:
                    if (!TryVarint(data, ref p, out _)) return true;
                    skip = 0;
                    break;
                case 1: skip = 8; break;
                case 5: skip = 4; break;
                default:
                    if (!TryVarint(data, ref p, out skip)) return true;
                    break;
            }
            if (skip > (ulong)(Array.MaxLength - p)) return false;
            scan = p + (long)skip;
        }
        return true;
    }

    /// <summary>A varint at <paramref name="p"/> when all its bytes are there (protobuf encoding, "Base 128 Varints").</summary>
    private static bool TryVarint(ReadOnlySpan<byte> data, ref int p, out ulong v)
    {
        v = 0;
        for (int shift = 0, i = p; shift < 70 && i < data.Length; shift += 7, i++)
        {
            v |= (ulong)(data[i] & 0x7f) << shift;
            if (data[i] < 0x80) { p = i + 1; return true; }
        }
        if (data.Length - p < 10) return false;
        p += 10; // over-long: Decode reports it
        return true;
    }

    /// <summary>A top-level message's bytes: where it starts in the input and its length.</summary>
    private readonly record struct Span2(int Start, int Length, long FieldOffset);

    private sealed class Decoder(string path, ReadOptions options)
    {
        private readonly List<Span2> _sampleTypes = [], _samples = [], _mappings = [], _locations = [], _functions = [], _strings = [];
        private Span2? _periodType;
        private readonly List<(long Index, long Offset)> _comments = [];
        private (long Index, long Offset) _drop, _keep, _defaultType, _docUrl;
        private long _timeNanos, _durationNanos, _period;
        private string[] _table = [];
        private Profile _profile = null!;
        private readonly bool _lenient = options.Salvage;

        public Profile Run(ReadOnlySpan<byte> data)
        {
            CaptureFormatException? damage = null;
            try { Frame(data); }
            catch (CaptureFormatException e) when (_lenient) { damage = e; }

            // Strings first: everything else refers to them.
            _table = new string[_strings.Count];
            for (var i = 0; i < _strings.Count; i++)
                _table[i] = Encoding.UTF8.GetString(data.Slice(_strings[i].Start, _strings[i].Length));
            if (_table.Length == 0 && (_samples.Count > 0 || _sampleTypes.Count > 0 || _functions.Count > 0 || _mappings.Count > 0))
                Fail(ref damage, new CaptureFormatException(path, data.Length, "a string_table (field 6): the profile refers to strings but has none"));
            else if (_table.Length > 0 && _table[0].Length != 0)
                Fail(ref damage, new CaptureFormatException(path, _strings[0].FieldOffset, "string_table[0] to be the empty string"));

            var types = new SampleType[_sampleTypes.Count];
            for (var i = 0; i < types.Length; i++)
            {
                var s = _sampleTypes[i];
                types[i] = ValueType(data, s, "sample_type", ref damage) ?? new SampleType("", "");
            }
            var p = _profile = new Profile(types);
            p.Source.File = path;
            p.Source.Format = PprofFormat.Instance.Name;
            if (_periodType is { } pt && ValueType(data, pt, "period_type", ref damage) is { } ptv && (ptv.Type.Length > 0 || ptv.Unit.Length > 0))
                p.PeriodType = ptv;
            p.Period = _period;
            p.DurationNs = _durationNanos;
            if (_timeNanos != 0)
            {
                p.StartTime = _timeNanos;
                p.Clock.Domain = ClockDomain.Realtime;
                p.Clock.OffsetToUtcNs = 0;
                p.Clock.AlignedBy = "pprof time_nanos";
                p.Clock.Derivation = ClockDerivation.SourceWallClock;
                p.Clock.Window = (_timeNanos, _durationNanos);
            }
            foreach (var (idx, off) in _comments) p.Comments.Add(Str(idx, off, "comment", ref damage));
            p.DropFrames = NonEmpty(_drop, "drop_frames", ref damage);
            p.KeepFrames = NonEmpty(_keep, "keep_frames", ref damage);
            p.DefaultSampleType = NonEmpty(_defaultType, "default_sample_type", ref damage);
            p.DocUrl = NonEmpty(_docUrl, "doc_url", ref damage);

            var mappingIds = Mappings(data, ref damage);
            var functionIds = Functions(data, ref damage);
            var locationIds = Locations(data, mappingIds, functionIds, ref damage);
            Samples(data, types.Length, locationIds, ref damage);
            p.Damage = damage;
            return p;
        }

        private void Fail(ref CaptureFormatException? damage, CaptureFormatException e)
        {
            if (!_lenient) throw e;
            damage ??= e;
            _profile?.Diagnostics.Count(DamagedSkipped);
        }

        private string? NonEmpty((long Index, long Offset) f, string name, ref CaptureFormatException? damage)
        {
            if (f.Index == 0) return null;
            var s = Str(f.Index, f.Offset, name, ref damage);
            return s.Length == 0 ? null : s;
        }

        private string Str(long index, long offset, string what, ref CaptureFormatException? damage)
        {
            if ((ulong)index < (ulong)_table.Length) return _table[index];
            Fail(ref damage, new CaptureFormatException(path, offset,
                FormattableString.Invariant($"a string index below {_table.Length} (the string_table size) for {what}, not {index}")));
            return "";
        }

        /// <summary>First pass: frames the top-level fields and keeps the scalars.</summary>
        private void Frame(ReadOnlySpan<byte> data)
        {
            var r = new ProtoReader(data, 0, path);
            while (!r.End)
            {
                var field = r.Tag(out var wire, out var at);
                switch (field)
                {
                    case PprofFields.SampleType: _sampleTypes.Add(Message(ref r, wire, at, "sample_type (field 1)")); break;
                    case PprofFields.Sample: _samples.Add(Message(ref r, wire, at, "sample (field 2)")); break;
                    case PprofFields.Mapping: _mappings.Add(Message(ref r, wire, at, "mapping (field 3)")); break;
                    case PprofFields.Location: _locations.Add(Message(ref r, wire, at, "location (field 4)")); break;
                    case PprofFields.Function: _functions.Add(Message(ref r, wire, at, "function (field 5)")); break;
                    case PprofFields.StringTable: _strings.Add(Message(ref r, wire, at, "string_table (field 6)")); break;
                    case PprofFields.DropFrames: _drop = ((long)r.VarintField(wire, at, "drop_frames (field 7)"), at); break;
                    case PprofFields.KeepFrames: _keep = ((long)r.VarintField(wire, at, "keep_frames (field 8)"), at); break;
                    case PprofFields.TimeNanos: _timeNanos = (long)r.VarintField(wire, at, "time_nanos (field 9)"); break;
                    case PprofFields.DurationNanos: _durationNanos = (long)r.VarintField(wire, at, "duration_nanos (field 10)"); break;
                    case PprofFields.PeriodType: _periodType = Message(ref r, wire, at, "period_type (field 11)"); break;
                    case PprofFields.Period: _period = (long)r.VarintField(wire, at, "period (field 12)"); break;
                    case PprofFields.Comment:
                        if (wire == WireType.Len)
                        {
                            var packed = r.Bytes(out var po);
                            var pr = new ProtoReader(packed, po, path);
                            while (!pr.End) { var o = pr.Offset; _comments.Add(((long)pr.Varint(), o)); }
                        }
                        else _comments.Add(((long)r.VarintField(wire, at, "comment (field 13)"), at));
                        break;
                    case PprofFields.DefaultSampleType: _defaultType = ((long)r.VarintField(wire, at, "default_sample_type (field 14)"), at); break;
                    case PprofFields.DocUrl: _docUrl = ((long)r.VarintField(wire, at, "doc_url (field 15)"), at); break;
                    default:
                        r.Skip(wire, at);
                        _unknownTop++;
                        break;
                }
            }
        }

        private long _unknownTop;

        private static Span2 Message(ref ProtoReader r, int wire, long at, string name)
        {
            if (wire != WireType.Len) throw r.WireError(wire, at, name, "2 (length-delimited)");
            var s = r.Bytes(out var po);
            return new Span2((int)po, s.Length, at);
        }

        private SampleType? ValueType(ReadOnlySpan<byte> data, Span2 m, string what, ref CaptureFormatException? damage)
        {
            try
            {
                var r = new ProtoReader(data.Slice(m.Start, m.Length), m.Start, path);
                long type = 0, unit = 0;
                long typeAt = m.FieldOffset, unitAt = m.FieldOffset;
                while (!r.End)
                {
                    var f = r.Tag(out var wire, out var at);
                    if (f == PprofFields.ValueTypeType) { type = (long)r.VarintField(wire, at, what + ".type"); typeAt = at; }
                    else if (f == PprofFields.ValueTypeUnit) { unit = (long)r.VarintField(wire, at, what + ".unit"); unitAt = at; }
                    else Unknown(ref r, wire, at);
                }
                return new SampleType(Str(type, typeAt, what + ".type", ref damage), Str(unit, unitAt, what + ".unit", ref damage));
            }
            catch (CaptureFormatException e) when (_lenient) { Fail(ref damage, e); return null; }
        }

        private int _unknown;
        private void Unknown(ref ProtoReader r, int wire, long at)
        {
            r.Skip(wire, at);
            _unknown++;
        }

        private Dictionary<ulong, int> Mappings(ReadOnlySpan<byte> data, ref CaptureFormatException? damage)
        {
            var ids = new Dictionary<ulong, int>(_mappings.Count);
            foreach (var m in _mappings)
            {
                try
                {
                    var r = new ProtoReader(data.Slice(m.Start, m.Length), m.Start, path);
                    ulong id = 0;
                    var map = new Mapping();
                    long file = 0, build = 0, fileAt = m.FieldOffset, buildAt = m.FieldOffset;
                    while (!r.End)
                    {
                        var f = r.Tag(out var wire, out var at);
                        switch (f)
                        {
                            case PprofFields.MappingId: id = r.VarintField(wire, at, "mapping.id"); break;
                            case PprofFields.MappingStart: map.Start = r.VarintField(wire, at, "mapping.memory_start"); break;
                            case PprofFields.MappingLimit: map.Limit = r.VarintField(wire, at, "mapping.memory_limit"); break;
                            case PprofFields.MappingOffset: map.FileOffset = r.VarintField(wire, at, "mapping.file_offset"); break;
                            case PprofFields.MappingFilename: file = (long)r.VarintField(wire, at, "mapping.filename"); fileAt = at; break;
                            case PprofFields.MappingBuildId: build = (long)r.VarintField(wire, at, "mapping.build_id"); buildAt = at; break;
                            case PprofFields.MappingHasFunctions: map.HasFunctions = r.VarintField(wire, at, "mapping.has_functions") != 0; break;
                            case PprofFields.MappingHasFilenames: map.HasFilenames = r.VarintField(wire, at, "mapping.has_filenames") != 0; break;
                            case PprofFields.MappingHasLineNumbers: map.HasLineNumbers = r.VarintField(wire, at, "mapping.has_line_numbers") != 0; break;
                            case PprofFields.MappingHasInlineFrames: map.HasInlineFrames = r.VarintField(wire, at, "mapping.has_inline_frames") != 0; break;
                            default: Unknown(ref r, wire, at); break;
                        }
                    }
                    map.Path = Str(file, fileAt, "mapping.filename", ref damage);
                    var b = Str(build, buildAt, "mapping.build_id", ref damage);
                    map.BuildId = b.Length == 0 ? null : b;
                    map.Kind = KindOf(map.Path);
                    if (id == 0) throw new CaptureFormatException(path, m.FieldOffset, "a mapping id other than 0 (0 is reserved)");
                    if (ids.ContainsKey(id)) throw new CaptureFormatException(path, m.FieldOffset, FormattableString.Invariant($"a unique mapping id, not a second mapping {id}"));
                    ids.Add(id, _profile.AddMapping(map));
                }
                catch (CaptureFormatException e) when (_lenient) { Fail(ref damage, e); }
            }
            return ids;
        }

        private static MappingKind KindOf(string path)
            => path.StartsWith("[kernel.kallsyms]", StringComparison.Ordinal) || path.StartsWith("[vmlinux", StringComparison.Ordinal) ? MappingKind.Kernel
               : path.StartsWith("[vdso]", StringComparison.Ordinal) ? MappingKind.Vdso
               : path.StartsWith("/tmp/perf-", StringComparison.Ordinal) && path.EndsWith(".map", StringComparison.Ordinal) ? MappingKind.Jit
               : MappingKind.User;

        private Dictionary<ulong, int> Functions(ReadOnlySpan<byte> data, ref CaptureFormatException? damage)
        {
            var ids = new Dictionary<ulong, int>(_functions.Count);
            foreach (var m in _functions)
            {
                try
                {
                    var r = new ProtoReader(data.Slice(m.Start, m.Length), m.Start, path);
                    ulong id = 0;
                    long name = 0, sys = 0, file = 0, start = 0;
                    long nameAt = m.FieldOffset, sysAt = m.FieldOffset, fileAt = m.FieldOffset;
                    while (!r.End)
                    {
                        var f = r.Tag(out var wire, out var at);
                        switch (f)
                        {
                            case PprofFields.FunctionId: id = r.VarintField(wire, at, "function.id"); break;
                            case PprofFields.FunctionName: name = (long)r.VarintField(wire, at, "function.name"); nameAt = at; break;
                            case PprofFields.FunctionSystemName: sys = (long)r.VarintField(wire, at, "function.system_name"); sysAt = at; break;
                            case PprofFields.FunctionFilename: file = (long)r.VarintField(wire, at, "function.filename"); fileAt = at; break;
                            case PprofFields.FunctionStartLine: start = (long)r.VarintField(wire, at, "function.start_line"); break;
                            default: Unknown(ref r, wire, at); break;
                        }
                    }
                    var strings = _profile.Strings;
                    var fn = new Function
                    {
                        Id = _profile.Functions.Count,
                        Name = strings.Intern(Str(name, nameAt, "function.name", ref damage)),
                        SystemName = strings.Intern(Str(sys, sysAt, "function.system_name", ref damage)),
                        FileName = strings.Intern(Str(file, fileAt, "function.filename", ref damage)),
                        StartLine = start,
                    };
                    if (id == 0) throw new CaptureFormatException(path, m.FieldOffset, "a function id other than 0 (0 is reserved)");
                    if (ids.ContainsKey(id)) throw new CaptureFormatException(path, m.FieldOffset, FormattableString.Invariant($"a unique function id, not a second function {id}"));
                    ids.Add(id, fn.Id);
                    _profile.Functions.Add(fn);
                }
                catch (CaptureFormatException e) when (_lenient) { Fail(ref damage, e); }
            }
            return ids;
        }

        private Dictionary<ulong, int> Locations(ReadOnlySpan<byte> data, Dictionary<ulong, int> mappings, Dictionary<ulong, int> functions, ref CaptureFormatException? damage)
        {
            var ids = new Dictionary<ulong, int>(_locations.Count);
            var lines = new List<Line>();
            foreach (var m in _locations)
            {
                try
                {
                    var r = new ProtoReader(data.Slice(m.Start, m.Length), m.Start, path);
                    ulong id = 0, mapping = 0, address = 0;
                    var folded = false;
                    lines.Clear();
                    while (!r.End)
                    {
                        var f = r.Tag(out var wire, out var at);
                        switch (f)
                        {
                            case PprofFields.LocationId: id = r.VarintField(wire, at, "location.id"); break;
                            case PprofFields.LocationMappingId: mapping = r.VarintField(wire, at, "location.mapping_id"); break;
                            case PprofFields.LocationAddress: address = r.VarintField(wire, at, "location.address"); break;
                            case PprofFields.LocationIsFolded: folded = r.VarintField(wire, at, "location.is_folded") != 0; break;
                            case PprofFields.LocationLine:
                                if (wire != WireType.Len) throw r.WireError(wire, at, "location.line", "2 (length-delimited)");
                                lines.Add(Line(r.Bytes(out var lo), lo, at, functions));
                                break;
                            default: Unknown(ref r, wire, at); break;
                        }
                    }
                    if (id == 0) throw new CaptureFormatException(path, m.FieldOffset, "a location id other than 0 (0 is reserved)");
                    if (ids.ContainsKey(id)) throw new CaptureFormatException(path, m.FieldOffset, FormattableString.Invariant($"a unique location id, not a second location {id}"));
                    var mappingIndex = -1;
                    if (mapping != 0 && !mappings.TryGetValue(mapping, out mappingIndex))
                    {
                        _profile.Diagnostics.Report(UnknownMappings, FormattableString.Invariant($"location {id} names mapping {mapping}"), m.FieldOffset);
                        mappingIndex = -1;
                    }
                    var loc = new Location { Id = _profile.Locations.Count, MappingId = mappingIndex, Address = address, IsFolded = folded };
                    loc.Lines.AddRange(lines);
                    ids.Add(id, loc.Id);
                    _profile.Locations.Add(loc);
                }
                catch (CaptureFormatException e) when (_lenient) { Fail(ref damage, e); }
            }
            return ids;
        }

        private Line Line(ReadOnlySpan<byte> msg, long offset, long fieldAt, Dictionary<ulong, int> functions)
        {
            var r = new ProtoReader(msg, offset, path);
            ulong fid = 0;
            long line = 0, column = 0;
            while (!r.End)
            {
                var f = r.Tag(out var wire, out var at);
                switch (f)
                {
                    case PprofFields.LineFunctionId: fid = r.VarintField(wire, at, "line.function_id"); break;
                    case PprofFields.LineLine: line = (long)r.VarintField(wire, at, "line.line"); break;
                    case PprofFields.LineColumn: column = (long)r.VarintField(wire, at, "line.column"); break;
                    default: Unknown(ref r, wire, at); break;
                }
            }
            if (!functions.TryGetValue(fid, out var fn))
                throw new CaptureFormatException(path, fieldAt, fid == 0 ? "a line naming a function (function_id 0 names none)"
                    : FormattableString.Invariant($"a line naming an existing function, not function {fid}"));
            return new Line(fn, line, column);
        }

        private void Samples(ReadOnlySpan<byte> data, int valueCount, Dictionary<ulong, int> locations, ref CaptureFormatException? damage)
        {
            var p = _profile;
            var maxDepth = options.Limits.MaxStackDepth;
            var locs = new List<int>(64);
            var values = new long[Math.Max(valueCount, 1)];
            var labels = new List<Label>();
            var truncated = 0L;
            // Interned label sets: samples of one goroutine or worker share one array.
            var labelSets = new Dictionary<ulong, Label[]>();
            var stackCache = new Dictionary<ulong, (int Offset, int Length, int Stack)>();
            foreach (var m in _samples)
            {
                try
                {
                    var r = new ProtoReader(data.Slice(m.Start, m.Length), m.Start, path);
                    locs.Clear();
                    labels.Clear();
                    var cachedStack = -2;
                    var labelHash = 14695981039346656037UL; // FNV-1a 64-bit offset basis
                    var sawUnpacked = false;
                    ulong? pendingKey = null;
                    int pendingOffset = 0, pendingLength = 0;
                    var nv = 0;
                    while (!r.End)
                    {
                        var f = r.Tag(out var wire, out var at);
                        switch (f)
                        {
                            case PprofFields.SampleLocationId:
                                // ids split over several fields: the cached part comes back as ids first.
                                if (cachedStack >= 0) { p.Stacks.LeafFirst(cachedStack, locs); cachedStack = -2; }
                                if (wire == WireType.Len)
                                {
                                    var packed = r.Bytes(out var po);
                                    // The same packed id list as an earlier sample (one per goroutine or label set) is the same stack.
                                    if (locs.Count == 0 && cachedStack < 0 && !sawUnpacked && packed.Length > 0)
                                    {
                                        var h = (ulong)(uint)packed.Length << 32 ^ (ulong)HashBytes(packed);
                                        if (stackCache.TryGetValue(h, out var hit) && data.Slice(hit.Offset, hit.Length).SequenceEqual(packed))
                                        {
                                            cachedStack = hit.Stack;
                                            break;
                                        }
                                        pendingKey = h;
                                        pendingOffset = (int)po;
                                        pendingLength = packed.Length;
                                    }
                                    else pendingKey = null;
                                    var pr = new ProtoReader(packed, po, path);
                                    while (!pr.End) { var o = pr.Offset; locs.Add(LocationIndex(pr.Varint(), o, locations)); }
                                }
                                else
                                {
                                    locs.Add(LocationIndex(r.VarintField(wire, at, "sample.location_id"), at, locations));
                                    sawUnpacked = true;
                                    pendingKey = null;
                                }
                                break;
                            case PprofFields.SampleValue:
                                if (wire == WireType.Len)
                                {
                                    var packed = r.Bytes(out var po);
                                    var pr = new ProtoReader(packed, po, path);
                                    while (!pr.End)
                                    {
                                        var o = pr.Offset;
                                        var v = (long)pr.Varint();
                                        if (nv >= valueCount) throw ValueCount(m, valueCount, o);
                                        values[nv++] = v;
                                    }
                                }
                                else
                                {
                                    var v = (long)r.VarintField(wire, at, "sample.value");
                                    if (nv >= valueCount) throw ValueCount(m, valueCount, at);
                                    values[nv++] = v;
                                }
                                break;
                            case PprofFields.SampleLabel:
                                if (wire != WireType.Len) throw r.WireError(wire, at, "sample.label", "2 (length-delimited)");
                                var labelBytes = r.Bytes(out var lo);
                                labelHash = (labelHash ^ HashBytes(labelBytes)) * 1099511628211UL; // FNV-1a 64-bit prime
                                if (ReadLabel(labelBytes, lo, at, ref damage) is { } l) labels.Add(l);
                                break;
                            default: Unknown(ref r, wire, at); break;
                        }
                    }
                    if (nv != valueCount)
                        throw new CaptureFormatException(path, m.FieldOffset,
                            valueCount == 0 ? "sample types (sample_type, field 1) before samples can be read"
                            : FormattableString.Invariant($"{valueCount} values in the sample (one per sample type), not {nv}"));
                    int stack;
                    if (cachedStack >= -1 && locs.Count == 0) stack = cachedStack;
                    else
                    {
                        var start = 0;
                        if (locs.Count > maxDepth) { start = locs.Count - maxDepth; truncated++; }
                        stack = StackTable.Root;
                        for (var i = locs.Count - 1; i >= start; i--) stack = p.Stacks.Push(stack, locs[i]);
                        if (pendingKey is { } pk && !sawUnpacked && locs.Count <= maxDepth) stackCache[pk] = (pendingOffset, pendingLength, stack);
                    }
                    Label[]? set = null;
                    if (labels.Count > 0)
                    {
                        // Same label bytes, same labels (checked: a hash collision only costs a new array).
                        if (!labelSets.TryGetValue(labelHash, out set) || !SameLabels(set, labels))
                        {
                            var fresh = labels.ToArray();
                            if (set is null) labelSets.Add(labelHash, fresh);
                            set = fresh;
                        }
                    }
                    p.Samples.Add(stack, -1, SampleTable.NoTime, values.AsSpan(0, valueCount), 0, -1, set);
                }
                catch (CaptureFormatException e) when (_lenient) { Fail(ref damage, e); }
            }
            if (truncated > 0) p.Diagnostics.Count("stacks truncated at the depth limit", truncated);
            if (_unknown + _unknownTop > 0) p.Diagnostics.Count(UnknownFields, _unknown + _unknownTop);
        }

        private static bool SameLabels(Label[] a, List<Label> b)
        {
            if (a.Length != b.Count) return false;
            for (var i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        /// <summary>FNV-1a (32-bit) over the bytes, 8 at a time folded: a cache key, checked by comparing the bytes.</summary>
        private static uint HashBytes(ReadOnlySpan<byte> b)
        {
            // FNV-1a offset basis 2166136261 and prime 16777619 (Fowler/Noll/Vo).
            var h = 2166136261u;
            var longs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(b);
            foreach (var v in longs) h = (h ^ (uint)(v ^ (v >> 32))) * 16777619u;
            for (var i = longs.Length * 8; i < b.Length; i++) h = (h ^ b[i]) * 16777619u;
            return h;
        }

        private CaptureFormatException ValueCount(Span2 m, int valueCount, long at)
            => new(path, at, FormattableString.Invariant($"at most {valueCount} values in the sample at byte {m.FieldOffset} (one per sample type)"));

        private int LocationIndex(ulong id, long at, Dictionary<ulong, int> locations)
            => locations.TryGetValue(id, out var i) ? i
                : throw new CaptureFormatException(path, at, FormattableString.Invariant($"a location id defined in the profile, not {id}"));

        private Label? ReadLabel(ReadOnlySpan<byte> msg, long offset, long fieldAt, ref CaptureFormatException? damage)
        {
            var r = new ProtoReader(msg, offset, path);
            long key = 0, str = 0, num = 0, unit = 0;
            long keyAt = fieldAt, strAt = fieldAt, unitAt = fieldAt;
            while (!r.End)
            {
                var f = r.Tag(out var wire, out var at);
                switch (f)
                {
                    case PprofFields.LabelKey: key = (long)r.VarintField(wire, at, "label.key"); keyAt = at; break;
                    case PprofFields.LabelStr: str = (long)r.VarintField(wire, at, "label.str"); strAt = at; break;
                    case PprofFields.LabelNum: num = (long)r.VarintField(wire, at, "label.num"); break;
                    case PprofFields.LabelNumUnit: unit = (long)r.VarintField(wire, at, "label.num_unit"); unitAt = at; break;
                    default: Unknown(ref r, wire, at); break;
                }
            }
            var k = Str(key, keyAt, "label.key", ref damage);
            // pprof (profile/encode.go postDecode): a string index makes a string label, else a number or unit a numeric one.
            if (str != 0) return new Label(k, Str(str, strAt, "label.str", ref damage));
            if (num != 0 || unit != 0)
            {
                var u = unit != 0 ? Str(unit, unitAt, "label.num_unit", ref damage) : null;
                return new Label(k, null, num, u);
            }
            _profile.Diagnostics.Count(EmptyLabels);
            return null;
        }
    }
}
