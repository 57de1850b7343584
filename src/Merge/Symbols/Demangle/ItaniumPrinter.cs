using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>
/// Renders a parsed Itanium tree the way libiberty's cp-demangle.c printer does (d_print_comp and friends):
/// template arguments are substituted for template parameters, declarator modifiers (pointers, references,
/// cv-qualifiers, arrays, function types, pointers to members) are kept on a stack and printed around the
/// declarator. Any inconsistency sets an error flag and the whole name fails, as in c++filt.
/// </summary>
internal sealed class ItaniumPrinter
{
    // libiberty MAX_RECURSION_COUNT is 1024; ours is lower so deep trees cannot exhaust a 1 MiB stack.
    private const int MaxRecursion = 400;

    // Output cap: substitutions can make the output exponential in the input (hostile names).
    private const int MaxOutput = 1 << 16;

    private sealed class Tpl
    {
        public Tpl(Node decl, Tpl? next)
        {
            Decl = decl;
            Next = next;
        }

        public readonly Node Decl;
        public readonly Tpl? Next;
    }

    private sealed class Mod
    {
        public Mod(Node mod, Mod? next, Tpl? templates)
        {
            Node = mod;
            Next = next;
            Templates = templates;
        }

        public Node Node;
        public Mod? Next;
        public bool Printed;
        public Tpl? Templates;
    }

    private readonly StringBuilder _sb = new(256);
    private Tpl? _templates;
    private Mod? _modifiers;
    private int _packIndex;
    private int _isLambdaArg;
    private Node? _currentTemplate;
    private int _recursion;

    // Components being printed, innermost last (libiberty dpi->component_stack).
    private readonly List<Node> _stack = new(32);

    // Template scope in force when a template parameter under a reference was first printed
    // (libiberty d_saved_scope); a later visit through a substitution prints it in that scope.
    private Dictionary<Node, Tpl?>? _savedScopes;

    public bool Error { get; private set; }

    public string? Print(Node dc)
    {
        PrintComp(dc);
        if (Error)
        {
            return null;
        }

        return _sb.ToString();
    }

    private void Fail() => Error = true;

    // libiberty keeps the last appended character separately (dpi->last_char) and does not update it when
    // an empty pack removes a ", " again; c++filt then prints ">>" without the usual space. Mirror that.
    private char _last;

    private char LastChar => _last;

    private void Append(char c)
    {
        if (_sb.Length >= MaxOutput)
        {
            Error = true;
            return;
        }

        _sb.Append(c);
        _last = c;
    }

    private void Append(string s)
    {
        if (_sb.Length + s.Length > MaxOutput)
        {
            Error = true;
            return;
        }

        _sb.Append(s);
        if (s.Length > 0)
        {
            _last = s[^1];
        }
    }

    private void AppendNum(int n) => Append(n.ToString(CultureInfo.InvariantCulture));

    private void PrintComp(Node? dc)
    {
        if (dc is null || dc.Printing > 1 || _recursion > MaxRecursion || Error || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            Error = true;
            return;
        }

        dc.Printing++;
        _recursion++;
        _stack.Add(dc);
        PrintInner(dc);
        _stack.RemoveAt(_stack.Count - 1);
        dc.Printing--;
        _recursion--;
    }

    private static Node? IndexTemplateArgument(Node? args, int i)
    {
        Node? a = args;
        for (; a is not null; a = a.Right)
        {
            if (a.Kind != NodeKind.TemplateArgList)
            {
                return null;
            }

            if (i <= 0)
            {
                break;
            }

            i--;
        }

        if (i > 0 || a is null)
        {
            return null;
        }

        return a.Left;
    }

    private Node? LookupTemplateArgument(Node dc)
    {
        if (_templates is null)
        {
            Fail();
            return null;
        }

        return IndexTemplateArgument(_templates.Decl.Right, dc.Num);
    }

