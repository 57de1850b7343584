using System.Text;
using System.Text.Unicode;
using Stackweave.Formats.Model;

namespace Stackweave.Formats.PerfScript;

/// <summary>The text <c>perf script</c> prints, recognised by content (a sample header line, or perf's "# ========" header block).</summary>
public sealed class PerfScriptFormat : ICaptureFormat
{
    /// <summary>The singleton.</summary>
    public static PerfScriptFormat Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "perf-script";
    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".perf-script", ".script", ".txt"];
    /// <summary>Bytes looked at: enough for a few sample headers and their callchain lines.</summary>
    public int HeaderSize => TextDetect.WindowSize;

    /// <inheritdoc/>
    public DetectResult Detect(ReadOnlySpan<byte> header)
    {
        if (!TextDetect.LooksLikeText(header)) return DetectResult.No;
        var lines = TextDetect.Lines(header, HeaderSize);
        var sawData = false;
        for (var k = 0; k < lines.Count; k++)
        {
            var line = lines[k];
            if (line.StartsWith('#'))
            {
                // perf script --header starts with perf's own header block.
                if (k == 0 && line.StartsWith("# ========", StringComparison.Ordinal)) return DetectResult.Yes;
                continue;
            }
            if (string.IsNullOrWhiteSpace(line)) continue;
            sawData = true;
            if (PerfScriptText.IsSideBand(line)) return DetectResult.Yes;
            if (!PerfScriptText.TryParseHeader(line, out var h)) return DetectResult.No;
            // A bare "word number" line is folded text as much as a -F comm,tid header: ask for a time, an event, or a callchain line next.
            if (h.HasTime || h.Event is not null) return DetectResult.Yes;
            if (k + 1 < lines.Count && lines[k + 1].Length > 0 && lines[k + 1][0] is ' ' or '\t'
                && PerfScriptText.TryParseFrame(lines[k + 1], out _))
                return DetectResult.Yes;
            return DetectResult.No;
        }
        // Only comments (perf script --header on a capture without samples): perf script text. An empty input is no format
        // (the CLI contract: an empty file is bad input).
        if (!sawData) return lines.Exists(l => l.StartsWith('#')) ? DetectResult.Yes : header.Length < HeaderSize ? DetectResult.No : DetectResult.NeedMore;
        return DetectResult.No;
    }

    /// <summary>Under --salvage: the complete lines before the first NUL or invalid UTF-8 byte look like perf script text.</summary>
    public int DetectDamaged(ReadOnlySpan<byte> header, bool endedByError) => TextDetect.DetectBeforeDamage(this, header, endedByError);

    /// <inheritdoc/>
    public Profile Read(Stream input, string path, ReadOptions options) => PerfScriptReader.Read(input, path, options);
}

/// <summary>Shared helpers of the text detectors.</summary>
internal static class TextDetect
{
    /// <summary>Bytes the text detectors look at (4 KiB: several lines of any text format read here).</summary>
    public const int WindowSize = 4096;

    /// <summary>False for input that holds NUL bytes or is not UTF-8 (binary formats).</summary>
    public static bool LooksLikeText(ReadOnlySpan<byte> data)
    {
        if (data.IndexOf((byte)0) >= 0) return false;
        // A window may cut the last UTF-8 sequence: drop up to 3 trailing bytes of an unfinished sequence.
        var end = data.Length;
        for (var k = 1; k <= 3 && k <= data.Length; k++)
        {
            var c = data[^k];
            if (c < 0x80) break;
            if (c >= 0xC0) { end = data.Length - k; break; }
        }
        return Utf8.IsValid(data[..end]);
    }

    /// <summary>Bytes of text needed before the damage for <see cref="DetectBeforeDamage"/>.</summary>
    private const int MinBeforeDamage = 16;

    /// <summary>
    /// Detection under --salvage of a text window damaged inside: <paramref name="format"/>'s own detector run on the complete
    /// lines before the line holding the first NUL or invalid UTF-8 byte (or, when decompression failed, before the last
    /// line break; when the first line is damaged, its bytes before the damage). Returns where the damage starts, or -1
    /// when the window holds no damage, fewer than 16 bytes come before it, or they are not of the format.
    /// </summary>
    public static int DetectBeforeDamage(ICaptureFormat format, ReadOnlySpan<byte> data, bool endedByError)
    {
        var i = 0;
        var damaged = false;
        while (i < data.Length)
        {
            var b = data[i];
            if (b == 0) { damaged = true; break; }
            if (b < 0x80) { i++; continue; }
            var status = Rune.DecodeFromUtf8(data[i..], out _, out var used);
            if (status == System.Buffers.OperationStatus.Done) { i += used; continue; }
            // a sequence cut by the end of the window is not damage
            damaged = status != System.Buffers.OperationStatus.NeedMoreData;
            break;
        }
        if (!damaged && !endedByError) return -1;
        // Damage in the first line: what comes before it in that line (a bpftrace JSON line's {"type": " opening). Fewer
        // bytes than MinBeforeDamage tell arbitrary bytes from text too rarely.
        var cut = data[..i].LastIndexOf((byte)'\n') + 1;
        if (cut == 0) cut = i;
        if (cut < MinBeforeDamage) return -1;
        return format.Detect(data[..cut]) == DetectResult.Yes ? i : -1;
    }

    /// <summary>The complete lines of the window (and the last, unterminated one when the input ended inside the window).</summary>
    public static List<string> Lines(ReadOnlySpan<byte> data, int window)
    {
        var list = new List<string>();
        var ended = data.Length < window;
        while (data.Length > 0)
        {
            var nl = data.IndexOf((byte)'\n');
            if (nl < 0)
            {
                if (ended) list.Add(Encoding.UTF8.GetString(data));
                break;
            }
            list.Add(Encoding.UTF8.GetString(data[..nl]).TrimEnd('\r'));
            data = data[(nl + 1)..];
        }
        return list;
    }
}
