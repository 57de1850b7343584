using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>
/// Rust symbol demangler following libiberty's rust-demangle.c (binutils 2.40), which both c++filt and perf
/// use: legacy names (<c>_ZN…17h&lt;16 hex&gt;E</c>) and v0 names (<c>_R…</c>, RFC 2603). Verbose mode
/// (c++filt) keeps the legacy hash and prints v0 crate disambiguators as <c>[hex]</c>.
/// </summary>
internal sealed class RustDemangler
{
    // rust-demangle.c RUST_MAX_RECURSION_COUNT.
    private const int MaxRecursion = 1024;

    // Lower bound of our own: keeps the C# stack safe.
    private const int MaxDepth = 300;

    private const int MaxOutput = 1 << 16;

    private readonly string _sym;
    private readonly int _start;
    private int _len;
    private int _next;
    private bool _errored;
    private bool _skipping;
    private readonly bool _verbose;
    private readonly bool _legacy;
    private int _recursion;
    private ulong _boundLifetimeDepth;
    private readonly StringBuilder _out = new();

    private RustDemangler(string sym, int start, bool verbose, bool legacy)
    {
        _sym = sym;
        _start = start;
        _verbose = verbose;
        _legacy = legacy;
    }

    public static string? Demangle(string mangled, bool verbose)
    {
        int start;
        bool legacy;
        if (mangled.Length >= 2 && mangled[0] == '_' && mangled[1] == 'R')
        {
            start = 2;
            legacy = false;
        }
        else if (mangled.Length >= 3 && mangled[0] == '_' && mangled[1] == 'Z' && mangled[2] == 'N')
        {
            start = 3;
            legacy = true;
        }
        else
        {
            return null;
        }

        var rdm = new RustDemangler(mangled, start, verbose, legacy);
        return rdm.Run() ? rdm._out.ToString() : null;
    }

    private char At(int i) => i < _len ? _sym[_start + i] : '\0';

    private char Peek => At(_next);

    private char Next()
    {
        char c = Peek;
        if (c == '\0')
        {
            _errored = true;
        }
        else
        {
            _next++;
        }

        return c;
    }

