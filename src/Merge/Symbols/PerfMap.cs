using System.Globalization;
using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols;

/// <summary>
/// A JIT symbol map <c>/tmp/perf-PID.map</c>: one <c>START SIZE name</c> line per symbol, START and SIZE in hex
/// (the format perf's dso__load_perf_map reads; tools/perf/Documentation/jit-interface.txt). Addresses are
/// absolute process addresses.
/// </summary>
public static class PerfMap
{
    /// <summary>Loads a perf map file; malformed lines are skipped, as perf does.</summary>
    public static SymbolTable Load(string path)
    {
        var list = new List<SymbolEntry>();
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var s = line.AsSpan().Trim();
                var a = s.IndexOf(' ');
                if (a <= 0) continue;
                var rest = s[(a + 1)..].TrimStart();
                var b = rest.IndexOf(' ');
                if (b <= 0) continue;
                var startText = s[..a];
                var sizeText = rest[..b];
                if (startText.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) startText = startText[2..];
                if (sizeText.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) sizeText = sizeText[2..];
                if (!ulong.TryParse(startText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)) continue;
                if (!ulong.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size)) continue;
                var name = rest[(b + 1)..].ToString();
                if (name.Length == 0) continue;
                var end = size != 0 && start <= ulong.MaxValue - size ? start + size : start;
                list.Add(new SymbolEntry(start, end, name, ElfConstants.StbGlobal, ElfConstants.SttFunc));
            }
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new CaptureFormatException(path, 0, "UTF-8 text", e);
        }
        return new SymbolTable(list);
    }
}
