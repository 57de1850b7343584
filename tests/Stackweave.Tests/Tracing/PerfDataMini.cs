using System.Buffers.Binary;

namespace Stackweave.Tests.Tracing;

/// <summary>
/// Minimal file-mode perf.data reading for the tracing tests only (the real reader lives in PerfData/):
/// header, attrs with their ids, the TRACING_DATA feature section, and SAMPLE records' TIME, CPU and RAW.
/// Layouts from the kernel's include/uapi/linux/perf_event.h and perf's util/header.h (perf_file_header).
/// </summary>
internal sealed class PerfDataMini
{
    public sealed record Sample(ulong Config, ulong Time, uint Cpu, byte[] Raw, long RawOffset);

    public byte[] Bytes { get; }
    public long TracingOffset { get; }
    public int TracingSize { get; }
    public List<Sample> Samples { get; } = [];

    public ReadOnlySpan<byte> Tracing => Bytes.AsSpan((int)TracingOffset, TracingSize);

    // perf_event_attr.sample_type bits (perf_event.h enum perf_event_sample_format)
    private const ulong Ip = 1 << 0, Tid = 1 << 1, Time = 1 << 2, Addr = 1 << 3, Read = 1 << 4, Callchain = 1 << 5,
        Id = 1 << 6, Cpu = 1 << 7, Period = 1 << 8, StreamId = 1 << 9, Raw = 1 << 10, Identifier = 1 << 16;

    public PerfDataMini(string path)
    {
        Bytes = ReadMaybeGz(path);
        var b = Bytes.AsSpan();
        if (!b[..8].SequenceEqual("PERFILE2"u8)) throw new InvalidDataException("not a file-mode perf.data");
        ulong attrSize = U64(b, 16);
        ulong attrsOff = U64(b, 24), attrsSize = U64(b, 32);
        ulong dataOff = U64(b, 40), dataSize = U64(b, 48);
        // adds_features bitmap at 72 (after event_types {offset,size} at 56); sections follow the data section.
        ulong bits0 = U64(b, 72);
        long secPos = (long)(dataOff + dataSize);
        if ((bits0 & 1) != 0) secPos += 16; // bit 0 (HEADER_RESERVED) never set, but keep the rule
        if ((bits0 & 2) == 0) throw new InvalidDataException("no TRACING_DATA feature");
        TracingOffset = (long)U64(b, (int)secPos);
        TracingSize = (int)U64(b, (int)secPos + 8);

        var idToConfig = new Dictionary<ulong, ulong>();
        ulong sampleType = 0;
        ulong onlyConfig = 0;
        // attr_size counts one perf_file_attr: the perf_event_attr followed by its ids section {offset, size}.
        int nattrs = (int)(attrsSize / attrSize);
        for (int i = 0; i < nattrs; i++)
        {
            int a = (int)(attrsOff + (ulong)i * attrSize);
            ulong config = U64(b, a + 8);
            ulong st = U64(b, a + 24);
            // Samples are laid out by the tracepoint attrs' sample_type (perf may add a tracking attr without RAW).
            if ((st & Raw) != 0 || sampleType == 0) sampleType = st;
            if ((st & Read) != 0) throw new InvalidDataException("READ not supported by this helper");
            onlyConfig = config;
            int idsOff = (int)U64(b, a + (int)attrSize - 16), idsSize = (int)U64(b, a + (int)attrSize - 8);
            for (int k = 0; k < idsSize / 8; k++) idToConfig[U64(b, idsOff + k * 8)] = config;
        }

        long pos = (long)dataOff, end = (long)(dataOff + dataSize);
        while (pos + 8 <= end)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(b[(int)pos..]);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(b[((int)pos + 6)..]);
            if (size < 8) throw new InvalidDataException("bad record size");
            if (type is 81 or 83) throw new InvalidDataException("compressed records not supported by this helper");
            if (type == 9) ParseSample(b, (int)pos + 8, sampleType, idToConfig, nattrs == 1 ? onlyConfig : null);
            pos += size;
        }
    }

    private void ParseSample(ReadOnlySpan<byte> b, int p, ulong st, Dictionary<ulong, ulong> ids, ulong? only)
    {
        ulong id = 0, time = 0;
        uint cpu = 0;
        if ((st & Identifier) != 0) { id = U64(b, p); p += 8; }
        if ((st & Ip) != 0) p += 8;
        if ((st & Tid) != 0) p += 8;
        if ((st & Time) != 0) { time = U64(b, p); p += 8; }
        if ((st & Addr) != 0) p += 8;
        if ((st & Id) != 0) { id = U64(b, p); p += 8; }
        if ((st & StreamId) != 0) p += 8;
        if ((st & Cpu) != 0) { cpu = BinaryPrimitives.ReadUInt32LittleEndian(b[p..]); p += 8; }
        if ((st & Period) != 0) p += 8;
        if ((st & Callchain) != 0) { ulong nr = U64(b, p); p += 8 + (int)nr * 8; }
        if ((st & Raw) == 0) return;
        int rawSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(b[p..]);
        p += 4;
        ulong config = only ?? ids[id];
        Samples.Add(new Sample(config, time, cpu, b.Slice(p, rawSize).ToArray(), p));
    }

    /// <summary>File bytes; a ".gz" file is decompressed.</summary>
    public static byte[] ReadMaybeGz(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal)) return File.ReadAllBytes(path);
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}
