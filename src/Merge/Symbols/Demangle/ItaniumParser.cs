using System.Runtime.CompilerServices;

namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>
/// Parser for the Itanium C++ ABI mangling grammar (https://itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling),
/// building the same tree shapes as libiberty's cp-demangle.c so that <see cref="ItaniumPrinter"/> renders
/// exactly what c++filt / perf print. Every method returns null on malformed input; nothing throws.
/// </summary>
internal sealed class ItaniumParser
{
    // Nesting bound for the recursive descent: far above real names (c++filt's corpus stays under 40), low
    // enough for a 1 MiB thread stack. libiberty's own limit is DEMANGLE_RECURSION_LIMIT = 2048 (demangle.h).
    private const int MaxDepth = 300;

    private readonly string _s;
    private int _pos;
    private readonly List<Node> _subs = new(16);
    private Node? _lastName;
    private bool _isExpression;
    private bool _isConversion;
    private int _depth;

    /// <summary>True when parameter lists are wanted (DMGL_PARAMS); false for perf's DMGL_NO_OPTS.</summary>
    private readonly bool _params;

    /// <summary>True for DMGL_VERBOSE (full expansions of Ss, Si, So, Sd).</summary>
    private readonly bool _verbose;

    public ItaniumParser(string s, bool parameters, bool verbose)
    {
        _s = s;
        _params = parameters;
        _verbose = verbose;
    }

    public int Position => _pos;

    public bool AtEnd => _pos >= _s.Length;

    private char Peek => _pos < _s.Length ? _s[_pos] : '\0';

    private char PeekNext => _pos + 1 < _s.Length ? _s[_pos + 1] : '\0';

    private char Next() => _pos < _s.Length ? _s[_pos++] : '\0';

    private void Advance(int n) => _pos = Math.Min(_s.Length, _pos + n);

