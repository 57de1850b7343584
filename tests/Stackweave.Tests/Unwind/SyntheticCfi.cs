using System.Buffers.Binary;
using Stackweave.Merge.Unwind;

namespace Stackweave.Tests.Unwind;

/// <summary>A synthetic x86_64 function: its prologue's CFI and the frame it leaves on the stack.</summary>
public sealed record SynthFunction(ulong Start, bool UseRbp, int[] Pushed, int Locals, bool Root, bool ExpressionRules, bool CfaExpression, int Form)
{
    /// <summary>Bytes each synthetic function spans.</summary>
    public const ulong Size = 0x100;
    /// <summary>Offset of the function's body (past any prologue): a sampled pc, or a call whose return address is Body + 5.</summary>
    public const ulong BodyOffset = 0x40;
    /// <summary>The body's address.</summary>
    public ulong Body => Start + BodyOffset;
}

/// <summary>Writes .eh_frame (+ .eh_frame_hdr) and .debug_frame for synthetic functions, and builds the stacks they leave.</summary>
public static class SyntheticCfi
{
    private const int Rsp = 7, Rbp = 6, Rip = 16; // System V AMD64 psABI DWARF numbers

    private static void Uleb(List<byte> b, ulong v)
    {
        do { var x = (byte)(v & 0x7f); v >>= 7; if (v != 0) x |= 0x80; b.Add(x); } while (v != 0);
    }

    private static void Sleb(List<byte> b, long v)
    {
        while (true)
        {
            var x = (byte)(v & 0x7f);
            v >>= 7;
            if ((v == 0 && (x & 0x40) == 0) || (v == -1 && (x & 0x40) != 0)) { b.Add(x); return; }
            b.Add((byte)(x | 0x80));
        }
    }

    private static void U32(List<byte> b, uint v) { Span<byte> s = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(s, v); b.AddRange(s.ToArray()); }
    private static void U64(List<byte> b, ulong v) { Span<byte> s = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(s, v); b.AddRange(s.ToArray()); }

    /// <summary>The FDE instructions for <paramref name="f"/> (CIE: CFA = rsp+8, rip at CFA−8, data alignment −8).</summary>
    public static byte[] Program(SynthFunction f)
    {
        var b = new List<byte>();
        long cfaOff = 8;
        var depth = 1; // slots below the CFA in use: the return address
        if (f.Root) { b.Add(0x07); Uleb(b, Rip); } // DW_CFA_undefined rip: the outermost frame
        void DefCfaOffset()
        {
            if (f.CfaExpression)
            {
                // DW_CFA_def_cfa_expression { DW_OP_breg7 cfaOff }
                var e = new List<byte> { 0x77 };
                Sleb(e, cfaOff);
                b.Add(0x0f); Uleb(b, (ulong)e.Count); b.AddRange(e);
            }
            else if ((f.Form & 1) == 0) { b.Add(0x0e); Uleb(b, (ulong)cfaOff); }   // DW_CFA_def_cfa_offset
            else { b.Add(0x13); Sleb(b, -cfaOff / 8); }                               // DW_CFA_def_cfa_offset_sf (factored by −8)
        }
        void Saved(int reg, int slot)
        {
            if (f.ExpressionRules)
            {
                // DW_CFA_expression reg { DW_OP_consts −8·slot; DW_OP_plus } (the CFA is pushed first)
                var e = new List<byte> { 0x11 };
                Sleb(e, -8L * slot);
                e.Add(0x22);
                b.Add(0x10); Uleb(b, (ulong)reg); Uleb(b, (ulong)e.Count); b.AddRange(e);
            }
            else if ((f.Form & 2) == 0) { b.Add((byte)(0x80 | reg)); Uleb(b, (ulong)slot); }   // DW_CFA_offset
            else if ((f.Form & 4) == 0) { b.Add(0x05); Uleb(b, (ulong)reg); Uleb(b, (ulong)slot); } // DW_CFA_offset_extended
            else { b.Add(0x11); Uleb(b, (ulong)reg); Sleb(b, slot); }                          // DW_CFA_offset_extended_sf
        }
        if (f.CfaExpression) DefCfaOffset();
        if (f.UseRbp)
        {
            b.Add(0x41); // advance 1: push %rbp
            cfaOff = 16; depth++;
            DefCfaOffset();
            Saved(Rbp, depth);
            b.Add(0x43); // advance 3: mov %rsp,%rbp
            if (f.CfaExpression)
            {
                var e = new List<byte> { 0x76, 16 }; // DW_OP_breg6 16
                b.Add(0x0f); Uleb(b, (ulong)e.Count); b.AddRange(e);
            }
            else { b.Add(0x0d); Uleb(b, Rbp); } // DW_CFA_def_cfa_register rbp
        }
        foreach (var reg in f.Pushed)
        {
            b.Add(0x42); // advance 2: push %reg
            depth++;
            if (!f.UseRbp) { cfaOff += 8; DefCfaOffset(); }
            Saved(reg, depth);
        }
        if (f.Locals > 0)
        {
            b.Add(0x02); b.Add(4); // DW_CFA_advance_loc1 4: sub $n,%rsp
            if (!f.UseRbp) { cfaOff += 8L * f.Locals; DefCfaOffset(); }
        }
        // past the body: an epilogue that remembers, changes and restores the state (must not affect the body's row)
        b.Add(0x03); b.Add(0x50); b.Add(0); // DW_CFA_advance_loc2 0x50 → Start + ≥ 0x50
        b.Add(0x0a);                        // DW_CFA_remember_state
        b.Add(0x0c); Uleb(b, Rsp); Uleb(b, 8); // DW_CFA_def_cfa rsp+8
        b.Add(0x44);                        // advance 4
        b.Add(0x0b);                        // DW_CFA_restore_state
        b.Add(0x00);                        // DW_CFA_nop
        return [.. b];
    }

