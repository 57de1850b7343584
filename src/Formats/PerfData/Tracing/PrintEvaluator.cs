using System.Text;

namespace Stackweave.Formats.PerfData.Tracing;

/// <summary>Names the kernel function containing an address: its name and start address, or false.</summary>
public delegate bool KernelSymbolResolver(ulong address, out string name, out ulong start);

/// <summary>Kind of one compiled piece of a print fmt (libtraceevent tep_print_parse_type).</summary>
internal enum SegmentKind { Literal, Digit, Pointer, String }

/// <summary>One piece of a print fmt: literal text, or a conversion with its argument (libtraceevent tep_print_parse).</summary>
internal sealed class PrintSegment
{
    public SegmentKind Kind { get; init; }
    /// <summary>Literal text, or the conversion spec from '%' to the conversion character.</summary>
    public required string Text { get; init; }
    public PrintArg? Arg { get; init; }
    public PrintArg? LenArg { get; init; }
    /// <summary>Length modifier count: -2 hh, -1 h, 0 none, 1 l, 2 ll/L.</summary>
    public int Ls { get; init; }

    /// <summary>Splits a print fmt into pieces and binds arguments in order (libtraceevent parse_args).</summary>
    public static PrintSegment[] Compile(string fmt, List<PrintArg> args, int longSize, out string? error)
    {
        _ = longSize; // a 64-bit host: %l stays %l whatever the trace's long size (libtraceevent parse_arg_format)
        error = null;
        var list = new List<PrintSegment>();
        int ai = 0;
        int i = 0;
        var lit = new StringBuilder();
        while (i < fmt.Length)
        {
            if (fmt[i] == '%' && (i + 1 >= fmt.Length || fmt[i + 1] != '%'))
            {
                if (lit.Length > 0)
                {
                    list.Add(new PrintSegment { Kind = SegmentKind.Literal, Text = lit.ToString() });
                    lit.Clear();
                }
                int start = i;
                i++;
                int ls = 0;
                PrintArg? lenArg = null;
                bool done = false;
                for (; i < fmt.Length && !done; i++)
                {
                    char c = fmt[i];
                    switch (c)
                    {
                        case '#' or '.' or 'z' or 'Z' or '-' or (>= '0' and <= '9'):
                            break;
                        case 'h': ls--; break;
                        case 'l': ls++; break;
                        case 'L': ls = 2; break;
                        case '*':
                            if (ai >= args.Count) { error = "no argument match"; return []; }
                            if (lenArg is not null) { error = "argument already matched"; return []; }
                            lenArg = args[ai++];
                            break;
                        case 'p':
                        {
                            if (ai >= args.Count) { error = "no argument match"; return []; }
                            int res = PointerSuffixLength(fmt.AsSpan(i + 1));
                            i += res;
                            list.Add(new PrintSegment { Kind = SegmentKind.Pointer, Text = fmt[start..(i + 1)], Arg = args[ai++], LenArg = lenArg, Ls = ls });
                            done = true;
                            break;
                        }
                        case 'd' or 'u' or 'i' or 'x' or 'X' or 'o':
                            if (ai >= args.Count) { error = "no argument match"; return []; }
                            if (ls is < -2 or > 2) { error = "bad count"; return []; }
                            list.Add(new PrintSegment { Kind = SegmentKind.Digit, Text = fmt[start..(i + 1)], Arg = args[ai++], LenArg = lenArg, Ls = ls });
                            done = true;
                            break;
                        case 's':
                            if (ai >= args.Count) { error = "no matching argument"; return []; }
                            list.Add(new PrintSegment { Kind = SegmentKind.String, Text = fmt[start..(i + 1)], Arg = args[ai++], LenArg = lenArg });
                            done = true;
                            break;
                        default:
                            // libtraceevent prints an unknown conversion character as ">c<" and binds no argument.
                            list.Add(new PrintSegment { Kind = SegmentKind.Literal, Text = ">" + c + "<" });
                            done = true;
                            break;
                    }
                }
                continue;
            }
            char ch = fmt[i];
            if (ch == '\\')
            {
                i++;
                if (i >= fmt.Length) break;
                lit.Append(fmt[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => fmt[i] });
                i++;
                continue;
            }
            if (ch == '%')
            {
                lit.Append('%');
                i += 2;
                continue;
            }
            lit.Append(ch);
            i++;
        }
        if (lit.Length > 0) list.Add(new PrintSegment { Kind = SegmentKind.Literal, Text = lit.ToString() });
        return [.. list];
    }

