using Stackweave.Formats.PerfData;
using ZstdSharp;

namespace Stackweave.Testing;

/// <summary>Writes a <see cref="PerfCapture"/> as a perf.data file (tools/perf/util/header.c layout) or pipe-mode stream (HEADER_ATTR, HEADER_FEATURE, HEADER_BUILD_ID records, then data, in perf record's order).</summary>
public static class PerfDataWriter
{
    /// <summary>sizeof(struct perf_file_header): magic, size, attr_size, 3 sections, 256-bit feature bitmap (tools/perf/util/header.h).</summary>
    public const int FileHeaderSize = 104;
    /// <summary>HEADER_FEAT_BITS (tools/perf/util/header.h).</summary>
    public const int FeatureBits = 256;
    /// <summary>PERF_RECORD_MISC_BUILD_ID_SIZE: the build-id entry's size byte is valid (tools/lib/perf/include/perf/event.h).</summary>
    public const ushort MiscBuildIdSize = 1 << 15;
    /// <summary>HEADER_LAST_FEATURE as sent by perf 6.1 in pipe mode to end the features (tools/perf/util/header.h).</summary>
    public const int HeaderLastFeature = 32;

    /// <summary>Writes the capture (file or pipe mode) and returns its bytes.</summary>
    public static byte[] Write(PerfCapture c) => Write(c, (List<PerfPlacement>?)null);

    /// <summary>Writes the capture (file or pipe mode) and returns its bytes; <paramref name="layout"/>, when given, receives every record written, in file order.</summary>
    public static byte[] Write(PerfCapture c, List<PerfPlacement>? layout)
    {
        if (c.DirectoryFiles > 0) throw new ArgumentException("a directory-mode capture is written with WriteDirectory");
        var b = new EndianBuffer(c.BigEndian, 4096);
        var all = Enumerable.Range(0, c.Records.Count).ToList();
        if (c.Pipe) WritePipe(b, c, all, layout); else WriteFile(b, c, all, layout);
        return b.ToArray();
    }

    /// <summary>Writes a directory-mode capture as its files: "data" (header, DIR_FORMAT feature, the records of file -1) then "data.0"… (header-less records); <paramref name="layout"/> receives every record written.</summary>
    public static List<(string Name, byte[] Bytes)> WriteDirectory(PerfCapture c, List<PerfPlacement>? layout = null)
    {
        if (c.DirectoryFiles <= 0 || c.Pipe) throw new ArgumentException("directory mode needs DirectoryFiles > 0 and file mode");
        var files = new List<(string, byte[])>();
        var header = new EndianBuffer(c.BigEndian, 4096);
        WriteFile(header, c, Enumerable.Range(0, c.Records.Count).Where(i => c.FileOf(i) < 0).ToList(), layout);
        files.Add(("data", header.ToArray()));
        for (var n = 0; n < c.DirectoryFiles; n++)
        {
            var b = new EndianBuffer(c.BigEndian, 4096);
            var mine = Enumerable.Range(0, c.Records.Count).Where(i => c.FileOf(i) == n).ToList();
            // each data.N file has its own zstd stream (perf 6.1 record.c: one zstd_data per mmap in threaded mode)
            WriteRecords(b, c, mine, layout, n);
            files.Add(("data." + n.ToString(System.Globalization.CultureInfo.InvariantCulture), b.ToArray()));
        }
        return files;
    }

    /// <summary>Writes a directory-mode capture into directory <paramref name="path"/> (created; existing data files replaced).</summary>
    public static void WriteDirectory(PerfCapture c, string path, List<PerfPlacement>? layout = null)
    {
        Directory.CreateDirectory(path);
        foreach (var (name, bytes) in WriteDirectory(c, layout)) File.WriteAllBytes(System.IO.Path.Combine(path, name), bytes);
    }

    /// <summary>Writes the capture to a stream.</summary>
    public static void Write(PerfCapture c, Stream output) => output.Write(Write(c));

