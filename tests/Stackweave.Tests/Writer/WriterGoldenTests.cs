using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Tests.Writer;

/// <summary>What PerfDataWriter meant to write equals what perf 6.1 read from the golden captures.</summary>
public class WriterGoldenTests
{
    public static TheoryData<string> Names() => new(GoldenCaptures.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void PerfCountsTheRecordsWritten(string name)
    {
        var c = GoldenCaptures.Build(name);
        var perf = PerfGolden.Stats(name);
        foreach (var r in c.Records)
        {
            Assert.True(perf.TryGetValue((uint)r.Type, out var n) && n > 0, $"{name}: perf saw no {r.Type}");
        }
        var expected = new SortedDictionary<uint, long>();
        foreach (var r in c.Records) expected[(uint)r.Type] = expected.GetValueOrDefault((uint)r.Type) + 1;
        foreach (var (type, n) in expected) Assert.True(perf[type] == n, $"{name}: {(PerfRecordType)type} perf {perf[type]} written {n}");
        if (c.Pipe) Assert.Equal(c.Attrs.Count, perf[(uint)PerfRecordType.HeaderAttr]);
        if (c.Compression is not null) Assert.True(perf[(uint)PerfRecordType.Compressed] > 1, name + ": records should straddle several COMPRESSED records");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PerfDecodesTheSamplesWritten(string name)
    {
        var c = GoldenCaptures.Build(name);
        var written = new List<SampleRecord>();
        foreach (var r in c.Records) if (r is SampleRecord s) written.Add(s);
        // perf processes samples in time order; the writer's samples are written in time order already
        written.Sort((a, b) => a.SampleId.Time.CompareTo(b.SampleId.Time));
        var dumped = PerfGolden.Samples(name);
        Assert.Equal(written.Count, dumped.Count);
        for (var i = 0; i < written.Count; i++)
            PerfGolden.AssertSample(name, i, dumped[i], written[i], c.AttrOf(written[i])!, pidTidSwapped: c.BigEndian && c.Pipe, compareOffset: false);
    }
}
