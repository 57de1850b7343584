using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Stackweave.Formats.PerfData.Tracing;

/// <summary>One field of a tracepoint's format (a <c>field:TYPE NAME; offset:N; size:N; signed:N;</c> line).</summary>
public sealed class TracepointField
{
    /// <summary>Field name.</summary>
    public required string Name { get; init; }
    /// <summary>C type as libtraceevent rebuilds it (e.g. <c>char[16]</c>, <c>__data_loc char[]</c>, <c>const char *</c>).</summary>
    public required string Type { get; init; }
    /// <summary>Byte offset in the RAW payload.</summary>
    public int Offset { get; init; }
    /// <summary>Size in bytes (for <c>__data_loc</c> fields: the 4-byte locator).</summary>
    public int Size { get; init; }
    /// <summary>The format says <c>signed:1</c>.</summary>
    public bool IsSigned { get; init; }
    /// <summary>Declared with <c>[...]</c>.</summary>
    public bool IsArray { get; init; }
    /// <summary>Array length from the brackets (0 when absent or dynamic).</summary>
    public int ArrayLength { get; init; }
    /// <summary>Size of one element (libtraceevent elementsize).</summary>
    public int ElementSize { get; init; }
    /// <summary><c>__data_loc</c>: a u32 holding (length &lt;&lt; 16 | offset) of data stored after the fixed fields.</summary>
    public bool IsDynamic { get; init; }
    /// <summary>An array of char / u8 / s8.</summary>
    public bool IsString { get; init; }
    /// <summary>Type contains '*'.</summary>
    public bool IsPointer { get; init; }
    /// <summary>Type contains "long".</summary>
    public bool IsLong { get; init; }
    /// <summary>One of the common_* fields shared by all events.</summary>
    public bool IsCommon { get; init; }
}

/// <summary>Endianness, word size and lookups shared by all formats of one TRACING_DATA blob.</summary>
internal sealed class TraceContext
{
    public bool BigEndian { get; set; }
    public int LongSize { get; set; } = 8;
    public Dictionary<ulong, string> Printk { get; } = [];
    public KernelSymbols? Kallsyms { get; set; }
}

/// <summary>
/// A parsed ftrace event format file (tracefs <c>events/SYSTEM/NAME/format</c>): fields and the print fmt,
/// with rendering of RAW sample payloads exactly as perf 6.1's <c>perf script</c> prints them.
/// </summary>
public sealed class TracepointFormat
{
    private readonly TraceContext _ctx;
    private readonly Dictionary<string, TracepointField> _byName = new(StringComparer.Ordinal);
    private readonly List<TracepointField> _commonFields = [];
    private readonly List<TracepointField> _fields = [];
    internal List<PrintArg> Args { get; private set; } = [];
    internal PrintSegment[] Segments { get; private set; } = [];

    private TracepointFormat(TraceContext ctx, string system, string name, int id)
    {
        _ctx = ctx;
        System = system;
        Name = name;
        Id = id;
    }

    /// <summary>Subsystem (the directory under tracefs <c>events/</c>, e.g. <c>sched</c>; <c>ftrace</c> for ftrace's own).</summary>
    public string System { get; }
    /// <summary>Event name (e.g. <c>sched_switch</c>).</summary>
    public string Name { get; }
    /// <summary>Event id: the tracepoint attr's <c>config</c>, and the payload's <c>common_type</c>.</summary>
    public int Id { get; }
    /// <summary>The <c>common_*</c> fields.</summary>
    public IReadOnlyList<TracepointField> CommonFields => _commonFields;
    /// <summary>The event's own fields, in format order.</summary>
    public IReadOnlyList<TracepointField> Fields => _fields;
    /// <summary>The print fmt string (between the quotes, escapes as written), or null if absent.</summary>
    public string? PrintFmt { get; private set; }
    /// <summary>Why libtraceevent would fail to parse this format's fields or print fmt (then rendering prints
    /// <c>[FAILED TO PARSE]</c> and the fields, like perf); null when parsed.</summary>
    public string? ParseError { get; private set; }

    /// <summary>"system:name".</summary>
    public override string ToString() => System + ":" + Name;

    /// <summary>Looks a field up among the event's own fields (libtraceevent tep_find_field).</summary>
    public TracepointField? FindField(string name)
    {
        foreach (var f in _fields) if (f.Name == name) return f;
        return null;
    }

