using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Stackweave.Formats.IO;
using static Stackweave.Merge.Symbols.ElfConstants;

namespace Stackweave.Merge.Symbols;

/// <summary>ELF object file type (e_type).</summary>
public enum ElfFileType : ushort
{
    /// <summary>ET_NONE.</summary>
    None = 0,
    /// <summary>ET_REL: relocatable object.</summary>
    Relocatable = 1,
    /// <summary>ET_EXEC: non-PIE executable.</summary>
    Executable = 2,
    /// <summary>ET_DYN: shared object or PIE executable.</summary>
    SharedObject = 3,
    /// <summary>ET_CORE.</summary>
    Core = 4,
}

/// <summary>One section header.</summary>
public readonly record struct ElfSection(int Index, string Name, uint Type, ulong Flags, ulong Address, ulong Offset, ulong Size, uint Link, uint Info, ulong Alignment, ulong EntrySize);

/// <summary>One program header.</summary>
public readonly record struct ElfSegment(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, ulong Alignment);

/// <summary>One symbol table entry, name resolved.</summary>
public readonly record struct ElfSymbol(string Name, ulong Value, ulong Size, byte Type, byte Binding, byte Visibility, int SectionIndex);

/// <summary>The <c>.gnu_debuglink</c> contents: the debug file's name and the CRC-32 of its whole contents.</summary>
public readonly record struct ElfDebugLink(string FileName, uint Crc);

/// <summary>
/// A hand-written ELF reader: ELF32/ELF64, both byte orders; headers, program headers, section headers,
/// symbol tables, GNU and Go build-id notes and <c>.gnu_debuglink</c>. Reads only the parts it needs from the
/// file (positional reads), never the whole file. Malformed input throws <see cref="CaptureFormatException"/>.
/// </summary>
/// <remarks>
/// Supported: extended section/program header numbering (e_shnum = 0, SHN_XINDEX, PN_XNUM), notes in sections or
/// PT_NOTE segments (4- or 8-byte aligned), SHT_REL/SHT_RELA symbol indexes (for PLT names).
/// Not supported: SHF_COMPRESSED symbol tables (ignored), <c>.gnu_debugdata</c> (xz MiniDebugInfo), SHT_SYMTAB_SHNDX
/// (symbols in sections numbered above 0xff00 are skipped). Other sections' bytes (DWARF, CFI) come from
/// <see cref="TryGetSectionData"/>, decompressed when needed.
/// </remarks>
public sealed class ElfFile : IDisposable
{
    private readonly Source _src;
    private readonly ElfSection[] _sections;
    private readonly ElfSegment[] _segments;

    /// <summary>Path (or name) of the file, as given.</summary>
    public string Path { get; }
    /// <summary>File length in bytes.</summary>
    public long Length => _src.Length;
    /// <summary>True for ELFCLASS64.</summary>
    public bool Is64 { get; }
    /// <summary>True for ELFDATA2LSB.</summary>
    public bool IsLittleEndian { get; }
    /// <summary>e_type.</summary>
    public ElfFileType FileType { get; }
    /// <summary>e_machine (EM_X86_64 = 62, EM_AARCH64 = 183...).</summary>
    public ushort Machine { get; }
    /// <summary>Section headers (index 0 is the null section).</summary>
    public IReadOnlyList<ElfSection> Sections => _sections;
    /// <summary>Program headers.</summary>
    public IReadOnlyList<ElfSegment> Segments => _segments;
    /// <summary>GNU build id (NT_GNU_BUILD_ID) as lower-case hex, or null.</summary>
    public string? BuildId { get; }
    /// <summary>Go build id (<c>.note.go.buildid</c>), or null.</summary>
    public string? GoBuildId { get; }
    /// <summary>The <c>.gnu_debuglink</c> section, or null.</summary>
    public ElfDebugLink? DebugLink { get; }

