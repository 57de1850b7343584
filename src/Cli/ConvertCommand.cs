using Stackweave.Formats.Csv;
using Stackweave.Formats.Folded;
using Stackweave.Formats.IO;
using Stackweave.Formats.Pprof;
using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;
using Stackweave.Formats.Speedscope;
using Stackweave.Merge.Pprof;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Demangle;
using Stackweave.Merge.Timeline;

namespace Stackweave.Cli;

public static partial class Commands
{
    /// <summary>Output formats by extension (longest suffix first).</summary>
    private static readonly (string Suffix, string Format)[] s_extensions =
    [
        (".speedscope.json", "speedscope"), (".pb.gz", "pprof"), (".folded", "folded"), (".collapsed", "folded"),
        (".csv", "csv"), (".svg", "svg"), (".html", "html"), (".perf-script", "perf-script"), (".script", "perf-script"),
    ];

    private static string OutputFormat(CliArgs a)
    {
        var f = a.Value("--format");
        if (f is null)
        {
            var o = a.Value("-o");
            f = a.Value("--csv") is not null ? "csv" : "folded";
            if (o is not null && o != "-")
                foreach (var (suffix, format) in s_extensions)
                    if (o.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { f = format; break; }
        }
        if (a.Value("--csv") is not null && f != "csv") throw new UsageException($"--csv chooses a CSV table; the output format here is {f}");
        if (f is "folded" or "perf-script" or "speedscope" or "csv" or "pprof" or "svg" or "html") return f;
        throw new UsageException($"unknown output format '{f}' (folded, perf-script, speedscope, csv, pprof, svg, html)");
    }

    /// <summary>Managed heap and resident set, for --verbose.</summary>
    private static string Memory() =>
        FormattableString.Invariant($"heap {GC.GetTotalMemory(false) >> 20} MB, rss {Environment.WorkingSet >> 20} MB, peak {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB");

    /// <summary>
    /// One stderr note per symbol file refused because it is not the capture's (build id or debuglink CRC differs) or
    /// read only in part (damaged jitdump): such files are never used silently.
    /// </summary>
    internal static void NoteRefusedFiles(SymbolizeReport report, TextWriter stderr)
    {
        foreach (var b in report.Binaries)
            foreach (var m in b.Messages)
                if (m.StartsWith("build-id mismatch", StringComparison.Ordinal) || m.StartsWith("debuglink CRC mismatch", StringComparison.Ordinal)
                    || m.StartsWith("jitdump damaged", StringComparison.Ordinal))
                    stderr.WriteLine("stackweave: note: " + m);
    }

    private static SymbolOptions SymbolOptions(CliArgs a, string? input = null)
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
        // elfutils debuginfod-client's cache: $DEBUGINFOD_CACHE_PATH, else $XDG_CACHE_HOME/debuginfod_client, else ~/.cache/debuginfod_client.
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var env = Environment.GetEnvironmentVariable("DEBUGINFOD_CACHE_PATH");
        var debuginfod = a.Value("--debuginfod-cache")
            ?? (env is { Length: > 0 } ? env
                : xdg is { Length: > 0 } ? Path.Combine(xdg, "debuginfod_client")
                : home is { Length: > 0 } ? Path.Combine(home, ".cache", "debuginfod_client") : null);
        var o = new SymbolOptions
        {
            Symfs = input is null ? a.Value("--symfs") : PerInput(a, "--symfs", input, a.Inputs),
            KallsymsPath = input is null ? a.Value("--kallsyms") : PerInput(a, "--kallsyms", input, a.Inputs),
            BuildIdCacheDir = cache, Demangle = demangle, DebuginfodCacheDir = debuginfod, JitDirs = a.Values("--jit-dir"),
            Cache = new SymbolCache(),
            // --inline: inlined frames from DWARF, named as stackcollapse-perf.pl --inline names them (addr2line -f -C)
            Inline = a.Has("--inline") ? InlineNames.Addr2Line : null,
            Limits = LimitsOf(a),
        };
        return a.Values("--debug-dir").Count == 0 ? o : o with { DebugDirs = [.. a.Values("--debug-dir"), .. o.DebugDirs] };
    }

    /// <summary>The unwinder of --call-graph dwarf samples (binaries found as symbols are), or null under --no-unwind.</summary>
    internal static Stackweave.Merge.Unwind.DwarfUnwinder? Unwinder(CliArgs a, SymbolOptions symbols) =>
        a.Has("--no-unwind") ? null : new Stackweave.Merge.Unwind.DwarfUnwinder(symbols);