    private Node? FindPack(Node? dc, int depth = 0)
    {
        if (dc is null || depth > 200)
        {
            return null;
        }

        switch (dc.Kind)
        {
            case NodeKind.TemplateParam:
                {
                    Node? a = LookupTemplateArgument(dc);
                    return a is not null && a.Kind == NodeKind.TemplateArgList ? a : null;
                }

            case NodeKind.PackExpansion:
                return null;
            case NodeKind.Lambda:
            case NodeKind.Name:
            case NodeKind.TaggedName:
            case NodeKind.Operator:
            case NodeKind.BuiltinType:
            case NodeKind.SubStd:
            case NodeKind.FunctionParam:
            case NodeKind.UnnamedType:
            case NodeKind.DefaultArg:
            case NodeKind.Number:
                return null;
            case NodeKind.ExtendedOperator:
                return FindPack(dc.Left, depth + 1);
            case NodeKind.Ctor:
            case NodeKind.Dtor:
                return FindPack(dc.Left, depth + 1);
            default:
                return FindPack(dc.Left, depth + 1) ?? FindPack(dc.Right, depth + 1);
        }
    }

    private static int PackLength(Node? dc)
    {
        int count = 0;
        while (dc is not null && dc.Kind == NodeKind.TemplateArgList && dc.Left is not null)
        {
            count++;
            dc = dc.Right;
        }

        return count;
    }

