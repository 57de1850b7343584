using Stackweave.Formats;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.Writer;

/// <summary>Stackweave's reader on the writer's golden captures agrees with perf 6.1's reading of them.</summary>
public class ReaderGoldenTests
{
    public static TheoryData<string> Names() => new(GoldenCaptures.Names);

    private static (PerfDataFile File, List<PerfRecord> Records) Read(string name)
    {
        var path = PerfGolden.DataPath(name + ".data");
        using var s = File.OpenRead(path);
        var f = PerfDataFile.Open(s, path, ReadOptions.Default);
        var records = new List<PerfRecord>(f.Records());
        return (f, records);
    }

    [Fact]
    public void InlineDataCoversEveryGoldenCapture()
    {
        var rows = typeof(ReaderGoldenTests).GetMethod(nameof(SamplesEqualPerfScriptDump))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Length;
        Assert.Equal(GoldenCaptures.Names.Length, rows);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void RecordCountsEqualPerfReportStats(string name)
    {
        var (f, _) = Read(name);
        using var _f = f;
        var perf = PerfGolden.Stats(name);
        Assert.Equal(perf, f.RecordCounts);
    }

    [Theory]
    [InlineData("le-file-branch")]
    [InlineData("le-file-hwidx-weight")]
    [InlineData("le-file-readgroup")]
    [InlineData("le-file-records")]
    [InlineData("le-file-ver0")]
    [InlineData("be-file")]
    [InlineData("le-pipe")]
    [InlineData("be-pipe")]
    [InlineData("le-file-zstd")]
    [InlineData("le-pipe-zstd")]
    public void SamplesEqualPerfScriptDump(string name)
    {
        var (f, records) = Read(name);
        using var _f = f;
        var c = GoldenCaptures.Build(name);
        Assert.Equal(c.BigEndian, f.IsBigEndian);
        Assert.Equal(c.Pipe, f.IsPipe);
        Assert.Equal(c.Attrs.Count, f.Attrs.Count);
        var samples = new List<SampleRecord>();
        foreach (var r in records) if (r is SampleRecord s) samples.Add(s);
        var dumped = PerfGolden.Samples(name);
        Assert.Equal(dumped.Count, samples.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.InRange(samples[i].AttrIndex, 0, f.Attrs.Count - 1);
            PerfGolden.AssertSample(name, i, dumped[i], samples[i], f.Attrs[samples[i].AttrIndex],
                pidTidSwapped: c.BigEndian && c.Pipe, compareOffset: c.Compression is null,
                // perf counts pipe offsets from after the 16-byte perf_pipe_file_header; Stackweave from the stream start
                offsetBias: c.Pipe ? PerfConstants.PipeHeaderSize : 0);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void FeaturesAndAttrsEqualWhatWasWritten(string name)
    {
        var (f, _) = Read(name);
        using var _f = f;
        var c = GoldenCaptures.Build(name);
        Assert.Equal(c.Features.Hostname, f.Features.Hostname);
        Assert.Equal(c.Features.OsRelease, f.Features.OsRelease);
        Assert.Equal(c.Features.Arch, f.Features.Arch);
        Assert.Equal(c.Features.NrCpusOnline, f.Features.NrCpusOnline);
        Assert.Equal(c.Features.Cmdline, f.Features.Cmdline);
        Assert.Equal(c.Features.SampleTime, f.Features.SampleTime);
        Assert.Equal(c.Features.ClockData, f.Features.ClockData);
        if (!c.Pipe) Assert.Equal(c.Features.BuildIds.ConvertAll(b => b.BuildId), f.Features.BuildIds.ConvertAll(b => b.BuildId));
        for (var i = 0; i < c.Attrs.Count; i++)
        {
            Assert.Equal(c.Attrs[i].SampleType, f.Attrs[i].SampleType);
            Assert.Equal(c.Attrs[i].ReadFormat, f.Attrs[i].ReadFormat);
            Assert.Equal(c.Attrs[i].Flags, f.Attrs[i].Flags);
            Assert.Equal(c.Attrs[i].BranchSampleType, f.Attrs[i].BranchSampleType);
            Assert.Equal(c.Attrs[i].Ids, f.Attrs[i].Ids);
        }
    }
}