    private static void InitialInstructions(List<byte> b)
    {
        b.Add(0x0c); Uleb(b, Rsp); Uleb(b, 8); // DW_CFA_def_cfa rsp+8
        b.Add(0x80 | Rip); Uleb(b, 1);        // DW_CFA_offset rip, CFA−8
    }

    /// <summary>.eh_frame at <paramref name="address"/> (CIE "zR", pcrel|sdata4 FDE pointers) and its .eh_frame_hdr at <paramref name="hdrAddress"/>.</summary>
    public static (byte[] EhFrame, byte[] Hdr) EhFrame(IReadOnlyList<SynthFunction> fs, ulong address, ulong hdrAddress)
    {
        var w = new List<byte>();
        var cie = new List<byte>();
        U32(cie, 0);                       // CIE id
        cie.Add(1);                        // version
        cie.AddRange("zR\0"u8.ToArray());
        Uleb(cie, 1);                      // code alignment
        Sleb(cie, -8);                     // data alignment
        cie.Add(Rip);                      // return address column (u8 in version 1)
        Uleb(cie, 1);                      // augmentation data length
        cie.Add(0x1b);                     // R: DW_EH_PE_pcrel | DW_EH_PE_sdata4
        InitialInstructions(cie);
        U32(w, (uint)cie.Count);
        w.AddRange(cie);
        var index = new List<(ulong Start, int Offset)>();
        foreach (var f in fs)
        {
            var at = w.Count;
            var body = new List<byte>();
            U32(body, (uint)(at + 4));     // CIE pointer: from this field back to offset 0
            var field = address + (ulong)(at + 8);
            U32(body, (uint)(int)(long)(f.Start - field)); // pc_begin, pc-relative
            U32(body, (uint)SynthFunction.Size);           // pc_range
            Uleb(body, 0);                 // augmentation data length
            body.AddRange(Program(f));
            U32(w, (uint)body.Count);
            w.AddRange(body);
            index.Add((f.Start, at));
        }
        U32(w, 0); // terminator
        index.Sort((a, b) => a.Start.CompareTo(b.Start));
        var h = new List<byte> { 1, 0x1b, 0x03, 0x3b }; // version, eh_frame_ptr pcrel|sdata4, fde_count udata4, table datarel|sdata4
        U32(h, (uint)(int)(long)(address - (hdrAddress + 4)));
        U32(h, (uint)index.Count);
        foreach (var (start, off) in index)
        {
            U32(h, (uint)(int)(long)(start - hdrAddress));
            U32(h, (uint)(int)(long)(address + (ulong)off - hdrAddress));
        }
        return ([.. w], [.. h]);
    }

