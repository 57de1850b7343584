using System.Buffers.Binary;

namespace Stackweave.Merge.Unwind;

/// <summary>The only memory an unwinder may read: a sample's copy of the user stack, starting at address <see cref="Base"/>.</summary>
public readonly ref struct StackMemory(ReadOnlySpan<byte> bytes, ulong baseAddress)
{
    /// <summary>The copied bytes.</summary>
    public ReadOnlySpan<byte> Bytes { get; } = bytes;
    /// <summary>The address of the first byte (the stack pointer when the sample was taken).</summary>
    public ulong Base { get; } = baseAddress;

    /// <summary>Reads 8 bytes at <paramref name="address"/>; false when they are not all inside the copy.</summary>
    public bool TryRead(ulong address, out ulong value)
    {
        var off = address - Base;
        if (address < Base || off > (ulong)Bytes.Length || (ulong)Bytes.Length - off < 8) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt64LittleEndian(Bytes[(int)off..]);
        return true;
    }

    /// <summary>Reads <paramref name="size"/> (1, 2, 4 or 8) bytes, zero-extended.</summary>
    public bool TryRead(ulong address, int size, out ulong value)
    {
        var off = address - Base;
        if (address < Base || off > (ulong)Bytes.Length || (ulong)Bytes.Length - off < (ulong)size) { value = 0; return false; }
        var s = Bytes[(int)off..];
        value = size switch { 1 => s[0], 2 => BinaryPrimitives.ReadUInt16LittleEndian(s), 4 => BinaryPrimitives.ReadUInt32LittleEndian(s), _ => BinaryPrimitives.ReadUInt64LittleEndian(s) };
        return true;
    }
}

/// <summary>Evaluates the DWARF expressions CFI rules use (DWARF 5 §2.5): constants, register-relative addresses, arithmetic, deref, branches.</summary>
public static class DwarfExpression
{
    /// <summary>Most operations one evaluation may run (branches could otherwise loop forever).</summary>
    public const int MaxSteps = 10000;
    private const int MaxDepth = 64;

