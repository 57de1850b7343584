using FsCheck;
using FsCheck.Fluent;
using Stackweave.Formats.IO;
using Stackweave.Formats.Model;
using Stackweave.Formats.Pprof;
using Stackweave.Merge.Pprof;

namespace Stackweave.Tests.Pprof;

/// <summary>Arbitrary valid profiles round trip; merging keeps every stack's sum in any order; arbitrary bytes only give format errors.</summary>
public class PprofPropertyTests
{
    private static readonly string[] s_words = ["main", "run", "x", "é", "a b", "f(int)", "ns::g<int>", "(anonymous namespace)::h", "semi;colon", "π"];

    /// <summary>A random valid profile, built from a seed (FsCheck picks the seeds; sizes grow with the run).</summary>
    internal static Profile RandomProfile(Random r, IReadOnlyList<SampleType>? types = null)
    {
        types ??= Enumerable.Range(0, r.Next(1, 4)).Select(i => new SampleType(s_words[r.Next(s_words.Length)] + i, r.Next(2) == 0 ? "count" : "nanoseconds")).ToArray();
        var p = new Profile(types);
        string W() => s_words[r.Next(s_words.Length)] + (r.Next(3) == 0 ? r.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
        var nm = r.Next(0, 4);
        for (var i = 0; i < nm; i++)
            p.AddMapping(new Mapping
            {
                Start = (ulong)r.NextInt64(0, 1L << 40), Limit = (ulong)r.NextInt64(1L << 40, long.MaxValue), FileOffset = (ulong)r.NextInt64(0, 1 << 20),
                Path = "/lib/" + W(), BuildId = r.Next(2) == 0 ? null : "abcdef" + r.Next(1000), HasFunctions = r.Next(2) == 0,
                HasFilenames = r.Next(2) == 0, HasLineNumbers = r.Next(2) == 0, HasInlineFrames = r.Next(2) == 0,
            });
        var nf = r.Next(1, 8);
        for (var i = 0; i < nf; i++)
        {
            var s = p.Strings;
            p.Functions.Add(new Function { Id = i, Name = s.Intern(W() + i), SystemName = s.Intern(W()), FileName = s.Intern(r.Next(2) == 0 ? "" : W() + ".c"), StartLine = r.Next(0, 500) });
        }
        var nl = r.Next(1, 10);
        for (var i = 0; i < nl; i++)
        {
            var loc = new Location { Id = i, MappingId = nm == 0 || r.Next(4) == 0 ? -1 : r.Next(nm), Address = r.Next(3) == 0 ? 0 : (ulong)r.NextInt64(), IsFolded = r.Next(5) == 0 };
            var lines = r.Next(0, 4);
            for (var k = 0; k < lines; k++) loc.Lines.Add(new Line(r.Next(nf), r.Next(-1, 1000), r.Next(0, 3)));
            p.Locations.Add(loc);
        }
        var ns = r.Next(0, 30);
        var values = new long[types.Count];
        for (var i = 0; i < ns; i++)
        {
            var depth = r.Next(0, 12);
            var stack = StackTable.Root;
            for (var d = 0; d < depth; d++) stack = p.Stacks.Push(stack, r.Next(nl));
            for (var k = 0; k < values.Length; k++) values[k] = r.Next(4) == 0 ? 0 : r.Next(3) == 0 ? r.NextInt64(long.MinValue / 4, long.MaxValue / 4) : r.Next(-5, 1000);
            Label[]? labels = null;
            if (r.Next(2) == 0)
            {
                labels = new Label[r.Next(1, 4)];
                for (var k = 0; k < labels.Length; k++)
                    labels[k] = r.Next(2) == 0 ? new Label("k" + r.Next(3), W())
                        : new Label("n" + r.Next(3), null, r.Next(1, 1 << 20) * (r.Next(2) == 0 ? -1L : 1L), r.Next(2) == 0 ? null : "bytes");
            }
            p.Samples.Add(stack, -1, SampleTable.NoTime, values, 0, -1, labels);
        }
        if (r.Next(2) == 0) p.PeriodType = new SampleType(W(), "nanoseconds");
        p.Period = r.Next(0, 1000000);
        if (r.Next(2) == 0) { p.StartTime = r.NextInt64(1, long.MaxValue); p.Clock.Domain = ClockDomain.Realtime; }
        p.DurationNs = r.NextInt64(0, long.MaxValue);
        for (var i = r.Next(0, 3); i > 0; i--) p.Comments.Add(W());
        if (r.Next(2) == 0) p.DefaultSampleType = types[r.Next(types.Count)].Type;
        if (r.Next(3) == 0) { p.DropFrames = "x.*"; p.KeepFrames = r.Next(2) == 0 ? "xy" : null; }
        if (r.Next(3) == 0) p.DocUrl = "https://example.invalid/" + r.Next(10);
        return p;
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public void Arbitrary_valid_profiles_round_trip(int seed, bool gzip)
    {
        var p = RandomProfile(new Random(seed));
        PprofRoundTripTests.AssertSameProfile(p, PprofRoundTripTests.RoundTrip(p, gzip));
    }

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public void Merge_keeps_every_stack_sum_whatever_the_order(int seed, PositiveInt count)
    {
        var r = new Random(seed);
        SampleType[] types = [new("samples", "count"), new("cpu", "nanoseconds")];
        var n = 1 + count.Get % 5;
        var inputs = Enumerable.Range(0, n).Select(_ => RandomProfile(r, types)).ToList();
        foreach (var p in inputs) p.PeriodType = new SampleType("cpu", "nanoseconds");
        var expected = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var p in inputs)
            foreach (var (k, v) in RawText.Reduce(p))
            {
                if (!expected.TryGetValue(k, out var sum)) expected[k] = sum = new long[v.Length];
                for (var i = 0; i < v.Length; i++) sum[i] += v[i];
            }
        foreach (var k in expected.Where(kv => kv.Value.All(x => x == 0)).Select(kv => kv.Key).ToList()) expected.Remove(k);
        var shuffled = inputs.OrderBy(_ => r.Next()).ToList();
        foreach (var order in new[] { inputs, shuffled, Enumerable.Reverse(inputs).ToList() })
        {
            var merged = RawText.Reduce(ProfileMerger.Merge(order));
            Assert.Equal(expected.Keys, merged.Keys);
            foreach (var (k, v) in expected) Assert.Equal(v, merged[k]);
        }
    }

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
