using FsCheck;
using FsCheck.Fluent;

namespace Stackweave.Testing;

/// <summary>What <see cref="PprofGenerators.Profile(PprofGenOptions)"/> may draw; arrays list the choices.</summary>
public sealed record PprofGenOptions
{
    /// <summary>gzip or raw.</summary>
    public bool[] Gzip { get; init; } = [false, true];
    /// <summary>Repeated-field encodings.</summary>
    public PprofPacking[] Packings { get; init; } = [PprofPacking.Packed, PprofPacking.Unpacked, PprofPacking.GoStyle, PprofPacking.Mixed];
    /// <summary>At most this many samples.</summary>
    public int MaxSamples { get; init; } = 20;
    /// <summary>At most this many sample types (at least 1).</summary>
    public int MaxSampleTypes { get; init; } = 3;
    /// <summary>Write Line.column (field 3, newer than Go 1.19's profile.proto, which skips it).</summary>
    public bool Columns { get; init; } = true;
    /// <summary>When set, every profile has exactly these sample types (e.g. profiles to merge); else 1–<see cref="MaxSampleTypes"/> drawn ones.</summary>
    public IReadOnlyList<PprofValueType>? SampleTypes { get; init; }
}

/// <summary>
/// FsCheck generators of valid pprof profiles: ids non-zero and unique (possibly large), every reference resolvable,
/// as many values per sample as sample types, labels string or numeric (non-zero, with or without unit), addresses
/// 0 allowed, drop_frames/keep_frames matching no function (so pprof's pruning keeps every sample).
/// </summary>
public static class PprofGenerators
{
    private static readonly string[] s_words = ["main", "run", "x", "é", "a b", "f(int)", "ns::g<int>", "(anonymous namespace)::h", "semi;colon", "π", "runtime.mcall", "std::vector<int>::push_back"];
    private static readonly (string, string)[] s_types = [("samples", "count"), ("cpu", "nanoseconds"), ("alloc_space", "bytes"), ("inuse_objects", "count"), ("wall", "microseconds"), ("contentions", "count")];

    private static Gen<ulong> Id(int i) => Gen.Frequency((4, Gen.Constant((ulong)i + 1)), (1, Gen.Choose(1, int.MaxValue).Select(x => ((ulong)x << 24) + (ulong)i + 1)));

    private static Gen<long> Value() => Gen.Frequency(
        (6, Gen.Choose(0, 1000).Select(v => (long)v)),
        (2, Gen.Choose(-5, -1).Select(v => (long)v)),
        (2, Gen.Choose(0, int.MaxValue).Two().Select(t => ((long)t.Item1 << 31 | (long)t.Item2) * (t.Item1 % 2 == 0 ? 1 : -1))),
        (1, Gen.Elements(long.MaxValue, long.MinValue + 1)));

