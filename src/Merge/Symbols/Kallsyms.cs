using System.Globalization;
using System.Text;
using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols;

/// <summary>A kernel symbol hit: name, offset from its start, and the module (null for the kernel image).</summary>
public readonly record struct KernelSymbolHit(string Name, ulong Offset, string? Module)
{
    /// <summary>The dso perf shows: <c>[kernel.kallsyms]</c>, or <c>[module]</c> for module symbols.</summary>
    public string Dso => Module is null ? "[kernel.kallsyms]" : "[" + Module + "]";
}

/// <summary>
/// A saved <c>/proc/kallsyms</c> (plain or gzip) as a sorted symbol table, loaded like perf 6.1's
/// dso__load_kallsyms: text, weak, data and bss symbols (T/W/D/B in either case), ends from the next symbol,
/// aliases reduced by perf's rules, module symbols carrying their module name.
/// A kernel has over 100k symbols and a profile hits a few thousand: names stay UTF-8 bytes in one buffer, and a
/// string is made for a symbol when a lookup first returns it.
/// </summary>
public sealed class Kallsyms
{
    // perf KSYM_NAME_LEN (tools/perf/util/symbol.h, 6.1): longer names stop perf's parser.
    private const int KsymNameLen = 512;
    // perf symbols__fixup_end: the last zero-size symbol ends one page (4096) past its rounded-up start.
    private const ulong Page = 4096;
    // How many earlier symbols a lookup checks for one that encloses the address (as SymbolTable.Find).
    private const int EnclosingScan = 8;

    /// <summary>One symbol: [Start, End), its name's bytes in the name buffer, binding, module index (-1 = kernel image).</summary>
    private struct Sym
    {
        public ulong Start, End;
        public int Name;
        public ushort NameLength;
        public byte Binding;
        public short Module;
    }

    private readonly ulong[] _starts;
    private readonly Sym[] _syms; // the first Count are the table
    private readonly byte[] _names;
    private readonly string[] _modules;
    private readonly string?[] _nameCache;
    private readonly Dictionary<string, ulong> _refSymbols;

    private Kallsyms(Sym[] syms, int count, byte[] names, string[] modules, Dictionary<string, ulong> refSymbols, int skipped)
    {
        _syms = syms;
        Count = count;
        _names = names;
        _modules = modules;
        _refSymbols = refSymbols;
        _nameCache = new string?[count];
        _starts = new ulong[count];
        for (var i = 0; i < count; i++) _starts[i] = syms[i].Start;
        SkippedLines = skipped;
    }

    /// <summary>Symbols kept (after alias reduction).</summary>
    public int Count { get; }
    /// <summary>Lines that were not "address type name" and were skipped, as perf does.</summary>
    public int SkippedLines { get; }

    /// <summary>Loads a kallsyms file; gzip is detected by its magic, its expansion capped by <paramref name="limits"/>.</summary>
    public static Kallsyms Load(string path, Limits? limits = null)
    {
        using var file = File.OpenRead(path);
        return Load(file, path, limits);
    }

