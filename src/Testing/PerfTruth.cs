using System.Text;
using System.Text.Json;
using Stackweave.Formats.PerfData;

namespace Stackweave.Testing;

/// <summary>A capture written out: its files (one for file and pipe mode; "data", "data.0"… for directory mode) and where each record went.</summary>
public sealed class PerfRendered
{
    /// <summary>The capture that was written (the truth).</summary>
    public required PerfCapture Capture { get; init; }
    /// <summary>The files: a single entry named "" in file and pipe mode, else the directory's file names.</summary>
    public required IReadOnlyList<(string Name, byte[] Bytes)> Files { get; init; }
    /// <summary>Every record written, in the order a reader meets them file by file.</summary>
    public required IReadOnlyList<PerfPlacement> Layout { get; init; }

    /// <summary>Writes <paramref name="c"/> in its mode.</summary>
    public static PerfRendered Of(PerfCapture c)
    {
        var layout = new List<PerfPlacement>();
        IReadOnlyList<(string, byte[])> files = c.DirectoryFiles > 0 ? PerfDataWriter.WriteDirectory(c, layout) : [("", PerfDataWriter.Write(c, layout))];
        return new PerfRendered { Capture = c, Files = files, Layout = layout };
    }

    /// <summary>Saves the capture at <paramref name="path"/> (a directory in directory mode).</summary>
    public void Save(string path)
    {
        if (Capture.DirectoryFiles == 0) { File.WriteAllBytes(path, Files[0].Bytes); return; }
        Directory.CreateDirectory(path);
        foreach (var (name, bytes) in Files) File.WriteAllBytes(Path.Combine(path, name), bytes);
    }