    /// <summary>Looks a field up among common then own fields (libtraceevent tep_find_any_field).</summary>
    public TracepointField? FindAnyField(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// Parses one format file. Returns null when its name or ID line is unreadable (perf then rejects the
    /// whole TRACING_DATA); any later problem leaves the format usable with <see cref="ParseError"/> set.
    /// </summary>
    internal static TracepointFormat? Parse(TraceContext ctx, string system, ReadOnlySpan<byte> text)
    {
        var lex = new FormatLexer(Encoding.Latin1.GetString(text));
        if (!lex.Expect(TokenType.Item, "name") || !lex.Expect(TokenType.Op, ":")) return null;
        if (lex.Read(out var name) != TokenType.Item) return null;
        if (!lex.ExpectItem(TokenType.Item, "ID") || !lex.Expect(TokenType.Op, ":")) return null;
        if (lex.Read(out var idText) != TokenType.Item) return null;
        ulong id = CNumbers.StrToULL(idText, unsigned: true);
        if (id > int.MaxValue) return null;
        var fmt = new TracepointFormat(ctx, system, name, (int)id);
        fmt.ParseBody(lex, system == "ftrace");
        return fmt;
    }

    private void ParseBody(FormatLexer lex, bool ftrace)
    {
        try
        {
            if (!lex.ExpectItem(TokenType.Item, "format") || !lex.Expect(TokenType.Op, ":")
                || lex.Read(out _) != TokenType.Newline)
                throw new PrintParseException("expected 'format:'");
            ReadFields(lex, ftrace, _commonFields, common: true);
            ReadFields(lex, ftrace, _fields, common: false);
            foreach (var f in _commonFields) _byName.TryAdd(f.Name, f);
            foreach (var f in _fields) _byName.TryAdd(f.Name, f);
            if (!lex.ExpectItem(TokenType.Item, "print") || !lex.Expect(TokenType.Item, "fmt") || !lex.Expect(TokenType.Op, ":"))
                throw new PrintParseException("expected 'print fmt:'");
            if (lex.Read(out var format) != TokenType.DQuote) throw new PrintParseException("expected the print fmt string");
            PrintFmt = format;
            var t = lex.ReadItem(out var tok);
            if (t != TokenType.None)
            {
                if (t != TokenType.Delim || tok != ",") throw new PrintParseException("expected ',' after the print fmt");
                Args = PrintArgParser.ParseArgs(lex, this);
            }
            else if (ftrace)
            {
                // Old ftrace formats had no arguments: libtraceevent prints every field in order.
                foreach (var f in _fields) Args.Add(new FieldArg(f.Name, f));
            }
            Segments = PrintSegment.Compile(format, Args, _ctx.LongSize, out var err);
            if (err is not null) throw new PrintParseException(err);
        }
        catch (PrintParseException e)
        {
            ParseError = e.Message;
        }
    }

    private static void ReadFields(FormatLexer lex, bool ftrace, List<TracepointField> into, bool common)
    {
        while (true)
        {
            var type = lex.Read(out var token);
            if (type == TokenType.Newline) return;
            if (type != TokenType.Item || token != "field") throw new PrintParseException("expected 'field'");
            type = lex.Read(out token);
            if (ftrace && type == TokenType.Item && token == "special") type = lex.Read(out token);
            if (type != TokenType.Op || token != ":") throw new PrintParseException("expected ':' after field");
            if (lex.Read(out var last) != TokenType.Item) throw new PrintParseException("expected a field type");
            string? ftype = null;
            bool pointer = false;
            while (true)
            {
                type = lex.Read(out token);
                if (type == TokenType.Item || (type == TokenType.Op && token == "*") || (ftrace && type == TokenType.Op && token == "."))
                {
                    if (token == "*") pointer = true;
                    ftype = ftype is null ? last : ftype + " " + last;
                    last = token;
                    continue;
                }
                if (type == TokenType.Delim && token == "(" && last == "__attribute__")
                {
                    // "__attribute__((user))": kept in the type text.
                    var sb = new StringBuilder(ftype is null ? "" : ftype + " ").Append("__attribute__(");
                    int depth = 1;
                    string delim = " ";
                    while ((type = lex.Read(out token)) != TokenType.None)
                    {
                        if (type == TokenType.Delim)
                        {
                            if (token == "(") depth++;
                            else if (token == ")") depth--;
                            if (depth == 0) break;
                            sb.Append(token);
                            delim = "";
                        }
                        else
                        {
                            sb.Append(delim).Append(token);
                            delim = " ";
                        }
                        last = token;
                    }
                    ftype = sb.ToString();
                    continue;
                }
                break;
            }
            if (ftype is null) throw new PrintParseException("no type found");
            string fname = last;
            if (type != TokenType.Op) throw new PrintParseException("expected an operator after the field name");
            bool isArray = false;
            int arrayLen = 0, sizeDynamic = 0;
            if (token == "[")
            {
                isArray = true;
                var brackets = new StringBuilder("[");
                var lastType = type;
                type = lex.Read(out token);
                arrayLen = type == TokenType.Item ? (int)Math.Min(CNumbers.StrToULL(token, unsigned: true), int.MaxValue) : 0;
                while (token != "]")
                {
                    brackets.Append(lastType == TokenType.Item && type == TokenType.Item ? " " : "").Append(token);
                    lastType = type;
                    arrayLen = (int)Math.Min(CNumbers.StrToULL(token, unsigned: true), int.MaxValue);
                    type = lex.Read(out token);
                    if (type == TokenType.None) throw new PrintParseException("failed to find token");
                }
                brackets.Append(']');
                type = lex.Read(out token);
                if (type == TokenType.Item)
                {
                    // "TYPE [] NAME;" form used by __data_loc fields.
                    ftype = ftype + " " + fname + brackets;
                    sizeDynamic = fname switch
                    {
                        "u8" or "s8" or "char" => 1, "u16" or "s16" => 2, "u32" or "s32" => 4, "u64" or "s64" => 8, _ => 0,
                    };
                    fname = token;
                    type = lex.Read(out token);
                }
                else ftype += brackets.ToString();
            }
            bool isString = isArray && (ftype.Contains("char", StringComparison.Ordinal) || ftype.Contains("u8", StringComparison.Ordinal) || ftype.Contains("s8", StringComparison.Ordinal));
            bool isDynamic = ftype.StartsWith("__data_loc", StringComparison.Ordinal);
            bool isLong = ftype.Contains("long", StringComparison.Ordinal);
            if (type != TokenType.Op || token != ";") throw new PrintParseException("expected ';' after the field");
            if (!lex.ExpectItem(TokenType.Item, "offset") || !lex.Expect(TokenType.Op, ":")) throw new PrintParseException("expected 'offset:'");
            if (lex.Read(out token) != TokenType.Item) throw new PrintParseException("expected the offset");
            ulong offset = CNumbers.StrToULL(token, unsigned: true);
            if (!lex.Expect(TokenType.Op, ";") || !lex.ExpectItem(TokenType.Item, "size") || !lex.Expect(TokenType.Op, ":"))
                throw new PrintParseException("expected 'size:'");
            if (lex.Read(out token) != TokenType.Item) throw new PrintParseException("expected the size");
            ulong size = CNumbers.StrToULL(token, unsigned: true);
            if (!lex.Expect(TokenType.Op, ";")) throw new PrintParseException("expected ';' after the size");
            bool signed = false;
            type = lex.Read(out token);
            if (type != TokenType.Newline)
            {
                if (type != TokenType.Item || token != "signed" || !lex.Expect(TokenType.Op, ":") || lex.Read(out token) != TokenType.Item)
                    throw new PrintParseException("expected 'signed:'");
                signed = CNumbers.StrToULL(token, unsigned: true) != 0;
                if (!lex.Expect(TokenType.Op, ";") || lex.Read(out _) != TokenType.Newline) throw new PrintParseException("expected the end of the field line");
            }
            // Offsets and sizes index a payload of at most 64 KiB (the u16 halves of __data_loc); larger ones are damage.
            if (offset > ushort.MaxValue || size > ushort.MaxValue) throw new PrintParseException("field offset or size beyond 65535");
            int elementSize = !isArray ? (int)size
                : arrayLen != 0 ? (int)size / arrayLen
                : isDynamic ? sizeDynamic
                : isString ? 1 : 0;
            into.Add(new TracepointField
            {
                Name = fname, Type = ftype, Offset = (int)offset, Size = (int)size, IsSigned = signed, IsArray = isArray,
                ArrayLength = arrayLen, ElementSize = elementSize, IsDynamic = isDynamic, IsString = isString,
                IsPointer = pointer, IsLong = isLong, IsCommon = common,
            });
        }
    }

    /// <summary>Renders a RAW payload as perf script prints the event's text (after "system:name: "),
    /// using the blob's byte order.</summary>
    public string Render(ReadOnlySpan<byte> raw, KernelSymbolResolver? symbols = null) => Render(raw, _ctx.BigEndian, symbols);

    /// <summary>Renders a RAW payload as perf script (perf 6.1, libtraceevent) prints the event's text after
    /// "system:name: ". Kernel function pointers (%pS, %ps) are named through <paramref name="symbols"/>, or
    /// through the blob's kallsyms when it carries one; unknown ones print as 0x… like perf. Never throws:
    /// bytes beyond the payload read as zero.</summary>
    public string Render(ReadOnlySpan<byte> raw, bool bigEndian, KernelSymbolResolver? symbols = null)
    {
        var sb = new StringBuilder(128);
        RenderTo(sb, raw, bigEndian, symbols);
        return sb.ToString();
    }

    /// <summary>Appends the rendering of <see cref="Render(ReadOnlySpan{byte}, bool, KernelSymbolResolver?)"/> to a builder.</summary>
    public void RenderTo(StringBuilder sb, ReadOnlySpan<byte> raw, bool bigEndian, KernelSymbolResolver? symbols = null)
    {
        symbols ??= _ctx.Kallsyms is { } k ? k.Resolve : null;
        var ev = new PrintEvaluator(this, raw, bigEndian, _ctx, symbols);
        if (ParseError is not null)
        {
            sb.Append("[FAILED TO PARSE]");
            ev.PrintFields(sb);
            return;
        }
        ev.Print(sb, Segments);
    }

    /// <summary>Reads an integer field (sizes 1, 2, 4, 8; sign-extended when the field is signed).</summary>
    public bool TryGetField(ReadOnlySpan<byte> raw, string name, out long value)
    {
        value = 0;
        if (FindAnyField(name) is not { IsArray: false } f || !TryReadRaw(raw, f, _ctx.BigEndian, out ulong u)) return false;
        value = f.IsSigned ? f.Size switch { 1 => (sbyte)u, 2 => (short)u, 4 => (int)u, _ => (long)u } : (long)u;
        return true;
    }

    /// <summary>Reads an integer field zero-extended (sizes 1, 2, 4, 8).</summary>
    public bool TryGetField(ReadOnlySpan<byte> raw, string name, out ulong value)
    {
        value = 0;
        return FindAnyField(name) is { IsArray: false } f && TryReadRaw(raw, f, _ctx.BigEndian, out value);
    }

    /// <summary>Reads a string field: a char array, or a <c>__data_loc</c> string, up to its first NUL.</summary>
    public bool TryGetField(ReadOnlySpan<byte> raw, string name, out string value)
    {
        value = "";
        if (FindAnyField(name) is not { } f) return false;
        int off = f.Offset, len = f.Size;
        if (f.IsDynamic)
        {
            if (!TryReadRaw(raw, f, _ctx.BigEndian, out ulong loc)) return false;
            off = (int)(loc & 0xffff);
            len = (int)((loc >> 16) & 0xffff);
        }
        else if (!f.IsArray) return false;
        if (off > raw.Length) return false;
        var s = raw.Slice(off, Math.Min(len, raw.Length - off));
        int nul = s.IndexOf((byte)0);
        value = Encoding.UTF8.GetString(nul >= 0 ? s[..nul] : s);
        return true;
    }

    private static bool TryReadRaw(ReadOnlySpan<byte> raw, TracepointField f, bool bigEndian, out ulong value)
    {
        value = 0;
        if (f.Size is not (1 or 2 or 4 or 8) || f.Offset + f.Size > raw.Length) return false;
        value = ReadNumber(raw.Slice(f.Offset, f.Size), bigEndian);
        return true;
    }

    internal static ulong ReadNumber(ReadOnlySpan<byte> b, bool bigEndian) => b.Length switch
    {
        1 => b[0],
        2 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
        4 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
        8 => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
        _ => 0,
    };
}

/// <summary>C library number parsing as libtraceevent uses it.</summary>
internal static class CNumbers
{
    /// <summary>strtoull(text, NULL, 0): optional sign, 0x / 0 prefixes, stops at the first bad digit, saturates.</summary>
    public static ulong StrToULL(string s, bool unsigned = false)
    {
        _ = unsigned;
        int i = 0;
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\r' or '\v' or '\f') i++;
        bool neg = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            neg = s[i] == '-';
            i++;
        }
        int radix = 10;
        if (i < s.Length && s[i] == '0')
        {
            if (i + 2 < s.Length + 0 && (s[i + 1] is 'x' or 'X') && i + 2 < s.Length && Uri.IsHexDigit(s[i + 2]))
            {
                radix = 16;
                i += 2;
            }
            else radix = 8;
        }
        ulong v = 0;
        bool overflow = false;
        for (; i < s.Length; i++)
        {
            int d = s[i] switch
            {
                >= '0' and <= '9' => s[i] - '0',
                >= 'a' and <= 'f' => s[i] - 'a' + 10,
                >= 'A' and <= 'F' => s[i] - 'A' + 10,
                _ => 99,
            };
            if (d >= radix) break;
            ulong nv = unchecked(v * (ulong)radix + (ulong)d);
            if (v > (ulong.MaxValue - (ulong)d) / (ulong)radix) overflow = true;
            v = nv;
        }
        if (overflow) return ulong.MaxValue;
        return neg ? unchecked(0 - v) : v;
    }

    /// <summary>Invariant decimal text.</summary>
    public static string Dec(long v) => v.ToString(CultureInfo.InvariantCulture);
}
