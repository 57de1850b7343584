namespace Stackweave.Merge.Unwind;

/// <summary>
/// The AArch64 Linux signal return trampoline and the frame the kernel leaves on the stack for it. The handler returns
/// into <c>__kernel_rt_sigreturn</c> (arch/arm64/kernel/vdso/sigreturn.S: <c>mov x8, #__NR_rt_sigreturn; svc #0</c>);
/// kernels since 5.13 give it no CFI at all (the directives are commented out there) and older ones only a frame-record
/// rule that does not restore sp, so unwinders recognise it by its two instructions and read every register back from
/// the <c>struct rt_sigframe</c> at sp, as GDB (aarch64-linux-tdep.c), libgcc (aarch64/linux-unwind.h) and libunwind do.
/// qemu-user's own trampoline page holds the same two instructions (linux-user/aarch64/signal.c).
/// </summary>
public static class Aarch64SignalFrame
{
    /// <summary>The trampoline's bytes: <c>mov x8, #139</c> (0xd2801168; __NR_rt_sigreturn = 139 in include/uapi/asm-generic/unistd.h) then <c>svc #0</c> (0xd4000001), little-endian.</summary>
    public static ReadOnlySpan<byte> Trampoline => [0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4];

    // struct rt_sigframe { struct siginfo info; struct ucontext uc; } (arch/arm64/kernel/signal.c): siginfo is 128 bytes
    // (include/uapi/asm-generic/siginfo.h SI_MAX_SIZE); struct ucontext (arch/arm64/include/uapi/asm/ucontext.h) is
    // uc_flags 8, uc_link 8, uc_stack 24, uc_sigmask 8, __unused[120], then uc_mcontext aligned to 16 → offset 176;
    // struct sigcontext (arch/arm64/include/uapi/asm/sigcontext.h) is fault_address, regs[31], sp, pc, pstate.
    private const int UcontextOffset = 128;
    private const int SigcontextOffset = UcontextOffset + 176;
    /// <summary>Offset of sigcontext.regs[0] from the frame (the stack pointer at the trampoline).</summary>
    public const int RegsOffset = SigcontextOffset + 8;
    /// <summary>Offset of sigcontext.sp.</summary>
    public const int SpOffset = RegsOffset + 31 * 8;
    /// <summary>Offset of sigcontext.pc.</summary>
    public const int PcOffset = SpOffset + 8;
    /// <summary>Offset of sigcontext.pstate.</summary>
    public const int PstateOffset = PcOffset + 8;

    /// <summary>True when <paramref name="code"/> starts with the trampoline's two instructions.</summary>
    public static bool IsTrampoline(ReadOnlySpan<byte> code) => code.Length >= 8 && code[..8].SequenceEqual(Trampoline);

    /// <summary>Where the trampoline's bytes occur (4-byte aligned offsets) in a block of code.</summary>
    public static void FindTrampolines(ReadOnlySpan<byte> code, ulong address, List<ulong> found)
    {
        var at = 0;
        while (at < code.Length)
        {
            var i = code[at..].IndexOf(Trampoline);
            if (i < 0) break;
            var off = at + i;
            if (((address + (ulong)off) & 3) == 0) found.Add(address + (ulong)off); // A64 instructions are 4-byte aligned
            at = off + 1;
        }
    }

    /// <summary>
    /// Restores the interrupted registers from the rt_sigframe at <paramref name="sp"/>: x0–x30 into DWARF columns 0–30,
    /// sp into 31, and the interrupted pc. False when the frame lies outside the stack copy.
    /// </summary>
    public static bool TryRestore(in StackMemory memory, ulong sp, Span<ulong> regs, out ulong pc)
    {
        pc = 0;
        for (var i = 0; i < 31; i++)
            if (!memory.TryRead(sp + RegsOffset + (ulong)i * 8, out regs[i])) return false;
        if (!memory.TryRead(sp + SpOffset, out regs[31])) return false;
        return memory.TryRead(sp + PcOffset, out pc);
    }

    /// <summary>
    /// Without the trampoline's code (no vdso image): whether the stack at <paramref name="sp"/> holds a frame the kernel
    /// set up — si_signo 1–64, uc_flags and uc_link 0 (setup_rt_frame writes both as 0), pstate of EL0t in AArch64
    /// state (PSR_MODE_EL0t = 0, PSR_MODE32_BIT = 0x10), a 16-byte-aligned interrupted sp (SCTLR_EL1.SA0 makes any other
    /// fault) and a non-zero pc. The caller checks that pc lies in a mapping.
    /// </summary>
    public static bool LooksLikeFrame(in StackMemory memory, ulong sp)
    {
        if (!memory.TryRead(sp, 4, out var signo) || signo is 0 or > 64) return false; // _NSIG = 64 (include/uapi/asm-generic/signal.h)
        if (!memory.TryRead(sp + UcontextOffset, out var flags) || flags != 0) return false;
        if (!memory.TryRead(sp + UcontextOffset + 8, out var link) || link != 0) return false;
        if (!memory.TryRead(sp + PstateOffset, out var pstate) || (pstate & 0x1f) != 0) return false;
        if (!memory.TryRead(sp + SpOffset, out var oldSp) || (oldSp & 15) != 0 || oldSp == 0) return false;
        return memory.TryRead(sp + PcOffset, out var pc) && pc != 0;
    }
}