    private static void WriteFile(EndianBuffer b, PerfCapture c, List<int> records, List<PerfPlacement>? layout)
    {
        var attrBytes = c.Attrs.Count == 0 ? PerfConstants.AttrSizeVer0 : PerfRecordEncoder.AttrBytes(c.Attrs[0]);
        foreach (var a in c.Attrs)
            if (PerfRecordEncoder.AttrBytes(a) != attrBytes) throw new ArgumentException("file mode needs attrs of one size (perf_file_header.attr_size)");
        b.Zeros(FileHeaderSize);

        // each attr's ids, then the attr array of struct perf_file_attr { attr; perf_file_section ids; }
        var idOffsets = new long[c.Attrs.Count];
        for (var i = 0; i < c.Attrs.Count; i++)
        {
            idOffsets[i] = b.Length;
            foreach (var id in c.Attrs[i].Ids) b.U64(id);
        }
        var attrsOffset = b.Length;
        for (var i = 0; i < c.Attrs.Count; i++)
        {
            PerfRecordEncoder.WriteAttr(b, c.Attrs[i], attrBytes);
            b.U64((ulong)idOffsets[i]);
            b.U64((ulong)c.Attrs[i].Ids.Count * 8);
        }
        var attrsSize = b.Length - attrsOffset;

        var dataOffset = b.Length;
        WriteRecords(b, c, records, layout, -1);
        var dataSize = b.Length - dataOffset;

        // feature sections: one perf_file_section per set bit, ascending, then the bodies
        var features = FeatureList(c, pipe: false);
        var indexAt = b.Length;
        b.Zeros(16 * features.Count);
        for (var i = 0; i < features.Count; i++)
        {
            var at = b.Length;
            WriteFeature(b, c, features[i]);
            b.PatchU64(indexAt + 16 * i, (ulong)at);
            b.PatchU64(indexAt + 16 * i + 8, (ulong)(b.Length - at));
        }

        var h = new EndianBuffer(c.BigEndian, FileHeaderSize);
        h.U64(PerfConstants.Magic2);
        h.U64(FileHeaderSize);
        h.U64((ulong)attrBytes + 16);
        h.U64((ulong)attrsOffset); h.U64((ulong)attrsSize);
        h.U64((ulong)dataOffset); h.U64((ulong)dataSize);
        h.U64(0); h.U64(0); // event_types (unused since perf 3.x)
        // adds_features is an array of unsigned long: four u64 words on a 64-bit writer
        var words = new ulong[FeatureBits / 64];
        foreach (var f in features) words[(int)f / 64] |= 1UL << ((int)f % 64);
        foreach (var w in words) h.U64(w);
        var bytes = b.ToArray();
        // the magic is written as the u64 "PERFILE2" in the file's byte order, so a big-endian file starts "2ELIFREP"
        h.Written.CopyTo(bytes);
        b.Truncate(0);
        b.Bytes(bytes);
    }

    private static void WritePipe(EndianBuffer b, PerfCapture c, List<int> records, List<PerfPlacement>? layout)
    {
        b.U64(PerfConstants.Magic2);
        b.U64(PerfConstants.PipeHeaderSize);
        // HEADER_ATTR records first, then HEADER_FEATURE records: perf_event__synthesize_for_pipe (tools/perf/util/synthetic-events.c)
        // synthesizes attrs first "because some features works on top of them (on report side)" — GROUP_DESC needs the evlist
        foreach (var a in c.Attrs)
        {
            var start = b.Length;
            b.U32((uint)PerfRecordType.HeaderAttr); b.U16(0); b.U16(0);
            PerfRecordEncoder.WriteAttr(b, a, PerfRecordEncoder.AttrBytes(a));
            foreach (var id in a.Ids) b.U64(id);
            b.PatchU16(start + 6, checked((ushort)(b.Length - start)));
            layout?.Add(new PerfPlacement(-1, start, (uint)PerfRecordType.HeaderAttr, b.Length - start, false, -1));
        }
        foreach (var f in FeatureList(c, pipe: true))
        {
            var start = b.Length;
            b.U32((uint)PerfRecordType.HeaderFeature); b.U16(0); b.U16(0);
            b.U64((ulong)f);
            WriteFeature(b, c, f);
            b.PatchU16(start + 6, checked((ushort)(b.Length - start)));
            layout?.Add(new PerfPlacement(-1, start, (uint)PerfRecordType.HeaderFeature, b.Length - start, false, -1));
        }
        foreach (var bid in c.Features.BuildIds)
        {
            var start = b.Length;
            b.U32((uint)PerfRecordType.HeaderBuildId); b.U16((ushort)(bid.Misc | MiscBuildIdSize)); b.U16(0);
            PerfRecordEncoder.WriteBuildIdBody(b, bid);
            b.PatchU16(start + 6, checked((ushort)(b.Length - start)));
            layout?.Add(new PerfPlacement(-1, start, (uint)PerfRecordType.HeaderBuildId, b.Length - start, false, -1));
        }
        WriteRecords(b, c, records, layout, -1);
    }

