using System.Buffers;
using System.Text;

namespace Stackweave.Formats.IO;

/// <summary>Reads an input line by line as UTF-8 (invalid bytes become U+FFFD), with each line's byte offset and a cap on line length.</summary>
public sealed class TextLineReader : IDisposable
{
    /// <summary>Longest line kept; longer lines are reported as overlong and skipped whole (1 MiB: far beyond any line perf or FlameGraph write).</summary>
    public const int MaxLineBytes = 1 << 20;

    private readonly Stream _input;
    private byte[] _buf = ArrayPool<byte>.Shared.Rent(1 << 16);
    private int _start, _end;
    private long _bufferOffset; // input offset of _buf[0]
    private bool _eof;

    /// <summary>Wraps a stream (not disposed with the reader).</summary>
    public TextLineReader(Stream input) => _input = input;

    /// <summary>Byte offset of the line last returned.</summary>
    public long LineOffset { get; private set; }
    /// <summary>True when the line last returned was longer than <see cref="MaxLineBytes"/> (its text is empty).</summary>
    public bool Overlong { get; private set; }
    /// <summary>True when the line last returned contained a NUL byte (text input never does).</summary>
    public bool HasNul { get; private set; }
    /// <summary>True when the line last returned ended with a line feed (false for a last line cut short).</summary>
    public bool Terminated { get; private set; }

    private char[] _chars = ArrayPool<char>.Shared.Rent(4096);
    private int _charCount;

    /// <summary>The next line without its line feed, or null at the end of the input.</summary>
    public string? ReadLine() => TryReadLine(out var line) ? line.ToString() : null;

    /// <summary>Reads the next line without its line feed into a buffer that stays valid until the next call; false at the end.</summary>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        var ok = ReadLineCore();
        line = ok ? _chars.AsSpan(0, _charCount) : default;
        return ok;
    }

    private bool ReadLineCore()
    {
        Overlong = false;
        HasNul = false;
        var skipping = false;
        while (true)
        {
            var span = _buf.AsSpan(_start, _end - _start);
            var nl = span.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var lineStart = _bufferOffset + _start;
                if (skipping) _charCount = 0;
                else
                {
                    LineOffset = lineStart;
                    Decode(span[..nl]);
                }
                _start += nl + 1;
                Terminated = true;
                return true;
            }
            if (_eof)
            {
                if (_end == _start && !skipping) return false;
                var lineStart = _bufferOffset + _start;
                if (skipping) _charCount = 0;
                else
                {
                    Decode(span);
                    LineOffset = lineStart;
                }
                _start = _end;
                Terminated = false;
                return true;
            }
            if (_end - _start > MaxLineBytes)
            {
                // Drop what we have of this line and keep reading until its end.
                if (!skipping) LineOffset = _bufferOffset + _start;
                skipping = true;
                Overlong = true;
                _bufferOffset += _end;
                _start = _end = 0;
            }
            Fill();
        }
    }

    private void Decode(ReadOnlySpan<byte> line)
    {
        if (line.IndexOf((byte)0) >= 0) HasNul = true;
        var max = Encoding.UTF8.GetMaxCharCount(line.Length);
        if (_chars.Length < max)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = ArrayPool<char>.Shared.Rent(max);
        }
        _charCount = Encoding.UTF8.GetChars(line, _chars);
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buf.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_buf.Length * 2);
            Buffer.BlockCopy(_buf, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        var n = _input.Read(_buf, _end, _buf.Length - _end);
        if (n <= 0) _eof = true;
        else _end += n;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_buf.Length > 0) ArrayPool<byte>.Shared.Return(_buf);
        if (_chars.Length > 0) ArrayPool<char>.Shared.Return(_chars);
        _buf = [];
        _chars = [];
    }
}