    /// <summary>Records of each type as perf report --stats counts them (every record in every file, COMPRESSED records and the records inside them alike), by perf's record name.</summary>
    public SortedDictionary<string, long> RecordCounts()
    {
        var d = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in Layout) d[PerfRecordNames.Of(p.Type)] = d.GetValueOrDefault(PerfRecordNames.Of(p.Type)) + 1;
        return d;
    }

    /// <summary>True when the capture uses only what perf 6.1 reads (see <see cref="PerfGenOptions.Perf61"/>).</summary>
    public bool Perf61Readable
    {
        get
        {
            var c = Capture;
            if (c.Compression is { Compressed2: true }) return false;
            if (c.Pipe && (c.BigEndian || c.Compression is not null)) return false;
            foreach (var a in c.Attrs)
            {
                var size = PerfRecordEncoder.AttrBytes(a);
                if (c.Pipe ? size < 128 : size > 128) return false;
            }
            if (c.BigEndian && c.Attrs.Count > 1 && c.Attrs.Exists(a => a.Size == 0)) return false;
            foreach (var r in c.Records)
                if (r is SampleRecord { Branches: { } br } && Array.Exists(br, b => (b.Flags >> 20 & 0xf) == 15 && (c.BigEndian || (b.Flags >> 26 & 0xf) >= 8)))
                    return false; // EXTEND_ABI branch perf 6.1 may read with new_type >= PERF_BR_NEW_MAX: branch_type_count() overruns (PerfGenerators)
            // SWITCH: perf 6.1 leaves its sample_id trailer unswapped (PerfGenerators: perf_event__switch_swap in tools/perf/util/session.c)
            return !(c.BigEndian && c.Records.Exists(r => r.Type is PerfRecordType.Ksymbol or PerfRecordType.BpfEvent or PerfRecordType.Read or PerfRecordType.Switch));
        }
    }

    /// <summary>The JSON sidecar: mode, byte order, compression, attrs (with sample counts), features, record counts by type and every record (file, offset, type, size, and a sample's pid, tid, time, ip, period).</summary>
    public string SidecarJson()
    {
        var c = Capture;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", "perf.data");
            w.WriteString("mode", c.Mode);
            w.WriteString("byteOrder", c.BigEndian ? "big" : "little");
            w.WriteBoolean("perf61Readable", Perf61Readable);
            if (c.Compression is { } comp)
            {
                w.WriteStartObject("compression");
                w.WriteString("record", comp.Compressed2 ? "COMPRESSED2" : "COMPRESSED");
                w.WriteNumber("level", comp.Level);
                w.WriteNumber("chunkBytes", comp.ChunkBytes);
                w.WriteEndObject();
            }
            else w.WriteNull("compression");
            w.WriteStartArray("files");
            foreach (var (name, bytes) in Files)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteNumber("bytes", bytes.Length);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            var samples = new long[c.Attrs.Count];
            foreach (var r in c.Records)
                if (r is SampleRecord && c.Attrs.Count > 0) samples[r.AttrIndex < 0 ? 0 : r.AttrIndex]++;
            w.WriteStartArray("attrs");
            for (var i = 0; i < c.Attrs.Count; i++)
            {
                var a = c.Attrs[i];
                w.WriteStartObject();
                w.WriteNumber("type", a.Type);
                w.WriteString("config", Hex(a.Config));
                w.WriteNumber("size", a.Size);
                w.WriteString("sampleType", Hex((ulong)a.SampleType));
                w.WriteString("sampleTypeNames", a.SampleType.ToString());
                w.WriteString("readFormat", Hex((ulong)a.ReadFormat));
                w.WriteBoolean("sampleIdAll", a.SampleIdAll);
                w.WriteString("branchSampleType", Hex(a.BranchSampleType));
                if (a.Name is null) w.WriteNull("name"); else w.WriteString("name", a.Name);
                w.WriteStartArray("ids");
                foreach (var id in a.Ids) w.WriteNumberValue(id);
                w.WriteEndArray();
                w.WriteNumber("samples", samples[i]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("features");
            foreach (var f in Features(c)) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WritePropertyName("featureSections");
            WriteFeatureSections(w, WrittenFeatures());
            w.WriteNumber("samples", samples.Sum());
            w.WriteStartObject("recordCounts");
            foreach (var (k, v) in RecordCounts()) w.WriteNumber(k, v);
            w.WriteEndObject();
            w.WriteStartArray("records");
            foreach (var p in Layout)
            {
                w.WriteStartObject();
                w.WriteString("file", p.File < 0 ? (c.DirectoryFiles > 0 ? "data" : "") : "data." + p.File.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteNumber("offset", p.Offset);
                w.WriteString("type", PerfRecordNames.Of(p.Type));
                w.WriteNumber("size", p.Size);
                w.WriteBoolean("inCompressed", p.InCompressed);
                if (p.RecordIndex >= 0)
                {
                    var r = c.Records[p.RecordIndex];
                    var a = c.AttrOf(r);
                    w.WriteNumber("attr", r.AttrIndex < 0 ? 0 : r.AttrIndex);
                    if (r is SampleRecord s && a is not null)
                    {
                        var t = a.SampleType;
                        if ((t & SampleFormat.Tid) != 0) { w.WriteNumber("pid", s.SampleId.Pid); w.WriteNumber("tid", s.SampleId.Tid); }
                        if ((t & SampleFormat.Time) != 0) w.WriteNumber("time", s.SampleId.Time);
                        if ((t & SampleFormat.Ip) != 0) w.WriteString("ip", Hex(s.Ip));
                        if ((t & SampleFormat.Period) != 0) w.WriteNumber("period", s.Period);
                        if ((t & SampleFormat.Cpu) != 0) w.WriteNumber("cpu", s.SampleId.Cpu);
                        if (s.Callchain is { } cc) w.WriteNumber("callchainDepth", cc.Length);
                    }
                    else if (a is { SampleIdAll: true } && (a.SampleType & SampleFormat.Time) != 0) w.WriteNumber("time", r.SampleId.Time);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string Hex(ulong v) => "0x" + v.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The feature sections the writer puts in the capture, by perf's HEADER_ name, in file order (pipe mode: the HEADER_FEATURE records).</summary>
    public static List<string> Features(PerfCapture c) => PerfDataWriter.FeatureList(c, c.Pipe).Select(FeatureName).ToList();

    private static readonly string[] s_featureNames =
    [
        "RESERVED", "TRACING_DATA", "BUILD_ID", "HOSTNAME", "OSRELEASE", "VERSION", "ARCH", "NRCPUS", "CPUDESC", "CPUID", "TOTAL_MEM",
        "CMDLINE", "EVENT_DESC", "CPU_TOPOLOGY", "NUMA_TOPOLOGY", "BRANCH_STACK", "PMU_MAPPINGS", "GROUP_DESC", "AUXTRACE", "STAT", "CACHE",
        "SAMPLE_TIME", "MEM_TOPOLOGY", "CLOCKID", "DIR_FORMAT", "BPF_PROG_INFO", "BPF_BTF", "COMPRESSED", "CPU_PMU_CAPS", "CLOCK_DATA",
        "HYBRID_TOPOLOGY", "PMU_CAPS",
    ];

    /// <summary>perf's name of a feature bit (tools/perf/util/header.c feat_ops[].name), or FEATURE_n for bits perf 6.1 does not name.</summary>
    public static string FeatureName(PerfFeature f) => (int)f >= 0 && (int)f < s_featureNames.Length ? s_featureNames[(int)f] : FormattableString.Invariant($"FEATURE_{(int)f}");

    /// <summary>Everything the writer puts in the feature sections, as a reader's <see cref="PerfFeatures"/> holds it: the capture's
    /// features plus EVENT_DESC (from attr names), DIR_FORMAT, COMPRESSED and the list of sections present.</summary>
    public PerfFeatures WrittenFeatures()
    {
        var c = Capture;
        var f = new PerfFeatures();
        PerfCapture.CopyFeatures(c.Features, f);
        f.Present.AddRange(PerfDataWriter.FeatureList(c, c.Pipe));
        if (c.Attrs.Exists(a => a.Name is not null))
            f.EventDescs = c.Attrs.Select(a => new EventDesc { Attr = a, Name = a.Name ?? "", Ids = [.. a.Ids] }).ToList();
        if (!c.Pipe && c.DirectoryFiles > 0) f.DirFormatVersion = 1;
        // write_compressed: comp_ver 1, PERF_COMP_ZSTD 1, level, ratio 1 (PerfDataWriter), comp_mmap_len
        if (c.Compression is { } comp) f.Compressed = new CompressedInfo(1, 1, (uint)comp.Level, 1, comp.MmapLen);
        return f;
    }

    /// <summary>Writes the feature sections of <paramref name="f"/> as one JSON object (the sidecar's "featureSections"); a reader's
    /// features give the same text as <see cref="WrittenFeatures"/> when it read every section right.</summary>
    public static void WriteFeatureSections(Utf8JsonWriter w, PerfFeatures f)
    {
        w.WriteStartObject();
        w.WriteStartArray("present");
        foreach (var p in f.Present) w.WriteStringValue(FeatureName(p));
        w.WriteEndArray();
        void Str(string name, string? v) { if (v is not null) w.WriteString(name, v); }
        void Pairs(string name, string a, string b, IEnumerable<(string, string)>? list)
        {
            if (list is null) return;
            w.WriteStartArray(name);
            foreach (var (x, y) in list) { w.WriteStartObject(); w.WriteString(a, x); w.WriteString(b, y); w.WriteEndObject(); }
            w.WriteEndArray();
        }
        void Strings(string name, IEnumerable<string>? list)
        {
            if (list is null) return;
            w.WriteStartArray(name);
            foreach (var x in list) w.WriteStringValue(x);
            w.WriteEndArray();
        }
        if (f.BuildIds.Count > 0)
        {
            w.WriteStartArray("buildIds");
            foreach (var b in f.BuildIds)
            {
                w.WriteStartObject();
                w.WriteNumber("pid", b.Pid);
                w.WriteNumber("cpumode", b.Misc & PerfConstants.MiscCpuModeMask);
                w.WriteString("buildId", b.BuildId);
                w.WriteString("filename", b.Filename);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        Str("hostname", f.Hostname);
        Str("osRelease", f.OsRelease);
        Str("version", f.Version);
        Str("arch", f.Arch);
        if (f.NrCpusAvailable is { } av) w.WriteNumber("nrCpusAvailable", av);
        if (f.NrCpusOnline is { } on) w.WriteNumber("nrCpusOnline", on);
        Str("cpuDesc", f.CpuDesc);
        Str("cpuId", f.CpuId);
        if (f.TotalMemKb is { } mem) w.WriteNumber("totalMemKb", mem);
        Strings("cmdline", f.Cmdline);
        if (f.EventDescs is { } eds)
        {
            w.WriteStartArray("eventDesc");
            foreach (var e in eds)
            {
                w.WriteStartObject();
                w.WriteString("name", e.Name);
                w.WriteNumber("type", e.Attr.Type);
                w.WriteString("config", Hex(e.Attr.Config));
                w.WriteString("sampleType", Hex((ulong)e.Attr.SampleType));
                w.WriteStartArray("ids");
                foreach (var id in e.Ids) w.WriteNumberValue(id);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (f.CpuTopology is { } t)
        {
            w.WriteStartObject("cpuTopology");
            Strings("socketSiblings", t.CoreSiblings);
            Strings("threadSiblings", t.ThreadSiblings);
            if (t.Cpus is { } cpus)
            {
                w.WriteStartArray("cpus");
                foreach (var (core, socket) in cpus) { w.WriteStartObject(); w.WriteNumber("coreId", core); w.WriteNumber("socketId", socket); w.WriteEndObject(); }
                w.WriteEndArray();
            }
            Strings("dieSiblings", t.DieSiblings);
            if (t.DieIds is { } dies)
            {
                w.WriteStartArray("dieIds");
                foreach (var d in dies) w.WriteNumberValue(d);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        if (f.NumaTopology is { } numa)
        {
            w.WriteStartArray("numaTopology");
            foreach (var n in numa)
            {
                w.WriteStartObject();
                w.WriteNumber("node", n.Node); w.WriteNumber("memTotalKb", n.MemTotalKb); w.WriteNumber("memFreeKb", n.MemFreeKb); w.WriteString("cpus", n.Cpus);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (f.BranchStack) w.WriteBoolean("branchStack", true);
        if (f.PmuMappings is { } pm)
        {
            w.WriteStartArray("pmuMappings");
            foreach (var (type, name) in pm) { w.WriteStartObject(); w.WriteNumber("type", type); w.WriteString("name", name); w.WriteEndObject(); }
            w.WriteEndArray();
        }
        if (f.GroupDescs is { } groups)
        {
            w.WriteStartArray("groupDesc");
            foreach (var g in groups)
            {
                w.WriteStartObject();
                w.WriteString("name", g.Name); w.WriteNumber("leaderIndex", g.LeaderIndex); w.WriteNumber("members", g.MemberCount);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (f.Cache is { } cache)
        {
            w.WriteStartArray("cache");
            foreach (var l in cache)
            {
                w.WriteStartObject();
                w.WriteNumber("level", l.Level); w.WriteNumber("lineSize", l.LineSize); w.WriteNumber("sets", l.Sets); w.WriteNumber("ways", l.Ways);
                w.WriteString("type", l.Type); w.WriteString("size", l.Size); w.WriteString("map", l.Map);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (f.SampleTime is { } st) { w.WriteStartObject("sampleTime"); w.WriteNumber("first", st.First); w.WriteNumber("last", st.Last); w.WriteEndObject(); }
        if (f.MemTopology is { } m)
        {
            w.WriteStartObject("memTopology");
            w.WriteNumber("version", m.Version);
            w.WriteString("blockSize", Hex(m.BlockSize));
            w.WriteStartArray("nodes");
            foreach (var (node, size, bitmap, bits) in m.Nodes)
            {
                w.WriteStartObject();
                w.WriteNumber("node", node); w.WriteNumber("size", size); w.WriteNumber("bits", bits);
                Strings("bitmap", bitmap.Select(Hex));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (f.ClockResolutionNs is { } res) w.WriteNumber("clockResolutionNs", res);
        if (f.DirFormatVersion is { } dv) w.WriteNumber("dirFormatVersion", dv);
        if (f.BpfProgInfo is { } bpi) w.WriteString("bpfProgInfoHex", Convert.ToHexStringLower(bpi));
        if (f.BpfBtf is { } btf) w.WriteString("bpfBtfHex", Convert.ToHexStringLower(btf));
        if (f.Compressed is { } comp)
        {
            w.WriteStartObject("compressed");
            w.WriteNumber("version", comp.Version); w.WriteNumber("type", comp.Type); w.WriteNumber("level", comp.Level);
            w.WriteNumber("ratio", comp.Ratio); w.WriteNumber("mmapLen", comp.MmapLen);
            w.WriteEndObject();
        }
        Pairs("cpuPmuCaps", "name", "value", f.CpuPmuCaps);
        if (f.ClockData is { } cd)
        {
            w.WriteStartObject("clockData");
            w.WriteNumber("version", cd.Version); w.WriteNumber("clockId", cd.ClockId); w.WriteNumber("wallClockNs", cd.WallClockNs); w.WriteNumber("clockIdTimeNs", cd.ClockIdTimeNs);
            w.WriteEndObject();
        }
        Pairs("hybridTopology", "pmu", "cpus", f.HybridTopology);
        if (f.PmuCaps is { } pcs)
        {
            w.WriteStartArray("pmuCaps");
            foreach (var p in pcs)
            {
                w.WriteStartObject();
                w.WriteString("pmu", p.Pmu);
                Pairs("caps", "name", "value", p.Caps);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>The "featureSections" JSON of <paramref name="f"/> alone (compact), for comparing a reader's features with the sidecar.</summary>
    public static string FeatureSectionsJson(PerfFeatures f)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) WriteFeatureSections(w, f);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