    private void PrintInner(Node dc)
    {
        switch (dc.Kind)
        {
            case NodeKind.Name:
            case NodeKind.SubStd:
            case NodeKind.BuiltinType:
                Append(dc.Text!);
                return;

            case NodeKind.TaggedName:
                PrintComp(dc.Left);
                Append("[abi:");
                PrintComp(dc.Right);
                Append(']');
                return;

            case NodeKind.QualName:
            case NodeKind.LocalName:
                {
                    PrintComp(dc.Left);
                    Append("::");
                    Node? local = dc.Right!;
                    if (local.Kind == NodeKind.DefaultArg)
                    {
                        Append("{default arg#");
                        AppendNum(local.Num + 1);
                        Append("}::");
                        local = local.Left;
                    }

                    PrintComp(local);
                    return;
                }

            case NodeKind.TypedName:
                PrintTypedName(dc);
                return;

            case NodeKind.Template:
                {
                    Node? holdCurrent = _currentTemplate;
                    _currentTemplate = dc;
                    Mod? holdMods = _modifiers;
                    _modifiers = null;
                    PrintComp(dc.Left);
                    if (LastChar == '<')
                    {
                        Append(' ');
                    }

                    Append('<');
                    PrintComp(dc.Right);
                    if (LastChar == '>')
                    {
                        Append(' ');
                    }

                    Append('>');
                    _modifiers = holdMods;
                    _currentTemplate = holdCurrent;
                    return;
                }

            case NodeKind.TemplateParam:
                {
                    if (_isLambdaArg > 0)
                    {
                        Append("auto:");
                        AppendNum(dc.Num + 1);
                        return;
                    }

                    Node? a = LookupTemplateArgument(dc);
                    if (a is not null && a.Kind == NodeKind.TemplateArgList)
                    {
                        a = IndexTemplateArgument(a, _packIndex);
                    }

                    if (a is null)
                    {
                        Fail();
                        return;
                    }

                    Tpl? hold = _templates;
                    _templates = hold!.Next;
                    PrintComp(a);
                    _templates = hold;
                    return;
                }

            case NodeKind.TparmObj:
                Append("template parameter object for ");
                PrintComp(dc.Left);
                return;

            case NodeKind.Ctor:
                PrintComp(dc.Left);
                return;

            case NodeKind.Dtor:
                Append('~');
                PrintComp(dc.Left);
                return;

            case NodeKind.Vtable:
                Append("vtable for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.Vtt:
                Append("VTT for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.ConstructionVtable:
                Append("construction vtable for ");
                PrintComp(dc.Left);
                Append("-in-");
                PrintComp(dc.Right);
                return;
            case NodeKind.Typeinfo:
                Append("typeinfo for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.TypeinfoName:
                Append("typeinfo name for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.TypeinfoFn:
                Append("typeinfo fn for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.Thunk:
                Append("non-virtual thunk to ");
                PrintComp(dc.Left);
                return;
            case NodeKind.VirtualThunk:
                Append("virtual thunk to ");
                PrintComp(dc.Left);
                return;
            case NodeKind.CovariantThunk:
                Append("covariant return thunk to ");
                PrintComp(dc.Left);
                return;
            case NodeKind.JavaClass:
                Append("java Class for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.Guard:
                Append("guard variable for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.TlsInit:
                Append("TLS init function for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.TlsWrapper:
                Append("TLS wrapper function for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.RefTemp:
                Append("reference temporary #");
                PrintComp(dc.Right);
                Append(" for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.HiddenAlias:
                Append("hidden alias for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.TransactionClone:
                Append("transaction clone for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.NonTransactionClone:
                Append("non-transaction clone for ");
                PrintComp(dc.Left);
                return;
            case NodeKind.GlobalCtors:
                Append("global constructors keyed to ");
                PrintComp(dc.Left);
                return;
            case NodeKind.GlobalDtors:
                Append("global destructors keyed to ");
                PrintComp(dc.Left);
                return;

            case NodeKind.Reference:
            case NodeKind.RvalueReference:
                {
                    // Reference collapsing: & + && = &.
                    Node sub = dc.Left!;
                    Node current = dc;
                    bool restore = false;
                    Tpl? savedTemplates = null;
                    if (_isLambdaArg == 0 && sub.Kind == NodeKind.TemplateParam)
                    {
                        _savedScopes ??= new Dictionary<Node, Tpl?>(ReferenceEqualityComparer.Instance);
                        if (!_savedScopes.TryGetValue(sub, out Tpl? scope))
                        {
                            _savedScopes[sub] = _templates;
                        }
                        else
                        {
                            bool foundSelfOrParent = false;
                            for (int i = _stack.Count - 1; i >= 0; i--)
                            {
                                if (ReferenceEquals(_stack[i], sub) || (ReferenceEquals(_stack[i], dc) && i != _stack.Count - 1))
                                {
                                    foundSelfOrParent = true;
                                    break;
                                }
                            }

                            if (!foundSelfOrParent)
                            {
                                savedTemplates = _templates;
                                _templates = scope;
                                restore = true;
                            }
                        }

                        Node? a = LookupTemplateArgument(sub);
                        if (a is not null && a.Kind == NodeKind.TemplateArgList)
                        {
                            a = IndexTemplateArgument(a, _packIndex);
                        }

                        if (a is null)
                        {
                            if (restore)
                            {
                                _templates = savedTemplates;
                            }

                            Fail();
                            return;
                        }

                        sub = a;
                    }

                    Node? modInner = null;
                    if (sub.Kind == NodeKind.Reference || sub.Kind == current.Kind)
                    {
                        current = sub;
                    }
                    else if (sub.Kind == NodeKind.RvalueReference)
                    {
                        modInner = sub.Left;
                    }

                    PrintModifier(current, modInner ?? current.Left);
                    if (restore)
                    {
                        _templates = savedTemplates;
                    }

                    return;
                }

            case NodeKind.Restrict:
            case NodeKind.Volatile:
            case NodeKind.Const:
                {
                    // The same cv-qualifier can reach the stack twice (a qualified template argument
                    // qualified again): print it once, as libiberty does.
                    for (Mod? p = _modifiers; p is not null; p = p.Next)
                    {
                        if (!p.Printed)
                        {
                            if (p.Node.Kind is not (NodeKind.Restrict or NodeKind.Volatile or NodeKind.Const))
                            {
                                break;
                            }

                            if (p.Node.Kind == dc.Kind)
                            {
                                PrintComp(dc.Left);
                                return;
                            }
                        }
                    }

                    PrintModifier(dc, dc.Left);
                    return;
                }

            case NodeKind.Pointer:
            case NodeKind.Complex:
            case NodeKind.Imaginary:
            case NodeKind.RestrictThis:
            case NodeKind.VolatileThis:
            case NodeKind.ConstThis:
            case NodeKind.ReferenceThis:
            case NodeKind.RvalueReferenceThis:
            case NodeKind.TransactionSafe:
            case NodeKind.Noexcept:
            case NodeKind.ThrowSpec:
                PrintModifier(dc, dc.Left);
                return;

            case NodeKind.VendorTypeQual:
                PrintModifier(dc, dc.Left);
                return;

            case NodeKind.VendorType:
                PrintComp(dc.Left);
                return;

            case NodeKind.FunctionType:
                {
                    if (dc.Left is not null)
                    {
                        // The function type goes on the modifier stack so that a pointer-to-function
                        // return type prints around it.
                        var dpm = new Mod(dc, _modifiers, _templates);
                        _modifiers = dpm;
                        PrintComp(dc.Left);
                        _modifiers = dpm.Next;
                        if (dpm.Printed)
                        {
                            return;
                        }

                        Append(' ');
                    }

                    PrintFunctionType(dc, _modifiers);
                    return;
                }

            case NodeKind.ArrayType:
                {
                    Mod? hold = _modifiers;
                    var adpm = new List<Mod>(4) { new Mod(dc, hold, _templates) };
                    _modifiers = adpm[0];

                    // CV-qualifiers on the array belong to the element type and print before the bounds.
                    Mod? pdpm = hold;
                    while (pdpm is not null)
                    {
                        if (pdpm.Node.Kind is NodeKind.Restrict or NodeKind.Volatile or NodeKind.Const)
                        {
                            if (!pdpm.Printed)
                            {
                                if (adpm.Count >= 4)
                                {
                                    Fail();
                                    return;
                                }

                                var copy = new Mod(pdpm.Node, _modifiers, pdpm.Templates);
                                adpm.Add(copy);
                                _modifiers = copy;
                                pdpm.Printed = true;
                            }

                            pdpm = pdpm.Next;
                        }
                        else
                        {
                            break;
                        }
                    }

                    PrintComp(dc.Right);
                    _modifiers = hold;
                    if (adpm[0].Printed)
                    {
                        return;
                    }

                    for (int i = adpm.Count - 1; i >= 1; i--)
                    {
                        PrintMod(adpm[i].Node);
                    }

                    PrintArrayType(dc, _modifiers);
                    return;
                }

            case NodeKind.PtrmemType:
            case NodeKind.VectorType:
                {
                    var dpm = new Mod(dc, _modifiers, _templates);
                    _modifiers = dpm;
                    PrintComp(dc.Right);
                    if (!dpm.Printed)
                    {
                        PrintMod(dc);
                    }

                    _modifiers = dpm.Next;
                    return;
                }

            case NodeKind.ArgList:
            case NodeKind.TemplateArgList:
                {
                    if (dc.Left is not null)
                    {
                        PrintComp(dc.Left);
                    }

                    if (dc.Right is not null)
                    {
                        Append(", ");
                        int len = _sb.Length;
                        PrintComp(dc.Right);
                        if (_sb.Length == len)
                        {
                            _sb.Length -= 2;
                        }
                    }

                    return;
                }

            case NodeKind.InitializerList:
                if (dc.Left is not null)
                {
                    PrintComp(dc.Left);
                }

                Append('{');
                PrintComp(dc.Right);
                Append('}');
                return;

            case NodeKind.Operator:
                {
                    OperatorInfo op = dc.Op!;
                    Append("operator");
                    if (op.Name[0] is >= 'a' and <= 'z')
                    {
                        Append(' ');
                    }

                    string name = op.Name;
                    if (name[^1] == ' ')
                    {
                        name = name[..^1];
                    }

                    Append(name);
                    return;
                }

            case NodeKind.ExtendedOperator:
                Append("operator ");
                PrintComp(dc.Left);
                return;

            case NodeKind.Conversion:
                Append("operator ");
                PrintConversion(dc);
                return;

            case NodeKind.Nullary:
                PrintExprOp(dc.Left!);
                return;

            case NodeKind.Unary:
                PrintUnary(dc);
                return;

            case NodeKind.Binary:
                PrintBinary(dc);
                return;

            case NodeKind.BinaryArgs:
            case NodeKind.TrinaryArg1:
            case NodeKind.TrinaryArg2:
                Fail();
                return;

            case NodeKind.Trinary:
                PrintTrinary(dc);
                return;

            case NodeKind.Literal:
            case NodeKind.LiteralNeg:
                PrintLiteral(dc);
                return;

            case NodeKind.Number:
                AppendNum(dc.Num);
                return;

            case NodeKind.Decltype:
                Append("decltype (");
                PrintComp(dc.Left);
                Append(')');
                return;

            case NodeKind.PackExpansion:
                {
                    Node? a = FindPack(dc.Left);
                    if (a is null)
                    {
                        PrintSubexpr(dc.Left!);
                        Append("...");
                        return;
                    }

                    int len = PackLength(a);
                    Node pattern = dc.Left!;
                    for (int i = 0; i < len; i++)
                    {
                        _packIndex = i;
                        PrintComp(pattern);
                        if (i < len - 1)
                        {
                            Append(", ");
                        }
                    }

                    return;
                }

            case NodeKind.FunctionParam:
                if (dc.Num == 0)
                {
                    Append("this");
                }
                else
                {
                    Append("{parm#");
                    AppendNum(dc.Num);
                    Append('}');
                }

                return;

            case NodeKind.Lambda:
                Append("{lambda(");
                _isLambdaArg++;
                PrintComp(dc.Left);
                _isLambdaArg--;
                Append(")#");
                AppendNum(dc.Num + 1);
                Append('}');
                return;

            case NodeKind.UnnamedType:
                Append("{unnamed type#");
                AppendNum(dc.Num + 1);
                Append('}');
                return;

            case NodeKind.Clone:
                PrintComp(dc.Left);
                Append(" [clone ");
                PrintComp(dc.Right);
                Append(']');
                return;

            case NodeKind.Cast:
                PrintCast(dc);
                return;

            default:
                Fail();
                return;
        }
    }

    private void PrintModifier(Node dc, Node? inner)
    {
        var dpm = new Mod(dc, _modifiers, _templates);
        _modifiers = dpm;
        PrintComp(inner);
        if (!dpm.Printed)
        {
            PrintMod(dc);
        }

        _modifiers = dpm.Next;
    }

    private void PrintTypedName(Node dc)
    {
        Mod? holdModifiers = _modifiers;
        _modifiers = null;
        var adpm = new List<Mod>(4);
        Node? typedName = dc.Left;
        while (typedName is not null)
        {
            if (adpm.Count >= 4)
            {
                Fail();
                return;
            }

            var m = new Mod(typedName, _modifiers, _templates);
            adpm.Add(m);
            _modifiers = m;
            if (!typedName.IsFnQual)
            {
                break;
            }

            typedName = typedName.Left;
        }

        if (typedName is null)
        {
            Fail();
            return;
        }

        if (typedName.Kind == NodeKind.LocalName)
        {
            // Qualifiers on the right of a local name apply to the function type here.
            typedName = typedName.Right;
            if (typedName is not null && typedName.Kind == NodeKind.DefaultArg)
            {
                typedName = typedName.Left;
            }

            while (typedName is not null && typedName.IsFnQual)
            {
                if (adpm.Count >= 4)
                {
                    Fail();
                    return;
                }

                int i = adpm.Count;
                Mod prev = adpm[i - 1];
                var moved = new Mod(prev.Node, prev, prev.Templates) { Printed = prev.Printed };
                adpm.Add(moved);
                _modifiers = moved;
                prev.Node = typedName;
                prev.Printed = false;
                prev.Templates = _templates;
                typedName = typedName.Left;
            }

            if (typedName is null)
            {
                Fail();
                return;
            }
        }

        Tpl? holdTemplates = _templates;
        if (typedName.Kind == NodeKind.Template)
        {
            _templates = new Tpl(typedName, _templates);
        }

        PrintComp(dc.Right);
        if (typedName.Kind == NodeKind.Template)
        {
            _templates = holdTemplates;
        }

        for (int i = adpm.Count - 1; i >= 0; i--)
        {
            if (!adpm[i].Printed)
            {
                Append(' ');
                PrintMod(adpm[i].Node);
            }
        }

        _modifiers = holdModifiers;
    }

    private void PrintModList(Mod? mods, bool suffix)
    {
        while (mods is not null && !Error)
        {
            if (mods.Printed || (!suffix && mods.Node.IsFnQual))
            {
                mods = mods.Next;
                continue;
            }

            mods.Printed = true;
            Tpl? holdTemplates = _templates;
            _templates = mods.Templates;
            Node m = mods.Node;
            if (m.Kind == NodeKind.FunctionType)
            {
                PrintFunctionType(m, mods.Next);
                _templates = holdTemplates;
                return;
            }

            if (m.Kind == NodeKind.ArrayType)
            {
                PrintArrayType(m, mods.Next);
                _templates = holdTemplates;
                return;
            }

            if (m.Kind == NodeKind.LocalName)
            {
                Mod? holdModifiers = _modifiers;
                _modifiers = null;
                PrintComp(m.Left);
                _modifiers = holdModifiers;
                Append("::");
                Node? local = m.Right;
                if (local is not null && local.Kind == NodeKind.DefaultArg)
                {
                    Append("{default arg#");
                    AppendNum(local.Num + 1);
                    Append("}::");
                    local = local.Left;
                }

                while (local is not null && local.IsFnQual)
                {
                    local = local.Left;
                }

                PrintComp(local);
                _templates = holdTemplates;
                return;
            }

            PrintMod(m);
            _templates = holdTemplates;
            mods = mods.Next;
        }
    }

    private void PrintMod(Node mod)
    {
        switch (mod.Kind)
        {
            case NodeKind.Restrict:
            case NodeKind.RestrictThis:
                Append(" restrict");
                return;
            case NodeKind.Volatile:
            case NodeKind.VolatileThis:
                Append(" volatile");
                return;
            case NodeKind.Const:
            case NodeKind.ConstThis:
                Append(" const");
                return;
            case NodeKind.TransactionSafe:
                Append(" transaction_safe");
                return;
            case NodeKind.Noexcept:
                Append(" noexcept");
                if (mod.Right is not null)
                {
                    Append('(');
                    PrintComp(mod.Right);
                    Append(')');
                }

                return;
            case NodeKind.ThrowSpec:
                Append(" throw");
                if (mod.Right is not null)
                {
                    Append('(');
                    PrintComp(mod.Right);
                    Append(')');
                }

                return;
            case NodeKind.VendorTypeQual:
                Append(' ');
                PrintComp(mod.Right);
                return;
            case NodeKind.Pointer:
                Append('*');
                return;
            case NodeKind.ReferenceThis:
                Append(' ');
                Append('&');
                return;
            case NodeKind.Reference:
                Append('&');
                return;
            case NodeKind.RvalueReferenceThis:
                Append(' ');
                Append("&&");
                return;
            case NodeKind.RvalueReference:
                Append("&&");
                return;
            case NodeKind.Complex:
                Append(" _Complex");
                return;
            case NodeKind.Imaginary:
                Append(" _Imaginary");
                return;
            case NodeKind.PtrmemType:
                if (LastChar != '(')
                {
                    Append(' ');
                }

                PrintComp(mod.Left);
                Append("::*");
                return;
            case NodeKind.TypedName:
                PrintComp(mod.Left);
                return;
            case NodeKind.VectorType:
                Append(" __vector(");
                PrintComp(mod.Left);
                Append(')');
                return;
            default:
                PrintComp(mod);
                return;
        }
    }

    private void PrintFunctionType(Node dc, Mod? mods)
    {
        bool needParen = false;
        bool needSpace = false;
        for (Mod? p = mods; p is not null; p = p.Next)
        {
            if (p.Printed)
            {
                break;
            }

            switch (p.Node.Kind)
            {
                case NodeKind.Pointer:
                case NodeKind.Reference:
                case NodeKind.RvalueReference:
                    needParen = true;
                    break;
                case NodeKind.Restrict:
                case NodeKind.Volatile:
                case NodeKind.Const:
                case NodeKind.VendorTypeQual:
                case NodeKind.Complex:
                case NodeKind.Imaginary:
                case NodeKind.PtrmemType:
                    needSpace = true;
                    needParen = true;
                    break;
            }

            if (needParen)
            {
                break;
            }
        }

        if (needParen)
        {
            if (!needSpace && LastChar != '(' && LastChar != '*')
            {
                needSpace = true;
            }

            if (needSpace && LastChar != ' ')
            {
                Append(' ');
            }

            Append('(');
        }

        Mod? holdModifiers = _modifiers;
        _modifiers = null;
        PrintModList(mods, false);
        if (needParen)
        {
            Append(')');
        }

        Append('(');
        if (dc.Right is not null)
        {
            PrintComp(dc.Right);
        }

        Append(')');
        PrintModList(mods, true);
        _modifiers = holdModifiers;
    }

    private void PrintArrayType(Node dc, Mod? mods)
    {
        bool needSpace = true;
        if (mods is not null)
        {
            bool needParen = false;
            for (Mod? p = mods; p is not null; p = p.Next)
            {
                if (!p.Printed)
                {
                    if (p.Node.Kind == NodeKind.ArrayType)
                    {
                        needSpace = false;
                    }
                    else
                    {
                        needParen = true;
                        needSpace = true;
                    }

                    break;
                }
            }

            if (needParen)
            {
                Append(" (");
            }

            PrintModList(mods, false);
            if (needParen)
            {
                Append(')');
            }
        }

        if (needSpace)
        {
            Append(' ');
        }

        Append('[');
        if (dc.Left is not null)
        {
            PrintComp(dc.Left);
        }

        Append(']');
    }

    private void PrintConversion(Node dc)
    {
        Tpl? hold = _templates;
        if (_currentTemplate is not null)
        {
            _templates = new Tpl(_currentTemplate, _templates);
        }

        Node left = dc.Left!;
        if (left.Kind != NodeKind.Template)
        {
            PrintComp(left);
            _templates = hold;
        }
        else
        {
            PrintComp(left.Left);
            _templates = hold;
            if (LastChar == '<')
            {
                Append(' ');
            }

            Append('<');
            PrintComp(left.Right);
            if (LastChar == '>')
            {
                Append(' ');
            }

            Append('>');
        }
    }

    private void PrintCast(Node dc) => PrintComp(dc.Left);

    private void PrintExprOp(Node dc)
    {
        if (dc.Kind == NodeKind.Operator)
        {
            Append(dc.Op!.Name);
        }
        else
        {
            PrintComp(dc);
        }
    }

    private void PrintSubexpr(Node dc)
    {
        bool simple = dc.Kind is NodeKind.Name or NodeKind.QualName or NodeKind.InitializerList or NodeKind.FunctionParam;
        if (!simple)
        {
            Append('(');
        }

        PrintComp(dc);
        if (!simple)
        {
            Append(')');
        }
    }

    private void PrintUnary(Node dc)
    {
        Node op = dc.Left!;
        Node operand = dc.Right!;
        string? code = null;
        if (op.Kind == NodeKind.Operator)
        {
            code = op.Op!.Code;
            if (code == "ad")
            {
                // Don't print the argument list for the address of a function.
                if (operand.Kind == NodeKind.TypedName && operand.Left!.Kind == NodeKind.QualName
                    && operand.Right!.Kind == NodeKind.FunctionType)
                {
                    operand = operand.Left;
                }
            }

            if (code == "sZ")
            {
                Node? a = FindPack(operand);
                AppendNum(PackLength(a));
                return;
            }

            if (code == "sP")
            {
                int len = 0;
                for (Node? l = operand; l is not null && l.Kind == NodeKind.TemplateArgList; l = l.Right)
                {
                    if (l.Left is null)
                    {
                        continue;
                    }

                    if (l.Left.Kind == NodeKind.PackExpansion)
                    {
                        Node? pack = FindPack(l.Left.Left);
                        len += PackLength(pack);
                    }
                    else
                    {
                        len++;
                    }
                }

                AppendNum(len);
                return;
            }
        }

        if (dc.Num == 1)
        {
            // Postfix increment or decrement (pp / mm without the '_' of the prefix form).
            PrintSubexpr(operand);
            PrintExprOp(op);
            return;
        }

        if (op.Kind != NodeKind.Cast)
        {
            PrintExprOp(op);
        }
        else
        {
            Append('(');
            PrintCast(op);
            Append(')');
        }

        if (code == "gs")
        {
            PrintComp(operand);
        }
        else if (code == "st")
        {
            Append('(');
            PrintComp(operand);
            Append(')');
        }
        else
        {
            PrintSubexpr(operand);
        }
    }

    private void PrintBinary(Node dc)
    {
        Node op = dc.Left!;
        Node args = dc.Right!;
        if (args.Kind != NodeKind.BinaryArgs)
        {
            Fail();
            return;
        }

        if (op.Kind == NodeKind.Operator && op.Op!.Code is "dc" or "sc" or "cc" or "rc")
        {
            PrintExprOp(op);
            Append('<');
            PrintComp(args.Left);
            Append(">(");
            PrintComp(args.Right);
            Append(')');
            return;
        }

        if (op.Kind != NodeKind.Operator)
        {
            Fail();
            return;
        }

        string code = op.Op!.Code;
        if (code[0] == 'f')
        {
            PrintFold(dc);
            return;
        }

        bool gt = op.Op.Name == ">";
        if (gt)
        {
            Append('(');
        }

        if (code == "cl" && args.Left!.Kind == NodeKind.TypedName)
        {
            Node func = args.Left;
            if (func.Right!.Kind != NodeKind.FunctionType)
            {
                Fail();
            }

            PrintSubexpr(func.Left!);
        }
        else
        {
            PrintSubexpr(args.Left!);
        }

        if (code == "ix")
        {
            Append('[');
            PrintComp(args.Right);
            Append(']');
        }
        else
        {
            if (code != "cl")
            {
                PrintExprOp(op);
            }

            PrintSubexpr(args.Right!);
        }

        if (gt)
        {
            Append(')');
        }
    }

    private void PrintFold(Node dc)
    {
        // Fold expressions: (... op pack), (pack op ...), (init op ... op pack).
        Node op = dc.Left!;
        string code = op.Op!.Code;
        Node? operatorNode;
        Node? first;
        Node? second = null;
        if (dc.Kind == NodeKind.Binary)
        {
            operatorNode = dc.Right!.Left;
            first = dc.Right.Right;
        }
        else
        {
            operatorNode = dc.Right!.Left;
            first = dc.Right.Right!.Left;
            second = dc.Right.Right.Right;
        }

        if (operatorNode is null || first is null)
        {
            Fail();
            return;
        }

        int saveIdx = _packIndex;
        _packIndex = -1;
        switch (code)
        {
            case "fl":
                Append("(...");
                PrintExprOp(operatorNode);
                PrintSubexpr(first);
                Append(')');
                break;
            case "fr":
                Append('(');
                PrintSubexpr(first);
                PrintExprOp(operatorNode);
                Append("...)");
                break;
            case "fL":
            case "fR":
                Append('(');
                PrintSubexpr(first);
                PrintExprOp(operatorNode);
                Append("...");
                PrintExprOp(operatorNode);
                PrintSubexpr(second!);
                Append(')');
                break;
        }

        _packIndex = saveIdx;
    }

    private void PrintTrinary(Node dc)
    {
        Node op = dc.Left!;
        Node? a1 = dc.Right;
        if (a1 is null || a1.Kind != NodeKind.TrinaryArg1 || a1.Right is null || a1.Right.Kind != NodeKind.TrinaryArg2 || op.Kind != NodeKind.Operator)
        {
            Fail();
            return;
        }

        string code = op.Op!.Code;
        if (code[0] == 'f')
        {
            PrintFold(dc);
            return;
        }

        Node? first = a1.Left;
        Node? second = a1.Right.Left;
        Node? third = a1.Right.Right;
        if (code == "qu")
        {
            PrintSubexpr(first!);
            PrintExprOp(op);
            PrintSubexpr(second!);
            Append(" : ");
            PrintSubexpr(third!);
        }
        else
        {
            Append("new ");
            if (first!.Left is not null)
            {
                PrintSubexpr(first);
                Append(' ');
            }

            PrintComp(second);
            if (third is not null)
            {
                PrintSubexpr(third);
            }
        }
    }

    private void PrintLiteral(Node dc)
    {
        BuiltinPrint tp = BuiltinPrint.Default;
        Node type = dc.Left!;
        Node value = dc.Right!;
        if (type.Kind == NodeKind.BuiltinType)
        {
            tp = type.Print;
            switch (tp)
            {
                case BuiltinPrint.Int:
                case BuiltinPrint.Unsigned:
                case BuiltinPrint.Long:
                case BuiltinPrint.UnsignedLong:
                case BuiltinPrint.LongLong:
                case BuiltinPrint.UnsignedLongLong:
                    if (value.Kind == NodeKind.Name)
                    {
                        if (dc.Kind == NodeKind.LiteralNeg)
                        {
                            Append('-');
                        }

                        PrintComp(value);
                        switch (tp)
                        {
                            case BuiltinPrint.Unsigned:
                                Append('u');
                                break;
                            case BuiltinPrint.Long:
                                Append('l');
                                break;
                            case BuiltinPrint.UnsignedLong:
                                Append("ul");
                                break;
                            case BuiltinPrint.LongLong:
                                Append("ll");
                                break;
                            case BuiltinPrint.UnsignedLongLong:
                                Append("ull");
                                break;
                        }

                        return;
                    }

                    break;
                case BuiltinPrint.Bool:
                    if (value.Kind == NodeKind.Name && value.Text!.Length == 1 && dc.Kind == NodeKind.Literal)
                    {
                        if (value.Text[0] == '0')
                        {
                            Append("false");
                            return;
                        }

                        if (value.Text[0] == '1')
                        {
                            Append("true");
                            return;
                        }
                    }

                    break;
            }
        }

        Append('(');
        PrintComp(type);
        Append(')');
        if (dc.Kind == NodeKind.LiteralNeg)
        {
            Append('-');
        }

        if (tp == BuiltinPrint.Float)
        {
            Append('[');
        }

        PrintComp(value);
        if (tp == BuiltinPrint.Float)
        {
            Append(']');
        }
    }
}
