using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Go;

namespace Stackweave.Tests.Symbols.Go;

/// <summary>Reference outputs of debug/gosym (gosymdump) and addr2line for the Go test binaries, and where the binaries are.</summary>
internal static class GoReference
{
    /// <summary>testdata/gopclntab/...</summary>
    public static string Data(params string[] parts) => RepoPaths.TestData(["gopclntab", .. parts]);

    /// <summary>The stripped test program with its section headers removed (its pclntab is found by the header scan).</summary>
    public static string NoShdr => Data("gopcln-noshdr");

    /// <summary>Where fetch-esbuild.sh puts the esbuild binaries (STACKWEAVE_ESBUILD_DIR or ~/.cache/stackweave-esbuild).</summary>
    public static string EsbuildDir => Environment.GetEnvironmentVariable("STACKWEAVE_ESBUILD_DIR") is { Length: > 0 } d
        ? d
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "stackweave-esbuild");

    /// <summary>The esbuild binary of this name when present with the sha256 esbuild.sha256 lists, else null.</summary>
    public static string? Esbuild(string name)
    {
        var path = Path.Combine(EsbuildDir, name);
        if (!File.Exists(path)) return null;
        var want = File.ReadLines(Data("esbuild.sha256")).Select(l => l.Split(' ')).First(p => p[1] == name)[0];
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f)) == want ? path : null;
    }

    /// <summary>Lines of a golden file (gzip when it ends in .gz).</summary>
    public static IEnumerable<string> Lines(string path)
    {
        using var s = File.OpenRead(path);
        using var z = path.EndsWith(".gz", StringComparison.Ordinal) ? (Stream)new GZipStream(s, CompressionMode.Decompress) : s;
        using var r = new StreamReader(z);
        while (r.ReadLine() is { } line) yield return line;
    }

    /// <summary>One gosymdump line: address, then function, file and line (function null for "?").</summary>
    public sealed record GosymEntry(ulong Address, string? Function, string File, int Line);

    /// <summary>Parses gosymdump output ("0xADDR\tFUNC\tFILE:LINE" or "0xADDR\t?").</summary>
    public static List<GosymEntry> Gosym(IEnumerable<string> lines)
    {
        var list = new List<GosymEntry>();
        foreach (var line in lines)
        {
            var p = line.Split('\t');
            var addr = Hex(p[0]);
            if (p[1] == "?") { list.Add(new GosymEntry(addr, null, "", 0)); continue; }
            var colon = p[2].LastIndexOf(':');
            list.Add(new GosymEntry(addr, p[1], p[2][..colon], int.Parse(p[2][(colon + 1)..], CultureInfo.InvariantCulture)));
        }
        return list;
    }

    /// <summary>Parses <c>addr2line -a -i -f</c> output: per address, its frames innermost first as (function, "file:line").</summary>
    public static Dictionary<ulong, List<(string Function, string Location)>> Addr2line(IEnumerable<string> lines)
    {
        var map = new Dictionary<ulong, List<(string, string)>>();
        List<(string, string)>? cur = null;
        string? name = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("0x", StringComparison.Ordinal) && name is null)
            {
                map[Hex(line)] = cur = [];
                continue;
            }
            // Assembly (ABI0) functions are named "X.abi0" in Go's DWARF and ELF symbols, "X" in the pclntab (and by debug/gosym).
            if (name is null) { name = line.EndsWith(".abi0", StringComparison.Ordinal) ? line[..^5] : line; continue; }
            var loc = line.StartsWith("./", StringComparison.Ordinal) ? line[2..] : line;
            var disc = loc.IndexOf(" (discriminator", StringComparison.Ordinal);
            if (disc >= 0) loc = loc[..disc];
            cur!.Add((name, loc));
            name = null;
        }
        return map;
    }

    /// <summary>A file:line rendering of a frame as addr2line prints it ("??:0" when unknown).</summary>
    public static string Location(GoFrame f) => f.File is null ? "??:0" : f.File + ":" + (f.Line > 0 ? f.Line : 0).ToString(CultureInfo.InvariantCulture);

    /// <summary>Compares the reader with gosymdump's lines; returns the differences.</summary>
    public static List<string> CompareWithGosym(GoPclnTab table, IEnumerable<GosymEntry> golden)
    {
        var diffs = new List<string>();
        var frames = new List<GoFrame>();
        foreach (var g in golden)
        {
            var ok = table.Resolve(g.Address, frames, out _);
            string mine, want;
            if (g.Function is null)
            {
                want = "?";
                mine = ok ? frames[^1].Function : "?";
            }
            else
            {
                // debug/gosym reads a missing pc-value table (offset 0) from the start of pctab instead of reporting
                // none (the runtime's pcvalue returns -1 there): its file is then empty and its line meaningless.
                want = g.File.Length == 0 ? g.Function + " ?" : FormattableString.Invariant($"{g.Function} {g.File}:{g.Line}");
                mine = !ok ? "?" : frames[0].File is null ? frames[^1].Function + " ?" : FormattableString.Invariant($"{frames[^1].Function} {frames[0].File}:{frames[0].Line}");
            }
            if (mine != want) diffs.Add(FormattableString.Invariant($"0x{g.Address:x}: gosym {want}, reader {mine}"));
        }
        return diffs;
    }

    /// <summary>Opens a binary's pclntab.</summary>
    public static GoBinary Load(string path)
    {
        using var elf = ElfFile.Open(path);
        return GoBinary.Load(elf) ?? throw new InvalidOperationException("no pclntab in " + path);
    }

    private static ulong Hex(string s) => ulong.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
