using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Tests.Writer;

/// <summary>perf 6.1 itself reads random generated captures and counts the records the writer wrote.</summary>
public class PerfOracleTests
{
    private const string Perf = "/usr/bin/perf";

    [RequiresToolFact(Perf)]
    public void PerfReportCountsRandomCaptures()
    {
        // little-endian files and pipes and big-endian files: perf 6.1 mis-reads big-endian pipes with attrs other than
        // 128 bytes, and its report --stats cannot read compressed pipes (see Data/README.md)
        // perf 6.1 has no byte-swap for KSYMBOL and BPF_EVENT records (their swap ops in tools/perf/util/session.c came
        // later): in a big-endian file their sample_id trailer stays unswapped and perf fails to find their event
        var gen = PerfGenerators.Capture(maxRecords: 16, perfCompatible: true)
            // perf prints no stats block for a capture without records (Generators/GenPerfOracleTests covers those)
            .Where(c => c.Records.Count > 0 && !(c.BigEndian && c.Pipe) && !(c.Pipe && c.Compression is not null)
                && !(c.BigEndian && c.Records.Exists(r => r.Type is PerfRecordType.Ksymbol or PerfRecordType.BpfEvent)));
        var dir = Directory.CreateTempSubdirectory("stackweave-oracle-");
        try
        {
            var i = 0;
            foreach (var c in gen.Sample(20, new Rnd(4242UL, 0x9E3779B97F4A7C15UL), 16))
            {
                var path = Path.Combine(dir.FullName, FormattableString.Invariant($"{i++}.data"));
                File.WriteAllBytes(path, PerfDataWriter.Write(c));
                var stats = RunPerfStats(path, c.Pipe);
                var what = FormattableString.Invariant($"capture {i - 1} ({(c.BigEndian ? "BE" : "LE")} {(c.Pipe ? "pipe" : "file")}, attr size {c.Attrs[0].Size}, sample_type 0x{(ulong)c.Attrs[0].SampleType:x}): ");
                var expected = new SortedDictionary<uint, long>();
                foreach (var r in c.Records) expected[(uint)r.Type] = expected.GetValueOrDefault((uint)r.Type) + 1;
                foreach (var (type, n) in expected)
                    Assert.True(stats.GetValueOrDefault(type) == n, what + FormattableString.Invariant($"{(PerfRecordType)type}: perf counted {stats.GetValueOrDefault(type)}, written {n}\n{File.ReadAllText(path + ".stats")}"));
                foreach (var (type, n) in stats)
                    if (type < 64) Assert.True(expected.ContainsKey(type), what + FormattableString.Invariant($"perf counted {n} of type {type} never written"));
            }
        }
        catch
        {
            Console.Error.WriteLine("kept " + dir.FullName);
            throw;
        }
        dir.Delete(recursive: true);
    }

    private static SortedDictionary<uint, long> RunPerfStats(string path, bool pipe)
    {
        var psi = new ProcessStartInfo(Perf)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = pipe, UseShellExecute = false,
        };
        foreach (var a in new[] { "report", "--stats", "-i", pipe ? "-" : path }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (pipe)
        {
            using (var input = File.OpenRead(path)) input.CopyTo(p.StandardInput.BaseStream);
            p.StandardInput.Close();
        }
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "perf report did not finish");
        File.WriteAllText(path + ".stats", stdout);
        Assert.True(p.ExitCode == 0, $"perf report --stats refused {path}: {stderr.Result}");
        Assert.True(stdout.Contains("Aggregated stats:", StringComparison.Ordinal), $"perf report --stats printed no stats for {path}: {stdout} {stderr.Result}");
        return PerfGolden.ParseStats(stdout.Split('\n'), path);
    }
}
