using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Formats.Pprof;
using Stackweave.Merge.Pprof;
using Stackweave.Testing;

namespace Stackweave.Tests.Pprof;

/// <summary>Generated profiles (Stackweave.Testing: file bytes plus the truth they encode) read as their truth and round trip through
/// Stackweave's writer; merging keeps every stack's sum in any order; arbitrary bytes only give format errors.</summary>
public class PprofPropertyTests
{
    /// <summary>The generated file's bytes (Stackweave.Testing's PprofEncoder: every field, any packing, gzip or raw) read by Stackweave's reader.</summary>
    internal static Profile Read(PprofProfile truth)
    {
        var bytes = PprofEncoder.Encode(truth);
        var path = truth.Encoding.Gzip ? "gen.pb.gz" : "gen.pb";
        var input = truth.Encoding.Gzip ? InputOpener.Unwrap(path, new MemoryStream(bytes), Limits.Default) : new MemoryStream(bytes);
        return PprofReader.Read(input, path);
    }

    /// <summary>Asserts that <paramref name="p"/> holds exactly what the generated profile <paramref name="truth"/> encodes.</summary>
    internal static void AssertMatchesTruth(PprofProfile truth, Profile p)
    {
        Assert.Equal(truth.SampleTypes.Select(t => new SampleType(t.Type, t.Unit)), p.SampleTypes);
        Assert.Equal(truth.PeriodType is { } pt ? new SampleType(pt.Type, pt.Unit) : null, p.PeriodType);
        Assert.Equal(truth.Period, p.Period);
        Assert.Equal(truth.TimeNanos == 0 ? null : truth.TimeNanos, p.StartTime);
        Assert.Equal(truth.DurationNanos, p.DurationNs);
        Assert.Equal(truth.Comments, p.Comments);
        Assert.Equal(truth.DefaultSampleType.Length == 0 ? null : truth.DefaultSampleType, p.DefaultSampleType);
        Assert.Equal(truth.DropFrames.Length == 0 ? null : truth.DropFrames, p.DropFrames);
        Assert.Equal(truth.KeepFrames.Length == 0 ? null : truth.KeepFrames, p.KeepFrames);
        Assert.Equal(truth.DocUrl.Length == 0 ? null : truth.DocUrl, p.DocUrl);
        // tables keep file order: mapping, function and location i of the file are entry i of the model
        Assert.Equal(truth.Mappings.Select(m => (m.MemoryStart, m.MemoryLimit, m.FileOffset, m.Filename, m.BuildId.Length == 0 ? null : m.BuildId, m.HasFunctions, m.HasFilenames, m.HasLineNumbers, m.HasInlineFrames)),
                     p.Mappings.Select(m => (m.Start, m.Limit, m.FileOffset, m.Path, m.BuildId, m.HasFunctions, m.HasFilenames, m.HasLineNumbers, m.HasInlineFrames)));
        Assert.Equal(truth.Functions.Select(f => (f.Name, f.SystemName, f.Filename, f.StartLine)),
                     p.Functions.Select(f => (p.Strings[f.Name], p.Strings[f.SystemName], p.Strings[f.FileName], f.StartLine)));
        var mapIndex = truth.Mappings.Select((m, i) => (m.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var funIndex = truth.Functions.Select((f, i) => (f.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var locIndex = truth.Locations.Select((l, i) => (l.Id, i)).ToDictionary(x => x.Id, x => x.i);
        Assert.Equal(truth.Locations.Select(l => (l.MappingId == 0 ? -1 : mapIndex[l.MappingId], l.Address, l.IsFolded, string.Join(",", l.Lines.Select(x => new Line(funIndex[x.FunctionId], x.Line, x.Column))))),
                     p.Locations.Select(l => (l.MappingId, l.Address, l.IsFolded, string.Join(",", l.Lines))));
        Assert.Equal(truth.Samples.Count, p.Samples.Count);
        var locs = new List<int>();
        for (var i = 0; i < truth.Samples.Count; i++)
        {
            var s = truth.Samples[i];
            Assert.Equal(s.Values, p.Samples.Values(i).ToArray());
            locs.Clear();
            p.Stacks.LeafFirst(p.Samples.Stack(i), locs);
            Assert.Equal(s.LocationIds.Select(id => locIndex[id]), locs);
            Assert.Equal(s.Labels.Select(l => (l.Key, l.Str, l.Str is null ? l.Num : 0, l.Str is null ? l.NumUnit : "")),
                         p.Samples.Labels(i).ToArray().Select(l => (l.Key, l.Str, l.Num, l.NumUnit ?? "")));
        }
    }

    [FsCheck.Xunit.Property(MaxTest = 200, Arbitrary = [typeof(PprofArbitraries)])]
    public void Generated_profiles_read_as_their_truth_and_round_trip_through_the_writer(PprofProfile truth, bool gzip)
    {
        var p = Read(truth);
        AssertMatchesTruth(truth, p);
        PprofRoundTripTests.AssertSameProfile(p, PprofRoundTripTests.RoundTrip(p, gzip));
    }

    private static readonly PprofGenOptions s_mergeable = new() { SampleTypes = [new("samples", "count"), new("cpu", "nanoseconds")] };

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public FsCheck.Property Merge_keeps_every_stack_sum_whatever_the_order() =>
        Prop.ForAll(Arb.From(PprofGenerators.Profile(s_mergeable).ArrayOf().Select(a => a.Take(5).ToArray()).Where(a => a.Length > 0)), truths =>
        {
            var inputs = truths.Select(Read).ToList();
            // pprof merges only equal period types (the generator draws them per profile)
            foreach (var p in inputs) p.PeriodType = new SampleType("cpu", "nanoseconds");
            var expected = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var p in inputs)
                foreach (var (k, v) in RawText.Reduce(p))
                {
                    if (!expected.TryGetValue(k, out var sum)) expected[k] = sum = new long[v.Length];
                    for (var i = 0; i < v.Length; i++) sum[i] = unchecked(sum[i] + v[i]);
                }
            foreach (var k in expected.Where(kv => kv.Value.All(x => x == 0)).Select(kv => kv.Key).ToList()) expected.Remove(k);
            var r = new Random(truths.Length);
            var shuffled = inputs.OrderBy(_ => r.Next()).ToList();
            foreach (var order in new[] { inputs, shuffled, Enumerable.Reverse(inputs).ToList() })
            {
                var merged = RawText.Reduce(ProfileMerger.Merge(order));
                Assert.Equal(expected.Keys, merged.Keys);
                foreach (var (k, v) in expected) Assert.Equal(v, merged[k]);
            }
        });

    private static void OnlyFormatErrors(byte[] data)
    {
        try { PprofReader.Decode(data, "fuzz.pb"); }
        catch (CaptureFormatException e) { Assert.InRange(e.Offset, 0, data.Length); }
        try { PprofReader.Decode(data, "fuzz.pb", new Formats.ReadOptions { Salvage = true }); }
        catch (CaptureFormatException) { }
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public void Arbitrary_bytes_only_give_format_errors(byte[] data) => OnlyFormatErrors(data);

    private static readonly Lazy<byte[][]> s_seeds = new(() =>
        new[] { "crafted.pb", "cpu.pb", "heap.pb" }.Select(f => File.ReadAllBytes(PprofGoldenTests.Data(f))).ToArray());

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public void Mutated_profiles_only_give_format_errors(int seed)
    {
        var r = new Random(seed);
        var data = (byte[])s_seeds.Value[r.Next(s_seeds.Value.Length)].Clone();
        var edits = r.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            switch (r.Next(4))
            {
                case 0: data[r.Next(data.Length)] = (byte)r.Next(256); break;
                case 1: data[r.Next(data.Length)] ^= (byte)(1 << r.Next(8)); break;
                case 2: data = data[..r.Next(data.Length)]; break;
                default:
                    var at = r.Next(data.Length);
                    data = [.. data[..at], (byte)r.Next(256), .. data[at..]];
                    break;
            }
            if (data.Length == 0) break;
        }
        OnlyFormatErrors(data);
    }
}
