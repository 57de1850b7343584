using Stackweave.Formats.PerfData;

namespace Stackweave.Testing;

/// <summary>Everything <see cref="PerfDataWriter"/> writes into one perf.data capture.</summary>
public sealed class PerfCapture
{
    /// <summary>Write a byte-swapped (big-endian) capture.</summary>
    public bool BigEndian { get; set; }
    /// <summary>Write pipe mode (perf_pipe_file_header, then HEADER_FEATURE / HEADER_ATTR records) instead of file mode.</summary>
    public bool Pipe { get; set; }
    /// <summary>When set, kernel records go into PERF_RECORD_COMPRESSED records holding one zstd stream; else written plainly.</summary>
    public PerfCompression? Compression { get; set; }
    /// <summary>The events, in order; a record's <see cref="PerfRecord.AttrIndex"/> indexes this list (-1 means 0). In file mode all attrs must have the same size.</summary>
    public List<PerfEventAttr> Attrs { get; } = [];
    /// <summary>Feature sections: every non-null field (and BranchStack when true) is written (file mode: sections; pipe mode: HEADER_FEATURE records; BuildIds as HEADER_BUILD_ID records in pipe mode). EVENT_DESC is written when an attr has a name, COMPRESSED with <see cref="Compression"/>, DIR_FORMAT in directory mode. CpuTopology.Cpus needs one entry per NrCpusAvailable CPU (perf reads that many).</summary>
    public PerfFeatures Features { get; } = new();
    /// <summary>Data records in file order; a <see cref="RawRecord"/> of type <see cref="PerfRecordType.FinishedRound"/> marks a round.</summary>
    public List<PerfRecord> Records { get; } = [];

    /// <summary>Directory mode (perf record --threads): when above 0, the capture is a perf.data/ directory with a header file <c>data</c> and this many header-less files <c>data.0</c>…; write it with <c>PerfDataWriter.WriteDirectory</c>.</summary>
    public int DirectoryFiles { get; set; }
    /// <summary>Directory mode: the file of record i (-1 = the header file's data section, N = data.N); records past the list's end go to the header file.</summary>
    public List<int> RecordFiles { get; } = [];

    /// <summary>The file record <paramref name="index"/> goes to in directory mode (-1 = the header file).</summary>
    public int FileOf(int index) => DirectoryFiles > 0 && index < RecordFiles.Count ? RecordFiles[index] : -1;

    /// <summary>"file", "pipe" or "directory".</summary>
    public string Mode => Pipe ? "pipe" : DirectoryFiles > 0 ? "directory" : "file";

    /// <summary>A one-line description (mode, byte order, compression, attrs, record types) for FsCheck's counterexamples.</summary>
    public override string ToString() => FormattableString.Invariant(
        $"PerfCapture {Mode}{(DirectoryFiles > 0 ? "×" + DirectoryFiles : "")} {(BigEndian ? "BE" : "LE")} {(Compression is null ? "plain" : Compression.Compressed2 ? "COMPRESSED2" : "COMPRESSED")} attrs=[{string.Join(", ", Attrs.Select(a => $"size {a.Size} st 0x{(ulong)a.SampleType:x}"))}] records=[{string.Join(" ", Records.Select((r, i) => PerfRecordNames.Of((uint)r.Type) + (DirectoryFiles > 0 ? "@" + FileOf(i) : "")))}]");

    /// <summary>The attr a record belongs to (its AttrIndex, or the first attr when -1); null when there are no attrs.</summary>
    public PerfEventAttr? AttrOf(PerfRecord r) => Attrs.Count == 0 ? null : Attrs[r.AttrIndex < 0 ? 0 : r.AttrIndex];

    /// <summary>Appends a FINISHED_ROUND record.</summary>
    public void AddFinishedRound() => Records.Add(new RawRecord { Type = PerfRecordType.FinishedRound });

    /// <summary>A copy sharing attrs and record objects, with the records at <paramref name="records"/> (all when null) and their directory files.</summary>
    public PerfCapture CopyWith(IEnumerable<int>? records = null)
    {
        var c = new PerfCapture { BigEndian = BigEndian, Pipe = Pipe, Compression = Compression, DirectoryFiles = DirectoryFiles };
        c.Attrs.AddRange(Attrs);
        CopyFeatures(Features, c.Features);
        foreach (var i in records ?? Enumerable.Range(0, Records.Count))
        {
            c.Records.Add(Records[i]);
            if (DirectoryFiles > 0) c.RecordFiles.Add(FileOf(i));
        }
        return c;
    }

    /// <summary>Copies every feature section the writer knows from <paramref name="f"/> to <paramref name="g"/> (sharing their values).</summary>
    public static void CopyFeatures(PerfFeatures f, PerfFeatures g)
    {
        g.Hostname = f.Hostname; g.OsRelease = f.OsRelease; g.Version = f.Version; g.Arch = f.Arch; g.CpuDesc = f.CpuDesc; g.CpuId = f.CpuId;
        g.NrCpusAvailable = f.NrCpusAvailable; g.NrCpusOnline = f.NrCpusOnline; g.TotalMemKb = f.TotalMemKb; g.Cmdline = f.Cmdline;
        g.ClockResolutionNs = f.ClockResolutionNs; g.ClockData = f.ClockData; g.SampleTime = f.SampleTime; g.PmuMappings = f.PmuMappings;
        g.CpuTopology = f.CpuTopology; g.NumaTopology = f.NumaTopology; g.BranchStack = f.BranchStack; g.GroupDescs = f.GroupDescs;
        g.Cache = f.Cache; g.MemTopology = f.MemTopology; g.BpfProgInfo = f.BpfProgInfo; g.BpfBtf = f.BpfBtf; g.CpuPmuCaps = f.CpuPmuCaps;
        g.HybridTopology = f.HybridTopology; g.PmuCaps = f.PmuCaps;
        g.BuildIds.Clear();
        g.BuildIds.AddRange(f.BuildIds);
    }

    /// <summary>Sets the feature sections perf needs to accept a capture with sane values (hostname, os release, version, arch, nrcpus, cmdline).</summary>
    public PerfCapture WithDefaultFeatures()
    {
        Features.Hostname ??= "stackweave-test";
        Features.OsRelease ??= "6.1.0-stackweave";
        Features.Version ??= "6.1.192";
        Features.Arch ??= "x86_64";
        Features.NrCpusAvailable ??= 2;
        Features.NrCpusOnline ??= 2;
        Features.Cmdline ??= ["/usr/bin/perf", "record"];
        return this;
    }
}

/// <summary>How kernel records are compressed (perf record -z).</summary>
public sealed record PerfCompression
{
    /// <summary>Uncompressed bytes per COMPRESSED record; cut at arbitrary byte positions, so records straddle two COMPRESSED records.</summary>
    public int ChunkBytes { get; init; } = 512;
    /// <summary>zstd level (also stored in the COMPRESSED feature).</summary>
    public int Level { get; init; } = 1;
    /// <summary>comp_mmap_len of the COMPRESSED feature: perf 6.1 decompresses each COMPRESSED record into a buffer of this many bytes (tools/perf/util/session.c perf_session__process_compressed_event).</summary>
    public uint MmapLen { get; init; } = 528384;
    /// <summary>Write PERF_RECORD_COMPRESSED2 (83: header, u64 data_size, data padded to 8 bytes; perf after 6.1) instead of COMPRESSED (81).</summary>
    public bool Compressed2 { get; init; }
}
