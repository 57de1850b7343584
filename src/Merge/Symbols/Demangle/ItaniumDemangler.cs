namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>Entry point for Itanium C++ ABI names, following libiberty's cplus_demangle_v3 (d_demangle_callback).</summary>
internal static class ItaniumDemangler
{
    /// <summary>Longest name the libiberty Itanium demangler accepts (observed with c++filt 2.40 and perf 6.1).</summary>
    public const int MaxMangledLength = 1024;

    /// <summary>
    /// Demangles an Itanium name. <paramref name="full"/> selects c++filt's options
    /// (DMGL_PARAMS | DMGL_ANSI | DMGL_VERBOSE); otherwise perf's DMGL_NO_OPTS. Null when not demangled.
    /// </summary>
    public static string? Demangle(string mangled, bool full)
    {
        // libiberty (binutils 2.40 c++filt, and the copy linked into Debian's perf 6.1) leaves Itanium names
        // longer than 1024 characters alone: found by experiment, both tools print such names mangled.
        if (mangled.Length > MaxMangledLength)
        {
            return null;
        }

        if (mangled.Length >= 2 && mangled[0] == '_' && mangled[1] == 'Z')
        {
            var parser = new ItaniumParser(mangled, parameters: full, verbose: full);
            string? result = Run(parser, full);
            if (result is null && parser.UnresolvedNameState == -1)
            {
                // Retry with the older "sr <type> <name>" reading (cp-demangle.c d_demangle_callback).
                result = Run(new ItaniumParser(mangled, parameters: full, verbose: full) { UnresolvedNameState = 0 }, full);
            }

            return result;
        }

        // "_GLOBAL_" [._$] [DI] "_" <rest>: GCC's old global constructor/destructor names.
        if (mangled.Length > 11 && mangled.StartsWith("_GLOBAL_", StringComparison.Ordinal)
            && mangled[8] is '.' or '_' or '$' && mangled[9] is 'D' or 'I' && mangled[10] == '_')
        {
            string rest = mangled.Substring(11);
            string? inner = rest.Length >= 2 && rest[0] == '_' && rest[1] == 'Z' ? Demangle(rest, full) : null;
            string prefix = mangled[9] == 'I' ? "global constructors keyed to " : "global destructors keyed to ";
            return prefix + (inner ?? rest);
        }

        return null;
    }

    private static string? Run(ItaniumParser parser, bool full)
    {
        Node? dc = parser.MangledName(true);

        // With DMGL_PARAMS the whole string must be consumed; without it the trailing parameters
        // were never looked at.
        if (dc is null || (full && !parser.AtEnd))
        {
            return null;
        }

        return new ItaniumPrinter().Print(dc);
    }
}
