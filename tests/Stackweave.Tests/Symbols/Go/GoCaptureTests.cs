using System.Text.Json;
using Stackweave.Formats;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Go;
using Stackweave.Tests.Integration;

namespace Stackweave.Tests.Symbols.Go;

/// <summary>
/// Check 8 of issue 4 on a real capture: perf record -g of the stripped Go program (run from the copy without section
/// headers). Every frame of the Go binary must get the function debug/gosym gives for its address (callers at address − 1),
/// the file and line it gives, and the inlined frames the unstripped build's DWARF gives.
/// </summary>
public sealed class GoCaptureTests : IDisposable
{
    private const string Recorded = "/tmp/stackweave-gopcln/gopcln";
    private readonly string _symfs;

    public GoCaptureTests()
    {
        _symfs = Directory.CreateTempSubdirectory("stackweave-gosymfs").FullName;
        var dir = Path.Combine(_symfs, "tmp", "stackweave-gopcln");
        Directory.CreateDirectory(dir);
        File.Copy(GoReference.NoShdr, Path.Combine(dir, "gopcln"));
    }

    public void Dispose() => Directory.Delete(_symfs, true);

    private (Profile Profile, SymbolizeReport Report) Symbolized()
    {
        var p = FormatRegistry.Read(GoReference.Data("perf.data"));
        var report = Symbolizer.Symbolize(p, new SymbolOptions { Symfs = _symfs, DebugDirs = [], UseRunningKernel = false });
        return (p, report);
    }

    [Fact]
    public void EveryGoFrameGetsGosymsFunctionLineAndDwarfsInlinedFrames()
    {
        var (p, report) = Symbolized();
        var stats = Assert.Single(report.Binaries, b => b.Path == Recorded);
        Assert.True(stats.Found);
        Assert.Equal(GoPclnRoute.HeaderScan, stats.GoPclnTab);
        Assert.Equal(0, stats.UnresolvedLocations);

        var go = GoReference.Load(GoReference.NoShdr);
        var gosym = GoReference.Gosym(GoReference.Lines(GoReference.Data("capture.gosym.txt"))).ToDictionary(g => g.Address);
        var dwarf = GoReference.Addr2line(GoReference.Lines(GoReference.Data("capture.llvm-addr2line.txt")));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();
        int frames = 0, inlined = 0;
        foreach (var loc in p.Locations)
        {
            if (loc.MappingId < 0 || p.Mappings[loc.MappingId].Path != Recorded) continue;
            var m = p.Mappings[loc.MappingId];
            var va = go.FileOffsetToAddress(loc.Address - m.Start + m.FileOffset)!.Value;
            seen.Add(FormattableString.Invariant($"0x{va:x} {(loc.IsReturnAddress ? "caller" : "leaf")}"));
            var lookup = loc.IsReturnAddress ? va - 1 : va;
            frames++;
            var g = gosym[lookup];
            var lines = loc.Lines;
            if (lines.Count == 0) { failures.Add(FormattableString.Invariant($"0x{lookup:x}: unresolved")); continue; }
            var outer = p.FunctionName(lines[^1].FunctionId);
            if (outer != g.Function) failures.Add(FormattableString.Invariant($"0x{lookup:x}: function {outer}, gosym {g.Function}"));
            var inner = p.Functions[lines[0].FunctionId];
            var innerLoc = FormattableString.Invariant($"{p.Strings[inner.FileName]}:{lines[0].LineNumber}");
            if (g.File.Length > 0 && innerLoc != FormattableString.Invariant($"{g.File}:{g.Line}"))
                failures.Add(FormattableString.Invariant($"0x{lookup:x}: {innerLoc}, gosym {g.File}:{g.Line}"));
            // DWARF (llvm-addr2line -i): every frame, innermost first.
            var want = dwarf[lookup];
            if (want.Count == 1 && want[0].Function == "??") continue; // assembly: no DWARF subprogram
            if (want.Count > 1) inlined++;
            var a = string.Join(" <- ", want.Select(w => w.Function + " " + w.Location));
            var b = string.Join(" <- ", lines.Select(l => p.FunctionName(l.FunctionId) + " " + p.Strings[p.Functions[l.FunctionId].FileName] + ":" + l.LineNumber));
            if (a != b) failures.Add(FormattableString.Invariant($"0x{lookup:x}: dwarf {a}\n   model {b}"));
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(30)));
        // Every Go frame of the capture was compared (the regen script listed them from perf script's text).
        Assert.Equal(File.ReadLines(GoReference.Data("capture.addrs")).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.True(frames > 50 && inlined > 3, FormattableString.Invariant($"{frames} frames, {inlined} with inlined frames"));
    }

    [Fact]
    public void OutputsNameTheGoFramesAndSpeedscopeShowsInlinedFrames()
    {
        // perf 6.1 shows every Go frame of this capture as [unknown]; Stackweave names them from the pclntab.
        Assert.Contains("[unknown] (" + Recorded + ")", File.ReadAllText(GoReference.Data("capture.script.txt")), StringComparison.Ordinal);
        var folded = CliRunner.Run("convert", GoReference.Data("perf.data"), "--symfs", _symfs, "--format", "folded");
        Assert.Equal(0, folded.ExitCode);
        Assert.DoesNotContain("[gopcln]", folded.Stdout, StringComparison.Ordinal);
        Assert.Contains(";runtime.goexit;main.main.func1;main.worker;main.spin ", folded.Stdout, StringComparison.Ordinal);
        Assert.Contains(";main.worker;gopcln/shapes.Churn ", folded.Stdout, StringComparison.Ordinal);

        var ss = CliRunner.Run("convert", GoReference.Data("perf.data"), "--symfs", _symfs, "--format", "speedscope", "--sampled");
        Assert.Equal(0, ss.ExitCode);
        using var doc = JsonDocument.Parse(ss.Stdout);
        var names = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => (Name: f.GetProperty("name").GetString(), File: f.TryGetProperty("file", out var x) ? x.GetString() : null, Line: f.TryGetProperty("line", out var l) ? l.GetInt32() : 0))
            .ToList();
        // Inlined functions are frames of their own, with their source file (speedscope's line is a function's first line,
        // which the pclntab before Go 1.20 does not record: left 0).
        Assert.Contains(names, f => f.Name == "gopcln/shapes.Square" && f.File == "gopcln/shapes/shapes.go");
        Assert.Contains(names, f => f.Name == "gopcln/shapes.Mix" && f.File == "gopcln/shapes/shapes.go");
        Assert.Contains(names, f => f.Name == "main.(*hasher).add" && f.File == "gopcln/main.go");
    }
}
