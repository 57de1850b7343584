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
    public static ICaptureFormat Detect(string path, PeekStream input) => Detect(path, input, salvage: false);

    // Under --salvage the detection window is decompressed this many bytes at a time: a decoder failing on damage
    // inside the window loses only the bytes of its last read (a 4 KiB read would lose everything before the damage).
    private const int SalvagePeekStep = 64;

    /// <summary>
    /// Detects the format of an opened (already decompressed) input. With <paramref name="salvage"/>, damage inside the
    /// window does not hide the format when what comes before it is recognisable: a decompression error ends the window
    /// (the reader meets it again where it happened), and when no detector says yes, each format's
    /// <see cref="ICaptureFormat.DetectDamaged"/> looks at the bytes before the damage.
    /// </summary>
    public static ICaptureFormat Detect(string path, PeekStream input, bool salvage) => Detect(path, input, salvage, out _);

    /// <summary>As <see cref="Detect(string, PeekStream, bool)"/>; <paramref name="damagedAt"/>: where damage inside the window starts when the format was recognised despite it, else -1.</summary>
    private static ICaptureFormat Detect(string path, PeekStream input, bool salvage, out int damagedAt)
    {
        damagedAt = -1;
        var buf = new byte[HeaderSize];
        CaptureFormatException? streamError = null;
        var n = salvage ? input.PeekUntilError(buf, SalvagePeekStep, out streamError) : input.Peek(buf);
        var window = buf.AsSpan(0, n);
        foreach (var f in Formats)
            if (f.Detect(window) == DetectResult.Yes) return f;
        if (salvage)
        {
            foreach (var f in Formats)
                if ((damagedAt = f.DetectDamaged(window, streamError is not null)) >= 0) return f;
            if (streamError is not null) throw streamError;
        }
        throw new UnknownFormatException(path, string.Join(", ", Formats.Select(f => f.Name)));
    }

    /// <summary>Opens an input ("-" = stdin) and detects its format; a plain file comes back seekable, a compressed one decompressed.</summary>
    public static (ICaptureFormat Format, Stream Stream) Open(string path, ReadOptions options) => Open(path, options, out _);

    private static (ICaptureFormat Format, Stream Stream) Open(string path, ReadOptions options, out int damagedAt)
    {
        var s = InputOpener.Open(path, options.Limits);
        try
        {
            var peek = s as PeekStream ?? new PeekStream(s);
            var format = Detect(path, peek, options.Salvage, out damagedAt);
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
            var (format, stream) = Open(path, options, out var damagedAt);
            CaptureFormatException? streamError = null;
            using (stream)
            {
                if (options.Salvage && stream is PeekStream)
                {
                    // Decompressed input: under salvage a decoder error is where the input ends for the reader, whatever
                    // the reader does with errors of its stream; it is then the damage unless the reader met one before it.
                    var ended = new ErrorEndsStream(stream);
                    p = format.Read(ended, path, options);
                    streamError = ended.Error;
                }
                else p = format.Read(stream, path, options);
            }
            if (streamError is not null && (p.Damage is null || p.Damage.Offset >= streamError.Offset)) p.Damage = streamError;
            name = format.Name;
            // Recognised despite damage in its first bytes (--salvage) and read on past it (a text reader skipping and
            // counting bad lines): the result is still partial.
            if (damagedAt >= 0 && p.Damage is null)
                p.Damage = new SkippedDamageException(new CaptureFormatException(path, damagedAt, format.Name + " data (the format was recognised from the bytes before this one)"),
                    "read on past it (see the diagnostics for what was skipped)", readToEnd: true);
        }
        p.Source.File = path;
        p.Source.Format = name;
        return p;
    }
}

/// <summary>Under --salvage: a stream whose format error (a decompressor meeting damage) reads as its end, kept in <see cref="Error"/>.</summary>
internal sealed class ErrorEndsStream(Stream inner) : Stream
{
    /// <summary>The error that ended the stream, if one did.</summary>
    public CaptureFormatException? Error { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        if (Error is not null) return 0;
        try { return inner.Read(buffer); }
        catch (CaptureFormatException e)
        {
            Error = e;
            return 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
