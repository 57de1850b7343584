using System.Globalization;
using System.Text.RegularExpressions;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.PerfData;

/// <summary>Record and sample counts equal perf report --stats on every real capture.</summary>
public sealed partial class PerfStatsTests
{
    [GeneratedRegex(@"^\s*(\S+) events:\s+(\d+)")]
    private static partial Regex CountLine();

    public static TheoryData<string> Captures() => PerfTestUtil.Captures();

    [Fact]
    public void CapturesExist() => Assert.NotEmpty(PerfTestUtil.CaptureNames());

    [Theory]
    [MemberData(nameof(Captures))]
    public void CountsEqualPerfReportStats(string name)
    {
        var (_, golden) = PerfTestUtil.Locate(name);
        var lines = File.ReadAllLines(golden + ".stats.txt");
        using var f = PerfTestUtil.Open(name);
        var samplesByAttr = new long[Math.Max(1, f.Attrs.Count) + 8];
        long kernelRecords = 0;
        foreach (var r in f.Records())
        {
            kernelRecords++;
            if (r is SampleRecord && r.AttrIndex >= 0) samplesByAttr[r.AttrIndex]++;
        }
        Assert.Null(f.Damage);

        // "Aggregated stats:" block: NAME events: N
        var i = Array.FindIndex(lines, l => l.Contains("Aggregated stats:", StringComparison.Ordinal));
        Assert.True(i >= 0);
        var expected = new SortedDictionary<uint, long>();
        long total = -1;
        for (i++; i < lines.Length; i++)
        {
            var m = CountLine().Match(lines[i]);
            if (!m.Success) break;
            var n = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (m.Groups[1].Value == "TOTAL") { total = n; continue; }
            expected[PerfRecordNames.TryParse(m.Groups[1].Value, out var type) ? type : throw new InvalidDataException("unknown record name " + m.Groups[1].Value)] = n;
        }
        Assert.Equal(expected, f.RecordCounts);
        Assert.Equal(total, f.RecordCounts.Values.Sum());

        // Per-event blocks: "<event name> stats:" then "SAMPLE events: N"
        var perEvent = new Dictionary<string, long>(StringComparer.Ordinal);
        for (; i < lines.Length; i++)
        {
            if (!lines[i].EndsWith(" stats:", StringComparison.Ordinal)) continue;
            var ev = lines[i][..^" stats:".Length];
            var m = i + 1 < lines.Length ? CountLine().Match(lines[i + 1]) : Match.Empty;
            if (m.Success && m.Groups[1].Value == "SAMPLE") perEvent[ev] = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        Assert.NotEmpty(perEvent);
        var ours = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var a = 0; a < f.Attrs.Count; a++)
            if (samplesByAttr[a] > 0) ours[f.EventName(a)] = ours.GetValueOrDefault(f.EventName(a)) + samplesByAttr[a];
        Assert.Equal(perEvent.OrderBy(p => p.Key, StringComparer.Ordinal), ours.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}

