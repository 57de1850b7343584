namespace Stackweave.Merge.Unwind;

/// <summary>How a register of the caller is recovered (DWARF 5 §6.4.1 register rules).</summary>
public enum RuleKind : byte
{
    /// <summary>No rule: the register keeps its value (callee-saved by convention).</summary>
    SameValue,
    /// <summary>The register has no recoverable value.</summary>
    Undefined,
    /// <summary>Saved at CFA + N.</summary>
    Offset,
    /// <summary>The value is CFA + N.</summary>
    ValOffset,
    /// <summary>The value is in another register.</summary>
    Register,
    /// <summary>Saved at the address a DWARF expression computes (CFA pushed first).</summary>
    Expression,
    /// <summary>The value is what a DWARF expression computes (CFA pushed first).</summary>
    ValExpression,
}

/// <summary>One register rule.</summary>
public readonly record struct RegisterRule(RuleKind Kind, long Value, byte[]? Expression = null);

/// <summary>The CFA rule and register rules in force from <see cref="Start"/> on (one row of the CFI table).</summary>
public sealed class CfiRow
{
    /// <summary>First pc (ELF address) the row applies to.</summary>
    public ulong Start;
    /// <summary>CFA = register <see cref="CfaRegister"/> + <see cref="CfaOffset"/>, unless <see cref="CfaExpression"/> is set.</summary>
    public int CfaRegister = -1;
    /// <summary>Offset added to the CFA register.</summary>
    public long CfaOffset;
    /// <summary>DW_CFA_def_cfa_expression: the CFA is this expression's value.</summary>
    public byte[]? CfaExpression;
    /// <summary>Rules by DWARF register number (columns past the array keep their values).</summary>
    public RegisterRule[] Rules;
    /// <summary>
    /// AArch64 RA_SIGN_STATE: the return address is signed with a pointer authentication code here (toggled by
    /// DW_CFA_AARCH64_negate_ra_state, 0x2d; ARM "DWARF for the Arm 64-bit Architecture" §4.4.2 and Table 5).
    /// </summary>
    public bool RaSigned;

    /// <summary>A row with every register at "same value".</summary>
    public CfiRow(int columns) => Rules = new RegisterRule[columns];

    /// <summary>A copy.</summary>
    public CfiRow Clone()
    {
        var r = new CfiRow(0) { Start = Start, CfaRegister = CfaRegister, CfaOffset = CfaOffset, CfaExpression = CfaExpression, RaSigned = RaSigned };
        r.Rules = (RegisterRule[])Rules.Clone();
        return r;
    }
}

/// <summary>An FDE's rows, sorted by start pc: the cached plan for unwinding any pc of one function.</summary>
public sealed class UnwindPlan(CfiRow[] rows, ulong end, int raColumn, bool isSignalFrame)
{
    /// <summary>The rows.</summary>
    public CfiRow[] Rows { get; } = rows;
    /// <summary>End of the FDE's range (exclusive).</summary>
    public ulong End { get; } = end;
    /// <summary>The CIE's return address column.</summary>
    public int RaColumn { get; } = raColumn;
    /// <summary>True for frames the CIE marks 'S' (signal trampolines: the caller's pc is exact, not a return address).</summary>
    public bool IsSignalFrame { get; } = isSignalFrame;

    /// <summary>The row for <paramref name="pc"/>, or null when the pc is before the first row.</summary>
    public CfiRow? RowFor(ulong pc)
    {
        int lo = 0, hi = Rows.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Rows[mid].Start <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
        }
        return found < 0 ? null : Rows[found];
    }
}

/// <summary>Runs CIE and FDE call frame instructions (DWARF 5 §6.4.2) into an <see cref="UnwindPlan"/>.</summary>
internal static class CfiProgram
{
    /// <summary>Deepest DW_CFA_remember_state nesting accepted (GCC emits one or two levels).</summary>
    private const int MaxStateStack = 64;

    public static UnwindPlan Run(byte[] section, in Fde fde, ulong sectionAddress, int columns)
    {
        var cie = fde.Cie;
        if (cie.Initial is null)
        {
            var init = new CfiRow(columns);
            var ignored = new List<CfiRow>();
            Execute(section, cie.InitialStart, cie.InitialEnd, cie, init, null, ignored, sectionAddress, ulong.MaxValue);
            cie.Initial = init;
        }
        var row = cie.Initial.Clone();
        row.Start = fde.PcBegin;
        var rows = new List<CfiRow>();
        var last = Execute(section, fde.InstrStart, fde.InstrEnd, cie, row, cie.Initial, rows, sectionAddress, fde.PcEnd);
        rows.Add(last);
        return new UnwindPlan([.. rows], fde.PcEnd, cie.RaColumn, cie.IsSignalFrame);
    }

