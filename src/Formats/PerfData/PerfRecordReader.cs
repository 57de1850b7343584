using System.Buffers;
using System.Buffers.Binary;
using Stackweave.Formats.IO;

namespace Stackweave.Formats.PerfData;

/// <summary>Frames perf_event_header records out of one data stream with a pooled buffer; never allocates by an untrusted size.</summary>
internal sealed class PerfRecordReader : IDisposable
{
    // A record is at most 65535 bytes (perf_event_header.size is a u16); the buffer always holds a whole one.
    private const int BufferSize = 1 << 18;

    private readonly Stream _stream;
    private readonly string _path;
    private readonly bool _bigEndian;
    private readonly bool _ownsStream;
    private byte[] _buf;
    private int _pos, _end;
    private long _bufOffset;      // absolute offset of _buf[0]
    private long _left;           // bytes still allowed from the stream (long.MaxValue = to EOF)
    private bool _eof;

    public PerfRecordReader(Stream stream, string path, bool bigEndian, long startOffset, long length, int streamIndex, bool ownsStream)
    {
        _stream = stream;
        _path = path;
        _bigEndian = bigEndian;
        _ownsStream = ownsStream;
        _bufOffset = startOffset;
        _left = length < 0 ? long.MaxValue : length;
        StreamIndex = streamIndex;
        _buf = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>Index of this stream (directory mode: 0 = data, N+1 = data.N).</summary>
    public int StreamIndex { get; }
    /// <summary>The user's name of the file behind this reader.</summary>
    public string Path => _path;
    /// <summary>Absolute offset of the next unread byte.</summary>
    public long Position => _bufOffset + _pos;

    /// <summary>True when the declared length ran past the real end of input (under salvage only).</summary>
    public bool EndsEarly { get; set; }

    private int Fill(int need)
    {
        if (_end - _pos >= need) return _end - _pos;
        if (_pos > 0)
        {
            Buffer.BlockCopy(_buf, _pos, _buf, 0, _end - _pos);
            _bufOffset += _pos;
            _end -= _pos;
            _pos = 0;
        }
        while (_end - _pos < need && !_eof)
        {
            var want = (int)Math.Min(_buf.Length - _end, _left);
            if (want <= 0) { _eof = true; break; }
            int r;
            try { r = _stream.Read(_buf, _end, want); }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException)
            { throw new CaptureFormatException(_path, Position, "readable input (" + e.Message + ")", e); }
            if (r <= 0) { _eof = true; break; }
            _end += r;
            if (_left != long.MaxValue) _left -= r;
        }
        return _end - _pos;
    }

    /// <summary>Reads the next record header and body; false at a clean end of the stream.</summary>
    public bool Next(out ReadOnlySpan<byte> record, out long offset)
    {
        record = default;
        offset = Position;
        var have = Fill(8);
        if (have == 0) return false;
        if (have < 8) throw new CaptureFormatException(_path, offset, "a whole 8-byte perf_event_header (input ends)");
        var size = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_buf.AsSpan(_pos + 6)) : BinaryPrimitives.ReadUInt16LittleEndian(_buf.AsSpan(_pos + 6));
        if (size < 8) throw new CaptureFormatException(_path, offset, FormattableString.Invariant($"a perf_event_header.size of at least 8 (found {size})"));
        if (Fill(size) < size)
            throw new CaptureFormatException(_path, offset, FormattableString.Invariant($"a record of {size} bytes (input ends after {_end - _pos})"));
        record = _buf.AsSpan(_pos, size);
        _pos += size;
        return true;
    }

    /// <summary>Salvage: the next <paramref name="need"/> bytes without consuming them; shorter at the end of the stream.</summary>
    public ReadOnlySpan<byte> PeekAhead(int need)
    {
        var have = Fill(need);
        return _buf.AsSpan(_pos, Math.Min(have, need));
    }

    /// <summary>Salvage: moves to absolute offset <paramref name="to"/>, back within the buffered bytes or forward by reading; false when the input ends first.</summary>
    public bool MoveTo(long to)
    {
        if (to >= _bufOffset && to <= _bufOffset + _end)
        {
            _pos = (int)(to - _bufOffset);
            return true;
        }
        if (to < _bufOffset) return false; // not buffered any more: the caller goes on from Position
        while (Position < to)
        {
            var have = Fill(1);
            if (have == 0) return false;
            _pos += (int)Math.Min(have, to - Position);
        }
        return true;
    }

    /// <summary>Reads (keep) or skips a payload of <paramref name="length"/> bytes that follows a record outside its header.size.</summary>
    public byte[]? Payload(ulong length, bool keep, string what)
    {
        var start = Position;
        if (_left != long.MaxValue && length > (ulong)(_end - _pos) + (ulong)_left)
            throw new CaptureFormatException(_path, start, FormattableString.Invariant($"{what} of {length} bytes within the input"));
        MemoryStream? ms = keep ? new MemoryStream() : null;
        var remaining = length;
        while (remaining > 0)
        {
            var have = Fill(1);
            if (have == 0) throw new CaptureFormatException(_path, start, FormattableString.Invariant($"{what} of {length} bytes (input ends after {length - remaining})"));
            var n = (int)Math.Min((ulong)have, remaining);
            ms?.Write(_buf, _pos, n);
            _pos += n;
            remaining -= (ulong)n;
        }
        return ms?.ToArray();
    }

    public void Dispose()
    {
        if (_buf.Length > 0) ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
        if (_ownsStream) _stream.Dispose();
    }
}