    /// <summary>
    /// Evaluates <paramref name="expr"/> with <paramref name="initial"/> pushed first when given (the CFA, for register
    /// rules). Registers come from <paramref name="regs"/> where bit i of <paramref name="valid"/> is set.
    /// Returns false when the expression needs memory outside the stack copy or an unknown register.
    /// </summary>
    public static bool TryEvaluate(ReadOnlySpan<byte> expr, ReadOnlySpan<ulong> regs, ulong valid, in StackMemory memory, ulong? initial, out ulong result)
    {
        Span<ulong> stack = stackalloc ulong[MaxDepth];
        var sp = 0;
        result = 0;
        if (initial is { } i0) stack[sp++] = i0;
        var c = new DwarfCursor(expr);
        var steps = 0;
        while (!c.AtEnd)
        {
            if (++steps > MaxSteps) throw new CfiException("DWARF expression runs too long");
            var op = c.U8();
            if (op >= DwarfConstants.OpLit0 && op <= DwarfConstants.OpLit31) { Push(stack, ref sp, (ulong)(op - DwarfConstants.OpLit0)); continue; }
            if (op >= DwarfConstants.OpBreg0 && op <= DwarfConstants.OpBreg31)
            {
                var off = c.Sleb();
                if (!Reg(regs, valid, op - DwarfConstants.OpBreg0, out var v)) return false;
                Push(stack, ref sp, v + (ulong)off);
                continue;
            }
            if (op >= DwarfConstants.OpReg0 && op <= DwarfConstants.OpReg31)
                throw new CfiException("DW_OP_reg in a CFI expression"); // a location description, not a value
            switch (op)
            {
                case DwarfConstants.OpAddr: Push(stack, ref sp, c.U64()); break;
                case DwarfConstants.OpConst1u: Push(stack, ref sp, c.U8()); break;
                case DwarfConstants.OpConst1s: Push(stack, ref sp, (ulong)(sbyte)c.U8()); break;
                case DwarfConstants.OpConst2u: Push(stack, ref sp, c.U16()); break;
                case DwarfConstants.OpConst2s: Push(stack, ref sp, (ulong)(short)c.U16()); break;
                case DwarfConstants.OpConst4u: Push(stack, ref sp, c.U32()); break;
                case DwarfConstants.OpConst4s: Push(stack, ref sp, (ulong)(int)c.U32()); break;
                case DwarfConstants.OpConst8u: case DwarfConstants.OpConst8s: Push(stack, ref sp, c.U64()); break;
                case DwarfConstants.OpConstu: Push(stack, ref sp, c.Uleb()); break;
                case DwarfConstants.OpConsts: Push(stack, ref sp, (ulong)c.Sleb()); break;
                case DwarfConstants.OpBregx:
                {
                    var r = c.Uleb();
                    var off = c.Sleb();
                    if (r > 63 || !Reg(regs, valid, (int)r, out var v)) return false;
                    Push(stack, ref sp, v + (ulong)off);
                    break;
                }
                case DwarfConstants.OpDup: Push(stack, ref sp, Peek(stack, sp, 0)); break;
                case DwarfConstants.OpDrop: Pop(stack, ref sp); break;
                case DwarfConstants.OpOver: Push(stack, ref sp, Peek(stack, sp, 1)); break;
                case DwarfConstants.OpPick: { var n = c.U8(); Push(stack, ref sp, Peek(stack, sp, n)); break; }
                case DwarfConstants.OpSwap: { var a = Pop(stack, ref sp); var b = Pop(stack, ref sp); Push(stack, ref sp, a); Push(stack, ref sp, b); break; }
                case DwarfConstants.OpRot:
                {
                    var a = Pop(stack, ref sp); var b = Pop(stack, ref sp); var d = Pop(stack, ref sp);
                    Push(stack, ref sp, a); Push(stack, ref sp, d); Push(stack, ref sp, b);
                    break;
                }
                case DwarfConstants.OpDeref:
                {
                    if (!memory.TryRead(Pop(stack, ref sp), out var v)) return false;
                    Push(stack, ref sp, v);
                    break;
                }
                case DwarfConstants.OpDerefSize:
                {
                    var size = c.U8();
                    if (size is not (1 or 2 or 4 or 8)) throw new CfiException("bad DW_OP_deref_size");
                    if (!memory.TryRead(Pop(stack, ref sp), size, out var v)) return false;
                    Push(stack, ref sp, v);
                    break;
                }
                case DwarfConstants.OpAbs: { var a = (long)Pop(stack, ref sp); Push(stack, ref sp, (ulong)(a < 0 ? -a : a)); break; }
                case DwarfConstants.OpNeg: Push(stack, ref sp, (ulong)-(long)Pop(stack, ref sp)); break;
                case DwarfConstants.OpNot: Push(stack, ref sp, ~Pop(stack, ref sp)); break;
                case DwarfConstants.OpPlusUconst: Push(stack, ref sp, Pop(stack, ref sp) + c.Uleb()); break;
                case DwarfConstants.OpAnd: case DwarfConstants.OpDiv: case DwarfConstants.OpMinus: case DwarfConstants.OpMod:
                case DwarfConstants.OpMul: case DwarfConstants.OpOr: case DwarfConstants.OpPlus: case DwarfConstants.OpShl:
                case DwarfConstants.OpShr: case DwarfConstants.OpShra: case DwarfConstants.OpXor: case DwarfConstants.OpEq:
                case DwarfConstants.OpGe: case DwarfConstants.OpGt: case DwarfConstants.OpLe: case DwarfConstants.OpLt: case DwarfConstants.OpNe:
                {
                    var b = Pop(stack, ref sp);
                    var a = Pop(stack, ref sp);
                    Push(stack, ref sp, Binary(op, a, b));
                    break;
                }
                case DwarfConstants.OpSkip: Jump(ref c, (short)c.U16()); break;
                case DwarfConstants.OpBra: { var off = (short)c.U16(); if (Pop(stack, ref sp) != 0) Jump(ref c, off); break; }
                case DwarfConstants.OpNop: break;
                default: throw new CfiException("unsupported DWARF operation 0x" + op.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        if (sp == 0) throw new CfiException("DWARF expression leaves an empty stack");
        result = stack[sp - 1];
        return true;
    }

    private static ulong Binary(byte op, ulong a, ulong b) => op switch
    {
        DwarfConstants.OpAnd => a & b,
        DwarfConstants.OpDiv => b == 0 ? throw new CfiException("division by zero") : (ulong)((long)b == -1 ? unchecked(-(long)a) : (long)a / (long)b),
        DwarfConstants.OpMinus => a - b,
        DwarfConstants.OpMod => b == 0 ? throw new CfiException("division by zero") : a % b,
        DwarfConstants.OpMul => a * b,
        DwarfConstants.OpOr => a | b,
        DwarfConstants.OpPlus => a + b,
        DwarfConstants.OpShl => b >= 64 ? 0 : a << (int)b,
        DwarfConstants.OpShr => b >= 64 ? 0 : a >> (int)b,
        DwarfConstants.OpShra => (ulong)((long)a >> (int)Math.Min(b, 63)),
        DwarfConstants.OpXor => a ^ b,
        DwarfConstants.OpEq => a == b ? 1UL : 0,
        DwarfConstants.OpGe => (long)a >= (long)b ? 1UL : 0,
        DwarfConstants.OpGt => (long)a > (long)b ? 1UL : 0,
        DwarfConstants.OpLe => (long)a <= (long)b ? 1UL : 0,
        DwarfConstants.OpLt => (long)a < (long)b ? 1UL : 0,
        _ => a != b ? 1UL : 0,
    };

    private static void Jump(ref DwarfCursor c, short off)
    {
        var target = c.Position + off;
        if (target < 0 || target > c.Length) throw new CfiException("DWARF branch out of the expression");
        c.Position = target;
    }

    private static bool Reg(ReadOnlySpan<ulong> regs, ulong valid, int r, out ulong v)
    {
        if (r < regs.Length && r < 64 && (valid & (1UL << r)) != 0) { v = regs[r]; return true; }
        v = 0;
        return false;
    }

    private static void Push(Span<ulong> stack, ref int sp, ulong v)
    {
        if (sp >= stack.Length) throw new CfiException("DWARF expression stack overflow");
        stack[sp++] = v;
    }

    private static ulong Pop(Span<ulong> stack, ref int sp) => sp == 0 ? throw new CfiException("DWARF expression stack underflow") : stack[--sp];

    private static ulong Peek(Span<ulong> stack, int sp, int depth) => depth >= sp ? throw new CfiException("DWARF expression stack underflow") : stack[sp - 1 - depth];
}