    private static void WriteRecords(EndianBuffer b, PerfCapture c, List<int> records, List<PerfPlacement>? layout, int file)
    {
        if (c.Compression is null)
        {
            foreach (var i in records)
            {
                var at = b.Length;
                PerfRecordEncoder.Encode(b, c.Records[i], c.AttrOf(c.Records[i]));
                layout?.Add(new PerfPlacement(file, at, (uint)c.Records[i].Type, b.Length - at, false, i));
            }
            return;
        }
        var comp = c.Compression;
        if (comp.ChunkBytes <= 0 || comp.ChunkBytes > 32768) throw new ArgumentException("ChunkBytes must be 1..32768");
        var sink = new MemoryStream();
        var zs = new CompressionStream(sink, comp.Level);
        var pending = new EndianBuffer(c.BigEndian, 4096);
        var pendingRecords = new List<(int Index, int Offset, int Size)>();

        void Emit(ReadOnlySpan<byte> chunk)
        {
            var before = sink.Length;
            zs.Write(chunk);
            zs.Flush(); // ZSTD_e_flush: the stream continues, no frame end (perf record's zstd_compress_stream_to_records)
            var produced = sink.GetBuffer().AsSpan((int)before, (int)(sink.Length - before));
            var start = b.Length;
            if (comp.Compressed2)
            {
                // struct perf_record_compressed2: header, u64 data_size, data; header.size padded to 8 bytes
                b.U32((uint)PerfRecordType.Compressed2); b.U16(0); b.U16(0);
                b.U64((ulong)produced.Length);
                b.Bytes(produced);
                var rem = (b.Length - start) % 8;
                if (rem != 0) b.Zeros(8 - rem);
            }
            else
            {
                b.U32((uint)PerfRecordType.Compressed); b.U16(0); b.U16(0);
                b.Bytes(produced);
            }
            b.PatchU16(start + 6, checked((ushort)(b.Length - start)));
            layout?.Add(new PerfPlacement(file, start, comp.Compressed2 ? (uint)PerfRecordType.Compressed2 : (uint)PerfRecordType.Compressed, b.Length - start, false, -1));
        }

        void Drain()
        {
            var w = pending.Written;
            for (var at = 0; at < w.Length; at += comp.ChunkBytes)
                Emit(w.Slice(at, Math.Min(comp.ChunkBytes, w.Length - at)));
            // inner records are listed after the COMPRESSED records that carry them; Offset is within the decompressed stream
            foreach (var (i, off, size) in pendingRecords)
                layout?.Add(new PerfPlacement(file, off, (uint)c.Records[i].Type, size, true, i));
            pending.Truncate(0);
            pendingRecords.Clear();
        }

        long streamBase = 0;
        foreach (var i in records)
        {
            var r = c.Records[i];
            if ((uint)r.Type >= 64)
            {
                streamBase += pending.Length;
                Drain();
                var at = b.Length;
                PerfRecordEncoder.Encode(b, r, c.AttrOf(r));
                layout?.Add(new PerfPlacement(file, at, (uint)r.Type, b.Length - at, false, i));
            }
            else
            {
                var at = pending.Length;
                PerfRecordEncoder.Encode(pending, r, c.AttrOf(r));
                pendingRecords.Add((i, (int)streamBase + at, pending.Length - at));
            }
        }
        Drain();
        // the stream is never ended: disposing would append the frame epilogue to the sink, which is discarded
        zs.Dispose();
    }

