using System.Text;

namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>
/// perf's own legacy Rust pass (tools/perf/util/demangle-rust.c, perf 6.1: rust_is_mangled and
/// rust_demangle_sym), applied in place to the output of the C++ demangler when that output ends with a
/// "::h" + 16 lower-case hex digits hash segment: drops the hash and decodes the $..$ and ".." escapes.
/// </summary>
internal static class PerfRust
{
    private const string HashPrefix = "::h"; // demangle-rust.c hash_prefix
    private const int HashLen = 16; // demangle-rust.c hash_len

    public static string DemangleInPlace(string s)
    {
        if (!IsMangled(s))
        {
            return s;
        }

        // rust_demangle_sym: cut the hash, then rewrite escapes; an unknown escape leaves the rest as is.
        int end = s.Length - HashPrefix.Length - HashLen;
        var sb = new StringBuilder(end);
        int i = 0;
        while (i < end)
        {
            char c = s[i];
            if (c == '$')
            {
                int close = s.IndexOf('$', i + 1);
                if (close < 0 || close >= end)
                {
                    return s;
                }

                string? rep = s.AsSpan(i, close - i + 1) switch
                {
                    "$SP$" => "@",
                    "$BP$" => "*",
                    "$RF$" => "&",
                    "$LT$" => "<",
                    "$GT$" => ">",
                    "$LP$" => "(",
                    "$RP$" => ")",
                    "$C$" => ",",
                    "$u7e$" => "~",
                    "$u20$" => " ",
                    "$u27$" => "'",
                    "$u5b$" => "[",
                    "$u5d$" => "]",
                    "$u7b$" => "{",
                    "$u7d$" => "}",
                    "$u3b$" => ";",
                    "$u2b$" => "+",
                    "$u22$" => "\"",
                    _ => null,
                };
                if (rep is null)
                {
                    return s;
                }

                sb.Append(rep);
                i = close + 1;
            }
            else if (c == '.' && i + 1 < end && s[i + 1] == '.')
            {
                sb.Append("::");
                i += 2;
            }
            else if (c == '.')
            {
                sb.Append('-');
                i++;
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }

        return sb.ToString();
    }

    private static bool IsMangled(string s)
    {
        // rust_is_mangled: ends with "::h" + 16 hex digits, and every character before it is allowed in a
        // legacy Rust path (looks_like_rust is not rechecked here beyond the hash, as perf does).
        if (s.Length <= HashPrefix.Length + HashLen)
        {
            return false;
        }

        int h = s.Length - HashLen - HashPrefix.Length;
        if (string.CompareOrdinal(s, h, HashPrefix, 0, HashPrefix.Length) != 0)
        {
            return false;
        }

        for (int i = s.Length - HashLen; i < s.Length; i++)
        {
            if (!char.IsAsciiHexDigit(s[i]))
            {
                return false;
            }
        }

        return true;
    }
}
