using System.Globalization;
using System.Text;

namespace Stackweave.Formats.PerfData.Tracing;

/// <summary>
/// The subset of glibc printf that libtraceevent hands one conversion at a time: flags <c>- 0 # + space</c>,
/// width and precision (digits or one '*'), length modifiers, conversions d i u o x X s.
/// </summary>
internal static class CPrintf
{
    /// <summary>Largest field width or precision honoured (kernel formats use two-digit widths).</summary>
    public const int MaxWidth = 4096;

    private ref struct Spec
    {
        public bool Left, Zero, Alt, Plus, Space;
        public int Width;
        public int Precision; // -1 when absent
        public int Bits;      // integer width glibc reads: 8, 16, 32 or 64
        public char Conv;
    }

    private static Spec ParseSpec(string spec, int star)
    {
        var s = new Spec { Precision = -1, Bits = 32 };
        int i = 1; // after '%'
        for (; i < spec.Length; i++)
        {
            char c = spec[i];
            if (c == '-') s.Left = true;
            else if (c == '0') s.Zero = true;
            else if (c == '#') s.Alt = true;
            else if (c == '+') s.Plus = true;
            else if (c == ' ') s.Space = true;
            else break;
        }
        if (i < spec.Length && spec[i] == '*')
        {
            if (star < 0)
            {
                s.Left = true;
                s.Width = star == int.MinValue ? int.MaxValue : -star;
            }
            else s.Width = star;
            i++;
        }
        else
        {
            while (i < spec.Length && char.IsAsciiDigit(spec[i])) s.Width = Math.Min(s.Width * 10 + (spec[i++] - '0'), 1 << 20);
        }
        if (i < spec.Length && spec[i] == '.')
        {
            i++;
            s.Precision = 0;
            if (i < spec.Length && spec[i] == '*')
            {
                s.Precision = star < 0 ? -1 : star;
                i++;
            }
            else
            {
                while (i < spec.Length && char.IsAsciiDigit(spec[i])) s.Precision = Math.Min(s.Precision * 10 + (spec[i++] - '0'), 1 << 20);
            }
        }
        int h = 0;
        bool wide = false;
        for (; i < spec.Length - 1; i++)
        {
            switch (spec[i])
            {
                case 'h': h++; break;
                case 'l' or 'L' or 'q' or 'j' or 'z' or 'Z' or 't': wide = true; break;
            }
        }
        s.Bits = wide ? 64 : h >= 2 ? 8 : h == 1 ? 16 : 32;
        s.Conv = spec.Length > 0 ? spec[^1] : 'd';
        // Widths and precisions are capped at MaxWidth so that a damaged format or a '*' argument taken from the
        // payload cannot make one conversion allocate without bound (glibc would print them in full).
        s.Width = Math.Min(s.Width, MaxWidth);
        s.Precision = Math.Min(s.Precision, MaxWidth);
        return s;
    }

    /// <summary>Formats one integer conversion; <paramref name="reg"/> is the 64-bit argument register.</summary>
    public static void Integer(StringBuilder sb, string spec, int star, ulong reg)
    {
        var s = ParseSpec(spec, star);
        bool signed = s.Conv is 'd' or 'i';
        ulong mag;
        bool neg = false;
        if (signed)
        {
            long v = s.Bits switch { 8 => (sbyte)reg, 16 => (short)reg, 32 => (int)reg, _ => (long)reg };
            neg = v < 0;
            mag = neg ? unchecked(0 - (ulong)v) : (ulong)v;
        }
        else mag = s.Bits switch { 8 => (byte)reg, 16 => (ushort)reg, 32 => (uint)reg, _ => reg };

        Span<char> buf = stackalloc char[24];
        int n;
        if (s.Conv == 'o')
        {
            n = buf.Length;
            ulong v = mag;
            do
            {
                buf[--n] = (char)('0' + (int)(v & 7));
                v >>= 3;
            } while (v != 0);
            buf[n..].CopyTo(buf);
            n = buf.Length - n;
        }
        else mag.TryFormat(buf, out n, s.Conv == 'x' ? "x" : s.Conv == 'X' ? "X" : default, CultureInfo.InvariantCulture);
        ReadOnlySpan<char> digits = s.Precision == 0 && mag == 0 ? [] : buf[..n];
        int zeros = Math.Max(0, s.Precision - digits.Length);
        if (s.Alt && s.Conv == 'o' && zeros == 0 && (digits.Length == 0 || digits[0] != '0')) zeros = 1;
        string prefix = "";
        if (signed) prefix = neg ? "-" : s.Plus ? "+" : s.Space ? " " : "";
        else if (s.Alt && mag != 0 && s.Conv is 'x' or 'X') prefix = s.Conv == 'x' ? "0x" : "0X";
        int pad = s.Width - prefix.Length - zeros - digits.Length;
        if (pad > 0 && !s.Left)
        {
            if (s.Zero && s.Precision < 0) zeros += pad;
            else sb.Append(' ', pad);
        }
        sb.Append(prefix).Append('0', zeros).Append(digits);
        if (pad > 0 && s.Left) sb.Append(' ', pad);
    }

    /// <summary>Formats one %s conversion (the '0' flag pads with spaces, as glibc does).</summary>
    public static void String(StringBuilder sb, string spec, int star, string text)
    {
        if (spec == "%s")
        {
            sb.Append(text);
            return;
        }
        var s = ParseSpec(spec, star);
        if (s.Precision >= 0 && s.Precision < text.Length) text = text[..s.Precision];
        int pad = s.Width - text.Length;
        if (pad <= 0) sb.Append(text);
        else if (s.Left) sb.Append(text).Append(' ', pad);
        else sb.Append(' ', pad).Append(text);
    }
}
