using System.Text.Json;
using FsCheck.Xunit;
using Stackweave.Formats;
using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Tests.Generators;

/// <summary>Stackweave's perf.data reader against generated captures in every mode (file, pipe, directory; both byte orders; COMPRESSED and COMPRESSED2; rounds).</summary>
public class GenPerfReaderTests
{
    // The README's example, as written there.
    [Property(Arbitrary = [typeof(PerfArbitraries)])]
    public void Reads_every_sample(PerfCapture truth)
    {
        var file = PerfRendered.Of(truth);                       // the bytes, and where each record went
        using var parsed = PerfDataFile.Open(new MemoryStream(file.Files[0].Bytes), "gen.data", ReadOptions.Default);
        var samples = parsed.Records().OfType<SampleRecord>().ToList();
        Assert.Equal(truth.Records.OfType<SampleRecord>().Select(s => s.Ip), samples.Select(s => s.Ip));
    }

    [Property(MaxTest = 200)]
    public FsCheck.Property Any_mode_reads_back_with_the_sidecar_counts() =>
        FsCheck.Fluent.Prop.ForAll(PerfArbitraries.AnyCaptures(), truth =>
        {
            // Directory captures with zstd included: perf 6.1 record --threads -z compresses each data.N file as its own
            // stream (one zstd_data per mmap); this generator found the reader sharing one context across files.
            var file = PerfRendered.Of(truth);
            var dir = Directory.CreateTempSubdirectory("stackweave-gen-read-");
            try
            {
                var path = Path.Combine(dir.FullName, "perf.data");
                file.Save(path);
                using var parsed = truth.DirectoryFiles > 0 ? PerfDataFile.OpenDirectory(path, ReadOptions.Default)
                    : PerfDataFile.Open(File.OpenRead(path), path, ReadOptions.Default);
                var records = parsed.Records().ToList();
                Assert.Null(parsed.Damage);
                Assert.Equal(truth.Records.Count(r => (uint)r.Type < 64), records.Count);
                var counts = parsed.RecordCounts.ToDictionary(kv => PerfRecordNames.Of(kv.Key), kv => kv.Value);
                using var sidecar = JsonDocument.Parse(file.SidecarJson());
                foreach (var p in sidecar.RootElement.GetProperty("recordCounts").EnumerateObject())
                    Assert.True(counts.GetValueOrDefault(p.Name) == p.Value.GetInt64(),
                        $"{truth.Mode} {(truth.BigEndian ? "BE" : "LE")} {p.Name}: read {counts.GetValueOrDefault(p.Name)}, sidecar {p.Value.GetInt64()}");
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        });
}
