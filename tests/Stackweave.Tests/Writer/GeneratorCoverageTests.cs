using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Tests.Writer;

/// <summary>The capture generator reaches every case the properties are meant to cover.</summary>
public class GeneratorCoverageTests
{
    [Fact]
    public void CapturesCoverEveryRecordTypeSampleFieldAndLayout()
    {
        // fixed seed: the same 400 captures every run
        var captures = PerfGenerators.Capture().Sample(20, new Rnd(12345UL, 0x9E3779B97F4A7C15UL), 800);
        var types = new HashSet<PerfRecordType>();
        var sampleBits = SampleFormat.None;
        var readBits = ReadFormat.None;
        var sizes = new HashSet<uint>();
        bool be = false, le = false, pipe = false, file = false, zstd = false, hwIdx = false, multi = false, idAll = false;
        foreach (var c in captures)
        {
            (c.BigEndian ? ref be : ref le) = true;
            (c.Pipe ? ref pipe : ref file) = true;
            zstd |= c.Compression is not null;
            multi |= c.Attrs.Count > 1;
            foreach (var a in c.Attrs)
            {
                sizes.Add(a.Size);
                readBits |= a.ReadFormat;
                idAll |= a.SampleIdAll;
                hwIdx |= (a.BranchSampleType & PerfRecordEncoder.BranchHwIndex) != 0 && (a.SampleType & SampleFormat.BranchStack) != 0;
            }
            foreach (var r in c.Records)
            {
                types.Add(r.Type);
                if (r is SampleRecord) sampleBits |= c.AttrOf(r)!.SampleType;
            }
            // every generated capture is writable
            Assert.NotEmpty(PerfDataWriter.Write(c));
        }
        Assert.True(be && le && pipe && file && zstd && hwIdx && multi && idAll);
        Assert.Equal(PerfGenerators.AllSampleTypes, sampleBits);
        Assert.Equal((ReadFormat)31, readBits);
        Assert.Contains(0u, sizes);
        Assert.Contains(64u, sizes);
        Assert.Contains(136u, sizes);
        Assert.Contains(sizes, s => s > 136);
        foreach (var t in new[] { PerfRecordType.Sample, PerfRecordType.Mmap, PerfRecordType.Mmap2, PerfRecordType.Comm, PerfRecordType.Exit,
                     PerfRecordType.Fork, PerfRecordType.Lost, PerfRecordType.LostSamples, PerfRecordType.Throttle, PerfRecordType.Unthrottle,
                     PerfRecordType.Switch, PerfRecordType.SwitchCpuWide, PerfRecordType.Namespaces, PerfRecordType.Cgroup,
                     PerfRecordType.Ksymbol, PerfRecordType.BpfEvent, PerfRecordType.TextPoke, PerfRecordType.Aux,
                     PerfRecordType.ItraceStart, PerfRecordType.Read, PerfRecordType.FinishedRound })
            Assert.Contains(t, types);
    }
}
