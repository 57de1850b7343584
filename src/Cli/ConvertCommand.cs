using Stackweave.Formats.Folded;
using Stackweave.Formats.IO;
using Stackweave.Formats.Pprof;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;
using Stackweave.Merge.Pprof;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Demangle;

namespace Stackweave.Cli;

public static partial class Commands
{
    /// <summary>Output formats by extension (longest suffix first).</summary>
    private static readonly (string Suffix, string Format)[] s_extensions =
    [
        (".speedscope.json", "speedscope"), (".pb.gz", "pprof"), (".folded", "folded"), (".collapsed", "folded"),
        (".csv", "csv"), (".svg", "svg"), (".html", "html"), (".perf-script", "perf-script"), (".script", "perf-script"),
    ];

    private static readonly string[] s_laterFormats = ["speedscope", "csv", "svg", "html"];

    private static string OutputFormat(CliArgs a)
    {
        var f = a.Value("--format");
        if (f is null)
        {
            var o = a.Value("-o");
            f = "folded";
            if (o is not null && o != "-")
                foreach (var (suffix, format) in s_extensions)
                    if (o.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { f = format; break; }
        }
        if (f is "folded" or "perf-script" or "pprof") return f;
        if (Array.IndexOf(s_laterFormats, f) >= 0) throw new UsageException($"output format '{f}' is not available in this version (folded, perf-script, pprof are)");
        throw new UsageException($"unknown output format '{f}' (folded, perf-script, pprof)");
    }

    private static SymbolOptions SymbolOptions(CliArgs a)
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        var cache = a.Value("--buildid-dir") ?? (home is { Length: > 0 } ? Path.Combine(home, ".debug") : null);
        DemangleStyle? demangle = a.Value("--demangle") switch
        {
            null or "perf" => DemangleStyle.Perf,
            "full" => DemangleStyle.Full,
            "none" => null,
            var v => throw new UsageException($"--demangle takes perf, full or none, not '{v}'"),
        };
        if (a.Has("--no-demangle")) demangle = null;
        var o = new SymbolOptions
        {
            Symfs = a.Value("--symfs"), KallsymsPath = a.Value("--kallsyms"), BuildIdCacheDir = cache, Demangle = demangle,
        };
        return a.Values("--debug-dir").Count == 0 ? o : o with { DebugDirs = [.. a.Values("--debug-dir"), .. o.DebugDirs] };
    }

    private static int Convert(RunContext ctx)
    {
        var a = ctx.Args;
        var format = OutputFormat(a);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var profiles = ReadAll(ctx);
        var readTime = sw.Elapsed;
        var symbols = SymbolOptions(a);
        foreach (var p in profiles) Symbolizer.Symbolize(p, symbols);
        var symbolTime = sw.Elapsed - readTime;
        // pprof reads apply a profile's drop_frames/keep_frames before anything else (go tool pprof does so when fetching).
        foreach (var p in profiles) FramePruner.Apply(p);
        var sampleType = a.Value("--sample-type");
        var profile = profiles.Count == 1 ? profiles[0] : ProfileMerger.Merge(profiles, sampleType);
        var labelKeys = a.Values("--label-frames").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        LabelFrames.Apply(profile, labelKeys);
        int? valueIndex = null;
        if (sampleType is not null)
        {
            valueIndex = SampleTypes.IndexOf(profile, sampleType);
            if (valueIndex < 0)
                throw new CaptureFormatException(profile.Source.File, 0, $"a sample type '{sampleType}' (it has {SampleTypes.Describe(profile.SampleTypes)})");
        }
        else if (profile.Events.Count == 0 && profile.SampleTypes.Count > 0) valueIndex = SampleTypes.DefaultIndex(profile);
        using var target = OutputTarget.Open(a.Value("-o"), ctx.Stdout);
        if (format == "pprof")
        {
            target.Writer.Flush();
            PprofWriter.Write(profile, target.Writer.BaseStream);
        }
        else if (format == "folded")
        {
            var options = new FoldedOptions
            {
                Pid = a.Has("--pid"), Tid = a.Has("--tid"), Kernel = a.Has("--kernel"), Jit = a.Has("--jit"),
                All = a.Has("--all"), Addrs = a.Has("--addrs"), EventFilter = a.Value("--event-filter"), ValueIndex = valueIndex,
                RawNames = profile.Source.Format == PprofFormat.Instance.Name,
            };
            var result = FoldedWriter.Write(profile, target.Writer, options);
            if (result.SkippedNote() is { } note) ctx.Stderr.WriteLine("stackweave: " + note);
        }
        else
        {
            PerfScriptWriter.Write(profile, target.Writer, new PerfScriptOptions());
        }
        target.Commit();
        if (a.Has("--verbose"))
            ctx.Stderr.WriteLine(FormattableString.Invariant($"stackweave: read {readTime.TotalSeconds:0.000} s, symbolize {symbolTime.TotalSeconds:0.000} s, write {(sw.Elapsed - readTime - symbolTime).TotalSeconds:0.000} s"));
        return ctx.Finish(profiles);
    }
}