    private static int Convert(RunContext ctx)
    {
        var a = ctx.Args;
        var format = OutputFormat(a);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var symbols = SymbolOptions(a);
        // CSV and speedscope frames carry the source file and line DWARF gives
        if (format is "csv" or "speedscope") symbols = symbols with { SourceLines = true };
        // per-input --symfs FILE=DIR / --kallsyms FILE=PATH (captures from several hosts) share one symbol cache
        var perInput = a.Inputs.Distinct(StringComparer.Ordinal).ToDictionary(i => i, i => SymbolOptions(a, i) with { Cache = symbols.Cache, SourceLines = symbols.SourceLines }, StringComparer.Ordinal);
        // symbol tables load on another core while the capture is read
        foreach (var input in a.Inputs) symbols.Cache!.Preload(input, perInput[input]);
        // folded and svg need no per-sample rows: one row per distinct (stack, thread, event) keeps memory to distinct stacks;
        // a slice by time needs the times.
        var sliced = a.Value("--start") is not null || a.Value("--end") is not null;
        var profiles = ReadAll(ctx, ctx.ReadOptions with { AggregateSamples = (format is "folded" or "svg") && !sliced, UserStackUnwinder = Unwinder(a, symbols) });
        // What reading needed and no longer does (per-process chain caches, read-ahead buffers, the tables that intern
        // stacks and locations) is garbage now: one compacting collection hands it back before the output is built, so
        // the peak stays near the live data.
        foreach (var p in profiles) p.TrimLookups();
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var readTime = sw.Elapsed;
        var readMemory = Memory();
        foreach (var p in profiles) NoteRefusedFiles(Symbolizer.Symbolize(p, perInput.TryGetValue(p.Source.File, out var so) ? so : symbols), ctx.Stderr);
        var symbolTime = sw.Elapsed - readTime;
        var symbolMemory = Memory();
        // pprof reads apply a profile's drop_frames/keep_frames before anything else (go tool pprof does so when fetching).
        foreach (var p in profiles) FramePruner.Apply(p);
        AlignClocks(ctx, profiles);
        FilterAndGroup(ctx, profiles);
        if (format == "html")
        {
            // the page keeps every source apart (one lane per source and thread): no merge
            using var page = OutputTarget.Open(a.Value("-o"), ctx.Stdout);
            WriteHtml(ctx, profiles, page);
            page.Commit();
            return ctx.Finish(profiles);
        }
        var sampleType = a.Value("--sample-type");
        List<Profile>? foldedParts = null;
        Profile profile;
        if (profiles.Count == 1) profile = profiles[0];
        else if (sampleType is null && format is "speedscope" or "csv") profile = TimelineMerger.Merge(profiles);
        else if (sampleType is null && format == "folded" && !SameSampleTypes(profiles) && profiles.Any(p => p.Source.Format != profiles[0].Source.Format))
        {
            // captures of different kinds: values of different units are never summed, each input's stacks are its own lines
            // (inputs of one kind with different sample types are refused by the aggregate merge, as go tool pprof refuses them)
            foldedParts = profiles;
            profile = profiles[0];
            if (a.Value("--group-by") is null)
                ctx.Stderr.WriteLine("stackweave: inputs measure different things (" + string.Join("; ", profiles.Select(p => Path.GetFileName(p.Source.File) + ": " + SampleTypes.Describe(p.SampleTypes)))
                                     + "); their lines are written one input after another, not summed (--group-by source puts each under a [file] root frame)");
        }
        else profile = ProfileMerger.Merge(profiles, sampleType);
        var labelKeys = a.Values("--label-frames").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        LabelFrames.Apply(profile, labelKeys);
        int? valueIndex = null;
        if (sampleType is not null)
        {
            valueIndex = SampleTypes.IndexOf(profile, sampleType);
            if (valueIndex < 0)
                throw new CaptureFormatException(profile.Source.File, 0, $"a sample type '{sampleType}' (it has {SampleTypes.Describe(profile.SampleTypes)})");
            // speedscope and CSV weigh samples by the default sample type (SampleSelection.ValueColumn).
            profile.DefaultSampleType = sampleType;
        }
        else if (profile.Events.Count == 0 && profile.SampleTypes.Count > 0) valueIndex = SampleTypes.DefaultIndex(profile);
        using var target = OutputTarget.Open(a.Value("-o"), ctx.Stdout);
        if (format == "svg")
        {
            var options = FoldedOptionsOf(a, valueIndex);
            WriteSvg(ctx, profile, options, symbols, target);
        }
        else if (format == "pprof")
        {
            target.Writer.Flush();
            PprofWriter.Write(profile, target.Writer.BaseStream);
        }
        else if (format == "folded")
        {
            var groupBy = a.Value("--group-by") is not null;
            TextWriter folded = groupBy ? new StringWriter() { NewLine = "\n" } : target.Writer;
            foreach (var part in foldedParts ?? [profile])
            {
                var options = FoldedOptionsOf(a, foldedParts is null ? valueIndex : part.Events.Count == 0 && part.SampleTypes.Count > 0 ? SampleTypes.DefaultIndex(part) : null);
                var result = FoldedWriter.Write(part, folded, options);
                if (result.SkippedNote() is { } note) ctx.Stderr.WriteLine("stackweave: " + (foldedParts is null ? "" : part.Source.File + ": ") + note);
            }
            if (groupBy) GroupFrames.HoistToRoot(folded.ToString() ?? "", target.Writer);
        }
        else if (format == "speedscope") WriteSpeedscope(ctx, profile, target);
        else if (format == "csv") WriteCsv(ctx, profile, target);
        else
        {
            PerfScriptWriter.Write(profile, target.Writer, new PerfScriptOptions());
        }
        target.Commit();
        if (a.Has("--verbose"))
            ctx.Stderr.WriteLine(FormattableString.Invariant($"stackweave: read {readTime.TotalSeconds:0.000} s ({readMemory}), symbolize {symbolTime.TotalSeconds:0.000} s ({symbolMemory}), write {(sw.Elapsed - readTime - symbolTime).TotalSeconds:0.000} s ({Memory()})"));
        return ctx.Finish(profiles);
    }

