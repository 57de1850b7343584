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
                // every feature section the writer drew reads back as the sidecar lists it
                Assert.Equal(Compact(sidecar.RootElement.GetProperty("featureSections")), PerfRendered.FeatureSectionsJson(parsed.Features));
                foreach (var p in sidecar.RootElement.GetProperty("recordCounts").EnumerateObject())
                    Assert.True(counts.GetValueOrDefault(p.Name) == p.Value.GetInt64(),
                        $"{truth.Mode} {(truth.BigEndian ? "BE" : "LE")} {p.Name}: read {counts.GetValueOrDefault(p.Name)}, sidecar {p.Value.GetInt64()}");
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        });

    private static string Compact(JsonElement e)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) e.WriteTo(w);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    [Property(MaxTest = 300)]
    public FsCheck.Property Every_feature_section_reads_back_in_both_byte_orders() =>
        FsCheck.Fluent.Prop.ForAll(PerfArbitraries.AnyCaptures(), truth =>
        {
            // file and pipe captures only (directory mode is covered above); every drawn feature section, field by field
            if (truth.DirectoryFiles > 0) return;
            var file = PerfRendered.Of(truth);
            using var parsed = PerfDataFile.Open(new MemoryStream(file.Files[0].Bytes), "gen.data", ReadOptions.Default);
            _ = parsed.Records().Count();
            var want = PerfRendered.FeatureSectionsJson(file.WrittenFeatures());
            Assert.True(want == PerfRendered.FeatureSectionsJson(parsed.Features),
                $"{truth.Mode} {(truth.BigEndian ? "BE" : "LE")}\nwritten {want}\nread    {PerfRendered.FeatureSectionsJson(parsed.Features)}");
        });

    [Fact]
    public void The_generator_draws_every_feature_section_in_both_byte_orders()
    {
        // 400 captures of seed 7 cover each section the writer knows, little- and big-endian
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 400; i++)
        {
            var r = GenCorpus.Perf(new PerfGenOptions { Modes = [PerfGenMode.File] }, 7, i);
            foreach (var f in PerfRendered.Features(r.Capture)) seen.Add(f + (r.Capture.BigEndian ? "/BE" : "/LE"));
        }
        foreach (var f in new[] { "BUILD_ID", "HOSTNAME", "OSRELEASE", "VERSION", "ARCH", "NRCPUS", "CPUDESC", "CPUID", "TOTAL_MEM", "CMDLINE",
            "EVENT_DESC", "CPU_TOPOLOGY", "NUMA_TOPOLOGY", "BRANCH_STACK", "PMU_MAPPINGS", "GROUP_DESC", "CACHE", "SAMPLE_TIME", "MEM_TOPOLOGY",
            "CLOCKID", "BPF_PROG_INFO", "BPF_BTF", "COMPRESSED", "CPU_PMU_CAPS", "CLOCK_DATA", "HYBRID_TOPOLOGY", "PMU_CAPS" })
            foreach (var e in new[] { "/LE", "/BE" })
                Assert.True(seen.Contains(f + e), "never drawn: " + f + e);
    }
}
