using Stackweave.Formats.Model;

namespace Stackweave.Formats.Bpftrace;

/// <summary>bpftrace output: the default text form and <c>-f json</c> (one object per line).</summary>
public sealed class BpftraceFormat : ICaptureFormat
{
    /// <summary>The singleton.</summary>
    public static BpftraceFormat Instance { get; } = new();

    /// <summary>The format's name, as <see cref="Source.Format"/> records it.</summary>
    public const string FormatName = "bpftrace";

    /// <inheritdoc/>
    public string Name => FormatName;
    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".bt.txt", ".bpftrace", ".bt.json"];
    /// <inheritdoc/>
    public int HeaderSize => 4096;

    /// <summary>
    /// Yes for JSON lines that start <c>{"type": "</c> (JsonOutput writes exactly that), and for text whose first lines hold
    /// <c>Attaching N probes...</c> or a map entry line (<c>@name[…]: value</c>, <c>@name[</c> opening a stack,
    /// <c>@name: value</c>). Binary input (a NUL byte) is never bpftrace.
    /// </summary>
    public DetectResult Detect(ReadOnlySpan<byte> header)
    {
        if (header.IndexOf((byte)0) >= 0) return DetectResult.No;
        var pos = 0;
        var sawLine = false;
        while (pos < header.Length)
        {
            var nl = header[pos..].IndexOf((byte)'\n');
            var complete = nl >= 0;
            var line = complete ? header.Slice(pos, nl) : header[pos..];
            pos = complete ? pos + nl + 1 : header.Length;
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.IsEmpty) continue;
            if (!sawLine && line[0] == (byte)'{')
                return IsJsonStart(line) ? DetectResult.Yes : !complete && "{\"type\": \""u8.StartsWith(line) ? DetectResult.NeedMore : DetectResult.No;
            sawLine = true;
            if (IsAttaching(line) || IsMapLine(line, complete)) return DetectResult.Yes;
        }
        return header.Length < HeaderSize && !sawLine ? DetectResult.NeedMore : DetectResult.No;
    }

    private static bool IsJsonStart(ReadOnlySpan<byte> line)
    {
        // JsonOutput: {"type": "<type>", "data": ...}
        ReadOnlySpan<byte> prefix = "{\"type\": \""u8;
        return line.StartsWith(prefix);
    }

    private static bool IsAttaching(ReadOnlySpan<byte> line)
    {
        // TextOutput::attached_probes: "Attaching N probe..." or "Attaching N probes..."
        ReadOnlySpan<byte> a = "Attaching "u8;
        if (!line.StartsWith(a)) return false;
        var rest = line[a.Length..];
        var i = 0;
        while (i < rest.Length && rest[i] is >= (byte)'0' and <= (byte)'9') i++;
        if (i == 0) return false;
        var tail = rest[i..];
        return tail.SequenceEqual(" probes..."u8) || tail.SequenceEqual(" probe..."u8);
    }

    private static bool IsMapLine(ReadOnlySpan<byte> line, bool complete)
    {
        if (line.Length < 2 || line[0] != (byte)'@') return false;
        var i = 1;
        while (i < line.Length && (char.IsAsciiLetterOrDigit((char)line[i]) || line[i] == (byte)'_')) i++;
        if (i < line.Length && i > 1 && char.IsAsciiDigit((char)line[1])) return false;
        if (i >= line.Length) return false;
        var rest = line[(i + 1)..];
        if (line[i] == (byte)'[')
        {
            // "@name[" alone (a stack follows), "@name[..., " (a stack follows other elements) or "@name[...]: value"
            if (complete && (rest.IsEmpty || rest.EndsWith(", "u8))) return true;
            var close = rest.LastIndexOf("]: "u8);
            return close >= 0 && IsValue(rest[(close + 3)..]);
        }
        if (line[i] == (byte)':')
            return rest.IsEmpty || (rest[0] == (byte)' ' && IsValue(rest[1..]));
        return false;
    }

    /// <summary>An integer, a stats value, or nothing (a histogram follows).</summary>
    private static bool IsValue(ReadOnlySpan<byte> v)
    {
        if (v.IsEmpty) return true;
        if (v.StartsWith("count "u8)) return true;
        var i = v[0] == (byte)'-' ? 1 : 0;
        if (i == v.Length) return false;
        for (; i < v.Length; i++) if (v[i] is < (byte)'0' or > (byte)'9') return false;
        return true;
    }

    /// <summary>Under --salvage: the complete lines before the first NUL or invalid UTF-8 byte are bpftrace text or JSON.</summary>
    public int DetectDamaged(ReadOnlySpan<byte> header, bool endedByError) => PerfScript.TextDetect.DetectBeforeDamage(this, header, endedByError);

    /// <inheritdoc/>
    public Profile Read(Stream input, string path, ReadOptions options)
    {
        var peek = input as IO.PeekStream ?? new IO.PeekStream(input);
        Span<byte> head = stackalloc byte[256];
        var n = peek.Peek(head);
        var s = head[..n];
        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') i++;
        var json = i < s.Length && s[i] == (byte)'{';
        return json ? BpftraceJsonReader.Read(peek, path, options) : BpftraceTextReader.Read(peek, path, options);
    }
}
