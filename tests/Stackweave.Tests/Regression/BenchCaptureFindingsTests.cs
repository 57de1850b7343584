using Stackweave.Formats.PerfData;
using Stackweave.Testing;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Regression;

/// <summary>
/// Samples found in the 373k-sample bench capture where Stackweave first differed from perf 6.1: a callchain with an
/// unknown context marker (perf drops the whole chain) and an exiting task sampled as pid/tid -1 (perf names it ":-1"; stackcollapse-perf.pl then makes each sample's time part of the process name).
/// The expected text is what perf 6.1 printed for this very file (STACKWEAVE_KEEP_REGRESSION_FILE keeps it to re-check).
/// </summary>
public class BenchCaptureFindingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackweave-regr-").FullName;

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("STACKWEAVE_KEEP_REGRESSION_FILE") is null) Directory.Delete(_dir, true);
    }

    private static SampleId Sid(int pid, int tid, ulong time) => new() { Pid = pid, Tid = tid, Time = time, Id = 7, Cpu = 0, StreamId = 7, Present = true };

    private string Capture()
    {
        var c = new PerfCapture().WithDefaultFeatures();
        c.Attrs.Add(new PerfEventAttr
        {
            Type = 1, Config = 0, Size = 128, SamplePeriodOrFreq = 20000, // PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK
            SampleType = SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Id | SampleFormat.Cpu | SampleFormat.Period | SampleFormat.Callchain,
            Flags = 1UL << 18, // sample_id_all
            Name = "cpu-clock",
        });
        c.Attrs[0].Ids.Add(7);
        c.Records.Add(new CommRecord { Type = PerfRecordType.Comm, Pid = 100, Tid = 100, Comm = "app", SampleId = Sid(100, 100, 1000) });
        c.Records.Add(new MmapRecord
        {
            Type = PerfRecordType.Mmap2, Misc = PerfConstants.MiscUser, Pid = 100, Tid = 100, Start = 0x400000, Length = 0x10000,
            Filename = "/nonexistent/app", Prot = 5, Flags = 2, SampleId = Sid(100, 100, 1001),
        });
        // entry 2 is 0xffffffffffffffb8: above PERF_CONTEXT_MAX but no context perf knows
        c.Records.Add(new SampleRecord
        {
            Type = PerfRecordType.Sample, Misc = PerfConstants.MiscUser, Ip = 0x401000, Period = 20000, SampleId = Sid(100, 100, 2000),
            Callchain = [PerfConstants.ContextUser, 0x401000, 0xffffffffffffffb8UL, 0],
        });
        c.Records.Add(new SampleRecord
        {
            Type = PerfRecordType.Sample, Misc = PerfConstants.MiscKernel, Ip = 0xffffffff81000100, Period = 20000, SampleId = Sid(-1, -1, 3000),
            Callchain = [PerfConstants.ContextKernel, 0xffffffff81000100],
        });
        // the same stack again, later: the script's process name holds the time, so this is another line
        c.Records.Add(new SampleRecord
        {
            Type = PerfRecordType.Sample, Misc = PerfConstants.MiscKernel, Ip = 0xffffffff81000100, Period = 20000, SampleId = Sid(-1, -1, 4000),
            Callchain = [PerfConstants.ContextKernel, 0xffffffff81000100],
        });
        var path = Path.Combine(_dir, "findings.data");
        File.WriteAllBytes(path, PerfDataWriter.Write(c));
        return path;
    }

    [Fact]
    public void ScriptPrintsWhatPerfPrints()
    {
        var r = CliRunner.Run("script", Capture(), "--kallsyms", "/nonexistent");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "app   100 [000]     0.000002:      20000 cpu-clock: \n\n" +
            ":-1    -1 [000]     0.000003:      20000 cpu-clock: \n" +
            "\tffffffff81000100 [unknown] ([unknown])\n\n" +
            ":-1    -1 [000]     0.000004:      20000 cpu-clock: \n" +
            "\tffffffff81000100 [unknown] ([unknown])\n\n",
            r.Stdout);
    }

    [Fact]
    public void FoldedKeepsTheSampleWithItsChainDropped()
    {
        var r = CliRunner.Run("convert", Capture(), "--kallsyms", "/nonexistent");
        Assert.Equal(0, r.ExitCode);
        // stackcollapse-perf.pl cannot parse the pid -1 header, so the whole header becomes the process name
        Assert.Equal(":-1____-1_[000]_____0.000003:;[unknown] 20000\n:-1____-1_[000]_____0.000004:;[unknown] 20000\napp 20000\n", r.Stdout);
    }
}
