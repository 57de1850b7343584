using System.Globalization;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.Svg;

/// <summary>What a frame is, for its colour.</summary>
public enum FrameKind
{
    /// <summary>Native user code with no language recognised (flamegraph.pl's "red", its "system").</summary>
    User,
    /// <summary>Kernel or kernel module code, vdso (flamegraph.pl's "orange", its <c>_[k]</c>).</summary>
    Kernel,
    /// <summary>JIT-compiled code (flamegraph.pl's "green", its <c>_[j]</c>).</summary>
    Jit,
    /// <summary>A frame inlined into its caller (flamegraph.pl's "aqua", its <c>_[i]</c>).</summary>
    Inlined,
    /// <summary>C++ or Rust (<c>::</c> in the name; flamegraph.pl's "yellow").</summary>
    Cpp,
    /// <summary>Go (package-qualified names such as <c>main.work</c>, <c>runtime.mallocgc</c>).</summary>
    Go,
    /// <summary>Java, JavaScript (flamegraph.pl's java/js palettes colour them green).</summary>
    Managed,
    /// <summary>Python, Perl, Ruby and other interpreted code.</summary>
    Script,
    /// <summary>The root, process names and frames with no symbol (<c>[unknown]</c>, <c>[module]</c>).</summary>
    Other,
    /// <summary>Search matches (not a kind of code; the highlight colour).</summary>
    Match,
}

/// <summary>
/// Colours frames by kind and by a stable hash of the name, so one function keeps its colour in every file. Palettes
/// follow flamegraph.pl's (FlameGraph 41fee1f, <c>sub color</c>): the kind picks the hue, the name's hash the shade.
/// </summary>
public sealed class FrameColors
{
    private readonly Dictionary<string, FrameKind> _known = new(StringComparer.Ordinal);

    /// <summary>Colours without knowledge of a profile (names and annotations only).</summary>
    public FrameColors() { }

    /// <summary>Learns the kind of every function name of <paramref name="profile"/> from its mappings and inlining.</summary>
    public FrameColors(Profile profile) => Learn(profile);

    /// <summary>Learns the kinds of the names of another profile (e.g. the base of a differential graph).</summary>
    public void Learn(Profile profile)
    {
        foreach (var loc in profile.Locations)
        {
            var mapping = (uint)loc.MappingId < (uint)profile.Mappings.Count ? profile.Mappings[loc.MappingId] : null;
            var mk = mapping?.Kind switch
            {
                MappingKind.Kernel or MappingKind.KernelModule or MappingKind.Vdso => FrameKind.Kernel,
                MappingKind.Jit => FrameKind.Jit,
                _ => (FrameKind?)null,
            };
            for (var i = 0; i < loc.Lines.Count; i++)
            {
                var fid = loc.Lines[i].FunctionId;
                if ((uint)fid >= (uint)profile.Functions.Count) continue;
                var name = profile.FunctionName(fid);
                if (name.Length == 0) continue;
                // Lines are innermost first: all but the last are inlined into the next one.
                var kind = mk ?? (i < loc.Lines.Count - 1 ? FrameKind.Inlined : (FrameKind?)null);
                if (kind is not { } k) continue;
                _known.TryAdd(name, k);
                // stackcollapse-perf.pl drops an argument list: the folded frame is the name up to '('.
                var paren = name.IndexOf('(');
                if (paren > 0) _known.TryAdd(name[..paren], k);
            }
        }
    }

    /// <summary>The kind of a folded frame name: its stackcollapse annotation, what the profile says, else its language.</summary>
    public FrameKind KindOf(string name, int depth)
    {
        if (depth == 0) return FrameKind.Other;
        if (name.EndsWith("_[k]", StringComparison.Ordinal)) return FrameKind.Kernel;
        if (name.EndsWith("_[j]", StringComparison.Ordinal)) return FrameKind.Jit;
        if (name.EndsWith("_[i]", StringComparison.Ordinal)) return FrameKind.Inlined;
        if (_known.TryGetValue(name, out var k)) return k;
        if (name.Length == 0 || name == "[unknown]" || (name[0] == '[' && name[^1] == ']') || name.StartsWith("0x", StringComparison.Ordinal)) return FrameKind.Other;
        if (name.Contains(":::", StringComparison.Ordinal) || IsJavaPackage(name) || name.Contains(".js", StringComparison.Ordinal)) return FrameKind.Managed;
        if (name.Contains("::", StringComparison.Ordinal)) return FrameKind.Cpp;
        if (name.Contains(".py", StringComparison.Ordinal) || name.Contains(".pl", StringComparison.Ordinal) || name.Contains(".rb", StringComparison.Ordinal)) return FrameKind.Script;
        if (IsGo(name)) return FrameKind.Go;
        return FrameKind.User;
    }

