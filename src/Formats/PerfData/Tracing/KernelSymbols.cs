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

    /// <summary>Parses kallsyms text; malformed lines are skipped (the text is advisory, as in perf).</summary>
    public static KernelSymbols Parse(ReadOnlySpan<byte> text)
    {
        var list = new List<(ulong Start, string Name)>();
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
            char type = (char)(line[sp + 1] & ~0x20); // upper case
            if (type is not ('T' or 'W' or 'D' or 'B')) continue;
            var rest = line[(sp + 3)..];
            int end = rest.IndexOfAny((byte)'\t', (byte)' ', (byte)'\r');
            if (end >= 0) rest = rest[..end];
            if (rest.IsEmpty) continue;
            list.Add((addr, Encoding.UTF8.GetString(rest)));
        }
        list.Sort((a, b) => a.Start.CompareTo(b.Start));
        var starts = new ulong[list.Count];
        var names = new string[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            starts[i] = list[i].Start;
            names[i] = list[i].Name;
        }
        return new KernelSymbols(starts, names);
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
        else
        {
            // Several symbols may share an address: take the last (perf keeps one of them; its choice is not modelled).
            while (i + 1 < _starts.Length && _starts[i + 1] == address) i++;
        }
        if (i < 0 || i + 1 >= _starts.Length && _starts[i] != address) return false;
        name = _names[i];
        start = _starts[i];
        return true;
    }
}