    /// <summary>Extra characters after %p that belong to the conversion (libtraceevent parse_arg_format_pointer).</summary>
    private static int PointerSuffixLength(ReadOnlySpan<char> f)
    {
        char At(ReadOnlySpan<char> s, int k) => k < s.Length ? s[k] : '\0';
        int ret = 0;
        switch (At(f, 0))
        {
            case 'F' or 'S' or 'f' or 's':
                ret++;
                break;
            case 'M' or 'm':
                if (At(f, 1) is 'R' or 'F') ret++;
                ret++;
                break;
            case 'I' or 'i':
            {
                int index = 2;
                char kind = At(f, 1);
                if (kind == 'S')
                {
                    while (At(f, index) is 'p' or 'f' or 's') { ret++; index++; }
                }
                if (kind is 'S' or '4')
                {
                    if (At(f, index) is 'h' or 'n' or 'l' or 'b') { ret++; index++; }
                    if (kind == '4') { ret++; ret++; break; }
                }
                if (kind is 'S' or '4' or '6')
                {
                    if (At(f, index) == 'c') ret++;
                    ret++;
                }
                ret++;
                break;
            }
            case 'U':
                if (At(f, 1) is 'L' or 'l' or 'B' or 'b') ret++;
                ret++;
                break;
            case 'h':
                if (At(f, 1) is 'C' or 'D' or 'N') ret++;
                ret++;
                break;
        }
        return ret;
    }
}