    private ElfFile(Source src, string path)
    {
        _src = src;
        Path = path;
        Span<byte> ident = stackalloc byte[IdentSize];
        if (src.Length < IdentSize) Fail(0, "an ELF header (file shorter than e_ident)");
        src.Read(0, ident);
        if (ident[0] != 0x7f || ident[1] != (byte)'E' || ident[2] != (byte)'L' || ident[3] != (byte)'F')
            Fail(0, "the ELF magic 7f 45 4c 46");
        Is64 = ident[EiClass] switch
        {
            ElfClass64 => true,
            ElfClass32 => false,
            _ => throw new CaptureFormatException(path, EiClass, "EI_CLASS 1 (ELF32) or 2 (ELF64)"),
        };
        IsLittleEndian = ident[EiData] switch
        {
            ElfData2Lsb => true,
            ElfData2Msb => false,
            _ => throw new CaptureFormatException(path, EiData, "EI_DATA 1 (little-endian) or 2 (big-endian)"),
        };
        var ehSize = Is64 ? Ehdr64Size : Ehdr32Size;
        if (src.Length < ehSize) Fail(IdentSize, "a complete ELF header");
        Span<byte> eh = stackalloc byte[Ehdr64Size];
        src.Read(0, eh[..ehSize]);
        FileType = (ElfFileType)U16(eh, 16);
        Machine = U16(eh, 18);
        ulong phoff, shoff;
        int phentsize, phnum, shentsize, shnum, shstrndx;
        if (Is64)
        {
            phoff = U64(eh, 32); shoff = U64(eh, 40);
            phentsize = U16(eh, 54); phnum = U16(eh, 56); shentsize = U16(eh, 58); shnum = U16(eh, 60); shstrndx = U16(eh, 62);
        }
        else
        {
            phoff = U32(eh, 28); shoff = U32(eh, 32);
            phentsize = U16(eh, 42); phnum = U16(eh, 44); shentsize = U16(eh, 46); shnum = U16(eh, 48); shstrndx = U16(eh, 50);
        }

        var minSh = Is64 ? Shdr64Size : Shdr32Size;
        var minPh = Is64 ? Phdr64Size : Phdr32Size;
        // Extended numbering (gABI): section 0 carries the real counts when e_shnum / e_shstrndx / e_phnum overflow.
        var raw = Array.Empty<ElfSection>();
        var nameOffsets = Array.Empty<uint>();
        if (shoff != 0)
        {
            if (shentsize < minSh) Fail(Is64 ? 58 : 46, FormattableString.Invariant($"e_shentsize >= {minSh}"));
            _shoff = shoff;
            _shentsize = shentsize;
            var (sec0, _) = ReadSectionHeader(0);
            if (shnum == 0) shnum = sec0.Size > int.MaxValue ? int.MaxValue : (int)sec0.Size;
            if (shstrndx == ShnXIndex) shstrndx = (int)Math.Min(sec0.Link, int.MaxValue);
            if (phnum == PnXNum) phnum = (int)Math.Min(sec0.Info, int.MaxValue);
            CheckTable(shoff, shnum, shentsize, Is64 ? 40 : 32, "section header table inside the file");
            raw = new ElfSection[shnum];
            nameOffsets = new uint[shnum];
            for (var i = 0; i < shnum; i++) (raw[i], nameOffsets[i]) = ReadSectionHeader(i);
        }
        _sections = raw;
        // Names from the section header string table.
        if (raw.Length > 0 && shstrndx != ShnUndef)
        {
            if (shstrndx >= raw.Length) Fail(Is64 ? 62 : 50, "e_shstrndx naming an existing section");
            var names = ReadSection(raw[shstrndx], "section name string table (e_shstrndx)");
            for (var i = 0; i < raw.Length; i++) raw[i] = raw[i] with { Name = CString(names, nameOffsets[i]) };
        }

        if (phoff != 0 && phnum > 0)
        {
            if (phentsize < minPh) Fail(Is64 ? 54 : 42, FormattableString.Invariant($"e_phentsize >= {minPh}"));
            CheckTable(phoff, phnum, phentsize, Is64 ? 32 : 28, "program header table inside the file");
            _segments = new ElfSegment[phnum];
            var buf = new byte[phentsize];
            for (var i = 0; i < phnum; i++)
            {
                var at = (long)phoff + (long)i * phentsize;
                _src.Read(at, buf);
                _segments[i] = Is64
                    ? new ElfSegment(U32(buf, 0), U32(buf, 4), U64(buf, 8), U64(buf, 16), U64(buf, 32), U64(buf, 40), U64(buf, 48))
                    : new ElfSegment(U32(buf, 0), U32(buf, 24), U32(buf, 4), U32(buf, 8), U32(buf, 16), U32(buf, 20), U32(buf, 28));
            }
        }
        else _segments = [];

        (BuildId, GoBuildId) = ReadNotes();
        DebugLink = ReadDebugLink();
    }

