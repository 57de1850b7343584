using System.Text;

namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>
/// perf's own legacy Rust pass (tools/perf/util/demangle-rust.c, perf 6.1: rust_is_mangled and
/// rust_demangle_sym). perf's demangle_sym applies it in place to libiberty's output when that output still
/// ends with "::h" + 16 hex digits (libiberty's Rust demangler refused the name, its C++ one took it).
/// </summary>
internal static class PerfRust
{
    private const string HashPrefix = "::h"; // demangle-rust.c hash_prefix
    private const int HashLen = 16; // demangle-rust.c hash_len

    // demangle-rust.c escapes, in the order rust_demangle_sym tries them.
    private static readonly (string Seq, char Value)[] Escapes =
    {
        ("$C$", ','), ("$SP$", '@'), ("$BP$", '*'), ("$RF$", '&'), ("$LT$", '<'), ("$GT$", '>'),
        ("$LP$", '('), ("$RP$", ')'), ("$u20$", ' '), ("$u27$", '\''), ("$u5b$", '['), ("$u5d$", ']'),
        ("$u7e$", '~'),
    };

    public static string DemangleInPlace(string sym)
    {
        if (!IsMangled(sym))
        {
            return sym;
        }

        int end = sym.Length - (HashPrefix.Length + HashLen);
        var sb = new StringBuilder(end);
        int i = 0;
        while (i < end)
        {
            char c = sym[i];
            if (c == '$')
            {
                bool matched = false;
                foreach (var (seq, value) in Escapes)
                {
                    if (string.CompareOrdinal(sym, i, seq, 0, seq.Length) == 0)
                    {
                        sb.Append(value);
                        i += seq.Length;
                        matched = true;
                        break;
                    }
                }

                if (!matched)
                {
                    // "unexpected escape sequence": perf stops the output here.
                    break;
                }
            }
            else if (c == '_')
            {
                // A '_' that only makes an identifier start with a letter, before an escape, is dropped.
                if ((i == 0 || sym[i - 1] == ':') && i + 1 < sym.Length && sym[i + 1] == '$')
                {
                    i++;
                }
                else
                {
                    sb.Append(c);
                    i++;
                }
            }
            else if (c == '.')
            {
                if (i + 1 < sym.Length && sym[i + 1] == '.')
                {
                    sb.Append("::");
                    i += 2;
                }
                else
                {
                    sb.Append('-');
                    i++;
                }
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == ':')
            {
                sb.Append(c);
                i++;
            }
            else
            {
                // "unexpected character": perf stops the output here.
                break;
            }
        }

        return sb.ToString();
    }

    private static bool IsMangled(string sym)
    {
        int len = sym.Length;
        if (len <= HashPrefix.Length + HashLen)
        {
            return false;
        }

        int withoutHash = len - (HashPrefix.Length + HashLen);
        return IsPrefixedHash(sym, withoutHash) && LooksLikeRust(sym, withoutHash);
    }

    // "::h" + 16 lower-case hex digits with between 5 and 15 distinct digits (is_prefixed_hash).
    private static bool IsPrefixedHash(string s, int at)
    {
        if (string.CompareOrdinal(s, at, HashPrefix, 0, HashPrefix.Length) != 0)
        {
            return false;
        }

        int seen = 0;
        for (int i = at + HashPrefix.Length; i < at + HashPrefix.Length + HashLen; i++)
        {
            char c = s[i];
            if (c is >= '0' and <= '9')
            {
                seen |= 1 << (c - '0');
            }
            else if (c is >= 'a' and <= 'f')
            {
                seen |= 1 << (c - 'a' + 10);
            }
            else
            {
                return false;
            }
        }

        int count = System.Numerics.BitOperations.PopCount((uint)seen);
        return count >= 5 && count <= 15;
    }

    // looks_like_rust: only the known escapes, [A-Za-z0-9_:.], and never three dots in a row.
    private static bool LooksLikeRust(string s, int len)
    {
        int i = 0;
        while (i < len)
        {
            char c = s[i];
            if (c == '$')
            {
                int n = 0;
                foreach (var (seq, _) in Escapes)
                {
                    if (string.CompareOrdinal(s, i, seq, 0, seq.Length) == 0)
                    {
                        n = seq.Length;
                        break;
                    }
                }

                if (n == 0)
                {
                    return false;
                }

                i += n;
            }
            else if (c == '.')
            {
                if (i + 2 < s.Length && s[i + 1] == '.' && s[i + 2] == '.')
                {
                    return false;
                }

                i++;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':')
            {
                i++;
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
