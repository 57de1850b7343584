using Stackweave.Formats.Model;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Formats.Folded;

/// <summary>Folded stacks (<c>frame;frame;... count</c> lines), recognised by content.</summary>
public sealed class FoldedFormat : ICaptureFormat
{
    /// <summary>Lines checked by the detector.</summary>
    private const int LinesChecked = 32;

    /// <summary>The singleton.</summary>
    public static FoldedFormat Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "folded";
    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".folded", ".collapsed", ".txt"];
    /// <inheritdoc/>
    public int HeaderSize => TextDetect.WindowSize;

    /// <inheritdoc/>
    public DetectResult Detect(ReadOnlySpan<byte> header)
    {
        if (!TextDetect.LooksLikeText(header)) return DetectResult.No;
        var lines = TextDetect.Lines(header, HeaderSize);
        var seen = 0;
        foreach (var raw in lines)
        {
            var line = raw.AsSpan().TrimEnd();
            if (line.IsEmpty) continue;
            if (char.IsWhiteSpace(line[0]) || line[0] == '#') return DetectResult.No;
            if (!FoldedReader.TrySplit(line, out _, out _, out _, out _)) return DetectResult.No;
            if (++seen == LinesChecked) break;
        }
        return seen > 0 ? DetectResult.Yes : header.Length < HeaderSize ? DetectResult.No : DetectResult.NeedMore;
    }

    /// <summary>Under --salvage: the complete lines before the first NUL or invalid UTF-8 byte are folded stacks.</summary>
    public int DetectDamaged(ReadOnlySpan<byte> header, bool endedByError) => TextDetect.DetectBeforeDamage(this, header, endedByError);

    /// <inheritdoc/>
    public Profile Read(Stream input, string path, ReadOptions options) => FoldedReader.Read(input, path, options);
}