    /// <summary>Opens an ELF file for reading; throws <see cref="CaptureFormatException"/> when it is not valid ELF.</summary>
    public static ElfFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var src = new FileSource(handle, path);
        try { return new ElfFile(src, path); }
        catch { src.Dispose(); throw; }
    }

    /// <summary>Reads ELF from bytes already in memory (tests, embedded images).</summary>
    public static ElfFile FromBytes(byte[] data, string name) => new(new MemorySource(data, name), name);

    /// <summary>Releases the file handle.</summary>
    public void Dispose() => _src.Dispose();

    /// <summary>The first section with this name, or null.</summary>
    public ElfSection? FindSection(string name)
    {
        foreach (var s in _sections) if (string.Equals(s.Name, name, StringComparison.Ordinal)) return s;
        return null;
    }

    /// <summary>The section of type SHT_SYMTAB (.symtab), or null when the file is stripped.</summary>
    public ElfSection? SymtabSection => FirstOfType(ShtSymtab);
    /// <summary>The section of type SHT_DYNSYM (.dynsym), or null.</summary>
    public ElfSection? DynsymSection => FirstOfType(ShtDynsym);

    private ElfSection? FirstOfType(uint type)
    {
        foreach (var s in _sections)
            if (s.Type == type && (s.Flags & ShfCompressed) == 0 && s.Size > 0) return s;
        return null;
    }

    /// <summary>The PT_LOAD segment whose file bytes contain <paramref name="fileOffset"/>, or null.</summary>
    public ElfSegment? LoadSegmentForOffset(ulong fileOffset)
    {
        foreach (var p in _segments)
            if (p.Type == PtLoad && fileOffset >= p.Offset && fileOffset - p.Offset < Math.Max(p.FileSize, p.MemorySize)) return p;
        return null;
    }

    /// <summary>The PT_LOAD segment whose memory image contains <paramref name="address"/>, or null.</summary>
    public ElfSegment? LoadSegmentForAddress(ulong address)
    {
        foreach (var p in _segments)
            if (p.Type == PtLoad && address >= p.VirtualAddress && address - p.VirtualAddress < p.MemorySize) return p;
        return null;
    }

    /// <summary>Maps a file offset to the ELF virtual address through the PT_LOAD segment containing it; null when none does.</summary>
    public ulong? FileOffsetToAddress(ulong fileOffset) =>
        LoadSegmentForOffset(fileOffset) is { } p ? fileOffset - p.Offset + p.VirtualAddress : null;

    /// <summary>Maps an ELF virtual address to its file offset through the PT_LOAD segment containing it; null when none does.</summary>
    public ulong? AddressToFileOffset(ulong address) =>
        LoadSegmentForAddress(address) is { } p ? address - p.VirtualAddress + p.Offset : null;

    /// <summary>Reads all entries of a SHT_SYMTAB or SHT_DYNSYM section (entry 0, the null symbol, included).</summary>
    public ElfSymbol[] ReadSymbols(ElfSection section)
    {
        var view = ViewSymbols(section);
        var result = new ElfSymbol[view.Count];
        var names = new Dictionary<uint, string>();
        for (var i = 0; i < result.Length; i++)
        {
            var e = view[i];
            if (!names.TryGetValue(e.NameOffset, out var name)) names[e.NameOffset] = name = view.Name(e.NameOffset);
            result[i] = new ElfSymbol(name, e.Value, e.Size, e.Type, e.Binding, e.Visibility, e.SectionIndex);
        }
        return result;
    }

    /// <summary>
    /// The entries of a SHT_SYMTAB or SHT_DYNSYM section, decoded one by one as they are asked for: a table of tens of
    /// thousands of symbols of which a symbolizer keeps some makes strings for those only.
    /// </summary>
    internal SymbolsView ViewSymbols(ElfSection section)
    {
        var entSize = Is64 ? Sym64Size : Sym32Size;
        var step = section.EntrySize >= (ulong)entSize && section.EntrySize <= 1024 ? (int)section.EntrySize : entSize;
        if (section.Link >= (uint)_sections.Length) Fail(SectionHeaderOffset(section.Index), "sh_link of a symbol table naming its string table");
        var strtab = ReadSection(_sections[section.Link], "symbol string table");
        var data = ReadSection(section, "symbol table");
        return new SymbolsView(this, section, data, strtab, step);
    }

    /// <summary>A symbol table entry without its name: where the name is in the string table, and the other fields.</summary>
    internal readonly record struct RawSymbol(uint NameOffset, ulong Value, ulong Size, byte Type, byte Binding, byte Visibility, int SectionIndex);

    /// <summary>A symbol table section read into memory, its entries decoded on demand (see <see cref="ViewSymbols"/>).</summary>
    internal sealed class SymbolsView(ElfFile elf, ElfSection section, byte[] data, byte[] strtab, int step)
    {
        /// <summary>Number of entries (the null symbol included).</summary>
        public int Count { get; } = data.Length / step;

        /// <summary>Entry i; a name offset outside the string table is a format error (as when all are read).</summary>
        public RawSymbol this[int i]
        {
            get
            {
                var e = data.AsSpan(i * step, elf.Is64 ? Sym64Size : Sym32Size);
                uint nameOff; ulong value, size; byte info, other; int shndx;
                if (elf.Is64)
                {
                    nameOff = elf.U32(e, 0); info = e[4]; other = e[5]; shndx = elf.U16(e, 6); value = elf.U64(e, 8); size = elf.U64(e, 16);
                }
                else
                {
                    nameOff = elf.U32(e, 0); value = elf.U32(e, 4); size = elf.U32(e, 8); info = e[12]; other = e[13]; shndx = elf.U16(e, 14);
                }
                if (nameOff >= (uint)strtab.Length && nameOff != 0)
                    elf.Fail((long)section.Offset + (long)i * step, "st_name inside the symbol string table");
                // elf.h ELF64_ST_TYPE(i) = i & 0xf, ELF64_ST_BIND(i) = i >> 4, ELF64_ST_VISIBILITY(o) = o & 0x3
                return new RawSymbol(nameOff, value, size, (byte)(info & 0xf), (byte)(info >> 4), (byte)(other & 0x3), shndx);
            }
        }

        /// <summary>The NUL-terminated name bytes at <paramref name="nameOffset"/> (empty outside the table).</summary>
        public ReadOnlySpan<byte> NameBytes(uint nameOffset)
        {
            if (nameOffset >= (uint)strtab.Length) return [];
            var span = strtab.AsSpan((int)nameOffset);
            var end = span.IndexOf((byte)0);
            return end < 0 ? span : span[..end];
        }

        /// <summary>The name at <paramref name="nameOffset"/> as a string.</summary>
        public string Name(uint nameOffset) => Encoding.UTF8.GetString(NameBytes(nameOffset));
    }

    /// <summary>Symbol indexes (ELF{32,64}_R_SYM of r_info) of a SHT_REL or SHT_RELA section's entries, in order.</summary>
    public ulong[] ReadRelocationSymbols(ElfSection section)
    {
        var data = ReadSection(section, "relocation section");
        var step = (int)Math.Clamp(section.EntrySize, 1UL, 1024UL);
        // r_info follows r_offset: at 8 (ELF64, u64, symbol = info >> 32) or 4 (ELF32, u32, symbol = info >> 8).
        var need = Is64 ? 16 : 8;
        if (step < need) return [];
        var result = new ulong[data.Length / step];
        for (var i = 0; i < result.Length; i++)
            result[i] = Is64 ? U64(data.AsSpan(i * step), 8) >> 32 : U32(data.AsSpan(i * step), 4) >> 8;
        return result;
    }

    /// <summary>Reads a section's bytes (empty for SHT_NOBITS); the size is checked against the file first.</summary>
    public byte[] ReadSection(ElfSection s) => ReadSection(s, "section " + s.Name);

    /// <summary>
    /// The contents of the first section named <paramref name="name"/> (e.g. <c>.debug_info</c>, <c>.eh_frame</c>), decompressed
    /// when it is SHF_COMPRESSED (ELFCOMPRESS_ZLIB or ELFCOMPRESS_ZSTD) or a legacy <c>.zdebug_*</c> twin of a missing
    /// <c>.debug_*</c> section; null when there is no such section or it has no file bytes (SHT_NOBITS). The decompressed size
    /// is capped by <paramref name="limits"/> (expansion ratio with a minimum allowance). Bad data throws <see cref="CaptureFormatException"/>.
    /// </summary>
    public byte[]? TryGetSectionData(string name, Limits? limits = null)
    {
        limits ??= Limits.Default;
        if (FindSection(name) is { } s)
        {
            if (s.Type == ShtNobits) return null;
            var raw = ReadSection(s, "section " + s.Name);
            return (s.Flags & ShfCompressed) == 0 ? raw : ElfDecompress.Gabi(raw, Is64, IsLittleEndian, Path, (long)s.Offset, limits);
        }
        // GNU's older scheme: ".zdebug_x" holds "ZLIB", a big-endian u64 size and a zlib stream.
        if (name.StartsWith(".debug_", StringComparison.Ordinal) && FindSection(".z" + name[1..]) is { } z && z.Type != ShtNobits)
            return ElfDecompress.Legacy(ReadSection(z, "section " + z.Name), Path, (long)z.Offset, limits);
        return null;
    }

    /// <summary>Reads <paramref name="size"/> bytes at file offset <paramref name="offset"/>; the range is checked against the file first.</summary>
    public byte[] ReadFileRange(ulong offset, ulong size)
    {
        if (offset > (ulong)_src.Length || size > (ulong)_src.Length - offset || size > int.MaxValue)
            Fail((long)Math.Min(offset, long.MaxValue), FormattableString.Invariant($"{size} bytes at file offset {offset} inside the file"));
        var data = new byte[(int)size];
        _src.Read((long)offset, data);
        return data;
    }

    /// <summary>CRC-32 (the zlib/gzip polynomial, as <c>.gnu_debuglink</c> uses) of the whole file, read in chunks.</summary>
    public uint ComputeCrc32()
    {
        var buf = new byte[1 << 16];
        uint crc = 0;
        for (long at = 0; at < _src.Length; at += buf.Length)
        {
            var n = (int)Math.Min(buf.Length, _src.Length - at);
            _src.Read(at, buf.AsSpan(0, n));
            crc = Crc32.Append(crc, buf.AsSpan(0, n));
        }
        return crc;
    }

    private byte[] ReadSection(ElfSection s, string what)
    {
        if (s.Type == ShtNobits || s.Size == 0) return [];
        if (s.Offset > (ulong)_src.Length || s.Size > (ulong)_src.Length - s.Offset)
            Fail(SectionHeaderOffset(s.Index), what + " inside the file (sh_offset + sh_size <= file size)");
        var data = new byte[(int)s.Size];
        _src.Read((long)s.Offset, data);
        return data;
    }

    private ulong _shoff;
    private int _shentsize;
    private long SectionHeaderOffset(int index) => (long)Math.Min(_shoff + (ulong)index * (ulong)_shentsize, long.MaxValue);

    private (ElfSection Section, uint NameOffset) ReadSectionHeader(int index)
    {
        var at = _shoff + (ulong)index * (ulong)_shentsize;
        if (_shoff > (ulong)_src.Length || at > (ulong)_src.Length || (ulong)_src.Length - at < (ulong)_shentsize)
            Fail(Is64 ? 40 : 32, "section header table inside the file");
        Span<byte> b = stackalloc byte[Shdr64Size];
        var used = Is64 ? Shdr64Size : Shdr32Size;
        _src.Read((long)at, b[..used]);
        var sec = Is64
            ? new ElfSection(index, "", U32(b, 4), U64(b, 8), U64(b, 16), U64(b, 24), U64(b, 32), U32(b, 40), U32(b, 44), U64(b, 48), U64(b, 56))
            : new ElfSection(index, "", U32(b, 4), U32(b, 8), U32(b, 12), U32(b, 16), U32(b, 20), U32(b, 24), U32(b, 28), U32(b, 32), U32(b, 36));
        return (sec, U32(b, 0));
    }

    private void CheckTable(ulong offset, int count, int entSize, long headerField, string what)
    {
        if (offset > (ulong)_src.Length || (ulong)count * (ulong)entSize > (ulong)_src.Length - offset) Fail(headerField, what);
    }

    private (string? Gnu, string? Go) ReadNotes()
    {
        string? gnu = null, go = null;
        // Sections first (.note.gnu.build-id, .note.go.buildid), then PT_NOTE segments (stripped section headers).
        foreach (var s in _sections)
        {
            if (s.Type != ShtNote || s.Size == 0 || s.Size > 1 << 20) continue;
            if (s.Offset > (ulong)_src.Length || s.Size > (ulong)_src.Length - s.Offset) continue;
            ScanNotes(ReadSection(s, "note section"), (long)s.Offset, s.Alignment == 8 ? 8 : 4, ref gnu, ref go);
        }
        if (gnu is null)
        {
            foreach (var p in _segments)
            {
                if (p.Type != PtNote || p.FileSize == 0 || p.FileSize > 1 << 20) continue;
                if (p.Offset > (ulong)_src.Length || p.FileSize > (ulong)_src.Length - p.Offset) continue;
                var data = new byte[(int)p.FileSize];
                _src.Read((long)p.Offset, data);
                ScanNotes(data, (long)p.Offset, p.Alignment == 8 ? 8 : 4, ref gnu, ref go);
            }
        }
        return (gnu, go);
    }

    private void ScanNotes(byte[] data, long fileOffset, int align, ref string? gnu, ref string? go)
    {
        // Elf{32,64}_Nhdr: u32 n_namesz, u32 n_descsz, u32 n_type; name and desc each padded to the alignment.
        var pos = 0;
        while (pos + 12 <= data.Length)
        {
            var namesz = U32(data, pos);
            var descsz = U32(data, pos + 4);
            var type = U32(data, pos + 8);
            var nameAt = pos + 12;
            var nameEnd = (long)nameAt + namesz;
            var descAt = Align(nameEnd, align);
            var descEnd = descAt + descsz;
            if (descEnd > data.Length) return; // truncated note: ignore the rest (perf does the same)
            var name = data.AsSpan(nameAt, (int)namesz);
            var desc = data.AsSpan((int)descAt, (int)descsz);
            if (type == NtGnuBuildId && name.SequenceEqual("GNU\0"u8) && gnu is null && descsz > 0)
                gnu = Convert.ToHexStringLower(desc);
            else if (type == NtGoBuildId && name.SequenceEqual("Go\0\0"u8) && go is null)
                go = Encoding.UTF8.GetString(desc).TrimEnd('\0');
            pos = (int)Align(descEnd, align);
        }
        _ = fileOffset;
    }

    private static long Align(long v, int a) => (v + a - 1) & ~(long)(a - 1);

    private ElfDebugLink? ReadDebugLink()
    {
        var s = FindSection(".gnu_debuglink");
        if (s is not { } sec || sec.Type == ShtNobits || sec.Size < 8 || sec.Size > 4096) return null;
        var data = ReadSection(sec, ".gnu_debuglink");
        var nul = Array.IndexOf(data, (byte)0);
        if (nul <= 0) Fail((long)sec.Offset, ".gnu_debuglink: a NUL-terminated file name");
        var crcAt = (int)Align(nul + 1, 4);
        if (crcAt + 4 > data.Length) Fail((long)sec.Offset + crcAt, ".gnu_debuglink: a CRC-32 after the padded file name");
        return new ElfDebugLink(Encoding.UTF8.GetString(data, 0, nul), U32(data, crcAt));
    }

    private static string CString(byte[] table, uint offset)
    {
        if (offset >= (uint)table.Length) return "";
        var span = table.AsSpan((int)offset);
        var end = span.IndexOf((byte)0);
        if (end < 0) end = span.Length;
        return Encoding.UTF8.GetString(span[..end]);
    }

    private ushort U16(ReadOnlySpan<byte> b, int at) =>
        IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);
    private uint U32(ReadOnlySpan<byte> b, int at) =>
        IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);
    private ulong U64(ReadOnlySpan<byte> b, int at) =>
        IsLittleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt64BigEndian(b[at..]);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(long offset, string expected) => throw new CaptureFormatException(Path, offset, expected);

    private abstract class Source : IDisposable
    {
        public abstract long Length { get; }
        public abstract void Read(long offset, Span<byte> into);
        public virtual void Dispose() { }
    }

    private sealed class FileSource(SafeFileHandle handle, string path) : Source
    {
        public override long Length { get; } = RandomAccess.GetLength(handle);
        public override void Read(long offset, Span<byte> into)
        {
            while (!into.IsEmpty)
            {
                var n = RandomAccess.Read(handle, into, offset);
                if (n <= 0) throw new CaptureFormatException(path, offset, FormattableString.Invariant($"{into.Length} more bytes (file ends early)"));
                into = into[n..];
                offset += n;
            }
        }
        public override void Dispose() => handle.Dispose();
    }

    private sealed class MemorySource(byte[] data, string name) : Source
    {
        public override long Length => data.Length;
        public override void Read(long offset, Span<byte> into)
        {
            if (offset < 0 || offset > data.Length - into.Length)
                throw new CaptureFormatException(name, offset, FormattableString.Invariant($"{into.Length} bytes inside the data"));
            data.AsSpan((int)offset, into.Length).CopyTo(into);
        }
    }
}
