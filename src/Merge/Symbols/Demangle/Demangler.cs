namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>Which tool's rendering of a demangled name to reproduce.</summary>
public enum DemangleStyle
{
    /// <summary>
    /// What perf 6.1 (Debian build, libiberty linked statically, no libbfd) shows in <c>perf script</c>:
    /// libiberty <c>cplus_demangle(name, DMGL_NO_OPTS)</c> — no parameter lists, no return types, no clone
    /// suffixes, abbreviated std substitutions (<c>std::string</c>), Rust without the <c>::h&lt;hash&gt;</c>,
    /// then perf's own OCaml and Java fallbacks (tools/perf/util/symbol-elf.c <c>demangle_sym</c>, perf 6.1).
    /// </summary>
    Perf,

    /// <summary>
    /// What <c>c++filt</c> (binutils 2.40) prints: <c>DMGL_PARAMS | DMGL_ANSI | DMGL_VERBOSE</c> — full
    /// signatures, clone suffixes, verbose std substitutions, Rust legacy hashes and v0 crate disambiguators.
    /// </summary>
    Full,
}

/// <summary>Managed demangler for Itanium C++ ABI (<c>_Z…</c>) and Rust (legacy and v0 <c>_R…</c>) symbol names.</summary>
public static class Demangler
{
    /// <summary>
    /// Demangles <paramref name="mangled"/> as the tool chosen by <paramref name="style"/> would show it, or
    /// returns null when that tool would leave the name as it is (not mangled, or malformed). Never throws (no
    /// catch either: the parsers check every bound; the FsCheck properties exercise that);
    /// recursion depth and output length are bounded.
    /// </summary>
    public static string? Demangle(string mangled, DemangleStyle style)
    {
        if (mangled is null || mangled.Length < 2)
        {
            return null;
        }

        bool full = style == DemangleStyle.Full;
        if (full && (mangled[0] == '.' || mangled[0] == '$'))
        {
            // c++filt (cxxfilt.c demangle_it) skips one leading '.' or '$' (assembler decorations), demangles
            // the rest, and puts a '.' back in front; a '$' is dropped.
            string? inner = mangled.Length > 1 && mangled[1] == '_' ? Demangle(mangled.Substring(1), style) : null;
            return inner is null ? null : (mangled[0] == '.' ? "." + inner : inner);
        }

        if (mangled[0] != '_')
        {
            // perf's demangle_sym falls back to its OCaml, then its Java demangler when libiberty gives
            // nothing. c++filt has neither.
            return full ? null : PerfOcaml.Demangle(mangled) ?? PerfJava.Demangle(mangled);
        }

        // libiberty cplus_demangle in auto mode (cplus-dem.c): Rust first, because legacy Rust names
        // are also valid Itanium names, then the GNU v3 (Itanium) demangler.
        // A legacy Rust name needs a "17h" hash segment, so most C++ names skip the Rust attempt.
        bool maybeRust = mangled[1] == 'R' || mangled.Contains("17h", StringComparison.Ordinal);
        string? rust = maybeRust ? RustDemangler.Demangle(mangled, verbose: full) : null;
        if (rust is not null)
        {
            // "_RC0" (a crate root named by an empty identifier) prints nothing without the verbose hash: an empty
            // name is no name, the mangled one stays.
            return rust.Length > 0 ? rust : null;
        }

        string? cxx = ItaniumDemangler.Demangle(mangled, full);
        if (full)
        {
            return cxx;
        }

        if (cxx is null)
        {
            // Names starting with '_' are never OCaml ("caml" + upper case) but can still reach perf's Java pass.
            return PerfJava.Demangle(mangled);
        }

        // perf's demangle_sym: when the libiberty output still looks like a legacy Rust name
        // (ends with ::h<16 hex>), perf's own util/demangle-rust.c rewrites it in place.
        return PerfRust.DemangleInPlace(cxx);
    }
}
