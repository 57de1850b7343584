namespace Stackweave.Formats.PerfData;

/// <summary>What <c>stackweave info</c> tells about a perf.data capture, gathered in one pass over its records.</summary>
public sealed class PerfDataSummary
{
    /// <summary>The capture (metadata stays readable after the pass).</summary>
    public required PerfDataFile File { get; init; }
    /// <summary>Samples per attr index.</summary>
    public long[] SamplesByAttr { get; private set; } = [];
    /// <summary>Time of the first and last sample (source clock ns), when any sample had a time.</summary>
    public (ulong First, ulong Last)? SampleTimeRange { get; private set; }
    /// <summary>Samples reported lost by LOST and LOST_SAMPLES records.</summary>
    public ulong LostSamples { get; private set; }
    /// <summary>Build ids announced by MMAP2 records (path → id), in addition to the BUILD_ID feature.</summary>
    public SortedDictionary<string, string> MmapBuildIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads every record of <paramref name="file"/> and summarises it.</summary>
    public static PerfDataSummary Collect(PerfDataFile file)
    {
        var samples = new List<long>();
        ulong first = ulong.MaxValue, last = 0, lost = 0;
        var s = new PerfDataSummary { File = file };
        foreach (var r in file.Records())
        {
            switch (r)
            {
                case SampleRecord sr:
                    var i = Math.Max(sr.AttrIndex, 0);
                    while (samples.Count <= i) samples.Add(0);
                    samples[i]++;
                    if (sr.AttrIndex >= 0 && sr.AttrIndex < file.Attrs.Count && (file.Attrs[sr.AttrIndex].SampleType & SampleFormat.Time) != 0)
                    {
                        first = Math.Min(first, sr.Time);
                        last = Math.Max(last, sr.Time);
                    }
                    break;
                case LostRecord l: lost += l.Lost; break;
                case LostSamplesRecord ls: lost += ls.Lost; break;
                case MmapRecord { BuildId: { } id } m: s.MmapBuildIds.TryAdd(m.Filename, id); break;
            }
        }
        while (samples.Count < file.Attrs.Count) samples.Add(0);
        s.SamplesByAttr = [.. samples];
        s.SampleTimeRange = first <= last ? (first, last) : null;
        s.LostSamples = lost;
        return s;
    }
}