    /// <summary>Loads kallsyms text from a stream (gzip detected by its magic 1f 8b, its expansion capped by <paramref name="limits"/>).</summary>
    public static Kallsyms Load(Stream stream, string name, Limits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Stream buffered = stream;
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            buffered = copy;
        }
        var start = buffered.Position;
        Span<byte> magic = stackalloc byte[2];
        var n = buffered.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        buffered.Position = start;
        Stream input = buffered;
        // RFC 1952: gzip members start with ID1 = 0x1f, ID2 = 0x8b.
        // The expansion is capped like every other compressed input (a gzip bomb named as kallsyms stops early).
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) input = InputOpener.Unwrap(name, buffered, limits ?? Limits.Default);
        try
        {
            return Parse(input, name);
        }
        catch (InvalidDataException e)
        {
            throw new CaptureFormatException(name, 0, "valid gzip data", e);
        }
        finally
        {
            if (!ReferenceEquals(input, buffered)) input.Dispose();
        }
    }

    /// <summary>Collects the kept symbols of a kallsyms text as it is parsed.</summary>
    private sealed class Builder(long inputLength)
    {
        // a kallsyms line takes about 40 bytes, its name about 25 of them: a file of known length is read without growing
        public Sym[] Syms = new Sym[(int)Math.Clamp(inputLength / 32, 1 << 12, 1 << 22)];
        public int Count;
        public byte[] Names = new byte[(int)Math.Clamp(inputLength * 3 / 4, 1 << 16, 1 << 26)];
        public int NamesUsed;
        public readonly List<string> Modules = [];
        public readonly Dictionary<string, short> ModuleIds = new(StringComparer.Ordinal);
        public readonly Dictionary<string, ulong> Refs = new(StringComparer.Ordinal);
        public readonly char[] Chars = new char[KsymNameLen * 2];

        public void Add(ulong start, ReadOnlySpan<byte> name, byte binding, short module)
        {
            if (Count == Syms.Length) Array.Resize(ref Syms, Count * 2);
            if (NamesUsed + name.Length > Names.Length) Array.Resize(ref Names, Math.Max(Names.Length * 2, NamesUsed + name.Length));
            name.CopyTo(Names.AsSpan(NamesUsed));
            Syms[Count++] = new Sym { Start = start, End = start, Name = NamesUsed, NameLength = (ushort)name.Length, Binding = binding, Module = module };
            NamesUsed += name.Length;
        }
    }

    /// <summary>Parses "address type name[\tmodule]" lines straight from UTF-8 bytes.</summary>
    private static Kallsyms Parse(Stream input, string name)
    {
        var b = new Builder(input.CanSeek ? input.Length - input.Position : 0);
        var skipped = 0;
        var buf = new byte[1 << 16];
        int have = 0;
        var eof = false;
        while (true)
        {
            if (!eof)
            {
                var r = input.Read(buf, have, buf.Length - have);
                if (r <= 0) eof = true; else have += r;
            }
            var span = buf.AsSpan(0, have);
            var consumed = 0;
            while (true)
            {
                var rest = span[consumed..];
                var nl = rest.IndexOf((byte)'\n');
                if (nl < 0)
                {
                    if (!eof || rest.Length == 0) break;
                    nl = rest.Length; // last line without a newline
                }
                var line = rest[..nl];
                consumed += Math.Min(nl + 1, rest.Length);
                if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
                if (!ParseLine(line, b)) skipped++;
            }
            if (consumed == 0 && have == buf.Length)
            {
                // a line longer than the buffer: perf's parser stops at KSYM_NAME_LEN anyway; skip to its end
                skipped++;
                var skipTo = -1;
                while (skipTo < 0)
                {
                    have = input.Read(buf, 0, buf.Length);
                    if (have <= 0) { have = 0; eof = true; break; }
                    skipTo = buf.AsSpan(0, have).IndexOf((byte)'\n');
                }
                if (skipTo >= 0) { buf.AsSpan(skipTo + 1, have - skipTo - 1).CopyTo(buf); have -= skipTo + 1; }
                continue;
            }
            buf.AsSpan(consumed, have - consumed).CopyTo(buf);
            have -= consumed;
            if (eof && have == 0) break;
        }
        var syms = b.Syms;
        var count = Build(ref syms, b.Count, b.Names, b.Modules);
        return new Kallsyms(syms, count, b.Names, [.. b.Modules], b.Refs, skipped);
    }

    private static bool ParseLine(ReadOnlySpan<byte> line, Builder b)
    {
        // "ffffffff81000000 T _stext" or "ffffffffc0201000 t name\t[module]"
        var sp = line.IndexOf((byte)' ');
        if (sp <= 0 || sp + 3 > line.Length || line[sp + 2] != (byte)' '
            || !ulong.TryParse(line[..sp], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var addr))
            return false;
        var type = (char)line[sp + 1];
        var rest = line[(sp + 3)..];
        if (rest.Length >= KsymNameLen) return false;
        short module = -1;
        var tab = rest.IndexOf((byte)'\t');
        var symText = tab >= 0 ? rest[..tab] : rest;
        if (tab >= 0)
        {
            // module names are few: they are decoded (and trimmed as text) once per line, and interned
            var n = Encoding.UTF8.GetChars(rest[(tab + 1)..], b.Chars);
            var m = b.Chars.AsSpan(0, n).Trim();
            if (m.Length >= 2 && m[0] == '[' && m[^1] == ']') m = m[1..^1];
            var lookup = b.ModuleIds.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(m, out module))
            {
                module = (short)Math.Min(b.Modules.Count, short.MaxValue);
                if (module == b.Modules.Count)
                {
                    b.Modules.Add(m.ToString());
                    lookup[m] = module;
                }
            }
        }
        if (module < 0 && (symText.SequenceEqual("_text"u8) || symText.SequenceEqual("_stext"u8)))
            b.Refs.TryAdd(Encoding.UTF8.GetString(symText), addr);
        var upper = char.ToUpperInvariant(type);
        // perf symbol_type__filter: T, W, D, B (any case).
        if (upper is not ('T' or 'W' or 'D' or 'B')) return true;
        // perf: ignore ARM module local symbols ("$a", "$d"...).
        if (symText.Length > 0 && symText[0] == (byte)'$') return true;
        // perf kallsyms2elf_binding: 'W' weak, upper case global, lower case local.
        var binding = type == 'W' ? ElfConstants.StbWeak : char.IsUpper(type) ? ElfConstants.StbGlobal : ElfConstants.StbLocal;
        b.Add(addr, symText, binding, module);
        return true;
    }

    /// <summary>
    /// perf's order of work on a dso's symbols, on the first <paramref name="n"/> of <paramref name="s"/>: sort by start
    /// (stable), fix zero ends, then reduce aliases. Returns how many symbols are kept (at the front).
    /// </summary>
    private static int Build(ref Sym[] s, int n, byte[] names, List<string> modules)
    {
        if (n == 0) return 0;
        var starts = new ulong[n];
        for (var i = 0; i < n; i++) starts[i] = s[i].Start;
        // /proc/kallsyms comes sorted: then nothing moves
        if (SymbolTable.StableOrder(starts) is { } order)
        {
            var sorted = new Sym[n];
            for (var i = 0; i < n; i++) sorted[i] = s[order[i]];
            s = sorted;
        }
        // symbols__fixup_end; between kernel text and modules perf leaves the gap unfilled: the last symbol of one side
        // ends a page later
        for (var i = 1; i < n; i++)
        {
            ref var prev = ref s[i - 1];
            if (prev.End != prev.Start) continue;
            prev.End = (prev.Module < 0) != (s[i].Module < 0) ? SymbolTable.RoundUp(prev.End + Page) : s[i].Start;
        }
        ref var last = ref s[n - 1];
        if (last.End == last.Start) last.End = SymbolTable.RoundUp(last.Start) + Page;
        // symbols__fixup_duplicate: one symbol per start, chosen by choose_best_symbol
        var kept = 0;
        var curr = s[0];
        for (var j = 1; j < n; j++)
        {
            var next = s[j];
            if (curr.Start != next.Start)
            {
                s[kept++] = curr;
                curr = next;
                continue;
            }
            if (!ChooseFirst(curr, next, names, modules)) curr = next;
        }
        s[kept++] = curr;
        return kept;
    }

    private static bool ChooseFirst(in Sym a, in Sym b, byte[] names, List<string> modules)
    {
        ReadOnlySpan<byte> na = names.AsSpan(a.Name, a.NameLength), nb = names.AsSpan(b.Name, b.NameLength);
        return SymbolTable.ChooseFirst(a.End - a.Start, a.Binding, LeadingUnderscores(na), PerfNameLength(a, na, modules),
            na.StartsWith("SyS"u8) || na.StartsWith("compat_SyS"u8),
            b.End - b.Start, b.Binding, LeadingUnderscores(nb), PerfNameLength(b, nb, modules));
    }

    /// <summary>Length perf compares aliases by: the kallsyms name still carries its "\t[module]" suffix then.</summary>
    private static int PerfNameLength(in Sym s, ReadOnlySpan<byte> name, List<string> modules) =>
        Encoding.UTF8.GetCharCount(name) + (s.Module < 0 ? 0 : modules[s.Module].Length + 3);

    private static int LeadingUnderscores(ReadOnlySpan<byte> name)
    {
        var n = 0;
        while (n < name.Length && name[n] == (byte)'_') n++;
        return n;
    }

    /// <summary>Looks up a kernel address (perf script prints it raw, with <c>sym+0xoff</c>).</summary>
    public KernelSymbolHit? Find(ulong address)
    {
        var i = Array.BinarySearch(_starts, address);
        if (i < 0) i = ~i - 1;
        for (var k = 0; k < EnclosingScan && i >= 0; k++, i--)
        {
            ref readonly var s = ref _syms[i];
            // perf symbols__find: match unless ip > end, or ip == end for a non-empty symbol.
            if (address < s.End || (address == s.End && s.Start == s.End))
                return new KernelSymbolHit(Name(i), address - s.Start, s.Module < 0 ? null : _modules[s.Module]);
        }
        return null;
    }

    /// <summary>The name of symbol i, made once (lookups from several threads may each make it: the same string).</summary>
    private string Name(int i) => _nameCache[i] ??= Encoding.UTF8.GetString(_names, _syms[i].Name, _syms[i].NameLength);

    /// <summary>Address of <c>_text</c> or <c>_stext</c> (kernel image, not module), when present.</summary>
    public ulong? ReferenceSymbol(string symbolName) => _refSymbols.TryGetValue(symbolName, out var a) ? a : null;

    /// <summary>
    /// Checks the file against the capture's kernel map: perf synthesizes <c>[kernel.kallsyms]_text</c> with
    /// pgoff = the address of <c>_text</c> (its ref_reloc_sym) at record time. Returns a warning when the file's
    /// reference symbol differs (another kernel or boot: KASLR), null when it matches or cannot be checked.
    /// </summary>
    public string? CheckAgainstCapture(ulong captureReferenceAddress, string referenceName = "_text")
    {
        var have = ReferenceSymbol(referenceName) ?? (referenceName == "_text" ? ReferenceSymbol("_stext") : null);
        if (have is not { } a) return FormattableString.Invariant($"kallsyms has no {referenceName} symbol; cannot check it against the capture");
        if (a == captureReferenceAddress) return null;
        return FormattableString.Invariant(
            $"kallsyms {referenceName} is 0x{a:x} but the capture's kernel map says 0x{captureReferenceAddress:x}: the file is from another kernel or boot, kernel symbols may be wrong");
    }
}
