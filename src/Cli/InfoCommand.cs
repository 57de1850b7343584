using System.Globalization;
using System.Text.Json;
using Stackweave.Formats;
using Stackweave.Formats.IO;
using Stackweave.Formats.PerfData;
using Stackweave.Merge.Symbols;

namespace Stackweave.Cli;

public static partial class Commands
{
    private static int Info(RunContext ctx, TextWriter stdout)
    {
        if (ctx.Args.Inputs.Count == 0) throw new UsageException("'info' needs an input file ('-' for stdin)");
        var json = ctx.Args.Has("--json");
        using var target = OutputTarget.Open(ctx.Args.Value("-o"), ctx.Stdout);
        var jw = json ? new Utf8JsonWriter(target.Writer.BaseStream, new JsonWriterOptions { Indented = true }) : null;
        jw?.WriteStartArray();
        // every input is read as a profile and the clocks aligned together (issue 9 point 4); perf.data also gets its header
        // summary, from a second read: stdin is spooled to a temporary file first so that it can be read twice.
        string? spool = null;
        var stdinAt = ctx.Args.Inputs.IndexOf("-");
        if (stdinAt >= 0)
        {
            spool = Path.GetTempFileName();
            using (var fs = File.Create(spool)) Console.OpenStandardInput().CopyTo(fs);
            ctx.Args.Inputs[stdinAt] = spool;
        }
        try { return InfoAll(ctx, target, jw, spool); }
        finally { if (spool is not null) File.Delete(spool); }
    }

    private static int InfoAll(RunContext ctx, OutputTarget target, Utf8JsonWriter? jw, string? spool)
    {
        var damaged = false;
        var profiles = ReadAll(ctx);
        AlignClocks(ctx, profiles);
        foreach (var p in profiles)
        {
            var input = p.Source.File;
            if (spool is not null && input == spool) p.Source.File = "-";
            if (p.Source.Format != PerfDataFormat.Instance.Name)
            {
                if (p.Damage is { } pd)
                {
                    damaged = true;
                    ctx.Stderr.WriteLine("stackweave: " + pd.Message + " — summarised what was read before it (--salvage)");
                }
                if (jw is not null) ProfileInfoJson(jw, p);
                else ProfileInfoText(target.Writer, p);
                continue;
            }
            using var file = OpenPerfData(input, ctx.ReadOptions);
            var summary = PerfDataSummary.Collect(file);
            if (file.Damage is { } d)
            {
                damaged = true;
                ctx.Stderr.WriteLine("stackweave: " + d.Message + " — summarised what was read before it (--salvage)");
            }
            // Per binary: samples that hit it, whether and how its symbols were found, addresses left unresolved.
            var binaries = Symbolizer.Symbolize(p, SymbolOptions(ctx.Args, input));
            if (jw is not null) InfoJson(jw, p.Source.File, summary, binaries, () => AlignmentJson(jw, p));
            else
            {
                InfoText(target.Writer, p.Source.File, summary);
                BinariesText(target.Writer, binaries);
                AlignmentText(target.Writer, p);
            }
        }
        if (jw is not null)
        {
            jw.WriteEndArray();
            jw.Flush();
            target.Writer.BaseStream.WriteByte((byte)'\n');
        }
        target.Commit();
        return damaged || ctx.Skipped.Count > 0 ? Partial : Ok;
    }

    /// <summary>Opens a perf.data input: a file, a perf.data/ directory, or "-"; other formats are refused.</summary>
    internal static PerfDataFile OpenPerfData(string input, ReadOptions options)
    {
        if (input != "-" && Directory.Exists(input)) return PerfDataFile.OpenDirectory(input, options);
        var (format, stream) = FormatRegistry.Open(input, options);
        if (format is not PerfDataFormat)
        {
            stream.Dispose();
            throw new CaptureFormatException(input, 0, "a perf.data capture (this is " + format.Name + ")");
        }
        return PerfDataFile.Open(stream, input, options);
    }

