namespace Stackweave.Merge.Unwind;

/// <summary>DWARF call frame constants (DWARF 5 §6.4.2 and §7.24, LSB Core §10.5 for DW_EH_PE_*, GNU extensions from binutils' include/dwarf2.def).</summary>
internal static class DwarfConstants
{
    // DW_EH_PE_* pointer encodings (LSB Core 5.0 §10.5.1)
    public const byte PeAbsptr = 0x00, PeUleb128 = 0x01, PeUdata2 = 0x02, PeUdata4 = 0x03, PeUdata8 = 0x04;
    public const byte PeSleb128 = 0x09, PeSdata2 = 0x0a, PeSdata4 = 0x0b, PeSdata8 = 0x0c;
    public const byte PePcrel = 0x10, PeTextrel = 0x20, PeDatarel = 0x30, PeFuncrel = 0x40, PeAligned = 0x50;
    public const byte PeIndirect = 0x80, PeOmit = 0xff;

    // DW_CFA_* (DWARF 5 Table 7.29); the top two bits carry advance_loc, offset, restore
    public const byte CfaAdvanceLoc = 0x40, CfaOffset = 0x80, CfaRestore = 0xc0;
    public const byte CfaNop = 0x00, CfaSetLoc = 0x01, CfaAdvanceLoc1 = 0x02, CfaAdvanceLoc2 = 0x03, CfaAdvanceLoc4 = 0x04;
    public const byte CfaOffsetExtended = 0x05, CfaRestoreExtended = 0x06, CfaUndefined = 0x07, CfaSameValue = 0x08;
    public const byte CfaRegister = 0x09, CfaRememberState = 0x0a, CfaRestoreState = 0x0b, CfaDefCfa = 0x0c;
    public const byte CfaDefCfaRegister = 0x0d, CfaDefCfaOffset = 0x0e, CfaDefCfaExpression = 0x0f, CfaExpression = 0x10;
    public const byte CfaOffsetExtendedSf = 0x11, CfaDefCfaSf = 0x12, CfaDefCfaOffsetSf = 0x13, CfaValOffset = 0x14;
    public const byte CfaValOffsetSf = 0x15, CfaValExpression = 0x16;
    // GNU/vendor extensions (binutils include/dwarf2.def)
    public const byte CfaMipsAdvanceLoc8 = 0x1d, CfaGnuWindowSave = 0x2d, CfaGnuArgsSize = 0x2e, CfaGnuNegativeOffsetExtended = 0x2f;

    // DW_OP_* (DWARF 5 Table 7.9)
    public const byte OpAddr = 0x03, OpDeref = 0x06, OpConst1u = 0x08, OpConst1s = 0x09, OpConst2u = 0x0a, OpConst2s = 0x0b;
    public const byte OpConst4u = 0x0c, OpConst4s = 0x0d, OpConst8u = 0x0e, OpConst8s = 0x0f, OpConstu = 0x10, OpConsts = 0x11;
    public const byte OpDup = 0x12, OpDrop = 0x13, OpOver = 0x14, OpPick = 0x15, OpSwap = 0x16, OpRot = 0x17;
    public const byte OpAbs = 0x19, OpAnd = 0x1a, OpDiv = 0x1b, OpMinus = 0x1c, OpMod = 0x1d, OpMul = 0x1e, OpNeg = 0x1f;
    public const byte OpNot = 0x20, OpOr = 0x21, OpPlus = 0x22, OpPlusUconst = 0x23, OpShl = 0x24, OpShr = 0x25, OpShra = 0x26;
    public const byte OpXor = 0x27, OpBra = 0x28, OpEq = 0x29, OpGe = 0x2a, OpGt = 0x2b, OpLe = 0x2c, OpLt = 0x2d, OpNe = 0x2e;
    public const byte OpSkip = 0x2f, OpLit0 = 0x30, OpLit31 = 0x4f, OpReg0 = 0x50, OpReg31 = 0x6f, OpBreg0 = 0x70, OpBreg31 = 0x8f;
    public const byte OpRegx = 0x90, OpBregx = 0x92, OpDerefSize = 0x94, OpNop = 0x96;
}