    /// <summary>.debug_frame with a CIE of <paramref name="version"/> (1, 3 or 4) and absolute 8-byte FDE addresses.</summary>
    public static byte[] DebugFrame(IReadOnlyList<SynthFunction> fs, int version)
    {
        var w = new List<byte>();
        var cie = new List<byte>();
        U32(cie, 0xffffffff);              // CIE id in .debug_frame
        cie.Add((byte)version);
        cie.Add(0);                        // augmentation ""
        if (version >= 4) { cie.Add(8); cie.Add(0); } // address_size, segment_selector_size
        Uleb(cie, 1);
        Sleb(cie, -8);
        if (version == 1) cie.Add(Rip); else Uleb(cie, Rip);
        InitialInstructions(cie);
        U32(w, (uint)cie.Count);
        w.AddRange(cie);
        foreach (var f in fs)
        {
            var body = new List<byte>();
            U32(body, 0);                  // CIE offset in the section
            U64(body, f.Start);
            U64(body, SynthFunction.Size);
            body.AddRange(Program(f));
            U32(w, (uint)body.Count);
            w.AddRange(body);
        }
        return [.. w];
    }

    /// <summary>A stack built by calling <paramref name="chain"/> (outermost first), and the registers at the leaf's body.</summary>
    public sealed class SynthStack
    {
        /// <summary>Stack bytes from <see cref="Sp"/> up.</summary>
        public required byte[] Bytes;
        /// <summary>The stack pointer at the sample.</summary>
        public ulong Sp;
        /// <summary>DWARF-numbered registers at the sample (rsp, rbp, callee-saved ones).</summary>
        public required ulong[] Regs;
        /// <summary>The frames an unwinder must find: the leaf's pc, then each caller's return address.</summary>
        public required List<ulong> Expected;
    }

    /// <summary>Lays out the frames <paramref name="chain"/> leaves (indices into <paramref name="fs"/>, root first).</summary>
    public static SynthStack Stack(IReadOnlyList<SynthFunction> fs, IReadOnlyList<int> chain, Random rng)
    {
        const ulong Top = 0x7ffd_0001_0000;
        var mem = new byte[0x10000];
        var regs = new ulong[17];
        for (var i = 0; i < regs.Length; i++) regs[i] = (ulong)rng.NextInt64();
        var sp = Top - 64;
        void Push(ulong v)
        {
            sp -= 8;
            BinaryPrimitives.WriteUInt64LittleEndian(mem.AsSpan((int)(sp - (Top - (ulong)mem.Length))), v);
        }
        var expected = new List<ulong>();
        for (var j = 0; j < chain.Count; j++)
        {
            var f = fs[chain[j]];
            Push(j == 0 ? (ulong)rng.NextInt64() : fs[chain[j - 1]].Body + 5); // the call's return address
            if (j > 0) expected.Add(fs[chain[j - 1]].Body + 5);
            if (f.UseRbp) { Push(regs[Rbp]); regs[Rbp] = sp; }
            foreach (var r in f.Pushed) { Push(regs[r]); regs[r] = (ulong)rng.NextInt64(); }
            for (var k = 0; k < f.Locals; k++) Push((ulong)rng.NextInt64());
        }
        expected.Add(fs[chain[^1]].Body);
        expected.Reverse();
        regs[Rsp] = sp;
        var start = (int)(sp - (Top - (ulong)mem.Length));
        return new SynthStack { Bytes = mem[start..], Sp = sp, Regs = regs, Expected = expected };
    }

    /// <summary>Resolves every pc of the synthetic text to one module (bias 0).</summary>
    public sealed class OneModule(UnwindModule module, ulong start, ulong end) : IUnwindModules
    {
        /// <inheritdoc/>
        public bool TryFind(ulong pc, out UnwindModule? m, out ulong bias)
        {
            bias = 0;
            m = pc >= start && pc < end ? module : null;
            return m is not null;
        }
    }
}
