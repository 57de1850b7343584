namespace Stackweave.Merge.Symbols.Dwarf;

/// <summary>DWARF numbers used by the readers; values from the DWARF 5 specification (section 7) and GNU extensions in GCC's dwarf2.def.</summary>
internal static class DwarfConstants
{
    // Tags (DWARF 5 table 7.3)
    public const ulong TagCompileUnit = 0x11;
    public const ulong TagPartialUnit = 0x3c;
    public const ulong TagSkeletonUnit = 0x4a;
    public const ulong TagSubprogram = 0x2e;
    public const ulong TagInlinedSubroutine = 0x1d;

    // Attributes (DWARF 5 table 7.5)
    public const ulong AtSibling = 0x01;
    public const ulong AtName = 0x03;
    public const ulong AtStmtList = 0x10;
    public const ulong AtLowPc = 0x11;
    public const ulong AtHighPc = 0x12;
    public const ulong AtLanguage = 0x13;
    public const ulong AtCompDir = 0x1b;
    public const ulong AtAbstractOrigin = 0x31;
    public const ulong AtDeclFile = 0x3a;
    public const ulong AtDeclLine = 0x3b;
    public const ulong AtSpecification = 0x47;
    public const ulong AtRanges = 0x55;
    public const ulong AtEntryPc = 0x52;
    public const ulong AtCallFile = 0x58;
    public const ulong AtCallLine = 0x59;
    public const ulong AtLinkageName = 0x6e;
    public const ulong AtStrOffsetsBase = 0x72;
    public const ulong AtAddrBase = 0x73;
    public const ulong AtRnglistsBase = 0x74;
    public const ulong AtMipsLinkageName = 0x2007; // GNU/MIPS extension, still written by old compilers
    public const ulong AtGnuAddrBase = 0x2133;     // DW_AT_GNU_addr_base (pre-standard split DWARF)
    public const ulong AtGnuRangesBase = 0x2132;   // DW_AT_GNU_ranges_base

    // Forms (DWARF 5 table 7.6, GNU extensions from dwarf2.def)
    public const ulong FormAddr = 0x01;
    public const ulong FormBlock2 = 0x03;
    public const ulong FormBlock4 = 0x04;
    public const ulong FormData2 = 0x05;
    public const ulong FormData4 = 0x06;
    public const ulong FormData8 = 0x07;
    public const ulong FormString = 0x08;
    public const ulong FormBlock = 0x09;
    public const ulong FormBlock1 = 0x0a;
    public const ulong FormData1 = 0x0b;
    public const ulong FormFlag = 0x0c;
    public const ulong FormSdata = 0x0d;
    public const ulong FormStrp = 0x0e;
    public const ulong FormUdata = 0x0f;
    public const ulong FormRefAddr = 0x10;
    public const ulong FormRef1 = 0x11;
    public const ulong FormRef2 = 0x12;
    public const ulong FormRef4 = 0x13;
    public const ulong FormRef8 = 0x14;
    public const ulong FormRefUdata = 0x15;
    public const ulong FormIndirect = 0x16;
    public const ulong FormSecOffset = 0x17;
    public const ulong FormExprloc = 0x18;
    public const ulong FormFlagPresent = 0x19;
    public const ulong FormStrx = 0x1a;
    public const ulong FormAddrx = 0x1b;
    public const ulong FormRefSup4 = 0x1c;
    public const ulong FormStrpSup = 0x1d;
    public const ulong FormData16 = 0x1e;
    public const ulong FormLineStrp = 0x1f;
    public const ulong FormRefSig8 = 0x20;
    public const ulong FormImplicitConst = 0x21;
    public const ulong FormLoclistx = 0x22;
    public const ulong FormRnglistx = 0x23;
    public const ulong FormRefSup8 = 0x24;
    public const ulong FormStrx1 = 0x25;
    public const ulong FormStrx2 = 0x26;
    public const ulong FormStrx3 = 0x27;
    public const ulong FormStrx4 = 0x28;
    public const ulong FormAddrx1 = 0x29;
    public const ulong FormAddrx2 = 0x2a;
    public const ulong FormAddrx3 = 0x2b;
    public const ulong FormAddrx4 = 0x2c;
    public const ulong FormGnuAddrIndex = 0x1f01;
    public const ulong FormGnuStrIndex = 0x1f02;
    public const ulong FormGnuRefAlt = 0x1f20;
    public const ulong FormGnuStrpAlt = 0x1f21;

    // Unit types (DWARF 5 table 7.2)
    public const byte UtCompile = 0x01;
    public const byte UtType = 0x02;
    public const byte UtPartial = 0x03;
    public const byte UtSkeleton = 0x04;
    public const byte UtSplitCompile = 0x05;
    public const byte UtSplitType = 0x06;

    // Line number program: standard opcodes (DWARF 5 table 7.25)
    public const byte LnsCopy = 1;
    public const byte LnsAdvancePc = 2;
    public const byte LnsAdvanceLine = 3;
    public const byte LnsSetFile = 4;
    public const byte LnsSetColumn = 5;
    public const byte LnsNegateStmt = 6;
    public const byte LnsSetBasicBlock = 7;
    public const byte LnsConstAddPc = 8;
    public const byte LnsFixedAdvancePc = 9;
    public const byte LnsSetPrologueEnd = 10;
    public const byte LnsSetEpilogueBegin = 11;
    public const byte LnsSetIsa = 12;
    // Extended opcodes (table 7.26)
    public const byte LneEndSequence = 1;
    public const byte LneSetAddress = 2;
    public const byte LneDefineFile = 3;
    public const byte LneSetDiscriminator = 4;
    // Line table content types (table 7.27)
    public const ulong LnctPath = 1;
    public const ulong LnctDirectoryIndex = 2;
    public const ulong LnctTimestamp = 3;
    public const ulong LnctSize = 4;
    public const ulong LnctMd5 = 5;

    // Range list entries (table 7.30)
    public const byte RleEndOfList = 0;
    public const byte RleBaseAddressx = 1;
    public const byte RleStartxEndx = 2;
    public const byte RleStartxLength = 3;
    public const byte RleOffsetPair = 4;
    public const byte RleBaseAddress = 5;
    public const byte RleStartEnd = 6;
    public const byte RleStartLength = 7;

    // Languages whose names are mangled (binutils dwarf2.c mangle_style: C++, Java, D, Rust, Swift, ObjC++ ...);
    // a DW_AT_name in any other language counts as a linkage name there.
    public static bool IsMangledLanguage(ulong lang) => lang switch
    {
        0x04 or 0x19 or 0x1a or 0x21 => true,   // DW_LANG_C_plus_plus, _03, _11, _14
        0x0b => true,                           // DW_LANG_Java
        0x13 => true,                           // DW_LANG_D
        0x1c => true,                           // DW_LANG_Rust
        0x1e => true,                           // DW_LANG_Swift
        0x11 => true,                           // DW_LANG_ObjC_plus_plus
        0x2a or 0x2b => true,                   // DW_LANG_C_plus_plus_17, _20 (DWARF 6 draft numbers GCC uses)
        _ => false,
    };
}
