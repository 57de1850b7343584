using Stackweave.Formats.IO;
using Stackweave.Formats.Model;

namespace Stackweave.Formats;

/// <summary>The readable formats, in detection order (binary magics first, text heuristics last).</summary>
public static class FormatRegistry
{
    // Built once by the type initializer, so threads never see a half-filled list.
    private static readonly ICaptureFormat[] s_formats =
    [
        PerfData.PerfDataFormat.Instance,
        Pprof.PprofFormat.Instance, // binary, no magic: after magic-based formats, before text heuristics
        // Text heuristics after every binary magic: bpftrace first (its markers are specific; its printf lines can look
        // like folded lines), then perf script text (its headers end in "event:"), then folded stacks.
        Bpftrace.BpftraceFormat.Instance,
        PerfScript.PerfScriptFormat.Instance,
        Folded.FoldedFormat.Instance,
    ];

    /// <summary>Registered formats, in detection order.</summary>
    public static IReadOnlyList<ICaptureFormat> Formats => s_formats;

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

    /// <summary>Opens an input ("-" = stdin) and detects its format; a plain file comes back seekable, a compressed one decompressed.</summary>
    public static (ICaptureFormat Format, Stream Stream) Open(string path, ReadOptions options)
    {
        var s = InputOpener.Open(path, options.Limits);
        try
        {
            var peek = s as PeekStream ?? new PeekStream(s);
            var format = Detect(path, peek);
            if (path != "-" && ReferenceEquals(s, peek) && File.Exists(path))
            {
                // Not compressed: reopen seekable so readers can jump to sections in place.
                s.Dispose();
                return (format, new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
            }
            return (format, peek);
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>Opens, detects and reads an input ("-" = stdin). A perf.data directory is accepted as well.</summary>
    public static Profile Read(string path, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        Profile p;
        string name;
        if (path != "-" && Directory.Exists(path))
        {
            p = PerfData.PerfDataFormat.Instance.ReadDirectory(path, options);
            name = PerfData.PerfDataFormat.Instance.Name;
        }
        else
        {
            var (format, stream) = Open(path, options);
            using (stream) p = format.Read(stream, path, options);
            name = format.Name;
        }
        p.Source.File = path;
        p.Source.Format = name;
        return p;
    }
}