    /// <summary>The feature sections the writer puts in <paramref name="c"/>, in ascending bit order (file mode: the header bitmap; pipe mode: HEADER_FEATURE records, where build ids travel as HEADER_BUILD_ID records instead).</summary>
    public static List<PerfFeature> FeatureList(PerfCapture c, bool pipe)
    {
        var f = c.Features;
        var list = new List<PerfFeature>();
        if (!pipe && f.BuildIds.Count > 0) list.Add(PerfFeature.BuildId);
        if (f.Hostname is not null) list.Add(PerfFeature.Hostname);
        if (f.OsRelease is not null) list.Add(PerfFeature.OsRelease);
        if (f.Version is not null) list.Add(PerfFeature.Version);
        if (f.Arch is not null) list.Add(PerfFeature.Arch);
        if (f.NrCpusAvailable is not null || f.NrCpusOnline is not null) list.Add(PerfFeature.NrCpus);
        if (f.CpuDesc is not null) list.Add(PerfFeature.CpuDesc);
        if (f.CpuId is not null) list.Add(PerfFeature.CpuId);
        if (f.TotalMemKb is not null) list.Add(PerfFeature.TotalMem);
        if (f.Cmdline is not null) list.Add(PerfFeature.Cmdline);
        if (c.Attrs.Exists(a => a.Name is not null)) list.Add(PerfFeature.EventDesc);
        if (f.CpuTopology is not null) list.Add(PerfFeature.CpuTopology);
        if (f.NumaTopology is not null) list.Add(PerfFeature.NumaTopology);
        if (f.BranchStack) list.Add(PerfFeature.BranchStack);
        if (f.PmuMappings is not null) list.Add(PerfFeature.PmuMappings);
        if (f.GroupDescs is not null) list.Add(PerfFeature.GroupDesc);
        if (f.Cache is not null) list.Add(PerfFeature.Cache);
        if (f.SampleTime is not null) list.Add(PerfFeature.SampleTime);
        if (f.MemTopology is not null) list.Add(PerfFeature.MemTopology);
        if (f.ClockResolutionNs is not null) list.Add(PerfFeature.ClockId);
        if (!pipe && c.DirectoryFiles > 0) list.Add(PerfFeature.DirFormat);
        if (f.BpfProgInfo is not null) list.Add(PerfFeature.BpfProgInfo);
        if (f.BpfBtf is not null) list.Add(PerfFeature.BpfBtf);
        if (c.Compression is not null) list.Add(PerfFeature.Compressed);
        if (f.CpuPmuCaps is not null) list.Add(PerfFeature.CpuPmuCaps);
        if (f.ClockData is not null) list.Add(PerfFeature.ClockData);
        if (f.HybridTopology is not null) list.Add(PerfFeature.HybridTopology);
        if (f.PmuCaps is not null) list.Add(PerfFeature.PmuCaps);
        return list;
    }

    /// <summary>do_write_string (tools/perf/util/header.c): u32 length including NUL and padding to NAME_ALIGN = 64, then the bytes.</summary>
    private static void WriteHeaderString(EndianBuffer b, string s)
    {
        var n = System.Text.Encoding.UTF8.GetByteCount(s) + 1;
        b.U32((uint)((n + 63) / 64 * 64));
        b.CString(s, 64);
    }

