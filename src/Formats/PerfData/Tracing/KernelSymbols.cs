using System.Text;

namespace Stackweave.Formats.PerfData.Tracing;

/// <summary>
/// Kernel symbols from /proc/kallsyms text ("ADDR TYPE NAME [MODULE]" lines), sorted for address lookup.
/// Keeps the symbol types perf keeps for its kernel map (text, weak, data, bss: T W D B in either case) and
/// ends each symbol where the next one starts, as perf's symbols__fixup_end does.
/// </summary>
public sealed class KernelSymbols
{
    private readonly ulong[] _starts;
    private readonly string[] _names;

    private KernelSymbols(ulong[] starts, string[] names)
    {
        _starts = starts;
        _names = names;
    }

    /// <summary>Number of symbols kept.</summary>
    public int Count => _starts.Length;

    /// <summary>Parses kallsyms text; malformed lines are skipped (the text is advisory, as in perf).
    /// Allocation is proportional to the number of lines in the text.</summary>
    public static KernelSymbols Parse(ReadOnlySpan<byte> text)
    {
        var list = new List<(ulong Start, string Name, char Type, int Line)>();
        while (!text.IsEmpty)
        {
            int nl = text.IndexOf((byte)'\n');
            var line = nl >= 0 ? text[..nl] : text;
            text = nl >= 0 ? text[(nl + 1)..] : [];
            int sp = line.IndexOf((byte)' ');
            if (sp <= 0 || sp + 3 > line.Length || line[sp + 2] != (byte)' ') continue;
            ulong addr = 0;
            bool ok = sp <= 16;
            for (int i = 0; i < sp && ok; i++)
            {
                int d = HexDigit(line[i]);
                if (d < 0) ok = false;
                else addr = (addr << 4) | (uint)d;
            }
            if (!ok) continue;
            char rawType = (char)line[sp + 1];
            char type = (char)(rawType & ~0x20); // upper case
            if (type is not ('T' or 'W' or 'D' or 'B')) continue;
            var rest = line[(sp + 3)..];
            int end = rest.IndexOfAny((byte)'\t', (byte)' ', (byte)'\r');
            if (end >= 0) rest = rest[..end];
            if (rest.IsEmpty) continue;
            list.Add((addr, Encoding.UTF8.GetString(rest), rawType, list.Count));
        }
        list.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Line.CompareTo(b.Line));
        var starts = new List<ulong>(list.Count);
        var names = new List<string>(list.Count);
        for (int i = 0; i < list.Count;)
        {
            // Several names at one address: keep one, as perf's symbols__fixup_duplicate / choose_best_symbol do.
            var best = list[i];
            int j = i + 1;
            for (; j < list.Count && list[j].Start == best.Start; j++)
                if (Better(list[j], best)) best = list[j];
            starts.Add(best.Start);
            names.Add(best.Name);
            i = j;
        }
        return new KernelSymbols([.. starts], [.. names]);
    }

    /// <summary>perf util/symbol.c choose_best_symbol: non-weak over weak, global over local, fewer leading
    /// underscores, longer name; otherwise the first one stays.</summary>
    private static bool Better((ulong Start, string Name, char Type, int Line) b, (ulong Start, string Name, char Type, int Line) a)
    {
        bool weakA = a.Type is 'W' or 'w', weakB = b.Type is 'W' or 'w';
        if (weakA != weakB) return weakA;
        bool globalA = char.IsAsciiLetterUpper(a.Type) && !weakA, globalB = char.IsAsciiLetterUpper(b.Type) && !weakB;
        if (globalA != globalB) return globalB;
        int ua = Underscores(a.Name), ub = Underscores(b.Name);
        if (ua != ub) return ub < ua;
        return b.Name.Length > a.Name.Length;
    }

    private static int Underscores(string s)
    {
        int n = 0;
        while (n < s.Length && s[n] == '_') n++;
        return n;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>The symbol containing the address: the last one starting at or below it, unless it is the
    /// last symbol of the table (which has no known end).</summary>
    public bool Resolve(ulong address, out string name, out ulong start)
    {
        name = "";
        start = 0;
        int i = Array.BinarySearch(_starts, address);
        if (i < 0) i = ~i - 1;
        if (i < 0 || i + 1 >= _starts.Length && _starts[i] != address) return false;
        name = _names[i];
        start = _starts[i];
        return true;
    }
}
