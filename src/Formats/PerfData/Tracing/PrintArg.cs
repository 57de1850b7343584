namespace Stackweave.Formats.PerfData.Tracing;

/// <summary>One node of a parsed print fmt argument (the shapes libtraceevent's tep_print_arg takes).</summary>
internal abstract class PrintArg;

/// <summary>A literal: number, identifier or string text (libtraceevent TEP_PRINT_ATOM).</summary>
internal sealed class AtomArg(string text) : PrintArg
{
    public string Text { get; } = text;
}

/// <summary><c>REC-&gt;name</c> (TEP_PRINT_FIELD).</summary>
internal sealed class FieldArg(string name, TracepointField? field) : PrintArg
{
    public string Name { get; } = name;
    public TracepointField? Field { get; } = field;
}

/// <summary>Unary (Left null) or binary operator (TEP_PRINT_OP).</summary>
internal sealed class OpArg(string op, PrintArg? left, PrintArg right) : PrintArg
{
    public string Op { get; } = op;
    public PrintArg? Left { get; } = left;
    public PrintArg Right { get; } = right;
}

/// <summary><c>cond ? a : b</c>.</summary>
internal sealed class CondArg(PrintArg cond, PrintArg whenTrue, PrintArg whenFalse) : PrintArg
{
    public PrintArg Cond { get; } = cond;
    public PrintArg WhenTrue { get; } = whenTrue;
    public PrintArg WhenFalse { get; } = whenFalse;
}

/// <summary><c>left[index]</c>.</summary>
internal sealed class IndexArg(PrintArg left, PrintArg index) : PrintArg
{
    public PrintArg Left { get; } = left;
    public PrintArg Index { get; } = index;
}

/// <summary><c>(type) item</c> (TEP_PRINT_TYPE).</summary>
internal sealed class CastArg(string type, PrintArg item) : PrintArg
{
    public string Type { get; } = type;
    public PrintArg Item { get; } = item;
}

/// <summary>One <c>{ value, "text" }</c> entry of __print_flags / __print_symbolic; Value is the text libtraceevent
/// keeps, Number its eval_flag value (computed once).</summary>
internal readonly record struct FlagSym(string Value, string Text)
{
    public long Number { get; } = PrintEvaluator.EvalFlag(Value);
}

/// <summary><c>__print_flags(value, delim, {v, "s"}...)</c> (TEP_PRINT_FLAGS).</summary>
internal sealed class FlagsArg(PrintArg value, string? delim, FlagSym[] flags) : PrintArg
{
    public PrintArg Value { get; } = value;
    public string? Delim { get; } = delim;
    public FlagSym[] Flags { get; } = flags;
}

/// <summary><c>__print_symbolic(value, {v, "s"}...)</c> (TEP_PRINT_SYMBOL).</summary>
internal sealed class SymbolicArg(PrintArg value, FlagSym[] symbols) : PrintArg
{
    public PrintArg Value { get; } = value;
    public FlagSym[] Symbols { get; } = symbols;
}

/// <summary><c>__print_hex(field, len)</c> and <c>__print_hex_str</c> (TEP_PRINT_HEX, TEP_PRINT_HEX_STR).</summary>
internal sealed class HexArg(PrintArg field, PrintArg length, bool isStr) : PrintArg
{
    public PrintArg Field { get; } = field;
    public PrintArg Length { get; } = length;
    public bool IsStr { get; } = isStr;
}

/// <summary><c>__print_array(field, count, el_size)</c> (TEP_PRINT_INT_ARRAY).</summary>
internal sealed class IntArrayArg(PrintArg field, PrintArg count, PrintArg elementSize) : PrintArg
{
    public PrintArg Field { get; } = field;
    public PrintArg Count { get; } = count;
    public PrintArg ElementSize { get; } = elementSize;
}

/// <summary><c>__get_str(name)</c> (TEP_PRINT_STRING).</summary>
internal sealed class StrArg(string name, TracepointField? field) : PrintArg
{
    public string Name { get; } = name;
    public TracepointField? Field { get; } = field;
}

/// <summary><c>__get_bitmask(name)</c> (TEP_PRINT_BITMASK).</summary>
internal sealed class BitmaskArg(string name, TracepointField? field) : PrintArg
{
    public string Name { get; } = name;
    public TracepointField? Field { get; } = field;
}

