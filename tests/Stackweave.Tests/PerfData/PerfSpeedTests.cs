using System.Diagnostics;
using Xunit.Abstractions;
using Stackweave.Formats;
using Stackweave.Formats.PerfData;

namespace Stackweave.Tests.PerfData;

/// <summary>A large stream built from a real capture's records (repeated, FINISHED_ROUND between copies) reads whole; the times it prints are for eyes only (speed is measured in bench/, never asserted here).</summary>
public sealed class PerfSpeedTests(ITestOutputHelper output)
{
    [Fact]
    public void HundredMegabytesReadWhole()
    {
        var b = File.ReadAllBytes(PerfTestUtil.Locate("cpp-fp").Capture);
        var recs = PerfTestUtil.WalkData(b);
        var dataOff = (int)recs[0].Offset;
        var dataEnd = (int)(recs[^1].Offset + recs[^1].Size);
        var chunk = b.AsSpan(dataOff, dataEnd - dataOff).ToArray();
        const long target = 100L << 20;
        var copies = (int)(target / chunk.Length) + 1;
        var big = new byte[dataOff + (long)chunk.Length * copies + (b.Length - dataEnd)];
        b.AsSpan(0, dataOff).CopyTo(big);
        for (var i = 0; i < copies; i++) chunk.CopyTo(big, dataOff + (long)i * chunk.Length);
        b.AsSpan(dataEnd).CopyTo(big.AsSpan(dataOff + chunk.Length * copies));
        // patch data.size (perf_file_header.data.size at byte 48)
        BitConverter.GetBytes((ulong)chunk.Length * (ulong)copies).CopyTo(big, 48);
        // move the feature sections' offsets along (one {offset, size} per set feature bit, after the data)
        var delta = (long)chunk.Length * (copies - 1);
        var bits = 0;
        for (var w = 0; w < 4; w++) bits += System.Numerics.BitOperations.PopCount(BitConverter.ToUInt64(b, 72 + 8 * w));
        var table = dataOff + (long)chunk.Length * copies;
        for (var k = 0; k < bits; k++)
        {
            var at = (int)(table + 16 * k);
            BitConverter.GetBytes(BitConverter.ToUInt64(big, at) + (ulong)delta).CopyTo(big, at);
        }

        var sw0 = Stopwatch.StartNew();
        {
            var ms0 = new MemoryStream(big);
            ms0.Position = dataOff;
            using var rd2 = new PerfRecordReader(ms0, "x", false, dataOff, (long)chunk.Length * copies, 0, true);
            long c0 = 0;
            while (rd2.Next(out var rr, out _)) c0 += rr.Length;
            output.WriteLine($"framing only: {sw0.ElapsedMilliseconds} ms ({c0})");
        }
        var sw = Stopwatch.StartNew();
        using var f = PerfDataFile.Open(new MemoryStream(big), "big", ReadOptions.Default);
        long n = 0, frames = 0;
        foreach (var r in f.Records())
        {
            n++;
            if (r is SampleRecord s) frames += s.Callchain?.Length ?? 0;
        }
        sw.Stop();
        output.WriteLine($"gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} pause={GC.GetTotalPauseDuration().TotalMilliseconds} ms alloc={GC.GetTotalAllocatedBytes() >> 20} MB cpu={Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds}");
        output.WriteLine($"{big.Length >> 20} MB, {n} records, {frames} frames in {sw.ElapsedMilliseconds} ms");
        Assert.Equal(copies * (long)recs.Count(r => r.Type < 64), n);
    }
}
