using Stackweave.Formats;
using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.DebugJit;

/// <summary>Symbolization cost: one lookup per distinct location, one load per binary that has sampled addresses.</summary>
public sealed class SymbolizeOnceTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("sw-once-").FullName;
    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public void EachDistinctAddressIsResolvedOnceAndOnlySampledBinariesAreLoaded()
    {
        DebugJitData.UnpackJitFiles("dotnet", _tmp, maps: true, dumps: true);
        var profile = FormatRegistry.Read(DebugJitData.Path("dotnet", "perf.data"), ReadOptions.Default);
        // The model interns locations: one per (mapping, address, return-address flag), however many samples pass through.
        var distinct = profile.Locations.Select(l => (l.MappingId, l.Address, l.IsReturnAddress)).Distinct().Count();
        Assert.Equal(profile.Locations.Count, distinct);
        Assert.True(profile.Samples.Count > 5 * distinct / 10, "samples share locations");

        var cache = new SymbolCache();
        var options = new SymbolOptions { JitDirs = [_tmp], KallsymsPath = RepoPaths.TestData("system-wide", "kallsyms.gz"), Cache = cache };
        var report = Symbolizer.Symbolize(profile, options);
        // One lookup per location: every location is counted exactly once as resolved or unresolved.
        Assert.Equal(profile.Locations.Count, report.Resolved + report.Unresolved + report.AlreadySymbolized);
        Assert.Equal(0, report.AlreadySymbolized);
        Assert.Equal(report.Binaries.Sum(b => b.Locations), profile.Locations.Count);
        // Lazy: only mappings that hold a sampled address are looked at; the jitdump's own mapping (perf's marker) and
        // libraries mapped but never sampled are not.
        var loaded = report.Binaries.Select(b => b.Path).ToHashSet(StringComparer.Ordinal);
        var mapped = profile.Mappings.Select(m => m.Path).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(mapped, p => p.EndsWith(".dump", StringComparison.Ordinal));
        Assert.DoesNotContain(loaded, p => p.EndsWith(".dump", StringComparison.Ordinal));
        Assert.True(loaded.Count < mapped.Count, $"{loaded.Count} of {mapped.Count} mapped objects looked at");
        Assert.All(report.Binaries, b => Assert.True(b.Locations > 0));

        // A second pass with the same cache loads nothing anew: the binaries' symbols are the very same objects.
        var again = FormatRegistry.Read(DebugJitData.Path("dotnet", "perf.data"), ReadOptions.Default);
        var locator = new BinaryLocator(options);
        var first = cache.Binary(locator, "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so", report.Binaries.First(b => b.Path.EndsWith("libcoreclr.so", StringComparison.Ordinal)).BuildId);
        Symbolizer.Symbolize(again, options);
        Assert.Same(first, cache.Binary(locator, "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so", report.Binaries.First(b => b.Path.EndsWith("libcoreclr.so", StringComparison.Ordinal)).BuildId));
        Assert.Equal(profile.Locations.Select(l => l.Lines.Count), again.Locations.Select(l => l.Lines.Count));
    }
}
