using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace Stackweave.Formats.IO;

/// <summary>Opens an input (file or stdin) and transparently removes a whole-file gzip, zstd or LZ4-frame wrapper.</summary>
public static class InputOpener
{
    /// <summary>Opens <paramref name="path"/> ("-" = stdin) for reading, decompressing when a compression magic is found.</summary>
    public static Stream Open(string path, Limits? limits = null)
    {
        limits ??= Limits.Default;
        Stream raw;
        if (path == "-") raw = Console.OpenStandardInput();
        else
        {
            if (Directory.Exists(path)) throw new CaptureFormatException(path, 0, "a file, not a directory");
            try { raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            { throw new CaptureFormatException(path, 0, "a readable file (" + e.Message + ")", e); }
        }
        return Unwrap(path, raw, limits);
    }

    /// <summary>Wraps <paramref name="raw"/> in a decompressor if its first bytes are a gzip, zstd or LZ4-frame magic.</summary>
    public static Stream Unwrap(string name, Stream raw, Limits limits)
    {
        var peek = new PeekStream(raw);
        Span<byte> head = stackalloc byte[4];
        var n = peek.Peek(head);
        head = head[..n];
        long compressedLength = raw.CanSeek ? raw.Length : -1;
        Stream? inner = null;
        string kind = "";
        // gzip: RFC 1952 ID1 ID2
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) { inner = new GZipStream(peek, CompressionMode.Decompress); kind = "gzip"; }
        // zstd frame magic 0xFD2FB528 (RFC 8878 section 3.1.1), little-endian
        else if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) { inner = new DecompressionStream(peek); kind = "zstd"; }
        // LZ4 frame magic 0x184D2204 (lz4 frame format spec), little-endian
        else if (n >= 4 && head[0] == 0x04 && head[1] == 0x22 && head[2] == 0x4d && head[3] == 0x18) { inner = LZ4Stream.Decode(peek); kind = "lz4"; }
        if (inner is null) return peek;
        return new BoundedDecompressionStream(name, kind, inner, peek, compressedLength, limits);
    }
}

/// <summary>A read-only stream that lets the first bytes be peeked without consuming them.</summary>
public sealed class PeekStream(Stream inner) : Stream
{
    private byte[] _buffer = [];
    private int _pos, _len;
    private long _position;

    /// <summary>Bytes consumed from the underlying stream so far (compressed position).</summary>
    public long InnerPosition { get; private set; }

    private CaptureFormatException? _error;

    /// <summary>Fills <paramref name="dest"/> with upcoming bytes without consuming them; returns how many were available.</summary>
    public int Peek(Span<byte> dest) => Fill(dest, int.MaxValue);

    /// <summary>
    /// Peeks like <see cref="Peek"/>, but a format error of the underlying stream (a decompressor meeting damage) ends the
    /// peeked bytes instead of propagating: it is returned in <paramref name="error"/>, and thrown again when reading reaches
    /// that point. The underlying stream is read <paramref name="step"/> bytes at a time, so a failing read loses at most
    /// that many bytes decoded before the damage (for format detection under --salvage).
    /// </summary>
    public int PeekUntilError(Span<byte> dest, int step, out CaptureFormatException? error)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        int n;
        try { n = Fill(dest, step); }
        catch (CaptureFormatException e) { _error = e; n = Fill(dest, step); }
        error = _error;
        return n;
    }

    private int Fill(Span<byte> dest, int step)
    {
        if (_len - _pos < dest.Length && _error is null)
        {
            if (_buffer.Length - _pos < dest.Length)
            {
                var nb = new byte[Math.Max(dest.Length, 4096)];
                var have = _len - _pos;
                Array.Copy(_buffer, _pos, nb, 0, have);
                _buffer = nb; _pos = 0; _len = have;
            }
            while (_len - _pos < dest.Length)
            {
                var r = inner.Read(_buffer, _len, Math.Min(step, _buffer.Length - _len));
                if (r <= 0) break;
                _len += r; InnerPosition += r;
            }
        }
        var n = Math.Min(dest.Length, _len - _pos);
        _buffer.AsSpan(_pos, n).CopyTo(dest);
        return n;
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        if (_pos < _len)
        {
            var n = Math.Min(buffer.Length, _len - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n; _position += n;
            return n;
        }
        // A format error met while peeking (under --salvage) is where the input ends for its reader.
        if (_error is not null) throw _error;
        var r = inner.Read(buffer);
        if (r > 0) { _position += r; InnerPosition += r; }
        return r;
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    /// <inheritdoc/>
    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
}

/// <summary>Decompresses while enforcing the expansion-ratio cap; decoder failures become format errors.</summary>
internal sealed class BoundedDecompressionStream(string name, string kind, Stream inner, PeekStream source, long compressedLength, Limits limits) : Stream
{
    private long _produced;

    public override int Read(Span<byte> buffer)
    {
        // Never decompress more than one byte past the cap in one call (a 64 MiB read must not overshoot it).
        var allowed = Math.Max(1, Cap() - _produced + 1);
        if (buffer.Length > allowed) buffer = buffer[..(int)allowed];
        int r;
        try { r = inner.Read(buffer); }
        catch (Exception e) when (e is InvalidDataException or ZstdException or IOException or InvalidOperationException or ArgumentException)
        { throw new CaptureFormatException(name, _produced, $"valid {kind} data ({e.Message})", e); }
        _produced += r;
        if (_produced > Cap())
            throw new CaptureFormatException(name, _produced, $"{kind} data expanding at most {limits.MaxExpansionRatio}x (decompression bomb?)");
        return r;
    }

    /// <summary>Bytes allowed so far: the ratio times the compressed bytes (all of them when the length is known), at least the allowance.</summary>
    private long Cap()
    {
        var basis = compressedLength > 0 ? compressedLength : source.InnerPosition;
        var ratio = limits.MaxExpansionRatio;
        var scaled = basis > long.MaxValue / Math.Max(1, ratio) ? long.MaxValue : basis * ratio;
        return Math.Max(limits.MinExpansionAllowance, scaled);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _produced; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
}