    private static string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);

    private static void InfoText(TextWriter w, string input, PerfDataSummary s)
    {
        var f = s.File;
        var ft = f.Features;
        w.WriteLine($"# file: {input}");
        w.WriteLine(Inv($"# format: perf.data ({(f.IsDirectory ? "directory" : f.IsPipe ? "pipe" : "file")} mode, {(f.IsBigEndian ? "big" : "little")}-endian)"));
        if (ft.Hostname is not null) w.WriteLine($"# hostname: {ft.Hostname}");
        if (ft.OsRelease is not null) w.WriteLine($"# os release: {ft.OsRelease}");
        if (ft.Version is not null) w.WriteLine($"# perf version: {ft.Version}");
        if (ft.Arch is not null) w.WriteLine($"# arch: {ft.Arch}");
        if (ft.NrCpusOnline is { } on) w.WriteLine(Inv($"# nrcpus online: {on}, available: {ft.NrCpusAvailable}"));
        if (ft.CpuDesc is not null) w.WriteLine($"# cpudesc: {ft.CpuDesc}");
        if (ft.TotalMemKb is { } mem) w.WriteLine(Inv($"# total memory: {mem} kB"));
        if (ft.Cmdline is { } cmd) w.WriteLine($"# cmdline: {string.Join(' ', cmd)}");
        w.WriteLine($"# features: {string.Join(' ', ft.Present)}");
        for (var i = 0; i < f.Attrs.Count; i++)
        {
            var a = f.Attrs[i];
            w.WriteLine(Inv($"# event {i}: {f.EventName(i)}: type {a.Type}, config 0x{a.Config:x}, {(a.Freq ? "freq" : "period")} {a.SamplePeriodOrFreq}, sample_type {a.SampleType}, attr size {a.Size}, {a.Ids.Count} ids, samples {s.SamplesByAttr[i]}"));
        }
        var clock = PerfClocks.NameOf(PerfClocks.ClockIdOf(f));
        w.WriteLine($"# clock: {clock}");
        if (ft.ClockResolutionNs is { } res) w.WriteLine(Inv($"# clock resolution: {res} ns"));
        if (ft.ClockData is { } cd) w.WriteLine(Inv($"# clock data: clockid {PerfClocks.NameOf(cd.ClockId)}, wall clock {cd.WallClockNs} ns = clock {cd.ClockIdTimeNs} ns ({DateTimeOffset.UnixEpoch.AddTicks((long)(cd.WallClockNs / 100)):yyyy-MM-ddTHH:mm:ss.fffffffZ})"));
        if (s.SampleTimeRange is { } tr) w.WriteLine(Inv($"# samples from {Seconds(tr.First)} to {Seconds(tr.Last)} ({Seconds(tr.Last - tr.First)} s)"));
        w.WriteLine(Inv($"# lost samples: {s.LostSamples}"));
        w.WriteLine("# records:");
        foreach (var kv in f.RecordCounts)
            w.WriteLine(Inv($"#   {PerfRecordNames.Of(kv.Key)}: {kv.Value}"));
        var ids = BuildIds(s);
        if (ids.Count > 0)
        {
            w.WriteLine("# build ids:");
            foreach (var kv in ids) w.WriteLine($"#   {kv.Value} {kv.Key}");
        }
        if (f.Diagnostics.Counters.Count > 0)
        {
            w.WriteLine("# diagnostics:");
            foreach (var kv in f.Diagnostics.Counters) w.WriteLine(Inv($"#   {kv.Key}: {kv.Value}"));
        }
    }

    private static SortedDictionary<string, string> BuildIds(PerfDataSummary s)
    {
        var ids = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var b in s.File.Features.BuildIds) ids.TryAdd(b.Filename, b.BuildId);
        foreach (var kv in s.MmapBuildIds) ids.TryAdd(kv.Key, kv.Value);
        return ids;
    }

    /// <summary>The name <c>info</c> gives a symbol route.</summary>
    internal static string RouteName(SymbolRoute r) => r switch
    {
        SymbolRoute.NotFound => "not found",
        SymbolRoute.RecordedPath => "recorded path",
        SymbolRoute.Symfs => "symfs",
        SymbolRoute.RecordedPathBuildIdChecked => "recorded path (build id checked)",
        SymbolRoute.BuildIdDebugFile => "build-id debug dir",
        SymbolRoute.DebugLink => "debuglink",
        SymbolRoute.Kallsyms => "kallsyms",
        SymbolRoute.PerfMap => "perf map",
        SymbolRoute.BuildIdCache => "perf build-id cache",
        SymbolRoute.Debuginfod => "debuginfod cache",
        SymbolRoute.JitDump => "jitdump",
        SymbolRoute.PerfMapAndJitDump => "perf map + jitdump",
        _ => r.ToString(),
    };

    private static void BinariesText(TextWriter w, SymbolizeReport r)
    {
        w.WriteLine("# binaries (samples with a frame in it, leaf samples, how symbols were found, distinct addresses unresolved):");
        foreach (var b in r.Binaries.OrderByDescending(b => b.Samples).ThenBy(b => b.Path, StringComparer.Ordinal))
        {
            var how = b.Found ? Inv($"found: {RouteName(b.Route)} {b.SymbolFile} ({b.SymbolCount} symbols)") : "not found";
            w.WriteLine(Inv($"#   {b.Path}: {b.Samples} samples, {b.SelfSamples} leaf, {how}, {b.UnresolvedLocations} of {b.Locations} addresses unresolved{(b.BuildId is null ? "" : ", build id " + b.BuildId)}"));
            foreach (var m in b.Messages) w.WriteLine("#     " + m);
        }
        w.WriteLine(Inv($"# addresses: {r.Resolved} resolved, {r.Unresolved} unresolved, {r.AlreadySymbolized} named by the input"));
    }

    private static void BinariesJson(Utf8JsonWriter j, SymbolizeReport r)
    {
        j.WriteStartArray("binaries");
        foreach (var b in r.Binaries.OrderByDescending(b => b.Samples).ThenBy(b => b.Path, StringComparer.Ordinal))
        {
            j.WriteStartObject();
            j.WriteString("path", b.Path);
            j.WriteString("kind", b.Kind.ToString());
            if (b.BuildId is not null) j.WriteString("buildId", b.BuildId);
            j.WriteNumber("samples", b.Samples);
            j.WriteNumber("leafSamples", b.SelfSamples);
            j.WriteNumber("frames", b.FrameSamples);
            j.WriteBoolean("found", b.Found);
            j.WriteString("route", RouteName(b.Route));
            if (b.SymbolFile is not null) j.WriteString("symbolFile", b.SymbolFile);
            j.WriteNumber("symbols", b.SymbolCount);
            j.WriteNumber("addresses", b.Locations);
            j.WriteNumber("unresolved", b.UnresolvedLocations);
            j.WriteStartArray("messages"); foreach (var m in b.Messages) j.WriteStringValue(m); j.WriteEndArray();
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private static void InfoJson(Utf8JsonWriter j, string input, PerfDataSummary s, SymbolizeReport? binaries, Action? more = null)
    {
        var f = s.File;
        var ft = f.Features;
        j.WriteStartObject();
        j.WriteString("file", input);
        j.WriteString("format", "perf.data");
        j.WriteString("mode", f.IsDirectory ? "directory" : f.IsPipe ? "pipe" : "file");
        j.WriteString("endianness", f.IsBigEndian ? "big" : "little");
        j.WriteStartObject("header");
        void Str(string name, string? v) { if (v is not null) j.WriteString(name, v); }
        Str("hostname", ft.Hostname); Str("osRelease", ft.OsRelease); Str("perfVersion", ft.Version); Str("arch", ft.Arch);
        Str("cpuDesc", ft.CpuDesc); Str("cpuId", ft.CpuId);
        if (ft.NrCpusOnline is { } on) j.WriteNumber("nrCpusOnline", on);
        if (ft.NrCpusAvailable is { } av) j.WriteNumber("nrCpusAvailable", av);
        if (ft.TotalMemKb is { } mem) j.WriteNumber("totalMemKb", mem);
        if (ft.Cmdline is { } cmd) { j.WriteStartArray("cmdline"); foreach (var c in cmd) j.WriteStringValue(c); j.WriteEndArray(); }
        j.WriteStartArray("features"); foreach (var p in ft.Present) j.WriteStringValue(p.ToString()); j.WriteEndArray();
        j.WriteEndObject();
        j.WriteStartArray("events");
        for (var i = 0; i < f.Attrs.Count; i++)
        {
            var a = f.Attrs[i];
            j.WriteStartObject();
            j.WriteString("name", f.EventName(i));
            j.WriteNumber("type", a.Type);
            j.WriteNumber("config", a.Config);
            j.WriteNumber(a.Freq ? "frequency" : "period", a.SamplePeriodOrFreq);
            j.WriteString("sampleType", a.SampleType.ToString());
            j.WriteNumber("attrSize", a.Size);
            j.WriteNumber("ids", a.Ids.Count);
            j.WriteNumber("samples", s.SamplesByAttr[i]);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartObject("clock");
        j.WriteString("id", PerfClocks.NameOf(PerfClocks.ClockIdOf(f)));
        if (ft.ClockResolutionNs is { } res) j.WriteNumber("resolutionNs", res);
        if (ft.ClockData is { } cd)
        {
            j.WriteStartObject("clockData");
            j.WriteNumber("version", cd.Version); j.WriteString("clockId", PerfClocks.NameOf(cd.ClockId));
            j.WriteNumber("wallClockNs", cd.WallClockNs); j.WriteNumber("clockIdTimeNs", cd.ClockIdTimeNs);
            j.WriteEndObject();
        }
        j.WriteEndObject();
        if (s.SampleTimeRange is { } tr) { j.WriteNumber("firstSampleNs", tr.First); j.WriteNumber("lastSampleNs", tr.Last); }
        j.WriteNumber("lostSamples", s.LostSamples);
        j.WriteStartObject("records");
        foreach (var kv in f.RecordCounts) j.WriteNumber(PerfRecordNames.Of(kv.Key), kv.Value);
        j.WriteEndObject();
        j.WriteStartObject("buildIds");
        foreach (var kv in BuildIds(s)) j.WriteString(kv.Key, kv.Value);
        j.WriteEndObject();
        j.WriteStartObject("diagnostics");
        foreach (var kv in f.Diagnostics.Counters) j.WriteNumber(kv.Key, kv.Value);
        j.WriteEndObject();
        if (f.Damage is { } d) j.WriteString("damage", d.Message);
        if (binaries is not null) BinariesJson(j, binaries);
        more?.Invoke();
        j.WriteEndObject();
    }

    private static string Seconds(ulong ns) => Inv($"{ns / 1_000_000_000}.{ns % 1_000_000_000:D9}");
}