    private bool Check(char c)
    {
        if (_pos < _s.Length && _s[_pos] == c)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsLower(char c) => c is >= 'a' and <= 'z';

    private static bool IsUpper(char c) => c is >= 'A' and <= 'Z';

    private bool Enter()
    {
        if (++_depth > MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return false;
        }

        return true;
    }

    private static Node N(string text) => new(NodeKind.Name, null, null) { Text = text };

    /// <summary>Builds a node, failing (null) when a required child is missing, as libiberty d_make_comp does.</summary>
    private static Node? Make(NodeKind kind, Node? left, Node? right)
    {
        switch (kind)
        {
            case NodeKind.QualName:
            case NodeKind.LocalName:
            case NodeKind.TypedName:
            case NodeKind.TaggedName:
            case NodeKind.Template:
            case NodeKind.ConstructionVtable:
            case NodeKind.VendorTypeQual:
            case NodeKind.PtrmemType:
            case NodeKind.Unary:
            case NodeKind.Binary:
            case NodeKind.BinaryArgs:
            case NodeKind.Trinary:
            case NodeKind.TrinaryArg1:
            case NodeKind.Literal:
            case NodeKind.LiteralNeg:
            case NodeKind.VectorType:
            case NodeKind.Clone:
                if (left is null || right is null)
                {
                    return null;
                }

                break;
            case NodeKind.Vtable:
            case NodeKind.Vtt:
            case NodeKind.Typeinfo:
            case NodeKind.TypeinfoName:
            case NodeKind.TypeinfoFn:
            case NodeKind.Thunk:
            case NodeKind.VirtualThunk:
            case NodeKind.CovariantThunk:
            case NodeKind.JavaClass:
            case NodeKind.Guard:
            case NodeKind.TlsInit:
            case NodeKind.TlsWrapper:
            case NodeKind.RefTemp:
            case NodeKind.HiddenAlias:
            case NodeKind.TransactionClone:
            case NodeKind.NonTransactionClone:
            case NodeKind.Pointer:
            case NodeKind.Reference:
            case NodeKind.RvalueReference:
            case NodeKind.Complex:
            case NodeKind.Imaginary:
            case NodeKind.VendorType:
            case NodeKind.Cast:
            case NodeKind.Conversion:
            case NodeKind.Decltype:
            case NodeKind.PackExpansion:
            case NodeKind.GlobalCtors:
            case NodeKind.GlobalDtors:
            case NodeKind.Nullary:
            case NodeKind.TrinaryArg2:
            case NodeKind.TparmObj:
                if (left is null)
                {
                    return null;
                }

                break;
            case NodeKind.ArrayType:
            case NodeKind.InitializerList:
                if (right is null)
                {
                    return null;
                }

                break;
        }

        return new Node(kind, left, right);
    }

    private bool AddSub(Node? n)
    {
        // libiberty sizes the table by the mangled length (d_init_info: num_subs = len).
        if (n is null || _subs.Count >= _s.Length)
        {
            return false;
        }

        _subs.Add(n);
        return true;
    }

    // <mangled-name> ::= _Z <encoding> [clone suffixes]
    public Node? MangledName(bool topLevel)
    {
        if (!Check('_') && topLevel)
        {
            return null;
        }

        if (!Check('Z'))
        {
            return null;
        }

        Node? p = Encoding(topLevel);
        if (p is null)
        {
            return null;
        }

        // Clone suffixes are only parsed with DMGL_PARAMS (cp-demangle.c cplus_demangle_mangled_name).
        if (topLevel && _params)
        {
            while (Peek == '.' && (IsLower(PeekNext) || PeekNext == '_' || IsDigit(PeekNext)))
            {
                p = CloneSuffix(p);
                if (p is null)
                {
                    return null;
                }
            }
        }

        return p;
    }

    private Node? CloneSuffix(Node encoding)
    {
        int start = _pos;
        int end = _pos;
        if (end < _s.Length && _s[end] == '.' && end + 1 < _s.Length && (IsLower(_s[end + 1]) || IsDigit(_s[end + 1]) || _s[end + 1] == '_'))
        {
            end += 2;
            while (end < _s.Length && (IsLower(_s[end]) || IsDigit(_s[end]) || _s[end] == '_'))
            {
                end++;
            }
        }

        while (end < _s.Length && _s[end] == '.' && end + 1 < _s.Length && IsDigit(_s[end + 1]))
        {
            end += 2;
            while (end < _s.Length && IsDigit(_s[end]))
            {
                end++;
            }
        }

        _pos = end;
        return Make(NodeKind.Clone, encoding, N(_s.Substring(start, end - start)));
    }

    private static bool HasReturnType(Node? dc)
    {
        while (dc is not null)
        {
            switch (dc.Kind)
            {
                case NodeKind.LocalName:
                    dc = dc.Right;
                    continue;
                case NodeKind.Template:
                    return !IsCtorDtorOrConversion(dc.Left);
                default:
                    if (dc.IsFnQual)
                    {
                        dc = dc.Left;
                        continue;
                    }

                    return false;
            }
        }

        return false;
    }

    private static bool IsCtorDtorOrConversion(Node? dc)
    {
        while (dc is not null)
        {
            switch (dc.Kind)
            {
                case NodeKind.QualName:
                case NodeKind.LocalName:
                    dc = dc.Right;
                    continue;
                case NodeKind.Ctor:
                case NodeKind.Dtor:
                case NodeKind.Conversion:
                    return true;
                default:
                    return false;
            }
        }

        return false;
    }

    // <encoding> ::= <name> <bare-function-type> | <name> | <special-name>
    private Node? Encoding(bool topLevel)
    {
        if (!Enter())
        {
            return null;
        }

        try
        {
            char peek = Peek;
            if (peek == 'G' || peek == 'T')
            {
                return SpecialName();
            }

            Node? dc = Name(false);
            if (dc is null)
            {
                return null;
            }

            if (topLevel && !_params)
            {
                // Without DMGL_PARAMS the function type is not read at all; the this-qualifiers go too.
                while (dc is not null && dc.IsFnQual)
                {
                    dc = dc.Left;
                }

                if (dc is not null && dc.Kind == NodeKind.LocalName)
                {
                    Node local = dc;
                    while (local.Right is not null && local.Right.IsFnQual)
                    {
                        local.Right = local.Right.Left;
                    }

                    if (local.Right is null)
                    {
                        return null;
                    }
                }

                return dc;
            }

            peek = Peek;
            if (peek != '\0' && peek != 'E')
            {
                Node? ftype = BareFunctionType(HasReturnType(dc));
                if (ftype is null)
                {
                    return null;
                }

                if (!topLevel && dc.Kind == NodeKind.LocalName && ftype.Kind == NodeKind.FunctionType)
                {
                    ftype.Left = null;
                }

                return Make(NodeKind.TypedName, dc, ftype);
            }

            return dc;
        }
        finally
        {
            _depth--;
        }
    }

    private Node? SpecialName()
    {
        if (Check('T'))
        {
            switch (Next())
            {
                case 'V':
                    return Make(NodeKind.Vtable, Type(), null);
                case 'T':
                    return Make(NodeKind.Vtt, Type(), null);
                case 'I':
                    return Make(NodeKind.Typeinfo, Type(), null);
                case 'S':
                    return Make(NodeKind.TypeinfoName, Type(), null);
                case 'h':
                    return CallOffset('h') ? Make(NodeKind.Thunk, Encoding(false), null) : null;
                case 'v':
                    return CallOffset('v') ? Make(NodeKind.VirtualThunk, Encoding(false), null) : null;
                case 'c':
                    if (!CallOffset('\0') || !CallOffset('\0'))
                    {
                        return null;
                    }

                    return Make(NodeKind.CovariantThunk, Encoding(false), null);
                case 'C':
                    {
                        Node? derived = Type();
                        int offset = Number();
                        if (offset < 0 || !Check('_'))
                        {
                            return null;
                        }

                        Node? baseType = Type();
                        return Make(NodeKind.ConstructionVtable, baseType, derived);
                    }

                case 'F':
                    return Make(NodeKind.TypeinfoFn, Type(), null);
                case 'J':
                    return Make(NodeKind.JavaClass, Type(), null);
                case 'H':
                    return Make(NodeKind.TlsInit, Name(false), null);
                case 'W':
                    return Make(NodeKind.TlsWrapper, Name(false), null);
                case 'A':
                    return Make(NodeKind.TparmObj, TemplateArg(), null);
                default:
                    return null;
            }
        }

        if (Check('G'))
        {
            switch (Next())
            {
                case 'V':
                    return Make(NodeKind.Guard, Name(false), null);
                case 'R':
                    {
                        Node? name = Name(false);
                        Node? num = NumberComponent();
                        return Make(NodeKind.RefTemp, name, num);
                    }

                case 'A':
                    return Make(NodeKind.HiddenAlias, Encoding(false), null);
                case 'T':
                    return Next() == 'n'
                        ? Make(NodeKind.NonTransactionClone, Encoding(false), null)
                        : Make(NodeKind.TransactionClone, Encoding(false), null);
                default:
                    return null;
            }
        }

        return null;
    }

    private bool CallOffset(char c)
    {
        if (c == '\0')
        {
            c = Next();
        }

        if (c == 'h')
        {
            Number();
        }
        else if (c == 'v')
        {
            Number();
            if (!Check('_'))
            {
                return false;
            }

            Number();
        }
        else
        {
            return false;
        }

        return Check('_');
    }

    // <number> ::= [n] <decimal>; -1 on overflow, like libiberty d_number.
    private int Number()
    {
        bool negative = false;
        if (Peek == 'n')
        {
            negative = true;
            Advance(1);
        }

        int ret = 0;
        while (IsDigit(Peek))
        {
            int d = Peek - '0';
            if (ret > (int.MaxValue - d) / 10)
            {
                return -1;
            }

            ret = (ret * 10) + d;
            Advance(1);
        }

        return negative ? -ret : ret;
    }

    private Node? NumberComponent()
    {
        int start = _pos;
        int n = Number();
        if (n < 0)
        {
            return null;
        }

        _ = start;
        return new Node(NodeKind.Number, null, null) { Num = n };
    }

    private int CompactNumber()
    {
        int num;
        if (Peek == '_')
        {
            num = 0;
        }
        else if (Peek == 'n')
        {
            return -1;
        }
        else
        {
            num = Number();
            if (num < 0 || num == int.MaxValue)
            {
                return -1;
            }

            num++;
        }

        if (!Check('_'))
        {
            return -1;
        }

        return num;
    }

    private Node? Name(bool substable)
    {
        if (!Enter())
        {
            return null;
        }

        try
        {
            char peek = Peek;
            Node? dc = null;
            bool subst = false;
            switch (peek)
            {
                case 'N':
                    dc = NestedName();
                    break;
                case 'Z':
                    dc = LocalName();
                    break;
                case 'U':
                    dc = UnqualifiedName(null);
                    break;
                default:
                    {
                        if (peek == 'S')
                        {
                            if (PeekNext == 't')
                            {
                                Advance(2);
                                dc = N("std");
                            }

                            if (Peek == 'S')
                            {
                                Node? sub = Substitution(false);
                                if (sub is null || dc is not null)
                                {
                                    return null;
                                }

                                subst = true;
                                dc = sub;
                            }
                        }

                        if (!subst)
                        {
                            dc = UnqualifiedName(dc);
                        }

                        if (Peek == 'I')
                        {
                            if (!subst && !AddSub(dc))
                            {
                                return null;
                            }

                            dc = Make(NodeKind.Template, dc, TemplateArgs());
                            subst = false;
                        }

                        break;
                    }
            }

            if (substable && !subst && !AddSub(dc))
            {
                return null;
            }

            return dc;
        }
        finally
        {
            _depth--;
        }
    }

    private Node? NestedName()
    {
        if (!Check('N'))
        {
            return null;
        }

        // cv-qualifiers of the member function, then an optional ref-qualifier.
        Node? head = null;
        Node? tail = null;
        if (!CvQualifiers(ref head, ref tail, memberFn: true))
        {
            return null;
        }

        Node? rqual = RefQualifier(null);

        Node? prefix = Prefix(true);
        if (prefix is null)
        {
            return null;
        }

        Node ret;
        if (tail is not null)
        {
            tail.Left = prefix;
            ret = head!;
        }
        else
        {
            ret = prefix;
        }

        if (rqual is not null)
        {
            rqual.Left = ret;
            ret = rqual;
        }

        if (!Check('E'))
        {
            return null;
        }

        return ret;
    }

    private Node? RefQualifier(Node? sub)
    {
        char peek = Peek;
        if (peek == 'R' || peek == 'O')
        {
            Advance(1);
            return new Node(peek == 'R' ? NodeKind.ReferenceThis : NodeKind.RvalueReferenceThis, sub, null);
        }

        return sub;
    }

    private Node? Prefix(bool subst)
    {
        Node? ret = null;
        while (true)
        {
            char peek = Peek;
            if (peek == 'D' && (PeekNext == 'T' || PeekNext == 't'))
            {
                if (ret is not null)
                {
                    return null;
                }

                ret = Type();
            }
            else if (peek == 'I')
            {
                if (ret is null)
                {
                    return null;
                }

                Node? args = TemplateArgs();
                if (args is null)
                {
                    return null;
                }

                ret = Make(NodeKind.Template, ret, args);
            }
            else if (peek == 'T')
            {
                if (ret is not null)
                {
                    return null;
                }

                ret = TemplateParam();
            }
            else if (peek == 'M')
            {
                // Initializer scope of a lambda; already a substitution candidate.
                Advance(1);
                continue;
            }
            else
            {
                if (peek == 'S')
                {
                    Node? sub = Substitution(true);
                    if (sub is null || ret is not null)
                    {
                        return null;
                    }

                    ret = sub;
                    continue;
                }

                ret = UnqualifiedName(ret);
            }

            if (ret is null)
            {
                return null;
            }

            if (Peek == 'E')
            {
                return ret;
            }

            if (subst && !AddSub(ret))
            {
                return null;
            }
        }
    }

    private Node? UnqualifiedName(Node? scope)
    {
        if (!Enter())
        {
            return null;
        }

        try
        {
            char peek = Peek;
            Node? ret;
            if (IsDigit(peek))
            {
                ret = SourceName();
            }
            else if (IsLower(peek))
            {
                bool wasExpr = _isExpression;
                if (peek == 'o' && PeekNext == 'n')
                {
                    Advance(2);
                    _isExpression = false;
                }

                ret = OperatorName();
                _isExpression = wasExpr;
                if (ret is not null && ret.Kind == NodeKind.Operator && ret.Op!.Code == "li")
                {
                    ret = Make(NodeKind.Unary, ret, SourceName());
                }
            }
            else if (peek == 'C' || peek == 'D')
            {
                ret = CtorDtorName();
            }
            else if (peek == 'L')
            {
                Advance(1);
                ret = SourceName();
                if (ret is null || !Discriminator())
                {
                    return null;
                }
            }
            else if (peek == 'U')
            {
                switch (PeekNext)
                {
                    case 'l':
                        ret = Lambda();
                        break;
                    case 't':
                        ret = UnnamedType();
                        break;
                    default:
                        return null;
                }
            }
            else
            {
                return null;
            }

            if (ret is null)
            {
                return null;
            }

            if (Peek == 'B')
            {
                ret = AbiTags(ret);
            }

            if (scope is not null)
            {
                ret = Make(NodeKind.QualName, scope, ret);
            }

            return ret;
        }
        finally
        {
            _depth--;
        }
    }

    private Node? AbiTags(Node? dc)
    {
        Node? holdLast = _lastName;
        while (Peek == 'B')
        {
            Advance(1);
            Node? tag = SourceName();
            dc = Make(NodeKind.TaggedName, dc, tag);
        }

        _lastName = holdLast;
        return dc;
    }

    private Node? SourceName()
    {
        int len = Number();
        if (len <= 0)
        {
            return null;
        }

        Node? ret = Identifier(len);
        _lastName = ret;
        return ret;
    }

    private Node? Identifier(int len)
    {
        if (len > _s.Length - _pos)
        {
            return null;
        }

        int start = _pos;
        _pos += len;

        // GCC's encoding of an anonymous namespace: "_GLOBAL_" then one of . _ $ then 'N'.
        const string AnonPrefix = "_GLOBAL_";
        if (len >= AnonPrefix.Length + 2 && string.CompareOrdinal(_s, start, AnonPrefix, 0, AnonPrefix.Length) == 0)
        {
            char c = _s[start + AnonPrefix.Length];
            if ((c == '.' || c == '_' || c == '$') && _s[start + AnonPrefix.Length + 1] == 'N')
            {
                return N("(anonymous namespace)");
            }
        }

        return N(_s.Substring(start, len));
    }

    private bool Discriminator()
    {
        if (Peek != '_')
        {
            return true;
        }

        Advance(1);
        int underscores = 1;
        if (Peek == '_')
        {
            underscores++;
            Advance(1);
        }

        int num = Number();
        if (num < 0)
        {
            return false;
        }

        if (underscores > 1 && num >= 10)
        {
            return Check('_');
        }

        return true;
    }

    private Node? Lambda()
    {
        if (!Check('U') || !Check('l'))
        {
            return null;
        }

        Node? tl = ParmList();
        if (tl is null || !Check('E'))
        {
            return null;
        }

        int num = CompactNumber();
        if (num < 0)
        {
            return null;
        }

        return new Node(NodeKind.Lambda, tl, null) { Num = num };
    }

    private Node? UnnamedType()
    {
        if (!Check('U') || !Check('t'))
        {
            return null;
        }

        int num = CompactNumber();
        if (num < 0)
        {
            return null;
        }

        return new Node(NodeKind.UnnamedType, null, null) { Num = num };
    }

    private Node? CtorDtorName()
    {
        Node? last = _lastName;
        switch (Peek)
        {
            case 'C':
                {
                    bool inheriting = false;
                    if (PeekNext == 'I')
                    {
                        inheriting = true;
                        Advance(1);
                    }

                    char k = PeekNext;
                    if (k < '1' || k > '5')
                    {
                        return null;
                    }

                    Advance(2);
                    if (inheriting)
                    {
                        Type();
                    }

                    return last is null ? null : new Node(NodeKind.Ctor, last, null);
                }

            case 'D':
                {
                    char k = PeekNext;
                    if (k is not ('0' or '1' or '2' or '4' or '5'))
                    {
                        return null;
                    }

                    Advance(2);
                    return last is null ? null : new Node(NodeKind.Dtor, last, null);
                }

            default:
                return null;
        }
    }

    private Node? LocalName()
    {
        if (!Check('Z'))
        {
            return null;
        }

        Node? function = Encoding(false);
        if (function is null || !Check('E'))
        {
            return null;
        }

        Node? name;
        if (Peek == 's')
        {
            Advance(1);
            if (!Discriminator())
            {
                return null;
            }

            name = N("string literal");
        }
        else
        {
            int num = -1;
            if (Peek == 'd')
            {
                Advance(1);
                num = CompactNumber();
                if (num < 0)
                {
                    return null;
                }
            }

            name = Name(false);
            if (name is not null && name.Kind != NodeKind.Lambda && name.Kind != NodeKind.UnnamedType)
            {
                if (!Discriminator())
                {
                    return null;
                }
            }

            if (num >= 0)
            {
                name = name is null ? null : new Node(NodeKind.DefaultArg, name, null) { Num = num };
            }
        }

        if (function.Kind == NodeKind.TypedName && function.Right!.Kind == NodeKind.FunctionType)
        {
            function.Right.Left = null;
        }

        return Make(NodeKind.LocalName, function, name);
    }

    private static readonly OperatorInfo[] Operators =
    {
        // libiberty cp-demangle.c cplus_demangle_operators (binutils 2.40), sorted by code.
        new("aN", "&=", 2), new("aS", "=", 2), new("aa", "&&", 2), new("ad", "&", 1), new("an", "&", 2),
        new("at", "alignof ", 1), new("aw", "co_await ", 1), new("az", "alignof ", 1),
        new("cc", "const_cast", 2), new("cl", "()", 2), new("cm", ",", 2), new("co", "~", 1),
        new("dV", "/=", 2), new("dX", "[...]=", 3), new("da", "delete[] ", 1), new("dc", "dynamic_cast", 2),
        new("de", "*", 1), new("di", "=", 2), new("dl", "delete ", 1), new("ds", ".*", 2), new("dt", ".", 2),
        new("dv", "/", 2), new("dx", "]=", 2), new("eO", "^=", 2), new("eo", "^", 2), new("eq", "==", 2),
        new("fL", "...", 3), new("fR", "...", 3), new("fl", "...", 2), new("fr", "...", 2),
        new("ge", ">=", 2), new("gs", "::", 1), new("gt", ">", 2), new("ix", "[]", 2), new("lS", "<<=", 2),
        new("le", "<=", 2), new("li", "operator\"\" ", 1), new("ls", "<<", 2), new("lt", "<", 2),
        new("mI", "-=", 2), new("mL", "*=", 2), new("mi", "-", 2), new("ml", "*", 2), new("mm", "--", 1),
        new("na", "new[]", 3), new("ne", "!=", 2), new("ng", "-", 1), new("nt", "!", 1), new("nw", "new", 3),
        new("nx", "noexcept", 1), new("oR", "|=", 2), new("oo", "||", 2), new("or", "|", 2),
        new("pL", "+=", 2), new("pl", "+", 2), new("pm", "->*", 2), new("pp", "++", 1), new("ps", "+", 1),
        new("pt", "->", 2), new("qu", "?", 3), new("rM", "%=", 2), new("rS", ">>=", 2),
        new("rc", "reinterpret_cast", 2), new("rm", "%", 2), new("rs", ">>", 2), new("sP", "sizeof...", 1),
        new("sZ", "sizeof...", 1), new("sc", "static_cast", 2), new("ss", "<=>", 2), new("st", "sizeof ", 1),
        new("sz", "sizeof ", 1), new("tr", "throw", 0), new("tw", "throw ", 1),
    };

    private Node? OperatorName()
    {
        char c1 = Next();
        char c2 = Next();
        if (c1 == 'v' && IsDigit(c2))
        {
            Node? name = SourceName();
            return name is null ? null : new Node(NodeKind.ExtendedOperator, name, null) { Num = c2 - '0' };
        }

        if (c1 == 'c' && c2 == 'v')
        {
            bool wasConversion = _isConversion;
            _isConversion = !_isExpression;
            Node? type = Type();
            Node? res = Make(_isConversion ? NodeKind.Conversion : NodeKind.Cast, type, null);
            _isConversion = wasConversion;
            return res;
        }

        foreach (OperatorInfo op in Operators)
        {
            if (op.Code[0] == c1 && op.Code[1] == c2)
            {
                return new Node(NodeKind.Operator, null, null) { Op = op };
            }
        }

        return null;
    }

    private static bool NextIsTypeQual(char c, char next) =>
        c is 'r' or 'V' or 'K' || (c == 'D' && next is 'x' or 'o' or 'O' or 'w');

    /// <summary>Reads cv-qualifiers into a chain head..tail (each qualifier's Left is the next one).</summary>
    private bool CvQualifiers(ref Node? head, ref Node? tail, bool memberFn)
    {
        if (!NextIsTypeQual(Peek, PeekNext))
        {
            return true;
        }

        var chain = new List<Node>(2);
        while (NextIsTypeQual(Peek, PeekNext))
        {
            char peek = Next();
            NodeKind t;
            Node? right = null;
            if (peek == 'r')
            {
                t = memberFn ? NodeKind.RestrictThis : NodeKind.Restrict;
            }
            else if (peek == 'V')
            {
                t = memberFn ? NodeKind.VolatileThis : NodeKind.Volatile;
            }
            else if (peek == 'K')
            {
                t = memberFn ? NodeKind.ConstThis : NodeKind.Const;
            }
            else
            {
                peek = Next();
                if (peek == 'x')
                {
                    t = NodeKind.TransactionSafe;
                }
                else if (peek == 'o' || peek == 'O')
                {
                    t = NodeKind.Noexcept;
                    if (peek == 'O')
                    {
                        right = Expression();
                        if (right is null || !Check('E'))
                        {
                            return false;
                        }
                    }
                }
                else if (peek == 'w')
                {
                    t = NodeKind.ThrowSpec;
                    right = ParmList();
                    if (right is null || !Check('E'))
                    {
                        return false;
                    }
                }
                else
                {
                    return false;
                }
            }

            chain.Add(new Node(t, null, right));
        }

        if (!memberFn && Peek == 'F')
        {
            foreach (Node q in chain)
            {
                q.Kind = q.Kind switch
                {
                    NodeKind.Restrict => NodeKind.RestrictThis,
                    NodeKind.Volatile => NodeKind.VolatileThis,
                    NodeKind.Const => NodeKind.ConstThis,
                    _ => q.Kind,
                };
            }
        }

        for (int i = 0; i + 1 < chain.Count; i++)
        {
            chain[i].Left = chain[i + 1];
        }

        if (chain.Count > 0)
        {
            head = chain[0];
            tail = chain[^1];
        }

        return true;
    }

    private static readonly (string? Name, BuiltinPrint Print)[] Builtins =
    {
        // libiberty cplus_demangle_builtin_types, indexed by letter - 'a'.
        ("signed char", BuiltinPrint.Default), ("bool", BuiltinPrint.Bool), ("char", BuiltinPrint.Default),
        ("double", BuiltinPrint.Float), ("long double", BuiltinPrint.Float), ("float", BuiltinPrint.Float),
        ("__float128", BuiltinPrint.Float), ("unsigned char", BuiltinPrint.Default), ("int", BuiltinPrint.Int),
        ("unsigned int", BuiltinPrint.Unsigned), (null, default), ("long", BuiltinPrint.Long),
        ("unsigned long", BuiltinPrint.UnsignedLong), ("__int128", BuiltinPrint.Default),
        ("unsigned __int128", BuiltinPrint.Default), (null, default), (null, default), (null, default),
        ("short", BuiltinPrint.Default), ("unsigned short", BuiltinPrint.Default), (null, default),
        ("void", BuiltinPrint.Void), ("wchar_t", BuiltinPrint.Default), ("long long", BuiltinPrint.LongLong),
        ("unsigned long long", BuiltinPrint.UnsignedLongLong), ("...", BuiltinPrint.Default),
    };

    private static Node Builtin(string name, BuiltinPrint print) =>
        new(NodeKind.BuiltinType, null, null) { Text = name, Print = print };

    public Node? Type()
    {
        if (!Enter())
        {
            return null;
        }

        try
        {
            return TypeInner();
        }
        finally
        {
            _depth--;
        }
    }

    private Node? TypeInner()
    {
        char peek = Peek;
        if (NextIsTypeQual(peek, PeekNext))
        {
            Node? head = null;
            Node? tail = null;
            if (!CvQualifiers(ref head, ref tail, memberFn: false))
            {
                return null;
            }

            Node? inner = Peek == 'F' ? FunctionType() : Type();
            if (inner is null || tail is null)
            {
                return null;
            }

            Node ret = head!;
            if (inner.Kind is NodeKind.RvalueReferenceThis or NodeKind.ReferenceThis)
            {
                // Move the ref-qualifier outside the cv-qualifiers so they print in the right order.
                Node? fn = inner.Left;
                inner.Left = ret;
                ret = inner;
                tail.Left = fn;
            }
            else
            {
                tail.Left = inner;
            }

            return AddSub(ret) ? ret : null;
        }

        bool canSubst = true;
        Node? r;
        switch (peek)
        {
            case 'a': case 'b': case 'c': case 'd': case 'e': case 'f': case 'g': case 'h': case 'i': case 'j':
            case 'l': case 'm': case 'n': case 'o': case 's': case 't': case 'v': case 'w': case 'x': case 'y':
            case 'z':
                {
                    var (name, print) = Builtins[peek - 'a'];
                    r = Builtin(name!, print);
                    canSubst = false;
                    Advance(1);
                    break;
                }

            case 'u':
                Advance(1);
                r = Make(NodeKind.VendorType, SourceName(), null);
                break;
            case 'F':
                r = FunctionType();
                break;
            case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
            case 'N': case 'Z':
                r = Name(false);
                break;
            case 'A':
                r = ArrayType();
                break;
            case 'M':
                r = PointerToMemberType();
                break;
            case 'T':
                r = TemplateParam();
                if (r is not null && Peek == 'I')
                {
                    if (!_isConversion)
                    {
                        if (!AddSub(r))
                        {
                            return null;
                        }

                        r = Make(NodeKind.Template, r, TemplateArgs());
                    }
                    else
                    {
                        int savePos = _pos;
                        int saveSubs = _subs.Count;
                        Node? saveLast = _lastName;
                        Node? args = TemplateArgs();
                        if (Peek == 'I')
                        {
                            if (!AddSub(r))
                            {
                                return null;
                            }

                            r = Make(NodeKind.Template, r, args);
                        }
                        else
                        {
                            _pos = savePos;
                            _subs.RemoveRange(saveSubs, _subs.Count - saveSubs);
                            _lastName = saveLast;
                        }
                    }
                }

                break;
            case 'O':
                Advance(1);
                r = Make(NodeKind.RvalueReference, Type(), null);
                break;
            case 'P':
                Advance(1);
                r = Make(NodeKind.Pointer, Type(), null);
                break;
            case 'R':
                Advance(1);
                r = Make(NodeKind.Reference, Type(), null);
                break;
            case 'C':
                Advance(1);
                r = Make(NodeKind.Complex, Type(), null);
                break;
            case 'G':
                Advance(1);
                r = Make(NodeKind.Imaginary, Type(), null);
                break;
            case 'U':
                {
                    Advance(1);
                    Node? q = SourceName();
                    if (Peek == 'I')
                    {
                        q = Make(NodeKind.Template, q, TemplateArgs());
                    }

                    r = Make(NodeKind.VendorTypeQual, Type(), q);
                    break;
                }

            case 'S':
                {
                    char pn = PeekNext;
                    if (IsDigit(pn) || pn == '_' || IsUpper(pn))
                    {
                        r = Substitution(false);
                        if (Peek == 'I')
                        {
                            r = Make(NodeKind.Template, r, TemplateArgs());
                        }
                        else
                        {
                            canSubst = false;
                        }
                    }
                    else
                    {
                        r = Name(false);
                        if (r is not null && r.Kind == NodeKind.SubStd)
                        {
                            canSubst = false;
                        }
                    }

                    break;
                }

            case 'D':
                canSubst = false;
                Advance(1);
                switch (Next())
                {
                    case 'T':
                    case 't':
                        r = Make(NodeKind.Decltype, Expression(), null);
                        if (r is not null && !Check('E'))
                        {
                            r = null;
                        }

                        canSubst = true;
                        break;
                    case 'p':
                        r = Make(NodeKind.PackExpansion, Type(), null);
                        canSubst = true;
                        break;
                    case 'a':
                        r = N("auto");
                        break;
                    case 'c':
                        r = N("decltype(auto)");
                        break;
                    case 'f':
                        r = Builtin("decimal32", BuiltinPrint.Default);
                        break;
                    case 'd':
                        r = Builtin("decimal64", BuiltinPrint.Default);
                        break;
                    case 'e':
                        r = Builtin("decimal128", BuiltinPrint.Default);
                        break;
                    case 'h':
                        r = Builtin("half", BuiltinPrint.Float);
                        break;
                    case 'u':
                        r = Builtin("char8_t", BuiltinPrint.Default);
                        break;
                    case 's':
                        r = Builtin("char16_t", BuiltinPrint.Default);
                        break;
                    case 'i':
                        r = Builtin("char32_t", BuiltinPrint.Default);
                        break;
                    case 'n':
                        r = Builtin("decltype(nullptr)", BuiltinPrint.Default);
                        break;
                    case 'F':
                        {
                            int arg = Number();
                            if (Peek == 'b')
                            {
                                if (arg != 16)
                                {
                                    return null;
                                }

                                Advance(1);
                                r = Builtin("std::bfloat16_t", BuiltinPrint.Float);
                                break;
                            }

                            char suffix = Peek == 'x' ? 'x' : '\0';
                            if (suffix == '\0' && Peek != '_')
                            {
                                return null;
                            }

                            Advance(1);
                            string text = "_Float" + arg.ToString(System.Globalization.CultureInfo.InvariantCulture) + (suffix == 'x' ? "x" : string.Empty);
                            r = Builtin(text, BuiltinPrint.Float);
                            break;
                        }

                    case 'v':
                        r = VectorType();
                        canSubst = true;
                        break;
                    default:
                        return null;
                }

                break;
            default:
                return null;
        }

        if (canSubst && !AddSub(r))
        {
            return null;
        }

        return r;
    }

    private Node? VectorType()
    {
        Node? dim;
        if (Peek == '_')
        {
            Advance(1);
            dim = Expression();
        }
        else
        {
            dim = NumberComponent();
        }

        if (dim is null || !Check('_'))
        {
            return null;
        }

        return Make(NodeKind.VectorType, dim, Type());
    }

    private Node? FunctionType()
    {
        if (!Check('F'))
        {
            return null;
        }

        if (Peek == 'Y')
        {
            Advance(1);
        }

        Node? ret = BareFunctionType(true);
        ret = RefQualifier(ret);
        if (ret is null || !Check('E'))
        {
            return null;
        }

        return ret;
    }

    private Node? ParmList()
    {
        Node? head = null;
        Node? last = null;
        while (true)
        {
            char peek = Peek;
            if (peek == '\0' || peek == 'E' || peek == '.' || peek == 'Q')
            {
                break;
            }

            if ((peek == 'R' || peek == 'O') && PeekNext == 'E')
            {
                break;
            }

            Node? type = Type();
            if (type is null)
            {
                return null;
            }

            var item = new Node(NodeKind.ArgList, type, null);
            if (last is null)
            {
                head = item;
            }
            else
            {
                last.Right = item;
            }

            last = item;
        }

        if (head is null)
        {
            return null;
        }

        if (head.Right is null && head.Left!.Kind == NodeKind.BuiltinType && head.Left.Print == BuiltinPrint.Void)
        {
            head.Left = null;
        }

        return head;
    }

    private Node? BareFunctionType(bool hasReturnType)
    {
        if (Peek == 'J')
        {
            Advance(1);
            hasReturnType = true;
        }

        Node? returnType = null;
        if (hasReturnType)
        {
            returnType = Type();
            if (returnType is null)
            {
                return null;
            }
        }

        Node? tl = ParmList();
        if (tl is null)
        {
            return null;
        }

        return new Node(NodeKind.FunctionType, returnType, tl);
    }

    private Node? ArrayType()
    {
        if (!Check('A'))
        {
            return null;
        }

        Node? dim;
        char peek = Peek;
        if (peek == '_')
        {
            dim = null;
        }
        else if (IsDigit(peek))
        {
            int start = _pos;
            while (IsDigit(Peek))
            {
                Advance(1);
            }

            dim = N(_s.Substring(start, _pos - start));
        }
        else
        {
            dim = Expression();
            if (dim is null)
            {
                return null;
            }
        }

        if (!Check('_'))
        {
            return null;
        }

        return Make(NodeKind.ArrayType, dim, Type());
    }

    private Node? PointerToMemberType()
    {
        if (!Check('M'))
        {
            return null;
        }

        Node? cl = Type();
        if (cl is null)
        {
            return null;
        }

        Node? mem = Type();
        if (mem is null)
        {
            return null;
        }

        return Make(NodeKind.PtrmemType, cl, mem);
    }

    private Node? TemplateParam()
    {
        if (!Check('T'))
        {
            return null;
        }

        int param = CompactNumber();
        if (param < 0)
        {
            return null;
        }

        return new Node(NodeKind.TemplateParam, null, null) { Num = param };
    }

    private Node? TemplateArgs()
    {
        if (Peek != 'I' && Peek != 'J')
        {
            return null;
        }

        Advance(1);
        return TemplateArgs1();
    }

    private Node? TemplateArgs1()
    {
        Node? holdLast = _lastName;
        if (Peek == 'E')
        {
            Advance(1);
            return new Node(NodeKind.TemplateArgList, null, null);
        }

        Node? head = null;
        Node? last = null;
        while (true)
        {
            Node? a = TemplateArg();
            if (a is null)
            {
                return null;
            }

            var item = new Node(NodeKind.TemplateArgList, a, null);
            if (last is null)
            {
                head = item;
            }
            else
            {
                last.Right = item;
            }

            last = item;
            if (Peek == 'E')
            {
                Advance(1);
                break;
            }

            if (AtEnd)
            {
                return null;
            }
        }

        _lastName = holdLast;
        return head;
    }

    private Node? TemplateArg()
    {
        if (!Enter())
        {
            return null;
        }

        try
        {
            switch (Peek)
            {
                case 'X':
                    {
                        Advance(1);
                        Node? ret = Expression();
                        return Check('E') ? ret : null;
                    }

                case 'L':
                    return ExprPrimary();
                case 'I':
                case 'J':
                    return TemplateArgs();
                default:
                    return Type();
            }
        }
        finally
        {
            _depth--;
        }
    }

    private Node? ExprPrimary()
    {
        if (!Check('L'))
        {
            return null;
        }

        Node? ret;
        if (Peek == '_' || Peek == 'Z')
        {
            ret = MangledName(false);
        }
        else
        {
            Node? type = Type();
            if (type is null)
            {
                return null;
            }

            if (type.Kind == NodeKind.BuiltinType && type.Text == "decltype(nullptr)" && Peek == 'E')
            {
                Advance(1);
                return type;
            }

            NodeKind t = NodeKind.Literal;
            if (Peek == 'n')
            {
                t = NodeKind.LiteralNeg;
                Advance(1);
            }

            int start = _pos;
            while (Peek != 'E')
            {
                if (AtEnd)
                {
                    return null;
                }

                Advance(1);
            }

            ret = Make(t, type, N(_s.Substring(start, _pos - start)));
        }

        return Check('E') ? ret : null;
    }

    /// <summary>
    /// sr &lt;unresolved-type&gt; &lt;base-unresolved-name&gt;, or the newer sr &lt;qualifier-level&gt;+ E &lt;base&gt;:
    /// the two are ambiguous, so the newer reading is tried first and the whole name is reparsed with the
    /// older one if that fails (UnresolvedNameState, as in cp-demangle.c d_unresolved_name).
    /// </summary>
    private Node? UnresolvedName()
    {
        Advance(2);
        char peek = Peek;
        Node? type;
        if (UnresolvedNameState != 0 && (IsDigit(peek) || IsLower(peek) || peek == 'C' || peek == 'U' || peek == 'L'))
        {
            UnresolvedNameState = -1;
            type = Prefix(false);
            if (Peek == 'E')
            {
                Advance(1);
            }
        }
        else
        {
            type = Type();
        }

        if (type is null)
        {
            return null;
        }

        Node? name = UnqualifiedName(type);
        if (Peek == 'I')
        {
            name = Make(NodeKind.Template, name, TemplateArgs());
        }

        return name;
    }

    /// <summary>1 until the newer unresolved-name grammar was used (-1); 0 forces the older grammar.</summary>
    public int UnresolvedNameState { get; set; } = 1;

    private Node? Expression()
    {
        bool was = _isExpression;
        _isExpression = true;
        Node? ret = Expression1();
        _isExpression = was;
        return ret;
    }

    private Node? ExprList(char terminator)
    {
        if (Peek == terminator)
        {
            Advance(1);
            return new Node(NodeKind.ArgList, null, null);
        }

        Node? head = null;
        Node? last = null;
        while (true)
        {
            Node? arg = Expression();
            if (arg is null)
            {
                return null;
            }

            var item = new Node(NodeKind.ArgList, arg, null);
            if (last is null)
            {
                head = item;
            }
            else
            {
                last.Right = item;
            }

            last = item;
            if (Peek == terminator)
            {
                Advance(1);
                break;
            }

            if (AtEnd)
            {
                return null;
            }
        }

        return head;
    }

    private static bool IsNewCast(Node op) =>
        op.Kind == NodeKind.Operator && op.Op!.Code is "dc" or "sc" or "cc" or "rc";

    private Node? Expression1()
    {
        if (!Enter())
        {
            return null;
        }

        try
        {
            return Expression1Inner();
        }
        finally
        {
            _depth--;
        }
    }

    private Node? Expression1Inner()
    {
        char peek = Peek;
        if (peek == 'L')
        {
            return ExprPrimary();
        }

        if (peek == 'T')
        {
            return TemplateParam();
        }

        if (peek == 's' && PeekNext == 'r')
        {
            return UnresolvedName();
        }

        if (peek == 's' && PeekNext == 'p')
        {
            Advance(2);
            return Make(NodeKind.PackExpansion, Expression1(), null);
        }

        if (peek == 'f' && PeekNext == 'p')
        {
            Advance(2);
            int index;
            if (Peek == 'T')
            {
                Advance(1);
                index = 0;
            }
            else
            {
                index = CompactNumber();
                if (index == int.MaxValue || index == -1)
                {
                    return null;
                }

                index++;
            }

            return new Node(NodeKind.FunctionParam, null, null) { Num = index };
        }

        if (IsDigit(peek) || (peek == 'o' && PeekNext == 'n'))
        {
            if (peek == 'o')
            {
                Advance(2);
            }

            Node? name = UnqualifiedName(null);
            if (name is null)
            {
                return null;
            }

            return Peek == 'I' ? Make(NodeKind.Template, name, TemplateArgs()) : name;
        }

        if ((peek == 'i' || peek == 't') && PeekNext == 'l')
        {
            Node? type = null;
            Advance(2);
            if (peek == 't')
            {
                type = Type();
            }

            if (Peek == '\0' || PeekNext == '\0')
            {
                return null;
            }

            return Make(NodeKind.InitializerList, type, ExprList('E'));
        }

        Node? op = OperatorName();
        if (op is null)
        {
            return null;
        }

        string? code = null;
        if (op.Kind == NodeKind.Operator)
        {
            code = op.Op!.Code;
            if (code == "st")
            {
                return Make(NodeKind.Unary, op, Type());
            }
        }

        int args;
        switch (op.Kind)
        {
            case NodeKind.Operator:
                args = op.Op!.Args;
                break;
            case NodeKind.ExtendedOperator:
                args = op.Num;
                break;
            case NodeKind.Cast:
                args = 1;
                break;
            default:
                return null;
        }

        switch (args)
        {
            case 0:
                return Make(NodeKind.Nullary, op, null);
            case 1:
                {
                    Node? operand;
                    bool suffix = false;
                    if (code is not null && (code[0] == 'p' || code[0] == 'm') && code[1] == code[0])
                    {
                        // pp_ and mm_ are the prefix forms; pp and mm without '_' are x++ and x--.
                        suffix = !Check('_');
                    }

                    if (op.Kind == NodeKind.Cast && Check('_'))
                    {
                        operand = ExprList('E');
                    }
                    else if (code == "sP")
                    {
                        operand = TemplateArgs1();
                    }
                    else
                    {
                        operand = Expression1();
                    }

                    Node? unary = Make(NodeKind.Unary, op, operand);
                    if (unary is not null && suffix)
                    {
                        unary.Num = 1;
                    }

                    return unary;
                }

            case 2:
                {
                    if (code is null)
                    {
                        return null;
                    }

                    Node? left;
                    if (IsNewCast(op))
                    {
                        left = Type();
                    }
                    else if (code[0] == 'f')
                    {
                        left = OperatorName();
                    }
                    else if (code == "di")
                    {
                        left = UnqualifiedName(null);
                    }
                    else
                    {
                        left = Expression1();
                    }

                    Node? right;
                    if (code == "cl")
                    {
                        right = ExprList('E');
                    }
                    else if (code == "dt" || code == "pt")
                    {
                        char p = Peek;
                        if ((p == 'g' && PeekNext == 's') || (p == 's' && PeekNext == 'r'))
                        {
                            right = Expression1();
                        }
                        else
                        {
                            right = UnqualifiedName(null);
                            if (Peek == 'I')
                            {
                                right = Make(NodeKind.Template, right, TemplateArgs());
                            }
                        }
                    }
                    else
                    {
                        right = Expression1();
                    }

                    return Make(NodeKind.Binary, op, Make(NodeKind.BinaryArgs, left, right));
                }

            case 3:
                {
                    if (code is null)
                    {
                        return null;
                    }

                    Node? first;
                    Node? second;
                    Node? third;
                    if (code == "qu" || code == "dX")
                    {
                        first = Expression1();
                        second = Expression1();
                        third = Expression1();
                        if (third is null)
                        {
                            return null;
                        }
                    }
                    else if (code[0] == 'f')
                    {
                        first = OperatorName();
                        second = Expression1();
                        third = Expression1();
                        if (third is null)
                        {
                            return null;
                        }
                    }
                    else if (code[0] == 'n')
                    {
                        if (code[1] != 'w' && code[1] != 'a')
                        {
                            return null;
                        }

                        first = ExprList('_');
                        second = Type();
                        if (Peek == 'E')
                        {
                            Advance(1);
                            third = null;
                        }
                        else if (Peek == 'p' && PeekNext == 'i')
                        {
                            Advance(2);
                            third = ExprList('E');
                        }
                        else if (Peek == 'i' && PeekNext == 'l')
                        {
                            third = Expression1();
                        }
                        else
                        {
                            return null;
                        }
                    }
                    else
                    {
                        return null;
                    }

                    return Make(NodeKind.Trinary, op, Make(NodeKind.TrinaryArg1, first, Make(NodeKind.TrinaryArg2, second, third)));
                }

            default:
                return null;
        }
    }

    private Node? Substitution(bool prefix)
    {
        if (!Check('S'))
        {
            return null;
        }

        char c = Next();
        if (c == '_' || IsDigit(c) || IsUpper(c))
        {
            uint id = 0;
            if (c != '_')
            {
                do
                {
                    uint newId;
                    if (IsDigit(c))
                    {
                        newId = (id * 36) + (uint)(c - '0');
                    }
                    else if (IsUpper(c))
                    {
                        newId = (id * 36) + (uint)(c - 'A' + 10);
                    }
                    else
                    {
                        return null;
                    }

                    if (newId < id || id > uint.MaxValue / 36)
                    {
                        return null;
                    }

                    id = newId;
                    c = Next();
                }
                while (c != '_');

                id++;
            }

            if (id >= (uint)_subs.Count)
            {
                return null;
            }

            return _subs[(int)id];
        }

        bool verbose = _verbose;
        if (!verbose && prefix)
        {
            char peek = Peek;
            if (peek == 'C' || peek == 'D')
            {
                verbose = true;
            }
        }

        // libiberty cp-demangle.c standard_subs: code, simple expansion, full expansion, last name.
        string? simple, fullText, lastName;
        switch (c)
        {
            case 't':
                simple = fullText = "std";
                lastName = null;
                break;
            case 'a':
                simple = fullText = "std::allocator";
                lastName = "allocator";
                break;
            case 'b':
                simple = fullText = "std::basic_string";
                lastName = "basic_string";
                break;
            case 's':
                simple = "std::string";
                fullText = "std::basic_string<char, std::char_traits<char>, std::allocator<char> >";
                lastName = "basic_string";
                break;
            case 'i':
                simple = "std::istream";
                fullText = "std::basic_istream<char, std::char_traits<char> >";
                lastName = "basic_istream";
                break;
            case 'o':
                simple = "std::ostream";
                fullText = "std::basic_ostream<char, std::char_traits<char> >";
                lastName = "basic_ostream";
                break;
            case 'd':
                simple = "std::iostream";
                fullText = "std::basic_iostream<char, std::char_traits<char> >";
                lastName = "basic_iostream";
                break;
            default:
                return null;
        }

        if (lastName is not null)
        {
            _lastName = new Node(NodeKind.SubStd, null, null) { Text = lastName };
        }

        Node? dc = new Node(NodeKind.SubStd, null, null) { Text = verbose ? fullText : simple };
        if (Peek == 'B')
        {
            dc = AbiTags(dc);
            if (!AddSub(dc))
            {
                return null;
            }
        }

        return dc;
    }
}
