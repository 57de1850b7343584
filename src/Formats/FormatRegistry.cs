using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats;

/// <summary>The readable formats, in detection order (binary magics first, text heuristics last).</summary>
public static class FormatRegistry
{
    private static readonly List<ICaptureFormat> s_formats = [];

    /// <summary>Registered formats, in detection order.</summary>
    public static IReadOnlyList<ICaptureFormat> Formats
    {
        get { EnsureDefaults(); return s_formats; }
    }

    private static bool s_defaults;
    private static void EnsureDefaults()
    {
        if (s_defaults) return;
        s_defaults = true;
        s_formats.Add(PerfData.PerfDataFormat.Instance);
    }

    /// <summary>Largest header any detector needs.</summary>
    public static int HeaderSize => Formats.Max(f => f.HeaderSize);

    /// <summary>Detects the format of an opened (already decompressed) input.</summary>
    public static ICaptureFormat Detect(string path, PeekStream input)
    {
        var buf = new byte[HeaderSize];
        var n = input.Peek(buf);
        foreach (var f in Formats)
            if (f.Detect(buf.AsSpan(0, n)) == DetectResult.Yes) return f;
        throw new UnknownFormatException(path, string.Join(", ", Formats.Select(f => f.Name)));
    }

    /// <summary>Opens, detects and reads an input ("-" = stdin). A perf.data directory is accepted as well.</summary>
    public static Profile Read(string path, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        if (path != "-" && Directory.Exists(path))
            return PerfData.PerfDataFormat.Instance.ReadDirectory(path, options);
        using var s = InputOpener.Open(path, options.Limits);
        var peek = s as PeekStream ?? new PeekStream(s);
        var format = Detect(path, peek);
        var p = format.Read(peek, path, options);
        p.Source.File = path;
        p.Source.Format = format.Name;
        return p;
    }
}
