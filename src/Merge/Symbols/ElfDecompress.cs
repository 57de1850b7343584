using System.Buffers.Binary;
using System.IO.Compression;
using Stackweave.Formats.IO;

namespace Stackweave.Merge.Symbols;

/// <summary>Decompression of ELF sections: SHF_COMPRESSED (gABI Elf{32,64}_Chdr) and GNU's legacy <c>.zdebug</c> form.</summary>
internal static class ElfDecompress
{
    // elf.h ELFCOMPRESS_ZLIB = 1, ELFCOMPRESS_ZSTD = 2 (ch_type of Elf{32,64}_Chdr).
    private const uint CompressZlib = 1;
    private const uint CompressZstd = 2;
    // sizeof(Elf64_Chdr) = 24 (ch_type u32, ch_reserved u32, ch_size u64, ch_addralign u64);
    // sizeof(Elf32_Chdr) = 12 (ch_type, ch_size, ch_addralign, all u32).
    private const int Chdr64Size = 24;
    private const int Chdr32Size = 12;
    // binutils bfd/compress.c: a .zdebug section starts with "ZLIB" and the uncompressed size as a big-endian u64.
    private const int LegacyHeaderSize = 12;

    /// <summary>Decompresses a SHF_COMPRESSED section's bytes (header included).</summary>
    public static byte[] Gabi(byte[] raw, bool is64, bool littleEndian, string file, long sectionOffset, Limits limits)
    {
        var hdr = is64 ? Chdr64Size : Chdr32Size;
        if (raw.Length < hdr) throw new CaptureFormatException(file, sectionOffset, "a compression header (Elf_Chdr) at the start of a SHF_COMPRESSED section");
        var type = littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(raw) : BinaryPrimitives.ReadUInt32BigEndian(raw);
        ulong size = is64
            ? (littleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(8)) : BinaryPrimitives.ReadUInt64BigEndian(raw.AsSpan(8)))
            : (littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(4)) : BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(4)));
        return type switch
        {
            CompressZlib => Inflate(raw, hdr, size, file, sectionOffset, limits, zstd: false),
            CompressZstd => Inflate(raw, hdr, size, file, sectionOffset, limits, zstd: true),
            _ => throw new CaptureFormatException(file, sectionOffset, FormattableString.Invariant($"ch_type ELFCOMPRESS_ZLIB (1) or ELFCOMPRESS_ZSTD (2), not {type}")),
        };
    }

    /// <summary>Decompresses a legacy <c>.zdebug_*</c> section (<c>ZLIB</c>, big-endian u64 size, zlib stream).</summary>
    public static byte[] Legacy(byte[] raw, string file, long sectionOffset, Limits limits)
    {
        if (raw.Length < LegacyHeaderSize || !raw.AsSpan(0, 4).SequenceEqual("ZLIB"u8))
            throw new CaptureFormatException(file, sectionOffset, "a .zdebug section starting with \"ZLIB\" and its size");
        var size = BinaryPrimitives.ReadUInt64BigEndian(raw.AsSpan(4));
        return Inflate(raw, LegacyHeaderSize, size, file, sectionOffset, limits, zstd: false);
    }

    private static byte[] Inflate(byte[] raw, int at, ulong size, string file, long sectionOffset, Limits limits, bool zstd)
    {
        // The declared size is untrusted: allow at most the expansion ratio (or the small-input allowance), and never
        // more than an array can hold.
        var cap = Math.Max(limits.MinExpansionAllowance, (raw.Length - at) * Math.Max(1, limits.MaxExpansionRatio));
        if (size > (ulong)Math.Min(cap, Array.MaxLength))
            throw new CaptureFormatException(file, sectionOffset, FormattableString.Invariant(
                $"a compressed section expanding at most {limits.MaxExpansionRatio}x (declared {size} bytes from {raw.Length - at}; --max-expansion raises it)"));
        var result = new byte[(int)size];
        try
        {
            using var input = new MemoryStream(raw, at, raw.Length - at, writable: false);
            using Stream z = zstd ? new ZstdSharp.DecompressionStream(input) : new ZLibStream(input, CompressionMode.Decompress);
            var got = 0;
            while (got < result.Length)
            {
                var n = z.Read(result, got, result.Length - got);
                if (n <= 0) break;
                got += n;
            }
            if (got != result.Length)
                throw new CaptureFormatException(file, sectionOffset, FormattableString.Invariant($"{size} decompressed bytes (the stream gave {got})"));
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException or IOException or InvalidOperationException or ArgumentException)
        {
            throw new CaptureFormatException(file, sectionOffset, (zstd ? "a valid zstd stream: " : "a valid zlib stream: ") + e.Message);
        }
        return result;
    }
}
