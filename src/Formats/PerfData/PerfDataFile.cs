using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfData;

// CONTRACT STUB — replaced by the real reader. Public surface only.

/// <summary>An opened perf.data capture: metadata (header, attrs, features) plus a time-ordered record stream.</summary>
public sealed partial class PerfDataFile : IDisposable
{
    /// <summary>Opens a capture from a stream (seekable file mode, a non-seekable file-mode stream, or pipe mode).</summary>
    public static PerfDataFile Open(Stream input, string path, ReadOptions options) => throw new NotImplementedException();
    /// <summary>Opens a <c>perf.data/</c> directory (perf record --threads).</summary>
    public static PerfDataFile OpenDirectory(string path, ReadOptions options) => throw new NotImplementedException();

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
    /// <summary>Records read, by type (user record types included, COMPRESSED contents counted by their inner types).</summary>
    public SortedDictionary<uint, long> RecordCounts { get; } = [];
    /// <summary>Under salvage: where and why reading stopped early; null when the whole input was read.</summary>
    public IO.CaptureFormatException? Damage { get; private set; }

    /// <summary>Kernel records (types below 64, unknown ones as <see cref="RawRecord"/>) in time order by perf's FINISHED_ROUND rule, ties by file offset. User records are folded into the metadata.</summary>
    public IEnumerable<PerfRecord> Records() => throw new NotImplementedException();

    /// <summary>Index of the attr that owns event id <paramref name="id"/>, -1 when unknown.</summary>
    public int AttrIndexForId(ulong id) => throw new NotImplementedException();

    /// <summary>The name perf gives event <paramref name="attrIndex"/> (e.g. "cycles", "cpu-clock", "sched:sched_switch").</summary>
    public string EventName(int attrIndex) => throw new NotImplementedException();

    /// <inheritdoc/>
    public void Dispose() { }
}

/// <summary>Decoded feature sections of the perf.data header.</summary>
public sealed class PerfFeatures
{
    public string? Hostname, OsRelease, Version, Arch, CpuDesc, CpuId;
    public uint? NrCpusAvailable, NrCpusOnline;
    public ulong? TotalMemKb;
    public string[]? Cmdline;
    /// <summary>HEADER_CLOCKID: clock resolution in ns per tick.</summary>
    public ulong? ClockResolutionNs;
    /// <summary>HEADER_CLOCK_DATA.</summary>
    public (uint Version, int ClockId, ulong WallClockNs, ulong ClockIdTimeNs)? ClockData;
    /// <summary>HEADER_SAMPLE_TIME (first, last).</summary>
    public (ulong First, ulong Last)? SampleTime;
    /// <summary>HEADER_BUILD_ID entries (and pipe-mode HEADER_BUILD_ID records).</summary>
    public List<BuildIdRecord> BuildIds { get; } = [];
    /// <summary>Feature bits set in the header.</summary>
    public List<PerfFeature> Present { get; } = [];
}
