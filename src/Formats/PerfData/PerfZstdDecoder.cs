using System.Buffers;
using System.Buffers.Binary;
using Stackweave.Formats.IO;
using ZstdSharp.Unsafe;

namespace Stackweave.Formats.PerfData;

/// <summary>Receives one decompressed record (the span is valid only during the call).</summary>
internal delegate void DecompressedRecordHandler(ReadOnlySpan<byte> record, long decompressedOffset);

/// <summary>
/// Decompresses the payloads of PERF_RECORD_COMPRESSED/COMPRESSED2 records: perf keeps one zstd stream for the
/// whole session, flushed (ZSTD_e_flush) after each record but never ended (tools/perf/util/zstd.c), so one
/// decompression context is kept; a decompressed record may straddle two COMPRESSED records.
/// </summary>
internal sealed unsafe class PerfZstdDecoder : IDisposable
{
    // Holds any partial record (< 64 KiB, perf_event_header.size is u16) plus fresh output.
    private const int OutSize = 1 << 20;
    private ZSTD_DCtx_s* _ctx;
    private byte[] _out;
    private int _have;
    private long _outOffset;          // decompressed-stream offset of _out[0]
    private long _compressedTotal, _producedTotal;
    private readonly bool _bigEndian;
    private readonly Limits _limits;

    public PerfZstdDecoder(bool bigEndian, Limits limits)
    {
        _bigEndian = bigEndian;
        _limits = limits;
        _ctx = Methods.ZSTD_createDCtx();
        _out = ArrayPool<byte>.Shared.Rent(OutSize);
    }

    /// <summary>Salvage: frames each decompressed record (its length), 0 to skip one damaged byte, -1 to wait for more bytes; null frames by header.size.</summary>
    public Func<ReadOnlySpan<byte>, long, int>? Probe { get; set; }

    /// <summary>Bytes of a partial record waiting for the next COMPRESSED record.</summary>
    public int Pending => _have;

    /// <summary>Decompresses one chunk and hands every complete record to <paramref name="handler"/>; <paramref name="fileOffset"/> names the COMPRESSED record in errors.</summary>
    public void Feed(ReadOnlySpan<byte> compressed, string path, long fileOffset, DecompressedRecordHandler handler)
    {
        _compressedTotal += compressed.Length;
        var cap = Math.Max(_limits.MinExpansionAllowance, _compressedTotal * _limits.MaxExpansionRatio);
        fixed (byte* src = compressed)
        fixed (byte* dst = _out)
        {
            var input = new ZSTD_inBuffer_s { src = src, size = (nuint)compressed.Length, pos = 0 };
            while (true)
            {
                var output = new ZSTD_outBuffer_s { dst = dst, size = (nuint)_out.Length, pos = (nuint)_have };
                var inBefore = input.pos;
                var ret = Methods.ZSTD_decompressStream(_ctx, &output, &input);
                if (Methods.ZSTD_isError(ret))
                    throw new CaptureFormatException(path, fileOffset, "a COMPRESSED record holding valid zstd data (" + Methods.ZSTD_getErrorName(ret) + ")");
                var produced = (int)output.pos - _have;
                _producedTotal += produced;
                if (_producedTotal > cap)
                    throw new CaptureFormatException(path, fileOffset, FormattableString.Invariant($"COMPRESSED records expanding at most {_limits.MaxExpansionRatio}x (decompression bomb?)"));
                _have = (int)output.pos;
                // Hand out complete records.
                var pos = 0;
                while (_have - pos >= 8)
                {
                    int size;
                    if (Probe is { } probe)
                    {
                        // salvage: the probe frames the record, or skips a damaged byte, or waits for more bytes
                        size = probe(_out.AsSpan(pos, _have - pos), _outOffset + pos);
                        if (size < 0) break;
                        if (size == 0) { pos++; continue; }
                    }
                    else
                    {
                        size = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_out.AsSpan(pos + 6)) : BinaryPrimitives.ReadUInt16LittleEndian(_out.AsSpan(pos + 6));
                        if (size < 8)
                            throw new CaptureFormatException(path, fileOffset, FormattableString.Invariant($"decompressed records with perf_event_header.size of at least 8 (found {size} at decompressed byte {_outOffset + pos})"));
                        if (_have - pos < size) break;
                    }
                    handler(_out.AsSpan(pos, size), _outOffset + pos);
                    pos += size;
                }
                if (pos > 0)
                {
                    Buffer.BlockCopy(_out, pos, _out, 0, _have - pos);
                    _have -= pos;
                    _outOffset += pos;
                }
                var inputDone = input.pos == input.size;
                if (inputDone && (int)output.pos < _out.Length) break;
                if (!inputDone && produced == 0 && input.pos == inBefore)
                    throw new CaptureFormatException(path, fileOffset, "zstd data that the decoder can make progress on");
            }
        }
    }

    public void Dispose()
    {
        if (_ctx != null) { Methods.ZSTD_freeDCtx(_ctx); _ctx = null; }
        if (_out.Length > 0) ArrayPool<byte>.Shared.Return(_out);
        _out = [];
    }
}