/// <summary>Evaluates print fmt arguments over one RAW payload, as libtraceevent's eval_num_arg / print_str_arg do.</summary>
internal ref struct PrintEvaluator
{
    private readonly TracepointFormat _format;
    private readonly ReadOnlySpan<byte> _raw;
    private readonly bool _bigEndian;
    private readonly TraceContext _ctx;
    private readonly KernelSymbolResolver? _symbols;

    public PrintEvaluator(TracepointFormat format, ReadOnlySpan<byte> raw, bool bigEndian, TraceContext ctx, KernelSymbolResolver? symbols)
    {
        _format = format;
        _raw = raw;
        _bigEndian = bigEndian;
        _ctx = ctx;
        _symbols = symbols;
    }

    // libtraceevent enum tep_print_arg_type values, printed in its "ARG TYPE NOT FIELD BUT %d" message.
    private static int ArgTypeCode(PrintArg a) => a switch
    {
        AtomArg => 1, FieldArg => 2, FlagsArg => 3, SymbolicArg => 4, HexArg { IsStr: false } => 5, IntArrayArg => 6,
        CastArg => 7, StrArg => 8, DynArrayArg { Length: false } => 10, OpArg or CondArg or IndexArg => 11,
        BitmaskArg => 13, DynArrayArg => 14, HexArg => 15, _ => 0,
    };

    /// <summary>Reads size bytes at offset as a number in the trace's byte order; bytes past the payload read as zero.</summary>
    private readonly ulong Read(long offset, int size)
    {
        if (size is not (1 or 2 or 4 or 8) || offset < 0) return 0;
        if (offset + size <= _raw.Length) return TracepointFormat.ReadNumber(_raw.Slice((int)offset, size), _bigEndian);
        Span<byte> tmp = stackalloc byte[8];
        tmp.Clear();
        for (int k = 0; k < size; k++)
            if (offset + k < _raw.Length) tmp[k] = _raw[(int)(offset + k)];
        return TracepointFormat.ReadNumber(tmp[..size], _bigEndian);
    }

    /// <summary>Bytes from offset up to the first NUL, at most max bytes, clipped to the payload.</summary>
    private readonly ReadOnlySpan<byte> CString(long offset, long max)
    {
        if (offset < 0 || offset >= _raw.Length) return [];
        var s = _raw[(int)offset..];
        if (max >= 0 && max < s.Length) s = s[..(int)max];
        int nul = s.IndexOf((byte)0);
        return nul >= 0 ? s[..nul] : s;
    }

    private static string Text(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    /// <summary>Casts the way libtraceevent's eval_type_str does (note: its sign handling never sign-extends).</summary>
    public static ulong EvalType(ulong val, string type, bool pointer)
    {
        if (type.Length == 0) return val;
        if (pointer)
        {
            if (type[^1] != '*' || type.Length < 2) return val;
            return EvalType(val, type[..^2], false);
        }
        if (type[^1] == '*') return val;
        if (type.StartsWith("struct", StringComparison.Ordinal)) return val;
        switch (type)
        {
            case "u8" or "s8": return val & 0xff;
            case "u16" or "s16": return val & 0xffff;
            case "u32" or "s32": return val & 0xffffffff;
            case "u64" or "s64": return val;
        }
        if (type.StartsWith("unsigned ", StringComparison.Ordinal)) type = type[9..];
        return type switch
        {
            "char" => val & 0xff,
            "short" => val & 0xffff,
            "int" => val & 0xffffffff,
            _ => val,
        };
    }

    /// <summary>libtraceevent eval_flag: a number (strtoull base 0) or one of its known softirq / hrtimer names, else -1.</summary>
    public static long EvalFlag(string flag)
    {
        if (flag.Length > 0 && char.IsAsciiDigit(flag[0])) return (long)CNumbers.StrToULL(flag);
        return flag switch
        {
            // libtraceevent event-parse.c "flags" table
            "HI_SOFTIRQ" => 0, "TIMER_SOFTIRQ" => 1, "NET_TX_SOFTIRQ" => 2, "NET_RX_SOFTIRQ" => 3, "BLOCK_SOFTIRQ" => 4,
            "IRQ_POLL_SOFTIRQ" => 5, "TASKLET_SOFTIRQ" => 6, "SCHED_SOFTIRQ" => 7, "HRTIMER_SOFTIRQ" => 8, "RCU_SOFTIRQ" => 9,
            "HRTIMER_NORESTART" => 0, "HRTIMER_RESTART" => 1,
            _ => -1,
        };
    }

    /// <summary>Numeric value of an argument (libtraceevent eval_num_arg), unsigned 64-bit arithmetic.</summary>
    public readonly ulong EvalNum(PrintArg? arg, int depth = 0)
    {
        if (arg is null || depth > 2000) return 0; // the parser bounds nesting at 500 levels
        switch (arg)
        {
            case AtomArg a:
                return CNumbers.StrToULL(a.Text);
            case FieldArg f:
                return f.Field is { } fld ? Read(fld.Offset, fld.Size) : 0;
            case CastArg c:
                return EvalType(EvalNum(c.Item, depth + 1), c.Type, false);
            case CondArg c:
                return EvalNum(c.Cond, depth + 1) != 0 ? EvalNum(c.WhenTrue, depth + 1) : EvalNum(c.WhenFalse, depth + 1);
            case IndexArg ix:
                return EvalIndex(ix, depth);
            case DynArrayArg d:
            {
                ulong loc = Read(d.Field.Offset, d.Field.Size);
                // Without an index libtraceevent yields a host pointer to the data; the payload offset stands in for it.
                return d.Length ? loc >> 16 : loc & 0xffff;
            }
            case OpArg o:
            {
                ulong left = EvalNum(o.Left, depth + 1);
                ulong right = EvalNum(o.Right, depth + 1);
                return o.Op switch
                {
                    "!" => right == 0 ? 1UL : 0,
                    "!=" => left != right ? 1UL : 0,
                    "~" => ~right,
                    "|" => left | right,
                    "||" => left != 0 || right != 0 ? 1UL : 0,
                    "&" => left & right,
                    "&&" => left != 0 && right != 0 ? 1UL : 0,
                    "<" => left < right ? 1UL : 0,
                    "<<" => left << (int)(right & 63),
                    "<=" => left <= right ? 1UL : 0,
                    ">" => left > right ? 1UL : 0,
                    ">>" => left >> (int)(right & 63),
                    ">=" => left >= right ? 1UL : 0,
                    "==" => left == right ? 1UL : 0,
                    "-" => unchecked(left - right),
                    "+" => unchecked(left + right),
                    "*" => unchecked(left * right),
                    // C would trap on a zero divisor; zero keeps rendering total.
                    "/" => right == 0 ? 0 : left / right,
                    "%" => right == 0 ? 0 : left % right,
                    _ => 0, // libtraceevent: "unknown op" (e.g. '^'), value 0
                };
            }
            default:
                return 0;
        }
    }

    private readonly ulong EvalIndex(IndexArg ix, int depth)
    {
        ulong right = EvalNum(ix.Index, depth + 1);
        var larg = ix.Left;
        CastArg? typeArg = null;
        while (larg is CastArg c)
        {
            typeArg ??= c;
            larg = c.Item;
        }
        int fieldSize = _ctx.LongSize;
        long offset;
        switch (larg)
        {
            case DynArrayArg { Length: false } d:
                offset = (long)(Read(d.Field.Offset, d.Field.Size) & 0xffff);
                if (d.Field.ElementSize != 0) fieldSize = d.Field.ElementSize;
                // libtraceevent adds the index itself (not index * element size) here.
                offset = unchecked(offset + (long)right);
                break;
            case FieldArg { Field: { } f }:
                fieldSize = f.ElementSize;
                offset = unchecked(f.Offset + (long)right * f.ElementSize);
                break;
            case FieldArg:
                return 0;
            default:
                return 0; // "[" as a plain operator is unknown to eval_num_arg
        }
        ulong val = Read(offset, fieldSize);
        if (typeArg is not null) val = EvalType(val, typeArg.Type, true);
        return val;
    }

    /// <summary>Prints compiled segments (libtraceevent print_event_cache).</summary>
    public readonly void Print(StringBuilder sb, PrintSegment[] segments)
    {
        foreach (var seg in segments)
        {
            int lenArg = seg.LenArg is null ? -1 : (int)EvalNum(seg.LenArg);
            switch (seg.Kind)
            {
                case SegmentKind.Literal:
                    sb.Append(seg.Text);
                    break;
                case SegmentKind.Digit:
                    PrintNumber(sb, seg, lenArg);
                    break;
                case SegmentKind.Pointer:
                    PrintPointer(sb, seg.Text, seg.LenArg is null ? 1 : lenArg, seg.Arg!);
                    break;
                case SegmentKind.String:
                    PrintStr(sb, seg.Text, seg.LenArg is null ? -1 : lenArg, seg.Arg!, 0);
                    break;
            }
        }
    }

    private readonly void PrintNumber(StringBuilder sb, PrintSegment seg, int lenArg)
    {
        ulong val = EvalNum(seg.Arg);
        // print_arg_number casts to char/short/int/long/long long; values narrower than 64 bits travel as a
        // zero-extended 32-bit register, which matters only for "%z…", whose 'z' libtraceevent ignores.
        ulong reg = seg.Ls switch
        {
            -2 => (uint)(int)(sbyte)val,
            -1 => (uint)(int)(short)val,
            0 => (uint)val,
            _ => val,
        };
        CPrintf.Integer(sb, seg.Text, lenArg, reg);
    }

    private readonly void PrintPointer(StringBuilder sb, string spec, int plen, PrintArg arg)
    {
        int p = spec.IndexOf('p', StringComparison.Ordinal);
        string f = spec[(p + 1)..];
        char k = f.Length > 0 ? f[0] : '\0';
        switch (k)
        {
            case 'F' or 'f' or 'S' or 's':
            {
                ulong val = EvalNum(arg);
                if (_symbols is not null && _symbols(val, out var name, out ulong start))
                {
                    sb.Append(name);
                    if (k is 'F' or 'S') sb.Append("+0x").Append(unchecked(val - start).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    ulong shown = _ctx.LongSize == 4 ? val : val; // "0x%lx" of (long)val on a 64-bit host prints all 64 bits too
                    sb.Append("0x").Append(shown.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                }
                break;
            }
            case 'M' or 'm':
                PrintMac(sb, f, arg);
                break;
            case 'h':
                PrintRawBuffer(sb, f, arg, plen);
                break;
            case 'I' or 'i':
                PrintIp(sb, f, arg);
                break;
            case 'U':
                PrintUuid(sb, f, arg);
                break;
            default:
            {
                // plain %p: glibc "%p"
                ulong val = EvalNum(arg);
                if (val == 0) sb.Append("(nil)");
                else sb.Append("0x").Append(val.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                break;
            }
        }
    }

    private readonly void PrintMac(StringBuilder sb, string f, PrintArg arg)
    {
        if (arg is not FieldArg fa)
        {
            sb.Append("ARG TYPE NOT FIELD BUT ").Append(ArgTypeCode(arg));
            return;
        }
        if (fa.Field is not { } field) return;
        if (field.Size != 6)
        {
            sb.Append("INVALIDMAC");
            return;
        }
        string sep = f[0] == 'm' ? "" : f.Length > 1 && f[1] == 'F' ? "-" : ":";
        bool reverse = f.Length > 1 && f[1] == 'R';
        for (int k = 0; k < 6; k++)
        {
            if (k > 0) sb.Append(sep);
            int idx = reverse ? 5 - k : k;
            sb.Append(((byte)Read(field.Offset + idx, 1)).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>libtraceevent print_ip_arg: %pI4 / %pi4 dotted quads (reversed for 'l'); %pI6 with colons,
    /// %pi6 without, %pI6c compressed (%pIS socket addresses are not decoded).</summary>
    private readonly void PrintIp(StringBuilder sb, string f, PrintArg arg)
    {
        char kind = f.Length > 1 ? f[1] : '\0';
        if (kind is not ('4' or '6' or 'S')) return;
        if (arg is not FieldArg fa)
        {
            sb.Append("ARG TYPE NOT FIELD BUT ").Append(ArgTypeCode(arg));
            return;
        }
        if (fa.Field is not { } field) return;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (kind == '4')
        {
            if (field.Size != 4)
            {
                sb.Append("INVALIDIPv4");
                return;
            }
            bool reverse = f.Length > 2 && f[2] == 'l';
            for (int k = 0; k < 4; k++)
            {
                if (k > 0) sb.Append('.');
                byte b = (byte)Read(field.Offset + (reverse ? 3 - k : k), 1);
                sb.Append(f[0] == 'i' ? b.ToString("D3", inv) : b.ToString(inv));
            }
            return;
        }
        if (kind == '6')
        {
            if (field.Size != 16)
            {
                sb.Append("INVALIDIPv6");
                return;
            }
            Span<byte> a = stackalloc byte[16];
            for (int k = 0; k < 16; k++) a[k] = (byte)Read(field.Offset + k, 1);
            if (f[0] == 'I' && f.Length > 2 && f[2] == 'c') PrintIp6Compressed(sb, a);
            else
            {
                for (int k = 0; k < 16; k += 2)
                {
                    sb.Append(a[k].ToString("x2", inv)).Append(a[k + 1].ToString("x2", inv));
                    if (f[0] == 'I' && k < 14) sb.Append(':');
                }
            }
        }
        // %pIS (sockaddr) is not decoded.
    }

    /// <summary>libtraceevent print_ip6c_addr: longest run of zero groups as "::", v4-mapped and ISATAP tails dotted.</summary>
    private static void PrintIp6Compressed(StringBuilder sb, ReadOnlySpan<byte> a)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        bool v4mapped = a[..8].IndexOfAnyExcept((byte)0) < 0 && a[8] == 0 && a[9] == 0 && a[10] == 0xff && a[11] == 0xff;
        bool isatap = (a[8] | 0x02) == 0x02 && a[9] == 0 && a[10] == 0x5e && a[11] == 0xfe;
        bool useV4 = v4mapped || isatap;
        int range = useV4 ? 6 : 8;
        Span<int> zeroLen = stackalloc int[8];
        for (int i = 0; i < range; i++)
            for (int j = i; j < range && a[2 * j] == 0 && a[2 * j + 1] == 0; j++) zeroLen[i]++;
        int longest = 1, colonPos = -1;
        for (int i = 0; i < range; i++)
            if (zeroLen[i] > longest)
            {
                longest = zeroLen[i];
                colonPos = i;
            }
        bool needColon = false;
        for (int i = 0; i < range; i++)
        {
            if (i == colonPos)
            {
                if (needColon || i == 0) sb.Append(':');
                sb.Append(':');
                needColon = false;
                i += longest - 1;
                continue;
            }
            if (needColon) sb.Append(':');
            byte hi = a[2 * i], lo = a[2 * i + 1];
            if (hi != 0) sb.Append(hi.ToString("x", inv)).Append(lo.ToString("x2", inv));
            else sb.Append(lo.ToString("x", inv));
            needColon = true;
        }
        if (useV4)
        {
            if (needColon) sb.Append(':');
            sb.Append(a[12].ToString(inv)).Append('.').Append(a[13].ToString(inv)).Append('.')
              .Append(a[14].ToString(inv)).Append('.').Append(a[15].ToString(inv));
        }
    }

    /// <summary>libtraceevent print_uuid_arg: 16 bytes as 8-4-4-4-12 hex; 'l'/'L' use GUID byte order, 'L'/'B' upper case.</summary>
    private readonly void PrintUuid(StringBuilder sb, string f, PrintArg arg)
    {
        char m = f.Length > 1 ? f[1] : '\0';
        if (arg is not FieldArg fa)
        {
            sb.Append("ARG TYPE NOT FIELD BUT ").Append(ArgTypeCode(arg));
            return;
        }
        if (fa.Field is not { } field) return;
        if (field.Size != 16)
        {
            sb.Append("INVALIDUUID");
            return;
        }
        ReadOnlySpan<int> guid = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        string fmt = m is 'L' or 'B' ? "X2" : "x2";
        for (int k = 0; k < 16; k++)
        {
            int idx = m is 'L' or 'l' ? guid[k] : k;
            sb.Append(((byte)Read(field.Offset + idx, 1)).ToString(fmt, System.Globalization.CultureInfo.InvariantCulture));
            if (k is 3 or 5 or 7 or 9) sb.Append('-');
        }
    }

    private readonly void PrintRawBuffer(StringBuilder sb, string f, PrintArg arg, int plen)
    {
        string delim = (f.Length > 1 ? f[1] : '\0') switch { 'C' => ":", 'D' => "-", 'N' => "", _ => " " };
        if (arg is not DynArrayArg { Length: false } d)
        {
            sb.Append("ARG TYPE NOT FIELD BUT ").Append(ArgTypeCode(arg));
            return;
        }
        ulong loc = Read(d.Field.Offset, d.Field.Size);
        int arrLen = (int)(loc >> 16);
        long off = (long)(loc & 0xffff);
        if (arrLen < plen) plen = arrLen;
        for (int k = 0; k < plen && off + k < _raw.Length; k++)
        {
            if (k > 0) sb.Append(delim);
            sb.Append(_raw[(int)(off + k)].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>String conversion of an argument (libtraceevent print_str_arg).</summary>
    private readonly void PrintStr(StringBuilder sb, string spec, int lenArg, PrintArg arg, int depth)
    {
        if (depth > 2000) return;
        switch (arg)
        {
            case AtomArg a:
                CPrintf.String(sb, spec, lenArg, a.Text);
                return;
            case FieldArg { Field: { } f }:
            {
                long len = f.Size != 0 ? f.Size : _raw.Length - f.Offset;
                if (!f.IsArray && f.Size == _ctx.LongSize)
                {
                    ulong addr = Read(f.Offset, _ctx.LongSize);
                    if (_ctx.Printk.TryGetValue(addr, out var printk)) sb.Append(printk);
                    else sb.Append(addr.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                    return;
                }
                CPrintf.String(sb, spec, lenArg, Text(CString(f.Offset, len)));
                return;
            }
            case FlagsArg fl:
            {
                long val = (long)EvalNum(fl.Value);
                bool printed = false;
                foreach (var flag in fl.Flags)
                {
                    long fval = flag.Number;
                    if (val == 0 && fval < 0)
                    {
                        CPrintf.String(sb, spec, lenArg, flag.Text);
                        break;
                    }
                    if (fval > 0 && (val & fval) == fval)
                    {
                        if (printed && fl.Delim is not null) sb.Append(fl.Delim);
                        CPrintf.String(sb, spec, lenArg, flag.Text);
                        printed = true;
                        val &= ~fval;
                    }
                }
                if (val != 0)
                {
                    if (printed && fl.Delim is not null) sb.Append(fl.Delim);
                    sb.Append("0x").Append(val.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                }
                return;
            }
            case SymbolicArg sy:
            {
                long val = (long)EvalNum(sy.Value);
                foreach (var s in sy.Symbols)
                {
                    if (s.Number == val)
                    {
                        CPrintf.String(sb, spec, lenArg, s.Text);
                        return;
                    }
                }
                sb.Append("0x").Append(val.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                return;
            }
            case HexArg h:
            {
                long start;
                if (h.Field is DynArrayArg { Length: false } d) start = (long)(Read(d.Field.Offset, d.Field.Size) & 0xffff);
                else if (h.Field is FieldArg { Field: { } hf }) start = hf.Offset;
                else return;
                int len = (int)EvalNum(h.Length);
                for (int k = 0; k < len && start + k < _raw.Length; k++)
                {
                    if (k > 0 && !h.IsStr) sb.Append(' ');
                    sb.Append(_raw[(int)(start + k)].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }
                return;
            }
            case IntArrayArg ia:
            {
                long start;
                if (ia.Field is DynArrayArg { Length: false } d) start = (long)(Read(d.Field.Offset, d.Field.Size) & 0xffff);
                else if (ia.Field is FieldArg { Field: { } af }) start = af.Offset;
                else return;
                int len = (int)EvalNum(ia.Count);
                int el = (int)EvalNum(ia.ElementSize);
                for (int k = 0; k < len && start < _raw.Length; k++)
                {
                    if (k > 0) sb.Append(' ');
                    if (el is 1 or 2 or 4 or 8)
                    {
                        // libtraceevent reads the elements in host (little-endian) order.
                        ulong v = start + el <= _raw.Length ? TracepointFormat.ReadNumber(_raw.Slice((int)start, el), false) : 0;
                        sb.Append(v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append("BAD SIZE:").Append(el).Append(" 0x").Append(_raw[(int)start].ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                        el = 1;
                    }
                    start += el;
                }
                return;
            }
            case StrArg { Field: { } sf }:
            {
                long off = (long)(Read(sf.Offset, 4) & 0xffff);
                CPrintf.String(sb, spec, lenArg, Text(CString(off, -1)));
                return;
            }
            case BitmaskArg { Field: { } bf }:
            {
                ulong loc = Read(bf.Offset, 4);
                int size = (int)(loc >> 16);
                long off = (long)(loc & 0xffff);
                // Bytes past the payload are not printed (libtraceevent would read beyond the record).
                size = (int)Math.Min(size, Math.Max(0, _raw.Length - off));
                CPrintf.String(sb, spec, lenArg, Bitmask(off, size));
                return;
            }
            case CondArg c:
                PrintStr(sb, spec, lenArg, EvalNum(c.Cond) != 0 ? c.WhenTrue : c.WhenFalse, depth + 1);
                return;
            default:
                return; // casts, other operators, dynamic arrays: libtraceevent prints nothing
        }
    }

    /// <summary>libtraceevent print_bitmask_to_seq: hex, most significant byte first, a comma every 32 bits.</summary>
    private readonly string Bitmask(long off, int size)
    {
        int nrBits = size * 8;
        int strSize = (nrBits + 3) / 4 + (nrBits - 1) / 32;
        if (strSize <= 0) return "";
        var str = new char[strSize];
        int len = 0;
        for (int i = strSize - 2; i >= 0; i -= 2)
        {
            int index = _bigEndian ? size - (len + 1) : len;
            byte b = off + index < _raw.Length && off + index >= 0 ? _raw[(int)(off + index)] : (byte)0;
            string hx = b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
            str[i] = hx[0];
            str[i + 1] = hx[1];
            len++;
            if ((len & 3) == 0 && i > 0)
            {
                i--;
                str[i] = ',';
            }
        }
        return new string(str);
    }

    /// <summary>Fallback when the format failed to parse (libtraceevent tep_print_fields): " name=value" per field.</summary>
    public readonly void PrintFields(StringBuilder sb)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var f in _format.Fields)
        {
            sb.Append(' ').Append(f.Name).Append('=');
            if (f.IsArray)
            {
                long off = f.Offset;
                long len = f.Size;
                if (f.IsDynamic)
                {
                    ulong v = Read(f.Offset, f.Size);
                    off = (long)(v & 0xffff);
                    len = (long)((v >> 16) & 0xffff);
                }
                len = Math.Min(len, Math.Max(0, _raw.Length - off)); // never print past the payload
                if (f.IsString && IsPrintable(off, len))
                {
                    sb.Append(Text(CString(off, -1)));
                }
                else
                {
                    sb.Append("ARRAY[");
                    for (long k = 0; k < len; k++)
                    {
                        if (k > 0) sb.Append(", ");
                        byte b = off + k < _raw.Length ? _raw[(int)(off + k)] : (byte)0;
                        sb.Append(b.ToString("x2", inv));
                    }
                    sb.Append(']');
                }
                continue;
            }
            ulong val = Read(f.Offset, f.Size);
            if (f.IsPointer) sb.Append("0x").Append(val.ToString("x", inv));
            else if (f.IsSigned)
            {
                switch (f.Size)
                {
                    case 4:
                        if (f.IsLong) sb.Append("0x").Append(((uint)val).ToString("x", inv));
                        else sb.Append(((int)val).ToString(inv));
                        break;
                    case 2: sb.Append(((short)val).ToString(inv).PadLeft(2)); break;
                    case 1: sb.Append(((sbyte)val).ToString(inv)); break;
                    default: sb.Append(((long)val).ToString(inv)); break;
                }
            }
            else if (f.IsLong) sb.Append("0x").Append(val.ToString("x", inv));
            else sb.Append(val.ToString(inv));
        }
    }

    private readonly bool IsPrintable(long off, long len)
    {
        for (long k = 0; k < len; k++)
        {
            if (off + k >= _raw.Length || off + k < 0) return true; // libtraceevent stops at NUL; past the end reads as NUL
            byte c = _raw[(int)(off + k)];
            if (c == 0) return true;
            bool print = c is >= 0x20 and <= 0x7e;
            bool space = c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';
            if (!print && !space) return false;
        }
        return true;
    }
}
