namespace Stackweave.Merge.Symbols;

/// <summary>ELF numbers used by the reader; values from the System V gABI and glibc's &lt;elf.h&gt;.</summary>
internal static class ElfConstants
{
    // e_ident (elf.h: EI_NIDENT = 16)
    public const int IdentSize = 16;
    public const int EiClass = 4;          // elf.h EI_CLASS
    public const int EiData = 5;           // elf.h EI_DATA
    public const byte ElfClass32 = 1;      // elf.h ELFCLASS32
    public const byte ElfClass64 = 2;      // elf.h ELFCLASS64
    public const byte ElfData2Lsb = 1;     // elf.h ELFDATA2LSB
    public const byte ElfData2Msb = 2;     // elf.h ELFDATA2MSB

    // Header sizes (elf.h: sizeof(Elf32_Ehdr) = 52, sizeof(Elf64_Ehdr) = 64)
    public const int Ehdr32Size = 52;
    public const int Ehdr64Size = 64;
    // sizeof(Elf32_Shdr) = 40, sizeof(Elf64_Shdr) = 64
    public const int Shdr32Size = 40;
    public const int Shdr64Size = 64;
    // sizeof(Elf32_Phdr) = 32, sizeof(Elf64_Phdr) = 56
    public const int Phdr32Size = 32;
    public const int Phdr64Size = 56;
    // sizeof(Elf32_Sym) = 16, sizeof(Elf64_Sym) = 24
    public const int Sym32Size = 16;
    public const int Sym64Size = 24;

    // Special section indexes (elf.h SHN_*)
    public const ushort ShnUndef = 0;
    public const ushort ShnLoReserve = 0xff00;
    public const ushort ShnAbs = 0xfff1;
    public const ushort ShnXIndex = 0xffff;
    // elf.h PN_XNUM: e_phnum escape, real count in section 0's sh_info
    public const ushort PnXNum = 0xffff;

    // Section types (elf.h SHT_*)
    public const uint ShtSymtab = 2;
    public const uint ShtRela = 4;
    public const uint ShtNote = 7;
    public const uint ShtRel = 9;
    public const uint ShtNobits = 8;
    public const uint ShtDynsym = 11;

    // Section flags (elf.h SHF_*)
    public const ulong ShfAlloc = 0x2;
    public const ulong ShfCompressed = 0x800;

    // Segment types (elf.h PT_*)
    public const uint PtLoad = 1;
    public const uint PtNote = 4;

    // Symbol types and bindings (elf.h STT_*, STB_*, STV_*)
    public const byte SttNotype = 0;
    public const byte SttObject = 1;
    public const byte SttFunc = 2;
    public const byte SttGnuIfunc = 10;
    public const byte StbLocal = 0;
    public const byte StbGlobal = 1;
    public const byte StbWeak = 2;
    public const byte StvInternal = 1;
    public const byte StvHidden = 2;

    // Notes: elf.h NT_GNU_BUILD_ID = 3 with owner "GNU";
    // Go's cmd/link writes owner "Go" with tag 4 (ELF_NOTE_GOBUILDID_TAG) in .note.go.buildid.
    public const uint NtGnuBuildId = 3;
    public const uint NtGoBuildId = 4;
}