/// <summary><c>__get_dynamic_array(name)</c> (TEP_PRINT_DYNAMIC_ARRAY) or its length (TEP_PRINT_DYNAMIC_ARRAY_LEN).</summary>
internal sealed class DynArrayArg(TracepointField field, bool length) : PrintArg
{
    public TracepointField Field { get; } = field;
    public bool Length { get; } = length;
}

/// <summary>An empty operand (libtraceevent TEP_PRINT_NULL): the missing left side of a unary operator.</summary>
internal sealed class NullArg : PrintArg
{
    public static NullArg Instance { get; } = new();
}

/// <summary>The parse failed; the message says where (libtraceevent then flags the event as failed).</summary>
internal sealed class PrintParseException(string message) : Exception(message);

/// <summary>
/// Parses the argument list of a print fmt line with libtraceevent's own algorithm (event-parse.c
/// process_arg_token / process_op / process_cond / process_paren as in perf 6.1), including its quirks, which
/// change what perf prints: an operand in parentheses is not protected from re-association (when the operator
/// before it binds tighter than the operator at the operand's top, the tree is rotated, so
/// <c>x &amp; (a | b)</c> evaluates as <c>(x &amp; a) | b</c>); operators of equal priority group to the right;
/// the false branch of ?: is one token; casts are recognised only before an item or '('.
/// The mutable node below mirrors struct tep_print_arg so the in-place rewrites can be reproduced.
/// </summary>
internal sealed class PrintArgParser
{
    private enum K { Null, Atom, Field, Op, Type, Built }

    private sealed class Node
    {
        public K Kind;
        public string Text = "";
        public Node? Left, Right;
        public int Prio;
        public PrintArg? Built;

        public void CopyFrom(Node o)
        {
            Kind = o.Kind;
            Text = o.Text;
            Left = o.Left;
            Right = o.Right;
            Prio = o.Prio;
            Built = o.Built;
        }

        public Node Clone()
        {
            var n = new Node();
            n.CopyFrom(this);
            return n;
        }
    }

    private readonly FormatLexer _lex;
    private readonly TracepointFormat _format;
    private TokenType _type;
    private string _tok = "";
    private int _depth;

    private PrintArgParser(FormatLexer lex, TracepointFormat format)
    {
        _lex = lex;
        _format = format;
    }

    /// <summary>Parses arguments until the end of input (libtraceevent event_read_print_args); throws
    /// PrintParseException where libtraceevent fails the event.</summary>
    public static List<PrintArg> ParseArgs(FormatLexer lex, TracepointFormat format)
    {
        var p = new PrintArgParser(lex, format);
        var list = new List<PrintArg>();
        p._type = TokenType.Delim; // the ',' after the format string
        do
        {
            if (p._type == TokenType.Newline)
            {
                p.ReadItem();
                continue;
            }
            var arg = new Node();
            p.ProcessArg(arg);
            list.Add(p.Convert(arg, 0));
            if (p._type == TokenType.Op)
            {
                p.ProcessOp(arg);
                list[^1] = p.Convert(arg, 0);
                continue;
            }
            if (p._type == TokenType.Delim && p._tok == ",")
                continue;
            break;
        } while (p._type != TokenType.None);
        return list;
    }

    private void Read() => _type = _lex.Read(out _tok);
    private void ReadItem() => _type = _lex.ReadItem(out _tok);
    private bool Is(TokenType t, string s) => _type == t && _tok == s;

    private void Require(TokenType t, string s)
    {
        if (!Is(t, s)) throw new PrintParseException($"expected '{s}' but read '{_tok}'");
    }

    private static bool IsItemType(TokenType t) => t is TokenType.Item or TokenType.DQuote or TokenType.SQuote;

    /// <summary>libtraceevent get_op_prio: smaller binds tighter; -1 for unknown.</summary>
    internal static int Priority(string op) => op switch
    {
        "~" or "!" => 4,
        "*" or "/" or "%" => 6,
        "+" or "-" => 7,
        "<<" or ">>" => 8,
        "<" or ">" or "<=" or ">=" => 9,
        "==" or "!=" => 10,
        "&" => 11,
        "^" => 12,
        "|" => 13,
        "&&" => 14,
        "||" => 15,
        "?" => 16,
        _ => -1,
    };

    private static bool IsBinary(string op) => op is ">>" or "<<" or "&" or "|" or "&&" or "||" or "-" or "+" or "*"
        or "^" or "/" or "%" or "<" or ">" or "<=" or ">=" or "==" or "!=";

