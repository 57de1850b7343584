using System.Globalization;
using Stackweave.Merge.Symbols;
using Stackweave.Merge.Symbols.Dwarf;

namespace Stackweave.Tests.Dwarf;

/// <summary>testdata/dwarf/ paths and a reimplementation of addr2line's output layout on top of <see cref="DwarfSource"/>.</summary>
internal static class DwarfData
{
    /// <summary>The five builds of testdata/dwarf/prog/inl.cpp.</summary>
    public static readonly string[] Builds = ["inl", "inl-dwarf4", "inl-zlib", "inl-zstd", "inl-lto"];

    public static string Binary(string build) => RepoPaths.TestData("dwarf", "bin", build);
    public static string Capture(string build, params string[] parts) => Path.Combine([RepoPaths.TestData("dwarf", "fp-" + build), .. parts]);

    /// <summary>The directory the captures were recorded in (the recorded program paths start with it).</summary>
    public const string RecordedBinDir = "/work/wt-dwarf/testdata/dwarf/bin";

    /// <summary>Addresses listed in addrs.txt (hex with 0x).</summary>
    public static List<ulong> Addresses(string build) =>
        File.ReadAllLines(Capture(build, "addrs.txt")).Where(l => l.Length > 0)
            .Select(l => ulong.Parse(l.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToList();

    /// <summary>addr2line's answer per address: (function, file:line) pairs, innermost first, discriminators removed.</summary>
    public static Dictionary<ulong, List<(string Function, string Position)>> Addr2Line(string build)
    {
        var result = new Dictionary<ulong, List<(string, string)>>();
        List<(string, string)>? cur = null;
        var lines = File.ReadAllLines(Capture(build, "addrs.addr2line.txt"));
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            if (l.StartsWith("0x", StringComparison.Ordinal) && l.Length == 18)
            {
                cur = [];
                result[ulong.Parse(l.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = cur;
                continue;
            }
            var pos = lines[++i];
            var d = pos.IndexOf(" (discriminator ", StringComparison.Ordinal);
            if (d >= 0) pos = pos[..d];
            cur!.Add((l, pos));
        }
        return result;
    }

    /// <summary>What addr2line -i -f -C prints for <paramref name="address"/>, from Stackweave's DWARF reader.</summary>
    public static List<(string Function, string Position)> Ours(DwarfSource dwarf, SymbolTable symbols, ElfFile elf, ulong address)
    {
        var frames = dwarf.Frames(address);
        var result = new List<(string, string)>();
        if (frames.Count == 0)
        {
            var p = dwarf.LineAt(address);
            result.Add(("??", p is { File: { } f } ? f + ":" + p.Value.Line.ToString(CultureInfo.InvariantCulture) : "??:0"));
            return result;
        }
        for (var i = 0; i < frames.Count; i++)
        {
            var raw = DwarfNames.Raw(frames, i, () =>
            {
                var off = elf.AddressToFileOffset(address) ?? address;
                if (symbols.Find(off) is not { } h) return null;
                return (elf.FileOffsetToAddress(h.Symbol.Start) ?? h.Symbol.Start, h.Name);
            });
            var name = raw is null ? "??" : DwarfNames.Addr2LineDisplay(raw);
            var fr = frames[i];
            result.Add((name, fr.File is null ? "??:" + (fr.Line == 0 ? "?" : fr.Line.ToString(CultureInfo.InvariantCulture)) : fr.File + ":" + fr.Line.ToString(CultureInfo.InvariantCulture)));
        }
        return result;
    }
}
