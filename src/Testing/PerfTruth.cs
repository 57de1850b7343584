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
            return !(c.BigEndian && c.Records.Exists(r => r.Type is PerfRecordType.Ksymbol or PerfRecordType.BpfEvent or PerfRecordType.Read));
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

    /// <summary>The feature sections the writer puts in the capture, by perf's HEADER_ name.</summary>
    public static List<string> Features(PerfCapture c)
    {
        var f = c.Features;
        var list = new List<string>();
        if (f.BuildIds.Count > 0) list.Add("BUILD_ID");
        if (f.Hostname is not null) list.Add("HOSTNAME");
        if (f.OsRelease is not null) list.Add("OSRELEASE");
        if (f.Version is not null) list.Add("VERSION");
        if (f.Arch is not null) list.Add("ARCH");
        if (f.NrCpusAvailable is not null || f.NrCpusOnline is not null) list.Add("NRCPUS");
        if (f.CpuDesc is not null) list.Add("CPUDESC");
        if (f.CpuId is not null) list.Add("CPUID");
        if (f.TotalMemKb is not null) list.Add("TOTAL_MEM");
        if (f.Cmdline is not null) list.Add("CMDLINE");
        if (c.Attrs.Exists(a => a.Name is not null)) list.Add("EVENT_DESC");
        if (f.PmuMappings is not null) list.Add("PMU_MAPPINGS");
        if (f.SampleTime is not null) list.Add("SAMPLE_TIME");
        if (f.ClockResolutionNs is not null) list.Add("CLOCKID");
        if (!c.Pipe && c.DirectoryFiles > 0) list.Add("DIR_FORMAT");
        if (c.Compression is not null) list.Add("COMPRESSED");
        if (f.ClockData is not null) list.Add("CLOCK_DATA");
        return list;
    }
}