    /// <summary>Executes instructions; each location advance closes the current row into <paramref name="rows"/>. Returns the open row.</summary>
    private static CfiRow Execute(byte[] section, int start, int end, Cie cie, CfiRow row, CfiRow? initial, List<CfiRow> rows, ulong sectionAddress, ulong pcEnd)
    {
        var c = new DwarfCursor(section.AsSpan(0, end), start);
        Stack<CfiRow>? saved = null;
        var columns = row.Rules.Length;
        while (!c.AtEnd)
        {
            var op = c.U8();
            var high = op & 0xc0;
            ulong reg;
            if (high == DwarfConstants.CfaAdvanceLoc) { Advance(ref row, rows, (ulong)(op & 0x3f) * cie.CodeAlign); continue; }
            if (high == DwarfConstants.CfaOffset)
            {
                Set(row, (ulong)(op & 0x3f), new RegisterRule(RuleKind.Offset, (long)c.Uleb() * cie.DataAlign));
                continue;
            }
            if (high == DwarfConstants.CfaRestore) { Restore(row, initial, (ulong)(op & 0x3f)); continue; }
            switch (op)
            {
                case DwarfConstants.CfaNop: break;
                case DwarfConstants.CfaSetLoc:
                {
                    var loc = c.Encoded(cie.FdeEncoding, sectionAddress, 0, cie.AddressSize);
                    if (loc < row.Start) throw new CfiException("DW_CFA_set_loc goes backwards");
                    Advance(ref row, rows, loc - row.Start);
                    break;
                }
                case DwarfConstants.CfaAdvanceLoc1: Advance(ref row, rows, c.U8() * cie.CodeAlign); break;
                case DwarfConstants.CfaAdvanceLoc2: Advance(ref row, rows, c.U16() * cie.CodeAlign); break;
                case DwarfConstants.CfaAdvanceLoc4: Advance(ref row, rows, c.U32() * cie.CodeAlign); break;
                case DwarfConstants.CfaMipsAdvanceLoc8: Advance(ref row, rows, c.U64() * cie.CodeAlign); break;
                case DwarfConstants.CfaOffsetExtended:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.Offset, (long)c.Uleb() * cie.DataAlign));
                    break;
                case DwarfConstants.CfaOffsetExtendedSf:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.Offset, c.Sleb() * cie.DataAlign));
                    break;
                case DwarfConstants.CfaGnuNegativeOffsetExtended:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.Offset, -(long)c.Uleb() * cie.DataAlign));
                    break;
                case DwarfConstants.CfaValOffset:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.ValOffset, (long)c.Uleb() * cie.DataAlign));
                    break;
                case DwarfConstants.CfaValOffsetSf:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.ValOffset, c.Sleb() * cie.DataAlign));
                    break;
                case DwarfConstants.CfaRestoreExtended: Restore(row, initial, c.Uleb()); break;
                case DwarfConstants.CfaUndefined: Set(row, c.Uleb(), new RegisterRule(RuleKind.Undefined, 0)); break;
                case DwarfConstants.CfaSameValue: Set(row, c.Uleb(), new RegisterRule(RuleKind.SameValue, 0)); break;
                case DwarfConstants.CfaRegister:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.Register, (long)Math.Min(c.Uleb(), int.MaxValue)));
                    break;
                case DwarfConstants.CfaRememberState:
                    saved ??= new Stack<CfiRow>();
                    if (saved.Count >= MaxStateStack) throw new CfiException("DW_CFA_remember_state nested too deep");
                    saved.Push(row.Clone());
                    break;
                case DwarfConstants.CfaRestoreState:
                {
                    if (saved is null || saved.Count == 0) throw new CfiException("DW_CFA_restore_state without remember_state");
                    var s = saved.Pop();
                    // the location stays; rules (CFA included) come back
                    s.Start = row.Start;
                    row = s;
                    break;
                }
                case DwarfConstants.CfaDefCfa:
                    row.CfaRegister = RegisterNumber(c.Uleb());
                    row.CfaOffset = (long)c.Uleb();
                    row.CfaExpression = null;
                    break;
                case DwarfConstants.CfaDefCfaSf:
                    row.CfaRegister = RegisterNumber(c.Uleb());
                    row.CfaOffset = c.Sleb() * cie.DataAlign;
                    row.CfaExpression = null;
                    break;
                case DwarfConstants.CfaDefCfaRegister:
                    row.CfaRegister = RegisterNumber(c.Uleb());
                    row.CfaExpression = null;
                    break;
                case DwarfConstants.CfaDefCfaOffset: row.CfaOffset = (long)c.Uleb(); break;
                case DwarfConstants.CfaDefCfaOffsetSf: row.CfaOffset = c.Sleb() * cie.DataAlign; break;
                case DwarfConstants.CfaDefCfaExpression: row.CfaExpression = Block(ref c); break;
                case DwarfConstants.CfaExpression:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.Expression, 0, Block(ref c)));
                    break;
                case DwarfConstants.CfaValExpression:
                    reg = c.Uleb();
                    Set(row, reg, new RegisterRule(RuleKind.ValExpression, 0, Block(ref c)));
                    break;
                case DwarfConstants.CfaGnuArgsSize: c.Uleb(); break;
                // AArch64 negate_ra_state shares the opcode of SPARC's window_save; no SPARC unwinding here, so it is always the former
                case DwarfConstants.CfaGnuWindowSave: row.RaSigned = !row.RaSigned; break;
                default: throw new CfiException("unknown CFA instruction 0x" + op.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        _ = columns;
        _ = pcEnd;
        return row;
    }

    private static int RegisterNumber(ulong reg) => reg > 1024 ? throw new CfiException("register number out of range") : (int)reg;

    private static byte[] Block(ref DwarfCursor c)
    {
        var n = c.Uleb();
        if (n > int.MaxValue) throw new CfiException("expression too long");
        return c.Bytes((int)n).ToArray();
    }

    private static void Advance(ref CfiRow row, List<CfiRow> rows, ulong delta)
    {
        if (delta == 0) return;
        if (row.Start + delta < row.Start) throw new CfiException("location overflow");
        var next = row.Clone();
        next.Start = row.Start + delta;
        rows.Add(row);
        row = next;
    }

    private static void Set(CfiRow row, ulong reg, RegisterRule rule)
    {
        if (reg < (ulong)row.Rules.Length) row.Rules[reg] = rule;
        else if (reg > 1024) throw new CfiException("register number out of range");
        // registers past the tracked columns (vector registers) are never needed to find callers
    }

    private static void Restore(CfiRow row, CfiRow? initial, ulong reg)
    {
        if (reg >= (ulong)row.Rules.Length) return;
        row.Rules[reg] = initial is null ? default : initial.Rules[reg];
    }
}