    /// <summary>The fill of a frame: <c>rgb(r,g,b)</c>.</summary>
    public string Fill(string name, int depth) => Palette(KindOf(name, depth), Hash(name));

    /// <summary>The fill of kind <paramref name="kind"/> at shade <paramref name="v"/> (0..1).</summary>
    public static string Palette(FrameKind kind, double v)
    {
        // Hue ranges from flamegraph.pl's color palettes (red, orange, green, aqua, yellow, blue, purple).
        int r, g, b;
        switch (kind)
        {
            case FrameKind.Kernel: r = 190 + (int)(65 * v); g = 90 + (int)(65 * v); b = 0; break;
            case FrameKind.Jit:
            case FrameKind.Managed: g = 200 + (int)(55 * v); r = b = 50 + (int)(60 * v); break;
            case FrameKind.Inlined: r = 50 + (int)(60 * v); g = 165 + (int)(55 * v); b = 165 + (int)(55 * v); break;
            case FrameKind.Cpp: r = g = 175 + (int)(55 * v); b = 50 + (int)(20 * v); break;
            case FrameKind.Go: b = 205 + (int)(50 * v); r = g = 80 + (int)(60 * v); break;
            case FrameKind.Script: r = b = 190 + (int)(65 * v); g = 80 + (int)(60 * v); break;
            case FrameKind.Other: r = g = b = 190 + (int)(30 * v); break;
            case FrameKind.Match: r = 230; g = 0; b = 230; break; // flamegraph.pl's searchcolor rgb(230,0,230)
            default: r = 200 + (int)(55 * v); g = b = 50 + (int)(80 * v); break;
        }
        return string.Create(CultureInfo.InvariantCulture, $"rgb({r},{g},{b})");
    }

    /// <summary>flamegraph.pl's differential scale (<c>color_scale</c>): red for growth, blue for shrinkage, white for none.</summary>
    public static string DeltaFill(Int128 delta, UInt128 maxDelta)
    {
        int r = 255, g = 255, b = 255;
        var max = (double)maxDelta;
        var d = (double)delta;
        // 210 = flamegraph.pl's darkest shade of the scale
        if (delta > 0) g = b = (int)(210 * (max - d) / max);
        else if (delta < 0) r = g = (int)(210 * (max + d) / max);
        return string.Create(CultureInfo.InvariantCulture, $"rgb({r},{g},{b})");
    }

    /// <summary>A stable shade (0..1) for a name: FNV-1a over its UTF-16 units, the same in every file and run.</summary>
    public static double Hash(string name)
    {
        // FNV-1a 32-bit offset basis and prime (Fowler–Noll–Vo).
        var h = 2166136261u;
        foreach (var c in name) { h ^= c; h *= 16777619u; }
        return (h >> 8) / (double)(1 << 24);
    }

    private static bool IsJavaPackage(string name)
    {
        var s = name.StartsWith('L') ? name.AsSpan(1) : name.AsSpan();
        foreach (var p in (ReadOnlySpan<string>)["java/", "javax/", "jdk/", "net/", "org/", "com/", "io/", "sun/"])
            if (s.StartsWith(p, StringComparison.Ordinal)) return true;
        return false;
    }

    private static bool IsGo(string name)
    {
        // Go symbols: import path, '.', identifier (main.work, runtime.gcBgMarkWorker.func1, github.com/a/b.(*T).M).
        var slash = name.LastIndexOf('/');
        var dot = name.IndexOf('.', slash + 1);
        if (dot <= slash + 1 || dot == name.Length - 1) return false;
        for (var i = 0; i < dot; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '/' or '.' or '-' or '~')) return false;
        }
        var n = name[dot + 1];
        return char.IsAsciiLetter(n) || n is '_' or '(' ;
    }
}