    /// <summary>A profile drawn as <paramref name="o"/> allows.</summary>
    public static Gen<PprofProfile> Profile(PprofGenOptions? o = null)
    {
        o ??= new PprofGenOptions();
        return
            from drawnTypes in Gen.Choose(1, Math.Max(1, o.MaxSampleTypes))
            let nTypes = o.SampleTypes?.Count ?? drawnTypes
            from typeIdx in Gen.Choose(0, s_types.Length - 1).ArrayOf(nTypes)
            let types = o.SampleTypes?.ToArray() ?? typeIdx.Select(i => new PprofValueType(s_types[i].Item1, s_types[i].Item2)).ToArray()
            from nMap in Gen.Choose(0, 3)
            from mapIds in Gen.CollectToList(Enumerable.Range(0, nMap).Select(Id))
            from maps in Gen.CollectToList(mapIds.Select((id, i) => Mapping(id, i)))
            from nFun in Gen.Choose(0, 6)
            from funIds in Gen.CollectToList(Enumerable.Range(0, nFun).Select(Id))
            from funs in Gen.CollectToList(funIds.Select((id, i) => Function(id, i)))
            from nLoc in Gen.Choose(0, 8)
            from locIds in Gen.CollectToList(Enumerable.Range(0, nLoc).Select(Id))
            from locs in Gen.CollectToList(locIds.Select(id => Location(id, mapIds.ToArray(), funIds.ToArray(), o.Columns)))
            from nSamples in Gen.Choose(0, o.MaxSamples)
            from samples in Gen.CollectToList(Enumerable.Range(0, nSamples).Select(_ => Sample(nTypes, locIds.ToArray())))
            from hasPeriod in Gen.Elements(false, true)
            from periodIdx in Gen.Choose(0, s_types.Length - 1)
            from period in Gen.Choose(0, 100_000_000)
            from time in Gen.Frequency((1, Gen.Constant(0L)), (2, Gen.Choose(1, int.MaxValue).Select(t => 1_600_000_000_000_000_000L + (long)t * 1000)))
            from duration in Gen.Choose(0, int.MaxValue)
            from nComments in Gen.Choose(0, 3)
            from comments in Gen.Elements(s_words).ArrayOf(nComments)
            from dflt in Gen.Choose(-1, nTypes - 1)
            from drop in Gen.Elements("", "zz_never_[0-9]+")
            from keep in Gen.Elements("", "zz_keep")
            from doc in Gen.Elements("", "https://example.invalid/doc")
            from gzip in Gen.Elements(o.Gzip)
            from packing in Gen.Elements(o.Packings)
            from stringsFirst in Gen.Elements(false, true)
            select new PprofProfile
            {
                SampleTypes = types,
                Samples = samples.ToArray(), Mappings = maps.ToArray(), Locations = locs.ToArray(), Functions = funs.ToArray(),
                DropFrames = drop, KeepFrames = drop.Length > 0 ? keep : "",
                TimeNanos = time, DurationNanos = duration,
                PeriodType = hasPeriod ? new PprofValueType(s_types[periodIdx].Item1, s_types[periodIdx].Item2) : null, Period = period,
                Comments = comments, DefaultSampleType = dflt < 0 ? "" : types[dflt].Type, DocUrl = doc,
                Encoding = new PprofEncoding { Gzip = gzip, Packing = packing, StringsFirst = stringsFirst },
            };
    }