    private static FoldedOptions FoldedOptionsOf(CliArgs a, int? valueIndex) => new()
    {
        Pid = a.Has("--pid"), Tid = a.Has("--tid"), Kernel = a.Has("--kernel"), Jit = a.Has("--jit"),
        All = a.Has("--all"), Addrs = a.Has("--addrs"), EventFilter = a.Value("--event-filter"), ValueIndex = valueIndex,
        Offsets = a.Has("--offsets"), Inline = a.Has("--inline"),
    };

    private static bool SameSampleTypes(List<Profile> profiles)
    {
        foreach (var p in profiles)
            if (!p.SampleTypes.SequenceEqual(profiles[0].SampleTypes) || p.PeriodType != profiles[0].PeriodType) return false;
        return true;
    }

    private static WeightMode Weight(CliArgs a) => a.Value("--weight") switch
    {
        null or "period" => WeightMode.Period,
        "count" => WeightMode.Count,
        var v => throw new UsageException($"--weight takes count or period, not '{v}'"),
    };

    private static void WriteSpeedscope(RunContext ctx, Profile profile, OutputTarget target)
    {
        var a = ctx.Args;
        var options = new SpeedscopeOptions
        {
            Sampled = a.Has("--sampled"), Weight = Weight(a), Event = a.Value("--event-filter"),
            AllEvents = a.Has("--all-events") || (profile.Parts.Count > 1 && a.Value("--event-filter") is null),
            Exporter = "stackweave " + Version,
        };
        target.Writer.Flush();
        SpeedscopeResult result;
        try { result = SpeedscopeWriter.Write(profile, target.Writer.BaseStream, options); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (result.SamplesOfOtherEvents > 0)
            ctx.Stderr.WriteLine(FormattableString.Invariant($"stackweave: wrote event {string.Join(", ", result.Events)}; skipped {result.SamplesOfOtherEvents} samples of other events (use --event NAME or --all-events)"));
        if (result.MarksNotShown > 0)
            ctx.Stderr.WriteLine(FormattableString.Invariant($"stackweave: {result.MarksNotShown} non-sample events without a time have no place on speedscope's timeline, left out (--format csv lists them)"));
    }

    private static void WriteCsv(RunContext ctx, Profile profile, OutputTarget target)
    {
        var a = ctx.Args;
        var table = a.Value("--csv") switch
        {
            null or "samples" => CsvTable.Samples,
            "stacks" => CsvTable.Stacks,
            "functions" => CsvTable.Functions,
            "histograms" => CsvTable.Histograms,
            var v => throw new UsageException($"--csv takes samples, stacks, functions or histograms, not '{v}'"),
        };
        var options = new CsvOptions
        {
            Table = table, Weight = Weight(a), Event = a.Value("--event-filter"),
            AllEvents = a.Has("--all-events") || (profile.Parts.Count > 1 && a.Value("--event-filter") is null),
        };
        try { ProfileCsvWriter.Write(profile, target.Writer, options); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
