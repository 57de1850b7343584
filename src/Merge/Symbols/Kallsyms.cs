using System.Globalization;
using System.IO.Compression;
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

    /// <summary>Loads a kallsyms file; gzip is detected by its magic.</summary>
    public static Kallsyms Load(string path)
    {
        using var file = File.OpenRead(path);
        return Load(file, path);
    }

    /// <summary>Loads kallsyms text from a stream (gzip detected by its magic 1f 8b).</summary>
    public static Kallsyms Load(Stream stream, string name)
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
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) input = new GZipStream(buffered, CompressionMode.Decompress);
        try
        {
            using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
            return Parse(reader, name);
        }
        catch (InvalidDataException e)
        {
            throw new CaptureFormatException(name, 0, "valid gzip data", e);
        }
    }

    private static Kallsyms Parse(TextReader reader, string name)
    {
        var list = new List<SymbolEntry>(1 << 16);
        var refs = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var skipped = 0;
        string? line;
        long lineNo = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            // "ffffffff81000000 T _stext" or "ffffffffc0201000 t name\t[module]"
            var sp = line.IndexOf(' ');
            if (sp <= 0 || sp + 3 > line.Length || line[sp + 2] != ' '
                || !ulong.TryParse(line.AsSpan(0, sp), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var addr))
            {
                skipped++;
                continue;
            }
            var type = line[sp + 1];
            var rest = line.AsSpan(sp + 3);
            if (rest.Length >= KsymNameLen) { skipped++; continue; }
            string symName;
            string? module = null;
            var tab = rest.IndexOf('\t');
            if (tab >= 0)
            {
                symName = rest[..tab].ToString();
                var m = rest[(tab + 1)..].Trim();
                if (m.Length >= 2 && m[0] == '[' && m[^1] == ']') module = m[1..^1].ToString();
                else module = m.ToString();
            }
            else symName = rest.ToString();
            if (module is null && (symName is "_text" or "_stext") && !refs.ContainsKey(symName)) refs[symName] = addr;
            var upper = char.ToUpperInvariant(type);
            // perf symbol_type__filter: T, W, D, B (any case).
            if (upper is not ('T' or 'W' or 'D' or 'B')) continue;
            // perf: ignore ARM module local symbols ("$a", "$d"...).
            if (symName.StartsWith('$')) continue;
            // perf kallsyms2elf_binding: 'W' weak, upper case global, lower case local;
            // kallsyms2elf_type: T/W are functions, the rest objects.
            var binding = type == 'W' ? ElfConstants.StbWeak : char.IsUpper(type) ? ElfConstants.StbGlobal : ElfConstants.StbLocal;
            var stype = upper is 'T' or 'W' ? ElfConstants.SttFunc : ElfConstants.SttObject;
            list.Add(new SymbolEntry(addr, addr, symName, binding, stype, module));
        }
        _ = lineNo;
        return new Kallsyms(new SymbolTable(list, isKallsyms: true), refs, skipped);
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
