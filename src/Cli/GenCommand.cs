using System.Globalization;
using Stackweave.Formats.PerfData;
using Stackweave.Testing;

namespace Stackweave.Cli;

/// <summary><c>stackweave gen perf.data|pprof|bpftrace</c>: generated files plus a JSON sidecar each, deterministic per seed.</summary>
public static class GenCommand
{
    /// <summary>Usage of the gen command.</summary>
    public const string Usage = """
        usage: stackweave gen perf.data|pprof|bpftrace [--seed N] [--count N] [--options KEY=V[+V...][,KEY=...]] -o DIR
          writes DIR/gen-NNNN.<ext> and DIR/gen-NNNN.<ext>.truth.json (what the file holds); same seed, same files
          perf.data options: mode=file+pipe+dir  endian=little+big  compress=none+zstd+zstd2  rounds=yes+no
                             records=N (max kernel records, default 12)  attrs=N (max events, 1-3)
                             types=SAMPLE+MMAP2+...  perf61 (only what perf 6.1 reads)
          pprof options:     gzip=yes+no  packing=packed+unpacked+go+mixed  samples=N  types=N (max sample types)  columns=no
          bpftrace options:  format=text+json  stack=default+perf+raw  maps=N
        """;

    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal) { "--help" };
    private static readonly HashSet<string> s_valued = new(StringComparer.Ordinal) { "-o", "--seed", "--count", "--options" };

    /// <summary>Runs <c>gen</c> with <paramref name="args"/> (args[0] = "gen").</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var a = CliArgs.Parse(args, s_flags, s_valued, new Dictionary<string, string>(StringComparer.Ordinal) { ["--output"] = "-o", ["-h"] = "--help" });
            if (a.Has("--help")) { stdout.WriteLine(Usage); return Commands.Ok; }
            if (a.Inputs.Count != 1) throw new UsageException("gen needs one kind: perf.data, pprof or bpftrace");
            // pprof and bpftrace sidecars are serialized by reflection, which a native-AOT build lacks
            if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported && a.Inputs[0] is "pprof" or "bpftrace")
                throw new UsageException("gen " + a.Inputs[0] + " needs the dotnet tool build of stackweave (this native build has no reflection-based JSON)");
            var dir = a.Value("-o") ?? throw new UsageException("gen needs -o DIR");
            var seed = a.Int("--seed", 1);
            var count = a.Int("--count", 10);
            if (count < 0 || count > 100_000) throw new UsageException("--count must be 0..100000");
            var opts = ParseOptions(a.Values("--options"));
            var s = unchecked((ulong)seed);
            Func<List<string>> write = a.Inputs[0] switch
            {
                "perf.data" or "perf" => Bind(PerfOptions(opts), o => GenCorpus.WritePerf(dir, o, s, (int)count)),
                "pprof" => Bind(PprofOptions(opts), o => GenCorpus.WritePprof(dir, o, s, (int)count)),
                "bpftrace" => Bind(BpftraceOptions(opts), o => GenCorpus.WriteBpftrace(dir, o, s, (int)count)),
                _ => throw new UsageException($"unknown kind '{a.Inputs[0]}' (perf.data, pprof, bpftrace)"),
            };
            if (opts.Count > 0) throw new UsageException("unknown option(s) for " + a.Inputs[0] + ": " + string.Join(", ", opts.Keys));
            var written = write();
            stderr.WriteLine(FormattableString.Invariant($"stackweave: wrote {written.Count} {a.Inputs[0]} files with sidecars to {dir}"));
            return Commands.Ok;
        }
        catch (UsageException e)
        {
            stderr.WriteLine("stackweave: " + e.Message);
            stderr.WriteLine("run 'stackweave gen --help' for usage");
            return Commands.BadUsage;
        }
        catch (IOException e)
        {
            stderr.WriteLine("stackweave: " + e.Message);
            return Commands.BadInput;
        }
    }

    private static Func<List<string>> Bind<T>(T options, Func<T, List<string>> write) => () => write(options);

    private static Dictionary<string, string[]> ParseOptions(IReadOnlyList<string> values)
    {
        var d = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var v in values)
            foreach (var part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                d[eq < 0 ? part : part[..eq]] = eq < 0 ? ["yes"] : part[(eq + 1)..].Split('+', StringSplitOptions.RemoveEmptyEntries);
            }
        return d;
    }

    private static T[] Take<T>(Dictionary<string, string[]> o, string key, T[] fallback, Func<string, T?> parse) where T : struct
    {
        if (!o.Remove(key, out var vs)) return fallback;
        var list = new List<T>();
        foreach (var v in vs) list.Add(parse(v) ?? throw new UsageException($"option {key}: unknown value '{v}'"));
        return list.Count == 0 ? throw new UsageException($"option {key} needs a value") : [.. list];
    }

    private static int TakeInt(Dictionary<string, string[]> o, string key, int fallback, int min, int max)
    {
        if (!o.Remove(key, out var vs)) return fallback;
        if (vs.Length != 1 || !int.TryParse(vs[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new UsageException(FormattableString.Invariant($"option {key} needs a whole number {min}..{max}"));
        return n;
    }

    private static bool? YesNo(string v) => v switch { "yes" or "true" or "1" => true, "no" or "false" or "0" => false, _ => null };

    private static PerfGenOptions PerfOptions(Dictionary<string, string[]> o)
    {
        var perf61 = o.Remove("perf61", out var p61) && p61.Length == 1 && YesNo(p61[0]) == true;
        var d = perf61 ? PerfGenOptions.Perf61 : new PerfGenOptions();
        return d with
        {
            Modes = Take(o, "mode", d.Modes, v => v switch { "file" => PerfGenMode.File, "pipe" => PerfGenMode.Pipe, "dir" or "directory" => PerfGenMode.Directory, _ => (PerfGenMode?)null }),
            Endians = Take(o, "endian", d.Endians, v => v switch { "little" or "le" => PerfGenEndian.Little, "big" or "be" => PerfGenEndian.Big, _ => (PerfGenEndian?)null }),
            Compressions = Take(o, "compress", d.Compressions, v => v switch { "none" => PerfGenCompression.None, "zstd" => PerfGenCompression.Zstd, "zstd2" => PerfGenCompression.Zstd2, _ => (PerfGenCompression?)null }),
            Rounds = Take(o, "rounds", d.Rounds, YesNo),
            RecordTypes = Take(o, "types", d.RecordTypes, v => PerfRecordNames.TryParse(v.ToUpperInvariant(), out var t) && t < 64 ? (PerfRecordType)t : (PerfRecordType?)null),
            MaxRecords = TakeInt(o, "records", d.MaxRecords, 0, 10_000),
            MaxAttrs = TakeInt(o, "attrs", d.MaxAttrs, 1, 3),
        };
    }

    private static PprofGenOptions PprofOptions(Dictionary<string, string[]> o)
    {
        var d = new PprofGenOptions();
        var columns = Take(o, "columns", [true], YesNo);
        return d with
        {
            Gzip = Take(o, "gzip", d.Gzip, YesNo),
            Packings = Take(o, "packing", d.Packings, v => v switch { "packed" => PprofPacking.Packed, "unpacked" => PprofPacking.Unpacked, "go" => PprofPacking.GoStyle, "mixed" => PprofPacking.Mixed, _ => (PprofPacking?)null }),
            MaxSamples = TakeInt(o, "samples", d.MaxSamples, 0, 100_000),
            MaxSampleTypes = TakeInt(o, "types", d.MaxSampleTypes, 1, 6),
            Columns = columns[0],
        };
    }

    private static BtGenOptions BpftraceOptions(Dictionary<string, string[]> o)
    {
        var d = new BtGenOptions();
        return d with
        {
            Json = Take(o, "format", d.Json, v => v switch { "text" => false, "json" => true, _ => (bool?)null }),
            Modes = Take(o, "stack", d.Modes, v => v switch { "default" => BtStackMode.Default, "perf" => BtStackMode.Perf, "raw" => BtStackMode.Raw, _ => (BtStackMode?)null }),
            MaxMaps = TakeInt(o, "maps", d.MaxMaps, 1, 100),
        };
    }
}