    /// <summary>Reads the next token and processes it as an argument (libtraceevent process_arg).</summary>
    private void ProcessArg(Node arg)
    {
        Read();
        ProcessArgToken(arg);
    }

    private void ProcessArgToken(Node arg)
    {
        if (++_depth > 500) throw new PrintParseException("expression nested too deeply");
        try
        {
            switch (_type)
            {
                case TokenType.Item:
                    if (_tok == "REC")
                    {
                        if (!_lex.Expect(TokenType.Op, "->")) throw new PrintParseException("expected '->' after REC");
                        if (_lex.Read(out var name) != TokenType.Item) throw new PrintParseException("expected a field name");
                        arg.Kind = K.Field;
                        arg.Text = name;
                        Read();
                        return;
                    }
                    {
                        string atom = _tok;
                        ReadItem();
                        if (Is(TokenType.Delim, "("))
                        {
                            arg.Kind = K.Built;
                            arg.Built = ProcessFunction(atom);
                            return;
                        }
                        while (_type == TokenType.Item)
                        {
                            atom = atom + " " + _tok;
                            ReadItem();
                        }
                        arg.Kind = K.Atom;
                        arg.Text = atom;
                        return;
                    }
                case TokenType.DQuote:
                case TokenType.SQuote:
                    arg.Kind = K.Atom;
                    arg.Text = _tok;
                    ReadItem();
                    return;
                case TokenType.Delim when _tok == "(":
                    ProcessParen(arg);
                    return;
                case TokenType.Delim:
                case TokenType.Op:
                    arg.Kind = K.Op;
                    arg.Text = _tok;
                    arg.Left = null;
                    ProcessOp(arg);
                    return;
                default:
                    throw new PrintParseException($"unexpected token '{_tok}'");
            }
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary>libtraceevent process_op: the current token is the operator.</summary>
    private void ProcessOp(Node arg)
    {
        if (++_depth > 500) throw new PrintParseException("expression nested too deeply");
        try
        {
            ProcessOpCore(arg);
        }
        finally
        {
            _depth--;
        }
    }

    private void ProcessOpCore(Node arg)
    {
        string token = _tok;
        Node? right = null;
        if (arg.Kind == K.Op && arg.Left is null)
        {
            // single (unary) operator
            if (token is not ("~" or "!" or "+" or "-")) throw new PrintParseException($"bad op token {token}");
            arg.Left = new Node { Kind = K.Null };
            right = new Node();
            arg.Right = right;
            ProcessArg(right);
        }
        else if (token == "?")
        {
            var left = arg.Clone();
            arg.Kind = K.Op;
            arg.Text = "?";
            arg.Left = left;
            arg.Right = null;
            arg.Prio = 0;
            ProcessCond(arg);
        }
        else if (IsBinary(token))
        {
            var left = arg.Clone();
            arg.Kind = K.Op;
            arg.Text = token;
            arg.Left = left;
            arg.Right = null;
            arg.Prio = left.Kind == K.Null ? 0 : Priority(token);
            ReadItem();
            // "(type *)": a '*' followed by ')' makes the atom a pointer type.
            if (token == "*" && Is(TokenType.Delim, ")"))
            {
                if (left.Kind != K.Atom) throw new PrintParseException("bad pointer type");
                left.Text += " *";
                arg.CopyFrom(left);
                return;
            }
            right = new Node();
            ProcessArgToken(right);
            if (right.Kind == K.Op && Priority(token) < Priority(right.Text))
            {
                // rotate ops according to the priority (libtraceevent does this even for parenthesized operands)
                arg.Right = right.Left;
                var tmp = arg.Clone();
                arg.CopyFrom(right);
                right.CopyFrom(tmp);
                arg.Left = right;
            }
            else arg.Right = right;
        }
        else if (token == "[")
        {
            var left = arg.Clone();
            arg.Kind = K.Op;
            arg.Text = "[";
            arg.Left = left;
            arg.Prio = 0;
            var index = new Node();
            ProcessArg(index);
            Require(TokenType.Op, "]");
            arg.Right = index;
            ReadItem();
        }
        else throw new PrintParseException($"unknown op '{token}'");

        if (_type == TokenType.Op && _tok != ":")
        {
            int prio = Priority(_tok);
            if (prio > arg.Prio || right is null) ProcessOp(arg);
            else ProcessOp(right);
        }
    }

    private void ProcessCond(Node top)
    {
        var arg = new Node { Kind = K.Op };
        var left = new Node();
        var right = new Node();
        arg.Left = left;
        arg.Right = right;
        ProcessArg(left);
        while (_type == TokenType.Op && _tok != ":") ProcessOp(left);
        Require(TokenType.Op, ":");
        arg.Text = ":";
        ProcessArg(right);
        top.Right = arg;
    }

    private void ProcessParen(Node arg)
    {
        ProcessArg(arg);
        if (_type == TokenType.Op) ProcessOp(arg);
        Require(TokenType.Delim, ")");
        ReadItem();
        if (IsItemType(_type) || Is(TokenType.Delim, "("))
        {
            if (arg.Kind != K.Atom) throw new PrintParseException("previous needed to be an atom");
            var item = new Node();
            arg.Kind = K.Type;
            item.Kind = K.Null;
            arg.Left = item;
            ProcessArgToken(item);
        }
    }

    private TracepointField RequireField(string name) =>
        _format.FindField(name) ?? throw new PrintParseException($"field {name} not found");

    private PrintArg ProcessFunction(string name)
    {
        switch (name)
        {
            case "__print_flags":
            case "__print_symbolic":
            {
                var value = new Node();
                ProcessArg(value);
                while (_type == TokenType.Op) ProcessOp(value);
                Require(TokenType.Delim, ",");
                string? delim = null;
                if (name == "__print_flags")
                {
                    ReadItem();
                    if (IsItemType(_type))
                    {
                        delim = _tok;
                        ReadItem();
                    }
                    Require(TokenType.Delim, ",");
                }
                var list = ProcessFields();
                Require(TokenType.Delim, ")");
                ReadItem();
                var v = Convert(value, 0);
                return name == "__print_flags" ? new FlagsArg(v, delim, list) : new SymbolicArg(v, list);
            }
            case "__print_hex":
            case "__print_hex_str":
            {
                var field = DelimitedArg(",");
                var len = DelimitedArg(")");
                ReadItem();
                return new HexArg(field, len, name == "__print_hex_str");
            }
            case "__print_array":
            {
                var field = DelimitedArg(",");
                var count = DelimitedArg(",");
                var size = DelimitedArg(")");
                ReadItem();
                return new IntArrayArg(field, count, size);
            }
            case "__get_str":
            case "__get_bitmask":
            {
                if (_lex.Read(out var f) != TokenType.Item) throw new PrintParseException("expected a field name");
                if (!_lex.Expect(TokenType.Delim, ")")) throw new PrintParseException("expected ')'");
                Read();
                var field = _format.FindAnyField(f);
                return name == "__get_str" ? new StrArg(f, field) : new BitmaskArg(f, field);
            }
            case "__get_dynamic_array":
            {
                if (_lex.Read(out var f) != TokenType.Item) throw new PrintParseException("expected a field name");
                var field = RequireField(f);
                if (!_lex.Expect(TokenType.Delim, ")")) throw new PrintParseException("expected ')'");
                ReadItem();
                if (Is(TokenType.Op, "["))
                {
                    // libtraceevent process_dynamic_array inverts its test: "[i]" followed by "]" fails the event.
                    ProcessArg(new Node());
                    if (Is(TokenType.Op, "]")) throw new PrintParseException("index after __get_dynamic_array");
                    ReadItem();
                }
                return new DynArrayArg(field, false);
            }
            case "__get_dynamic_array_len":
            {
                if (_lex.Read(out var f) != TokenType.Item) throw new PrintParseException("expected a field name");
                var field = RequireField(f);
                if (!_lex.Expect(TokenType.Delim, ")")) throw new PrintParseException("expected ')'");
                Read();
                return new DynArrayArg(field, true);
            }
            case "__builtin_expect":
            {
                var cond = new Node();
                ProcessArg(cond);
                Require(TokenType.Delim, ",");
                if (_lex.Read(out _) != TokenType.Item) throw new PrintParseException("expected an item");
                if (!_lex.Expect(TokenType.Delim, ")")) throw new PrintParseException("expected ')'");
                ReadItem();
                return Convert(cond, 0);
            }
            default:
                throw new PrintParseException($"function {name} not defined");
        }
    }

    /// <summary>One argument followed by the given delimiter (libtraceevent alloc_and_process_delim).</summary>
    private PrintArg DelimitedArg(string delim)
    {
        var n = new Node();
        ProcessArg(n);
        Require(TokenType.Delim, delim);
        return Convert(n, 0);
    }

    /// <summary>The <c>{ value, "text" }, ...</c> list (libtraceevent process_fields).</summary>
    private FlagSym[] ProcessFields()
    {
        var list = new List<FlagSym>();
        do
        {
            ReadItem();
            if (!Is(TokenType.Op, "{")) break;
            var value = new Node();
            ProcessArg(value);
            if (_type == TokenType.Op) ProcessOp(value);
            Require(TokenType.Delim, ",");
            string v = ConstEval.ArgText(Convert(value, 0)) ?? throw new PrintParseException("flag value is not a constant");
            var text = new Node();
            ProcessArg(text);
            Require(TokenType.Op, "}");
            string s = ConstEval.ArgText(Convert(text, 0)) ?? throw new PrintParseException("flag text is not a constant");
            list.Add(new FlagSym(v, s));
            ReadItem();
        } while (Is(TokenType.Delim, ","));
        return [.. list];
    }

    private PrintArg Convert(Node? n, int depth)
    {
        if (n is null || depth > 1000) return NullArg.Instance;
        switch (n.Kind)
        {
            case K.Null: return NullArg.Instance;
            case K.Atom: return new AtomArg(n.Text);
            case K.Field: return new FieldArg(n.Text, _format.FindAnyField(n.Text));
            case K.Built: return n.Built ?? NullArg.Instance;
            case K.Type: return new CastArg(n.Text, Convert(n.Left, depth + 1));
        }
        switch (n.Text)
        {
            case "?":
            {
                var cond = Convert(n.Left, depth + 1);
                if (n.Right is { Kind: K.Op, Text: ":" } colon)
                    return new CondArg(cond, Convert(colon.Left, depth + 1), Convert(colon.Right, depth + 1));
                return NullArg.Instance;
            }
            case "[":
                return new IndexArg(Convert(n.Left, depth + 1), Convert(n.Right, depth + 1));
            default:
            {
                var left = n.Left is null || n.Left.Kind == K.Null ? null : Convert(n.Left, depth + 1);
                return new OpArg(n.Text, left, Convert(n.Right, depth + 1));
            }
        }
    }
}

/// <summary>Constant folding of flag values the way libtraceevent's arg_eval / arg_num_eval do it (signed 64-bit).</summary>
internal static class ConstEval
{
    /// <summary>The text kept for a flag value or string, or null where libtraceevent fails.</summary>
    public static string? ArgText(PrintArg arg) => arg switch
    {
        AtomArg a => a.Text,
        CastArg c => ArgText(c.Item),
        OpArg => TryNum(arg, out long v) ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        _ => null,
    };

    private static bool TryNum(PrintArg arg, out long val)
    {
        val = 0;
        switch (arg)
        {
            case AtomArg a:
                val = (long)CNumbers.StrToULL(a.Text);
                return true;
            case CastArg c:
                if (!TryNum(c.Item, out val)) return false;
                val = (long)PrintEvaluator.EvalType((ulong)val, c.Type, pointer: false);
                return true;
            case OpArg o:
            {
                long left = 0, right;
                string op = o.Op;
                if (op is "~")
                {
                    if (!TryNum(o.Right, out right)) return false;
                    val = ~right;
                    return true;
                }
                if (o.Left is null)
                {
                    if (op is not ("-" or "+")) return false;
                }
                else if (!TryNum(o.Left, out left)) return false;
                if (!TryNum(o.Right, out right)) return false;
                switch (op)
                {
                    case "|": val = left | right; return true;
                    case "||": val = left != 0 || right != 0 ? 1 : 0; return true;
                    case "&": val = left & right; return true;
                    case "&&": val = left != 0 && right != 0 ? 1 : 0; return true;
                    case "<": val = left < right ? 1 : 0; return true;
                    case "<<": val = left << (int)right; return true;
                    case "<=": val = left <= right ? 1 : 0; return true;
                    case ">": val = left > right ? 1 : 0; return true;
                    case ">>": val = left >> (int)right; return true;
                    case ">=": val = left >= right ? 1 : 0; return true;
                    case "==": val = left == right ? 1 : 0; return true;
                    case "!=": val = left != right ? 1 : 0; return true;
                    case "-": val = left - right; return true;
                    case "+": val = left + right; return true;
                    default: return false;
                }
            }
            default:
                return false;
        }
    }
}