    private static void WriteFeature(EndianBuffer b, PerfCapture c, PerfFeature feature)
    {
        var f = c.Features;
        switch (feature)
        {
            case PerfFeature.BuildId:
                foreach (var bid in f.BuildIds)
                {
                    var start = b.Length;
                    b.U32((uint)PerfRecordType.HeaderBuildId); b.U16((ushort)(bid.Misc | MiscBuildIdSize)); b.U16(0);
                    PerfRecordEncoder.WriteBuildIdBody(b, bid);
                    b.PatchU16(start + 6, checked((ushort)(b.Length - start)));
                }
                break;
            case PerfFeature.Hostname: WriteHeaderString(b, f.Hostname!); break;
            case PerfFeature.OsRelease: WriteHeaderString(b, f.OsRelease!); break;
            case PerfFeature.Version: WriteHeaderString(b, f.Version!); break;
            case PerfFeature.Arch: WriteHeaderString(b, f.Arch!); break;
            case PerfFeature.CpuDesc: WriteHeaderString(b, f.CpuDesc!); break;
            case PerfFeature.CpuId: WriteHeaderString(b, f.CpuId!); break;
            case PerfFeature.NrCpus:
                // write_nrcpus: nr_cpus_available (max present cpu), then nr_cpus_online
                b.U32(f.NrCpusAvailable ?? 0); b.U32(f.NrCpusOnline ?? 0);
                break;
            case PerfFeature.TotalMem: b.U64(f.TotalMemKb!.Value); break;
            case PerfFeature.Cmdline:
                b.U32((uint)f.Cmdline!.Length);
                foreach (var s in f.Cmdline) WriteHeaderString(b, s);
                break;
            case PerfFeature.EventDesc:
            {
                // write_event_desc: u32 nr, u32 attr_size, then per event: attr, u32 nr_ids, string name, u64 ids[]
                var size = 0;
                foreach (var a in c.Attrs) size = Math.Max(size, PerfRecordEncoder.AttrBytes(a));
                b.U32((uint)c.Attrs.Count); b.U32((uint)size);
                foreach (var a in c.Attrs)
                {
                    PerfRecordEncoder.WriteAttr(b, a, size);
                    b.U32((uint)a.Ids.Count);
                    WriteHeaderString(b, a.Name ?? "");
                    foreach (var id in a.Ids) b.U64(id);
                }
                break;
            }
            case PerfFeature.SampleTime: b.U64(f.SampleTime!.Value.First); b.U64(f.SampleTime.Value.Last); break;
            case PerfFeature.ClockId: b.U64(f.ClockResolutionNs!.Value); break;
            case PerfFeature.DirFormat: b.U64(1); break; // write_dir_format: u64 version, PERF_DIR_VERSION = 1 (tools/perf/util/data.h)
            case PerfFeature.PmuMappings:
                // write_pmu_mappings: u32 nr, then per PMU u32 type and a header string name
                b.U32((uint)f.PmuMappings!.Count);
                foreach (var (type, name) in f.PmuMappings) { b.U32(type); WriteHeaderString(b, name); }
                break;
            case PerfFeature.ClockData:
            {
                var d = f.ClockData!.Value;
                b.U32(d.Version); b.I32(d.ClockId); b.U64(d.WallClockNs); b.U64(d.ClockIdTimeNs);
                break;
            }
            case PerfFeature.Compressed:
            {
                // write_compressed: comp_ver, comp_type (PERF_COMP_ZSTD = 1), comp_level, comp_ratio, comp_mmap_len
                var comp = c.Compression!;
                b.U32(1); b.U32(1); b.U32((uint)comp.Level); b.U32(1); b.U32(comp.MmapLen);
                break;
            }
            case PerfFeature.CpuTopology:
            {
                // write_cpu_topology: u32 + strings of package (socket) cpu lists, u32 + strings of core (thread sibling) lists,
                // then optionally {u32 core_id, u32 socket_id} per available CPU (NRCPUS), then optionally u32 + die lists
                // and u32 die_id per available CPU — perf writes the die part only when the machine has die lists
                var t = f.CpuTopology!;
                b.U32((uint)t.CoreSiblings.Length);
                foreach (var s in t.CoreSiblings) WriteHeaderString(b, s);
                b.U32((uint)t.ThreadSiblings.Length);
                foreach (var s in t.ThreadSiblings) WriteHeaderString(b, s);
                if (t.Cpus is not null)
                {
                    foreach (var (core, socket) in t.Cpus) { b.I32(core); b.I32(socket); }
                    if (t.DieSiblings is not null)
                    {
                        b.U32((uint)t.DieSiblings.Length);
                        foreach (var s in t.DieSiblings) WriteHeaderString(b, s);
                        foreach (var d in t.DieIds ?? []) b.I32(d);
                    }
                }
                break;
            }
            case PerfFeature.NumaTopology:
                // write_numa_topology: u32 nr, then per node u32 node, u64 mem_total (kB), u64 mem_free (kB), string cpu list
                b.U32((uint)f.NumaTopology!.Count);
                foreach (var n in f.NumaTopology) { b.U32(n.Node); b.U64(n.MemTotalKb); b.U64(n.MemFreeKb); WriteHeaderString(b, n.Cpus); }
                break;
            case PerfFeature.BranchStack: break; // write_branch_stack writes nothing: the bit alone says samples carry branch stacks
            case PerfFeature.GroupDesc:
                // write_group_desc: u32 nr_groups, then per group string name ("{anon_group}" when unnamed), u32 leader_idx, u32 nr_members
                b.U32((uint)f.GroupDescs!.Count);
                foreach (var g in f.GroupDescs) { WriteHeaderString(b, g.Name); b.U32(g.LeaderIndex); b.U32(g.MemberCount); }
                break;
            case PerfFeature.Cache:
                // write_cache: u32 version (1), u32 cnt, then per level u32 level, line_size, sets, ways, strings type, size, map
                b.U32(1); b.U32((uint)f.Cache!.Count);
                foreach (var l in f.Cache)
                {
                    b.U32(l.Level); b.U32(l.LineSize); b.U32(l.Sets); b.U32(l.Ways);
                    WriteHeaderString(b, l.Type); WriteHeaderString(b, l.Size); WriteHeaderString(b, l.Map);
                }
                break;
            case PerfFeature.MemTopology:
            {
                // write_mem_topology: u64 version, u64 block size, u64 nr, then per node u64 node, u64 size, and
                // do_write_bitmap: u64 bits, then BITS_TO_U64(bits) words (perf writes size == bits)
                var m = f.MemTopology!;
                b.U64(m.Version); b.U64(m.BlockSize); b.U64((ulong)m.Nodes.Count);
                foreach (var (node, size, bitmap, bits) in m.Nodes)
                {
                    b.U64(node); b.U64(size); b.U64(bits);
                    foreach (var w in bitmap) b.U64(w);
                }
                break;
            }
            case PerfFeature.BpfProgInfo: b.Bytes(f.BpfProgInfo); break; // already in the capture's byte order (PerfGenerators.BpfProgInfoBytes)
            case PerfFeature.BpfBtf: b.Bytes(f.BpfBtf); break;
            case PerfFeature.CpuPmuCaps:
                // write_cpu_pmu_caps: u32 nr, then (name, value) strings
                b.U32((uint)f.CpuPmuCaps!.Count);
                foreach (var (name, value) in f.CpuPmuCaps) { WriteHeaderString(b, name); WriteHeaderString(b, value); }
                break;
            case PerfFeature.HybridTopology:
                // write_hybrid_topology: u32 nr, then per node strings pmu_name, cpus
                b.U32((uint)f.HybridTopology!.Count);
                foreach (var (pmu, cpus) in f.HybridTopology) { WriteHeaderString(b, pmu); WriteHeaderString(b, cpus); }
                break;
            case PerfFeature.PmuCaps:
                // write_pmu_caps: u32 nr_pmu, then per PMU u32 nr_caps, (name, value) strings, string pmu name
                b.U32((uint)f.PmuCaps!.Count);
                foreach (var p in f.PmuCaps)
                {
                    b.U32((uint)p.Caps.Count);
                    foreach (var (name, value) in p.Caps) { WriteHeaderString(b, name); WriteHeaderString(b, value); }
                    WriteHeaderString(b, p.Pmu);
                }
                break;
            default:
                throw new NotSupportedException("no writer for feature " + feature);
        }
    }
}

/// <summary>Where the writer put one record: file (-1 = the main file, N = data.N), byte offset (in the decompressed stream when <see cref="InCompressed"/>), type, size, and the index in <see cref="PerfCapture.Records"/> (-1 for records the writer made: HEADER_*, COMPRESSED).</summary>
public readonly record struct PerfPlacement(int File, long Offset, uint Type, int Size, bool InCompressed, int RecordIndex);
