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
/// </summary>
public sealed class Kallsyms
{
    // perf KSYM_NAME_LEN (tools/perf/util/symbol.h, 6.1): longer names stop perf's parser.
    private const int KsymNameLen = 512;

    private readonly SymbolTable _table;
    private readonly Dictionary<string, ulong> _refSymbols;

    private Kallsyms(SymbolTable table, Dictionary<string, ulong> refSymbols, int skipped)
    {
        _table = table;
        _refSymbols = refSymbols;
        SkippedLines = skipped;
    }

    /// <summary>Symbols kept (after alias reduction).</summary>
    public int Count => _table.Count;
    /// <summary>Lines that were not "address type name" and were skipped, as perf does.</summary>
    public int SkippedLines { get; }
    /// <summary>The underlying table (addresses are kernel virtual addresses).</summary>
    public SymbolTable Table => _table;

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

    /// <summary>Parses "address type name[\tmodule]" lines straight from UTF-8 bytes (a string is made only for kept names).</summary>
    private static Kallsyms Parse(Stream input, string name)
    {
        var list = new List<SymbolEntry>(1 << 16);
        var refs = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var modules = new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        var skipped = 0;
        var buf = new byte[1 << 16];
        var chars = new char[KsymNameLen * 2];
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
                if (!ParseLine(line, list, refs, ref modules, chars)) skipped++;
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
        return new Kallsyms(new SymbolTable(list, isKallsyms: true), refs, skipped);
    }

    private static bool ParseLine(ReadOnlySpan<byte> line, List<SymbolEntry> list, Dictionary<string, ulong> refs,
        ref Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> modules, char[] chars)
    {
        // "ffffffff81000000 T _stext" or "ffffffffc0201000 t name\t[module]"
        var sp = line.IndexOf((byte)' ');
        if (sp <= 0 || sp + 3 > line.Length || line[sp + 2] != (byte)' '
            || !ulong.TryParse(line[..sp], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var addr))
            return false;
        var type = (char)line[sp + 1];
        var rest = line[(sp + 3)..];
        if (rest.Length >= KsymNameLen) return false;
        var n = Encoding.UTF8.GetChars(rest, chars);
        var text = chars.AsSpan(0, n);
        string? module = null;
        var tab = text.IndexOf('\t');
        var symText = tab >= 0 ? text[..tab] : text;
        if (tab >= 0)
        {
            var m = text[(tab + 1)..].Trim();
            if (m.Length >= 2 && m[0] == '[' && m[^1] == ']') m = m[1..^1];
            if (!modules.TryGetValue(m, out module)) modules[m] = module = m.ToString();
        }
        if (module is null && (symText.SequenceEqual("_text") || symText.SequenceEqual("_stext")))
        {
            var key = symText.ToString();
            refs.TryAdd(key, addr);
        }
        var upper = char.ToUpperInvariant(type);
        // perf symbol_type__filter: T, W, D, B (any case).
        if (upper is not ('T' or 'W' or 'D' or 'B')) return true;
        // perf: ignore ARM module local symbols ("$a", "$d"...).
        if (symText.Length > 0 && symText[0] == '$') return true;
        // perf kallsyms2elf_binding: 'W' weak, upper case global, lower case local;
        // kallsyms2elf_type: T/W are functions, the rest objects.
        var binding = type == 'W' ? ElfConstants.StbWeak : char.IsUpper(type) ? ElfConstants.StbGlobal : ElfConstants.StbLocal;
        var stype = upper is 'T' or 'W' ? ElfConstants.SttFunc : ElfConstants.SttObject;
        list.Add(new SymbolEntry(addr, addr, symText.ToString(), binding, stype, module));
        return true;
    }

    /// <summary>Looks up a kernel address (perf script prints it raw, with <c>sym+0xoff</c>).</summary>
    public KernelSymbolHit? Find(ulong address) =>
        _table.Find(address) is { } h ? new KernelSymbolHit(h.Symbol.Name, h.Offset, h.Symbol.Module) : null;

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
