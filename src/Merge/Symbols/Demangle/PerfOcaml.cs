using System.Text;

namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>
/// perf's OCaml fallback (tools/perf/util/demangle-ocaml.c, perf 6.1 ocaml_demangle_sym), tried by
/// demangle_sym when libiberty gave nothing: "caml" + an upper-case letter, then "__" becomes "." and
/// "$xx" (two hex digits) becomes that character; everything else is copied.
/// </summary>
internal static class PerfOcaml
{
    private const string Prefix = "caml"; // demangle-ocaml.c caml_prefix

    public static string? Demangle(string sym)
    {
        if (sym.Length <= Prefix.Length || !sym.StartsWith(Prefix, StringComparison.Ordinal) || !char.IsAsciiLetterUpper(sym[Prefix.Length]))
        {
            return null;
        }

        var sb = new StringBuilder(sym.Length);
        int i = Prefix.Length;
        while (i < sym.Length)
        {
            if (sym[i] == '_' && i + 1 < sym.Length && sym[i + 1] == '_')
            {
                sb.Append('.');
                i += 2;
            }
            else if (sym[i] == '$' && i + 2 < sym.Length && char.IsAsciiHexDigit(sym[i + 1]) && char.IsAsciiHexDigit(sym[i + 2]))
            {
                sb.Append((char)((HexValue(sym[i + 1]) << 4) | HexValue(sym[i + 2])));
                i += 3;
            }
            else
            {
                sb.Append(sym[i++]);
            }
        }

        return sb.ToString();
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
