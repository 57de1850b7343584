using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FsCheck;
using FsCheck.Fluent;

namespace Stackweave.Testing;

/// <summary>
/// Deterministic corpora of generated files, each with a JSON sidecar (<c>NAME.truth.json</c>) of what it holds — what
/// <c>stackweave gen</c> writes. File <c>i</c> of seed <c>s</c> is the same whatever the count.
/// </summary>
public static class GenCorpus
{
    /// <summary>FsCheck size used for every generated file.</summary>
    public const int Size = 20;

    /// <summary>Suffix of a sidecar file.</summary>
    public const string SidecarSuffix = ".truth.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true, Converters = { new JsonStringEnumConverter() }, DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The random source of file <paramref name="index"/> of <paramref name="seed"/> (SplitMix64 of both).</summary>
    public static Rnd RndFor(ulong seed, int index)
    {
        // SplitMix64 finaliser (Steele, Lea, Flood 2014) so neighbouring seeds and indexes give unrelated streams
        var z = seed * 0x9E3779B97F4A7C15UL + (ulong)index + 1;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return new Rnd(z ^ (z >> 31));
    }

    private static T One<T>(Gen<T> g, ulong seed, int index) => g.Sample(Size, RndFor(seed, index), 1)[0];

    /// <summary>Capture <paramref name="index"/> of <paramref name="seed"/>, written.</summary>
    public static PerfRendered Perf(PerfGenOptions o, ulong seed, int index) => PerfRendered.Of(One(PerfGenerators.Capture(o), seed, index));

    /// <summary>Profile <paramref name="index"/> of <paramref name="seed"/>.</summary>
    public static PprofProfile Pprof(PprofGenOptions o, ulong seed, int index) => One(PprofGenerators.Profile(o), seed, index);

    /// <summary>bpftrace output <paramref name="index"/> of <paramref name="seed"/>.</summary>
    public static BtCapture Bpftrace(BtGenOptions o, ulong seed, int index) => One(BpftraceGenerators.Capture(o), seed, index);

    /// <summary>The pprof sidecar: the profile (strings in place of indexes) and its encoding.</summary>
    public static string SidecarJson(PprofProfile p)
    {
        var doc = new Dictionary<string, object> { ["format"] = "pprof", ["profile"] = p };
        return JsonSerializer.Serialize(doc, s_json);
    }

    /// <summary>The bpftrace sidecar: maps (name, stack mode, value kind, entries with keys, values and buckets) and printf lines.</summary>
    public static string SidecarJson(BtCapture c)
    {
        var doc = new Dictionary<string, object> { ["format"] = "bpftrace", ["output"] = c.Json ? "json" : "text", ["maps"] = c.Maps, ["printf"] = c.PrintfLines };
        return JsonSerializer.Serialize(doc, s_json);
    }

    /// <summary>Reads a pprof sidecar back.</summary>
    public static PprofProfile ReadPprofSidecar(string json)
    {
        using var d = JsonDocument.Parse(json);
        return d.RootElement.GetProperty("profile").Deserialize<PprofProfile>(s_json)!;
    }

    private static string Name(int i) => "gen-" + i.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>Writes <paramref name="count"/> perf.data captures (directories in directory mode) and sidecars into <paramref name="dir"/>; returns the capture paths.</summary>
    public static List<string> WritePerf(string dir, PerfGenOptions o, ulong seed, int count)
    {
        Directory.CreateDirectory(dir);
        var paths = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var r = Perf(o, seed, i);
            var path = Path.Combine(dir, Name(i) + (r.Capture.Pipe ? ".perf.data.pipe" : ".perf.data"));
            r.Save(path);
            File.WriteAllText(path + SidecarSuffix, r.SidecarJson());
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Writes <paramref name="count"/> pprof files (<c>.pb.gz</c> or <c>.pb</c>) and sidecars into <paramref name="dir"/>.</summary>
    public static List<string> WritePprof(string dir, PprofGenOptions o, ulong seed, int count)
    {
        Directory.CreateDirectory(dir);
        var paths = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var p = Pprof(o, seed, i);
            var path = Path.Combine(dir, Name(i) + (p.Encoding.Gzip ? ".pb.gz" : ".pb"));
            File.WriteAllBytes(path, PprofEncoder.Encode(p));
            File.WriteAllText(path + SidecarSuffix, SidecarJson(p));
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Writes <paramref name="count"/> bpftrace outputs (<c>.bpftrace.txt</c> or <c>.bpftrace.json</c>) and sidecars into <paramref name="dir"/>.</summary>
    public static List<string> WriteBpftrace(string dir, BtGenOptions o, ulong seed, int count)
    {
        Directory.CreateDirectory(dir);
        var paths = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var c = Bpftrace(o, seed, i);
            var path = Path.Combine(dir, Name(i) + (c.Json ? ".bpftrace.json" : ".bpftrace.txt"));
            File.WriteAllText(path, c.Render());
            File.WriteAllText(path + SidecarSuffix, SidecarJson(c));
            paths.Add(path);
        }
        return paths;
    }
}
