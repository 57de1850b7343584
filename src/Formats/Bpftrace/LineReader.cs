using System.Text;

namespace Stackweave.Formats.Bpftrace;

/// <summary>Reads UTF-8 lines from a stream, streaming, with the byte offset of each line and whether it ended in a newline.</summary>
internal sealed class LineReader(Stream input, string path, int maxLine)
{

    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private bool _eof;
    private readonly MemoryStream _long = new();
    private static readonly UTF8Encoding s_utf8 = new(false, false);

    /// <summary>Offset of the next unread byte.</summary>
    public long Position { get; private set; }

    /// <summary>Reads the next line without its "\n" (and a "\r" before it is kept); null at the end.</summary>
    public string? Next(out long offset, out bool newline)
    {
        offset = Position;
        newline = false;
        _long.SetLength(0);
        while (true)
        {
            if (_start == _end)
            {
                if (_eof) break;
                _start = 0;
                _end = input.Read(_buffer, 0, _buffer.Length);
                if (_end <= 0) { _end = 0; _eof = true; break; }
            }
            var span = _buffer.AsSpan(_start, _end - _start);
            var nl = span.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                string line;
                if (_long.Length == 0) line = s_utf8.GetString(span[..nl]);
                else
                {
                    _long.Write(span[..nl]);
                    line = s_utf8.GetString(_long.GetBuffer(), 0, (int)_long.Length);
                }
                _start += nl + 1;
                Position += nl + 1;
                newline = true;
                return line;
            }
            // Limits.MaxLineBytes (--max-line-bytes): a line is held whole, so its length is bounded.
            if (_long.Length + span.Length > maxLine)
                throw new IO.CaptureFormatException(path, offset, FormattableString.Invariant($"a line of at most {maxLine} bytes (--max-line-bytes raises it)"));
            _long.Write(span);
            Position += span.Length;
            _start = _end;
        }
        if (_long.Length == 0) return null;
        return s_utf8.GetString(_long.GetBuffer(), 0, (int)_long.Length);
    }
}