    private bool Eat(char c)
    {
        if (Peek == c)
        {
            _next++;
            return true;
        }

        return false;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsLower(char c) => c is >= 'a' and <= 'z';

    private static bool IsUpper(char c) => c is >= 'A' and <= 'Z';

    private void Print(string s)
    {
        if (_errored || _skipping)
        {
            return;
        }

        if (_out.Length + s.Length > MaxOutput)
        {
            _errored = true;
            return;
        }

        _out.Append(s);
    }

    private void Print(ReadOnlySpan<char> s)
    {
        if (_errored || _skipping)
        {
            return;
        }

        if (_out.Length + s.Length > MaxOutput)
        {
            _errored = true;
            return;
        }

        _out.Append(s);
    }

    private bool Run()
    {
        int rest = _sym.Length - _start;
        if (!_legacy && (rest == 0 || !IsUpper(_sym[_start])))
        {
            return false;
        }

        // Allowed characters: [_0-9a-zA-Z]; legacy also $ . : @; v0 stops at a '.' suffix.
        int len = 0;
        for (int i = _start; i < _sym.Length; i++)
        {
            char c = _sym[i];
            if (!_legacy && c == '.')
            {
                break;
            }

            len++;
            if (c == '_' || char.IsAsciiLetterOrDigit(c))
            {
                continue;
            }

            if (_legacy && (c == '$' || c == '.' || c == ':' || c == '@'))
            {
                continue;
            }

            return false;
        }

        _len = len;
        if (_legacy)
        {
            return RunLegacy();
        }

        DemanglePath(true);
        if (!_errored && _next < _len)
        {
            // The instantiating crate is not printed.
            _skipping = true;
            DemanglePath(false);
            _skipping = false;
        }

        if (_next != _len)
        {
            _errored = true;
        }

        return !_errored;
    }

    private bool RunLegacy()
    {
        // Legacy names end with 'E', possibly followed by a ".suffix" that is ignored.
        bool dotSuffix = true;
        while (_len > 0 && !(dotSuffix && At(_len - 1) == 'E'))
        {
            dotSuffix = At(_len - 1) == '.';
            _len--;
        }

        if (!(_len > 0 && At(_len - 1) == 'E'))
        {
            return false;
        }

        _len--;

        // The last segment is "17h" + 16 hex digits.
        if (!(_len > 19 && At(_len - 19) == '1' && At(_len - 18) == '7' && At(_len - 17) == 'h'))
        {
            return false;
        }

        int identStart;
        int identLen;
        do
        {
            if (!ParseIdent(out identStart, out identLen, out _, out _) || identLen == 0)
            {
                return false;
            }
        }
        while (_next < _len);

        if (!IsLegacyHash(identStart, identLen))
        {
            return false;
        }

        _next = 0;
        if (!_verbose && _len > 19)
        {
            _len -= 19;
        }

        do
        {
            if (_next > 0)
            {
                Print("::");
            }

            ParseIdent(out identStart, out identLen, out _, out _);
            PrintLegacyIdent(identStart, identLen);
        }
        while (_next < _len && !_errored);

        return !_errored;
    }

    private bool IsLegacyHash(int start, int len)
    {
        if (len != 17 || _sym[_start + start] != 'h')
        {
            return false;
        }

        int seen = 0;
        for (int i = 1; i < 17; i++)
        {
            int nib = LowerHex(_sym[_start + start + i]);
            if (nib < 0)
            {
                return false;
            }

            seen |= 1 << nib;
        }

        // At least 5 distinct hex digits (rust-demangle.c is_legacy_prefixed_hash).
        return System.Numerics.BitOperations.PopCount((uint)seen) >= 5;
    }

    private static int LowerHex(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    /// <summary>Reads a length-prefixed identifier; for v0 an optional 'u' marks punycode.</summary>
    private bool ParseIdent(out int asciiStart, out int asciiLen, out int punyStart, out int punyLen)
    {
        asciiStart = asciiLen = punyStart = punyLen = 0;
        bool isPunycode = !_legacy && Eat('u');
        char c = Next();
        if (!IsDigit(c))
        {
            _errored = true;
            return false;
        }

        long len = c - '0';
        if (c != '0')
        {
            while (IsDigit(Peek))
            {
                len = (len * 10) + (Next() - '0');
                if (len > int.MaxValue)
                {
                    _errored = true;
                    return false;
                }
            }
        }

        if (!_legacy)
        {
            Eat('_');
        }

        int start = _next;
        if (len > _len - start)
        {
            _errored = true;
            return false;
        }

        _next = start + (int)len;
        asciiStart = start;
        asciiLen = (int)len;
        if (isPunycode)
        {
            punyLen = 0;
            while (asciiLen > 0)
            {
                asciiLen--;
                if (At(asciiStart + asciiLen) == '_')
                {
                    break;
                }

                punyLen++;
            }

            if (punyLen == 0)
            {
                _errored = true;
                return false;
            }

            punyStart = start + ((int)len - punyLen);
        }

        return true;
    }

    private void PrintLegacyIdent(int start, int len)
    {
        if (_errored || _skipping)
        {
            return;
        }

        ReadOnlySpan<char> s = _sym.AsSpan(_start + start, len);
        if (s.Length >= 2 && s[0] == '_' && s[1] == '$')
        {
            s = s[1..];
        }

        while (s.Length > 0)
        {
            if (s[0] == '$')
            {
                char unescaped = DecodeLegacyEscape(s, out int escLen);
                if (unescaped != '\0')
                {
                    Print(unescaped.ToString());
                    s = s[escLen..];
                }
                else
                {
                    Print(s);
                    return;
                }
            }
            else if (s[0] == '.')
            {
                if (s.Length >= 2 && s[1] == '.')
                {
                    Print("::");
                    s = s[2..];
                }
                else
                {
                    Print(".");
                    s = s[1..];
                }
            }
            else
            {
                int n = 0;
                while (n < s.Length && s[n] != '$' && s[n] != '.')
                {
                    n++;
                }

                Print(s[..n]);
                s = s[n..];
            }
        }
    }

    private static char DecodeLegacyEscape(ReadOnlySpan<char> e, out int outLen)
    {
        outLen = 0;
        if (e.Length < 3 || e[0] != '$')
        {
            return '\0';
        }

        e = e[1..];
        int len = e.Length;
        char c = '\0';
        int escLen = 0;
        if (e[0] == 'C')
        {
            escLen = 1;
            c = ',';
        }
        else if (len > 2)
        {
            escLen = 2;
            if (e[0] == 'S' && e[1] == 'P')
            {
                c = '@';
            }
            else if (e[0] == 'B' && e[1] == 'P')
            {
                c = '*';
            }
            else if (e[0] == 'R' && e[1] == 'F')
            {
                c = '&';
            }
            else if (e[0] == 'L' && e[1] == 'T')
            {
                c = '<';
            }
            else if (e[0] == 'G' && e[1] == 'T')
            {
                c = '>';
            }
            else if (e[0] == 'L' && e[1] == 'P')
            {
                c = '(';
            }
            else if (e[0] == 'R' && e[1] == 'P')
            {
                c = ')';
            }
            else if (e[0] == 'u' && len > 3)
            {
                escLen = 3;
                int hi = LowerHex(e[1]);
                int lo = LowerHex(e[2]);
                if (hi < 0 || lo < 0 || hi > 7)
                {
                    return '\0';
                }

                c = (char)((hi << 4) | lo);
                if (c < 0x20)
                {
                    return '\0';
                }
            }
        }

        if (c == '\0' || len <= escLen || e[escLen] != '$')
        {
            return '\0';
        }

        outLen = 2 + escLen;
        return c;
    }

    // ---- v0 ----

    private bool EnterRecursion()
    {
        if (++_recursion > MaxRecursion || _recursion > MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            _errored = true;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads a back-reference ("B" already eaten) and jumps to it. False when skipping or when it does not point
    /// backwards (then <c>_errored</c> is set); otherwise the caller demangles there and restores <c>_next = saved</c>.
    /// </summary>
    private bool EnterBackref(out int saved)
    {
        ulong backref = ParseInteger62();
        saved = _next;
        if (_skipping)
        {
            return false;
        }

        if (backref >= (ulong)_next)
        {
            _errored = true;
            return false;
        }

        _next = (int)backref;
        return true;
    }

    private ulong ParseInteger62()
    {
        if (Eat('_'))
        {
            return 0;
        }

        ulong x = 0;
        while (!Eat('_') && !_errored)
        {
            char c = Next();
            x *= 62;
            if (IsDigit(c))
            {
                x += (ulong)(c - '0');
            }
            else if (IsLower(c))
            {
                x += 10 + (ulong)(c - 'a');
            }
            else if (IsUpper(c))
            {
                x += 10 + 26 + (ulong)(c - 'A');
            }
            else
            {
                _errored = true;
                return 0;
            }
        }

        return x + 1;
    }

    private ulong ParseOptInteger62(char tag) => Eat(tag) ? ParseInteger62() + 1 : 0;

    private ulong ParseDisambiguator() => ParseOptInteger62('s');

    private void PrintUInt(ulong x) => Print(x.ToString(CultureInfo.InvariantCulture));

    private void PrintHex(ulong x) => Print(x.ToString("x", CultureInfo.InvariantCulture));

    private void PrintV0Ident(int asciiStart, int asciiLen, int punyStart, int punyLen)
    {
        if (_errored || _skipping)
        {
            return;
        }

        if (punyLen == 0)
        {
            Print(_sym.AsSpan(_start + asciiStart, asciiLen));
            return;
        }

        // Punycode (RFC 3492) decoding into UTF-8 text, as rust-demangle.c does.
        var chars = new List<int>();
        for (int i = 0; i < asciiLen; i++)
        {
            chars.Add(_sym[_start + asciiStart + i]);
        }

        const int Base = 36, TMin = 1, TMax = 26, Skew = 38, Damp = 700;
        int bias = 72, n = 0x80, idx = 0;
        int p = 0;
        bool first = true;
        while (p < punyLen)
        {
            int oldIdx = idx;
            int w = 1;
            for (int k = Base; ; k += Base)
            {
                if (p >= punyLen)
                {
                    _errored = true;
                    return;
                }

                char c = _sym[_start + punyStart + p++];
                int d;
                if (IsLower(c))
                {
                    d = c - 'a';
                }
                else if (IsDigit(c))
                {
                    d = 26 + (c - '0');
                }
                else
                {
                    _errored = true;
                    return;
                }

                long ni = idx + ((long)d * w);
                if (ni > 0x10FFFF * 4L)
                {
                    _errored = true;
                    return;
                }

                idx = (int)ni;
                int t = k <= bias ? TMin : (k >= bias + TMax ? TMax : k - bias);
                if (d < t)
                {
                    break;
                }

                w *= Base - t;
                if (w > 0x10FFFF)
                {
                    _errored = true;
                    return;
                }
            }

            int delta = idx - oldIdx;
            delta /= first ? Damp : 2;
            first = false;
            delta += delta / (chars.Count + 1);
            int kk = 0;
            while (delta > ((Base - TMin) * TMax) / 2)
            {
                delta /= Base - TMin;
                kk += Base;
            }

            bias = kk + (((Base - TMin + 1) * delta) / (delta + Skew));
            n += idx / (chars.Count + 1);
            idx %= chars.Count + 1;
            if (n > 0x10FFFF || chars.Count >= 4096)
            {
                _errored = true;
                return;
            }

            chars.Insert(idx, n);
            idx++;
        }

        var sb = new StringBuilder();
        foreach (int cp in chars)
        {
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                _errored = true;
                return;
            }

            sb.Append(char.ConvertFromUtf32(cp));
        }

        Print(sb.ToString());
    }

    private void PrintLifetime(ulong lt)
    {
        Print("'");
        if (lt == 0)
        {
            Print("_");
            return;
        }

        if (_boundLifetimeDepth < lt)
        {
            _errored = true;
            return;
        }

        ulong depth = _boundLifetimeDepth - lt;
        if (depth < 26)
        {
            Print(((char)('a' + (int)depth)).ToString());
        }
        else
        {
            Print("_");
            PrintUInt(depth);
        }
    }

    private void DemangleBinder()
    {
        if (_errored)
        {
            return;
        }

        ulong bound = ParseOptInteger62('G');
        if (bound > 0)
        {
            Print("for<");
            for (ulong i = 0; i < bound && !_errored; i++)
            {
                if (i > 0)
                {
                    Print(", ");
                }

                _boundLifetimeDepth++;
                PrintLifetime(1);
            }

            Print("> ");
        }
    }

    private void DemanglePath(bool inValue)
    {
        if (_errored || !EnterRecursion())
        {
            return;
        }

        char tag = Next();
        switch (tag)
        {
            case 'C':
                {
                    ulong dis = ParseDisambiguator();
                    ParseIdent(out int a, out int al, out int p, out int pl);
                    PrintV0Ident(a, al, p, pl);
                    if (_verbose)
                    {
                        Print("[");
                        PrintHex(dis);
                        Print("]");
                    }

                    break;
                }

            case 'N':
                {
                    char ns = Next();
                    if (!IsLower(ns) && !IsUpper(ns))
                    {
                        _errored = true;
                        break;
                    }

                    DemanglePath(inValue);
                    ulong dis = ParseDisambiguator();
                    ParseIdent(out int a, out int al, out int p, out int pl);
                    bool hasName = al > 0 || pl > 0;
                    if (IsUpper(ns))
                    {
                        Print("::{");
                        Print(ns switch { 'C' => "closure", 'S' => "shim", _ => ns.ToString() });
                        if (hasName)
                        {
                            Print(":");
                            PrintV0Ident(a, al, p, pl);
                        }

                        Print("#");
                        PrintUInt(dis);
                        Print("}");
                    }
                    else if (hasName)
                    {
                        Print("::");
                        PrintV0Ident(a, al, p, pl);
                    }

                    break;
                }

            case 'M':
            case 'X':
            case 'Y':
                {
                    if (tag != 'Y')
                    {
                        ParseDisambiguator();
                        bool was = _skipping;
                        _skipping = true;
                        DemanglePath(inValue);
                        _skipping = was;
                    }

                    Print("<");
                    DemangleType();
                    if (tag != 'M')
                    {
                        Print(" as ");
                        DemanglePath(false);
                    }

                    Print(">");
                    break;
                }

            case 'I':
                {
                    DemanglePath(inValue);
                    if (inValue)
                    {
                        Print("::");
                    }

                    Print("<");
                    for (int i = 0; !_errored && !Eat('E'); i++)
                    {
                        if (i > 0)
                        {
                            Print(", ");
                        }

                        DemangleGenericArg();
                    }

                    Print(">");
                    break;
                }

            case 'B':
                {
                    if (EnterBackref(out var old))
                    {
                        DemanglePath(inValue);
                        _next = old;
                    }

                    break;
                }

            default:
                _errored = true;
                break;
        }

        _recursion--;
    }

    private void DemangleGenericArg()
    {
        if (Eat('L'))
        {
            ulong lt = ParseInteger62();
            PrintLifetime(lt);
        }
        else if (Eat('K'))
        {
            DemangleConst();
        }
        else
        {
            DemangleType();
        }
    }

    private static string? BasicType(char tag) => tag switch
    {
        'b' => "bool",
        'c' => "char",
        'e' => "str",
        'u' => "()",
        'a' => "i8",
        's' => "i16",
        'l' => "i32",
        'x' => "i64",
        'n' => "i128",
        'i' => "isize",
        'h' => "u8",
        't' => "u16",
        'm' => "u32",
        'y' => "u64",
        'o' => "u128",
        'j' => "usize",
        'f' => "f32",
        'd' => "f64",
        'z' => "!",
        'p' => "_",
        'v' => "...",
        _ => null,
    };

    private void DemangleType()
    {
        if (_errored)
        {
            return;
        }

        char tag = Next();
        string? basic = BasicType(tag);
        if (basic is not null)
        {
            Print(basic);
            return;
        }

        if (!EnterRecursion())
        {
            return;
        }

        switch (tag)
        {
            case 'R':
            case 'Q':
                Print("&");
                if (Eat('L'))
                {
                    ulong lt = ParseInteger62();
                    if (lt != 0)
                    {
                        PrintLifetime(lt);
                        Print(" ");
                    }
                }

                if (tag != 'R')
                {
                    Print("mut ");
                }

                DemangleType();
                break;
            case 'P':
            case 'O':
                Print("*");
                Print(tag != 'P' ? "mut " : "const ");
                DemangleType();
                break;
            case 'A':
            case 'S':
                Print("[");
                DemangleType();
                if (tag == 'A')
                {
                    Print("; ");
                    DemangleConst();
                }

                Print("]");
                break;
            case 'T':
                {
                    Print("(");
                    int i = 0;
                    for (; !_errored && !Eat('E'); i++)
                    {
                        if (i > 0)
                        {
                            Print(", ");
                        }

                        DemangleType();
                    }

                    if (i == 1)
                    {
                        Print(",");
                    }

                    Print(")");
                    break;
                }

            case 'F':
                {
                    ulong oldDepth = _boundLifetimeDepth;
                    DemangleBinder();
                    if (Eat('U'))
                    {
                        Print("unsafe ");
                    }

                    if (Eat('K'))
                    {
                        string abi;
                        if (Eat('C'))
                        {
                            abi = "C";
                        }
                        else
                        {
                            ParseIdent(out int a, out int al, out _, out int pl);
                            if (al == 0 || pl != 0)
                            {
                                _errored = true;
                                _boundLifetimeDepth = oldDepth;
                                break;
                            }

                            abi = _sym.Substring(_start + a, al).Replace('_', '-');
                        }

                        Print("extern \"");
                        Print(abi);
                        Print("\" ");
                    }

                    Print("fn(");
                    for (int i = 0; !_errored && !Eat('E'); i++)
                    {
                        if (i > 0)
                        {
                            Print(", ");
                        }

                        DemangleType();
                    }

                    Print(")");
                    if (!Eat('u'))
                    {
                        Print(" -> ");
                        DemangleType();
                    }

                    _boundLifetimeDepth = oldDepth;
                    break;
                }

            case 'D':
                {
                    Print("dyn ");
                    ulong oldDepth = _boundLifetimeDepth;
                    DemangleBinder();
                    for (int i = 0; !_errored && !Eat('E'); i++)
                    {
                        if (i > 0)
                        {
                            Print(" + ");
                        }

                        DemangleDynTrait();
                    }

                    _boundLifetimeDepth = oldDepth;
                    if (!Eat('L'))
                    {
                        _errored = true;
                        break;
                    }

                    ulong lt = ParseInteger62();
                    if (lt != 0)
                    {
                        Print(" + ");
                        PrintLifetime(lt);
                    }

                    break;
                }

            case 'B':
                {
                    if (EnterBackref(out var old))
                    {
                        DemangleType();
                        _next = old;
                    }

                    break;
                }

            default:
                if (tag != '\0')
                {
                    _next--;
                }

                DemanglePath(false);
                break;
        }

        _recursion--;
    }

    private bool DemanglePathMaybeOpenGenerics()
    {
        bool open = false;
        if (_errored || !EnterRecursion())
        {
            return false;
        }

        if (Eat('B'))
        {
            if (EnterBackref(out var old))
            {
                open = DemanglePathMaybeOpenGenerics();
                _next = old;
            }
            else if (_errored)
            {
                _recursion--;
                return false;
            }
        }
        else if (Eat('I'))
        {
            DemanglePath(false);
            Print("<");
            open = true;
            for (int i = 0; !_errored && !Eat('E'); i++)
            {
                if (i > 0)
                {
                    Print(", ");
                }

                DemangleGenericArg();
            }
        }
        else
        {
            DemanglePath(false);
        }

        _recursion--;
        return open;
    }

    private void DemangleDynTrait()
    {
        bool open = DemanglePathMaybeOpenGenerics();
        while (Eat('p'))
        {
            if (!open)
            {
                Print("<");
            }
            else
            {
                Print(", ");
            }

            open = true;
            ParseIdent(out int a, out int al, out int p, out int pl);
            PrintV0Ident(a, al, p, pl);
            Print(" = ");
            DemangleType();
        }

        if (open)
        {
            Print(">");
        }
    }

    private void DemangleConst()
    {
        if (_errored || !EnterRecursion())
        {
            return;
        }

        if (Eat('B'))
        {
            if (EnterBackref(out var old))
            {
                DemangleConst();
                _next = old;
            }

            _recursion--;
            return;
        }

        char tyTag = Next();
        switch (tyTag)
        {
            case 'p':
                Print("_");
                break;
            case 'h': case 't': case 'm': case 'y': case 'o': case 'j':
                DemangleConstUInt(tyTag);
                break;
            case 'a': case 's': case 'l': case 'x': case 'n': case 'i':
                if (Eat('n'))
                {
                    Print("-");
                }

                DemangleConstUInt(tyTag);
                break;
            case 'b':
                {
                    ulong v = ParseHexNibbles(out bool ok);
                    if (!ok || v > 1)
                    {
                        _errored = true;
                    }
                    else
                    {
                        Print(v == 0 ? "false" : "true");
                    }

                    break;
                }

            case 'c':
                {
                    ulong v = ParseHexNibbles(out bool ok);
                    if (!ok || v > 0x10FFFF || v is >= 0xD800 and <= 0xDFFF)
                    {
                        _errored = true;
                    }
                    else
                    {
                        PrintQuotedChar((int)v);
                    }

                    break;
                }

            default:
                _errored = true;
                break;
        }

        if (!_errored && _skipping)
        {
            // Nothing printed while skipping.
        }

        _recursion--;
    }

    private void PrintQuotedChar(int c)
    {
        Print("'");
        switch (c)
        {
            case '\t':
                Print("\\t");
                break;
            case '\r':
                Print("\\r");
                break;
            case '\n':
                Print("\\n");
                break;
            case '\\':
            case '"':
            case '\'':
                Print("\\");
                Print(((char)c).ToString());
                break;
            default:
                if (c >= 0x20 && c <= 0x7e)
                {
                    Print(((char)c).ToString());
                }
                else
                {
                    Print("\\u{");
                    PrintHex((ulong)c);
                    Print("}");
                }

                break;
        }

        Print("'");
    }

    private ulong ParseHexNibbles(out bool ok)
    {
        ok = true;
        ulong v = 0;
        int n = 0;
        while (!Eat('_'))
        {
            char c = Next();
            int d = LowerHex(c);
            if (d < 0 || _errored)
            {
                ok = false;
                _errored = true;
                return 0;
            }

            if (++n > 16)
            {
                ok = false;
                return 0;
            }

            v = (v << 4) | (uint)d;
        }

        return v;
    }

    private void DemangleConstUInt(char tyTag)
    {
        int start = _next;
        ulong v = ParseHexNibbles(out bool ok);
        if (!ok)
        {
            // Too large for 64 bits: rust-demangle.c prints it as 0x<hex>.
            if (_errored)
            {
                return;
            }

            _errored = false;
            _next = start;
            int s = _next;
            while (!Eat('_'))
            {
                if (LowerHex(Next()) < 0 || _errored)
                {
                    _errored = true;
                    return;
                }
            }

            Print("0x");
            Print(_sym.AsSpan(_start + s, _next - 1 - s));
        }
        else
        {
            PrintUInt(v);
        }

        // Type suffix only in verbose mode (rust-demangle.c demangle_const_uint): "3: usize".
        if (_verbose)
        {
            string? t = BasicType(tyTag);
            if (t is not null)
            {
                Print(": ");
                Print(t);
            }
        }
    }
}
