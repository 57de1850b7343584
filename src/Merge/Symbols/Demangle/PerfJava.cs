using System.Text;

namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>
/// perf's Java fallback (tools/perf/util/demangle-java.c java_demangle_sym with JAVA_DEMANGLE_NORET), the last
/// thing demangle_sym tries: JIT method names such as <c>Lcom/example/Foo;bar(I[JLjava/lang/String;Z)V</c>
/// become <c>com.example.Foo.bar(int, long[], java.lang.String, boolean)</c>. The rules below are those of
/// the perf 6.1 binary on this machine, established with perf probe -F on generated symbols (see the test
/// data README): no "class " prefix, class arguments leave a pending array count to the next primitive.
/// </summary>
internal static class PerfJava
{
    private enum Mode
    {
        Prefix,
        Class,
        Func,
        Type,
        ClassType,
    }

    public static string? Demangle(string sym)
    {
        // Everything up to and including the last ')' is printed; the return type after it is not.
        int close = sym.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var sb = new StringBuilder(sym.Length * 2);
        Mode mode = Mode.Prefix;
        int array = 0;
        int narg = 0;
        for (int i = 0; i <= close; i++)
        {
            char c = sym[i];
            switch (c)
            {
                case 'L':
                    if (mode == Mode.Prefix)
                    {
                        mode = Mode.Class;
                    }
                    else if (mode == Mode.Type)
                    {
                        if (narg > 0)
                        {
                            sb.Append(", ");
                        }

                        narg++;
                        mode = Mode.ClassType;
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
                case 'B':
                case 'C':
                case 'D':
                case 'F':
                case 'I':
                case 'J':
                case 'S':
                case 'Z':
                    if (mode == Mode.Type)
                    {
                        if (narg > 0)
                        {
                            sb.Append(", ");
                        }

                        sb.Append(c switch
                        {
                            'B' => "byte",
                            'C' => "char",
                            'D' => "double",
                            'F' => "float",
                            'I' => "int",
                            'J' => "long",
                            'S' => "short",
                            _ => "boolean",
                        });
                        AppendArrays(sb, ref array);
                        narg++;
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
                case 'V':
                    if (mode == Mode.Type)
                    {
                        sb.Append("void");
                        AppendArrays(sb, ref array);
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
                case '[':
                    if (mode != Mode.Type)
                    {
                        return null;
                    }

                    array++;
                    break;
                case '(':
                    if (mode != Mode.Func)
                    {
                        return null;
                    }

                    sb.Append(c);
                    mode = Mode.Type;
                    break;
                case ')':
                    if (mode != Mode.Type)
                    {
                        return null;
                    }

                    sb.Append(c);
                    narg = 0;
                    break;
                case ';':
                    if (mode == Mode.Class)
                    {
                        if (i + 1 < sym.Length && char.IsAsciiLetter(sym[i + 1]))
                        {
                            sb.Append('.');
                        }

                        mode = Mode.Func;
                    }
                    else if (mode == Mode.ClassType)
                    {
                        mode = Mode.Type;
                    }
                    else
                    {
                        return null;
                    }

                    break;
                case '/':
                    if (mode != Mode.Class && mode != Mode.ClassType)
                    {
                        return null;
                    }

                    sb.Append('.');
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    private static void AppendArrays(StringBuilder sb, ref int array)
    {
        for (; array > 0; array--)
        {
            sb.Append("[]");
        }
    }
}