    private static Gen<PprofMapping> Mapping(ulong id, int i) =>
        from start in Gen.Choose(1, 1 << 20)
        from len in Gen.Choose(1, 1 << 24)
        from off in Gen.Choose(0, 1 << 20)
        from bits in Gen.Choose(0, 15)
        from hasBuildId in Gen.Elements(false, true)
        select new PprofMapping(id, (ulong)start << 12, ((ulong)start << 12) + (ulong)len, (ulong)off << 12,
            "/gen/lib" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".so", hasBuildId ? "b1d" + id.ToString("x", System.Globalization.CultureInfo.InvariantCulture) : "",
            (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0);

    private static Gen<PprofFunction> Function(ulong id, int i) =>
        from name in Gen.Elements(s_words)
        from sys in Gen.Elements(s_words)
        from file in Gen.Elements("", "main.go", "/src/a.c", "lib.rs")
        from start in Gen.Choose(0, 500)
        select new PprofFunction(id, name + i.ToString(System.Globalization.CultureInfo.InvariantCulture), sys, file, start);

    private static Gen<PprofLocation> Location(ulong id, ulong[] mapIds, ulong[] funIds, bool columns) =>
        from m in Gen.Choose(-1, mapIds.Length - 1)
        from addr in Gen.Frequency((1, Gen.Constant(0UL)), (3, Gen.Choose(1, int.MaxValue).Select(a => (ulong)a)))
        from nLines in Gen.Choose(0, funIds.Length == 0 ? 0 : 3)
        from lines in Gen.CollectToList(Enumerable.Range(0, nLines).Select(_ =>
            from f in Gen.Elements(funIds.Length == 0 ? [0UL] : funIds)
            from line in Gen.Choose(0, 2000)
            from col in Gen.Choose(0, columns ? 80 : 0)
            select new PprofLine(f, line, col)))
        from folded in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new PprofLocation(id, m < 0 ? 0 : mapIds[m], addr, lines.ToArray(), folded);

    private static Gen<PprofSample> Sample(int nTypes, ulong[] locIds) =>
        from depth in Gen.Choose(0, locIds.Length == 0 ? 0 : 8)
        from locs in Gen.Elements(locIds.Length == 0 ? [1UL] : locIds).ArrayOf(depth)
        from values in Value().ArrayOf(nTypes)
        from nLabels in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
        from labels in Gen.CollectToList(Enumerable.Range(0, nLabels).Select(_ => Label()))
        select new PprofSample(locIds.Length == 0 ? [] : locs, values, labels.ToArray());

    private static Gen<PprofLabel> Label() =>
        Gen.OneOf(
            from k in Gen.Elements("thread", "goroutine", "k", "span id")
            from v in Gen.Elements("main", "worker 1", "x", "é")
            select new PprofLabel(k, v, 0, ""),
            from k in Gen.Elements("bytes", "n", "object count")
            from v in Gen.Choose(1, 1 << 20)
            from neg in Gen.Elements(false, true)
            from unit in Gen.Elements("", "bytes", "count")
            select new PprofLabel(k, null, neg ? -v : v, unit));

    /// <summary>Smaller profiles for shrinking: fewer samples, labels, comments; no unused locations, functions or mappings; plain encoding.</summary>
    public static IEnumerable<PprofProfile> Shrink(PprofProfile p)
    {
        var n = p.Samples.Count;
        if (n > 0)
        {
            yield return p with { Samples = [] };
            if (n > 1) { yield return p with { Samples = p.Samples.Take(n / 2).ToArray() }; yield return p with { Samples = p.Samples.Skip(n / 2).ToArray() }; }
            for (var i = n - 1; i >= 0; i--) yield return p with { Samples = p.Samples.Where((_, k) => k != i).ToArray() };
        }
        for (var i = 0; i < n; i++)
        {
            var s = p.Samples[i];
            if (s.Labels.Count > 0) yield return p with { Samples = p.Samples.Select((x, k) => k == i ? x with { Labels = [] } : x).ToArray() };
            if (s.LocationIds.Count > 0) yield return p with { Samples = p.Samples.Select((x, k) => k == i ? x with { LocationIds = x.LocationIds.Take(x.LocationIds.Count - 1).ToArray() } : x).ToArray() };
        }
        var usedLocs = p.Samples.SelectMany(s => s.LocationIds).ToHashSet();
        if (p.Locations.Any(l => !usedLocs.Contains(l.Id))) yield return p with { Locations = p.Locations.Where(l => usedLocs.Contains(l.Id)).ToArray() };
        var usedFuns = p.Locations.SelectMany(l => l.Lines).Select(l => l.FunctionId).ToHashSet();
        if (p.Functions.Any(f => !usedFuns.Contains(f.Id))) yield return p with { Functions = p.Functions.Where(f => usedFuns.Contains(f.Id)).ToArray() };
        var usedMaps = p.Locations.Select(l => l.MappingId).ToHashSet();
        if (p.Mappings.Any(m => !usedMaps.Contains(m.Id))) yield return p with { Mappings = p.Mappings.Where(m => usedMaps.Contains(m.Id)).ToArray() };
        if (p.Comments.Count > 0) yield return p with { Comments = [] };
        if (p.DropFrames.Length > 0 || p.DocUrl.Length > 0 || p.PeriodType is not null || p.DefaultSampleType.Length > 0)
            yield return p with { DropFrames = "", KeepFrames = "", DocUrl = "", PeriodType = null, DefaultSampleType = "" };
        if (p.Encoding != new PprofEncoding()) yield return p with { Encoding = new PprofEncoding() };
    }
}

/// <summary>FsCheck arbitraries for <c>[Property(Arbitrary = [typeof(PprofArbitraries)])]</c>.</summary>
public static class PprofArbitraries
{
    /// <summary>Valid profiles with every field, any packing, gzip or raw; shrinking removes samples and unused tables.</summary>
    public static Arbitrary<PprofProfile> Profiles() => Arb.From(PprofGenerators.Profile(), PprofGenerators.Shrink);
}
