namespace Stackweave.Merge.Unwind;

/// <summary>Why a walk ended.</summary>
public enum UnwindStop
{
    /// <summary>The outermost frame's CFI says its return address is undefined (<c>_start</c>, Go's <c>runtime.goexit</c>): a whole stack.</summary>
    Outermost,
    /// <summary>A return address of 0: the end of the chain by convention.</summary>
    ZeroReturnAddress,
    /// <summary>The next frame lies beyond the copied stack bytes: the stack is truncated.</summary>
    EndOfStackCopy,
    /// <summary>An address the frame needs lies below the stack copy, or a register it needs was never recovered.</summary>
    MissingData,
    /// <summary>The pc lies in no mapping of the process.</summary>
    NoMapping,
    /// <summary>No CFI covers the pc and the frame pointer led nowhere.</summary>
    NoCfi,
    /// <summary>The frame limit was reached.</summary>
    FrameLimit,
    /// <summary>The stack pointer did not move up: the walk would loop.</summary>
    NoProgress,
    /// <summary>The CFI covering the pc is malformed.</summary>
    BadCfi,
}

/// <summary>Finds the unwind module of a process address.</summary>
public interface IUnwindModules
{
    /// <summary>
    /// True when a mapping holds <paramref name="pc"/>; <paramref name="module"/> is its CFI (null: none, frame pointers
    /// only) and <paramref name="bias"/> what to subtract from a process address to get the ELF address.
    /// </summary>
    bool TryFind(ulong pc, out UnwindModule? module, out ulong bias);

    /// <summary>True when <paramref name="pc"/> lies in the process's vdso mapping (where the AArch64 signal trampoline lives).</summary>
    bool IsVdso(ulong pc) => false;
}

/// <summary>What one or more walks met besides ordinary frames.</summary>
public sealed class UnwindCounters
{
    /// <summary>Signal frames stepped through at an AArch64 sigreturn trampoline found by its code bytes.</summary>
    public long SignalFrames { get; set; }
    /// <summary>Signal frames stepped through at a vdso address with no vdso image, recognised by the rt_sigframe on the stack.</summary>
    public long SignalFramesFromStack { get; set; }
    /// <summary>Return addresses that carried a pointer authentication code (stripped).</summary>
    public long SignedReturnAddresses { get; set; }
}

/// <summary>Walks one stack frame by frame with CFI, reading memory only from the stack copy.</summary>
public static class StackWalker
{
    /// <summary>
    /// Unwinds from the registers <paramref name="regs"/> (DWARF-numbered, <paramref name="valid"/> bit per register) and
    /// <paramref name="pc"/>; appends the pc and then each caller's return address to <paramref name="frames"/>.
    /// <paramref name="framePointerFrames"/> counts frames found by the frame-pointer fallback. With
    /// <paramref name="callSites"/>, a return address is appended as address − 1 (inside the call instruction), as perf's
    /// unwinders record it (util/unwind-libunwind-local.c and unwind-libdw.c decrement every non-signal caller pc).
    /// </summary>
    /// <remarks>
    /// AArch64: a pc at the signal return trampoline (its code bytes in the binary, or a vdso address without an image
    /// whose stack holds a kernel signal frame) is a frame of its own, recorded at its exact address; the interrupted
    /// registers come from the rt_sigframe at sp and the interrupted pc is exact. Return addresses in rows CFI marks as
    /// signed (pointer authentication) are stripped.
    /// </remarks>
    public static UnwindStop Walk(UnwindArch arch, Span<ulong> regs, ulong valid, ulong pc, in StackMemory memory, IUnwindModules modules,
        List<ulong> frames, int maxFrames, out int framePointerFrames, bool callSites = false, UnwindCounters? counters = null)
    {
        framePointerFrames = 0;
        Span<ulong> next = stackalloc ulong[arch.Columns];
        var exact = true; // the sampled pc is the instruction itself; callers' are return addresses (look up at pc − 1)
        var keptSp = false; // the last step left sp where it was
        frames.Add(pc);
        while (true)
        {
            if (frames.Count >= maxFrames) return UnwindStop.FrameLimit;
            if (arch.HasSigreturnTrampoline && IsSigreturn(pc, regs[arch.SpColumn], memory, modules, out var fromStack))
            {
                // the handler "returned" here: the trampoline is no call site, so its frame is its own address
                if (callSites && !exact) frames[^1] = pc;
                var frameSp = regs[arch.SpColumn];
                if (!Aarch64SignalFrame.TryRestore(memory, frameSp, regs, out var interrupted))
                    return frameSp >= memory.Base ? UnwindStop.EndOfStackCopy : UnwindStop.MissingData;
                valid = (1UL << 32) - 1; // x0–x30 and sp
                if (counters is not null)
                {
                    if (fromStack) counters.SignalFramesFromStack++;
                    else counters.SignalFrames++;
                }
                if (interrupted == 0) return UnwindStop.ZeroReturnAddress;
                pc = interrupted;
                exact = true;
                keptSp = false;
                frames.Add(pc);
                continue;
            }
            var lookup = exact ? pc : pc - 1;
            if (!modules.TryFind(lookup, out var module, out var bias)) return UnwindStop.NoMapping;
            CfiRow? row = null;
            UnwindPlan? plan = null;
            if (module is not null)
            {
                try { (row, plan) = module.Find(lookup - bias); }
                catch (CfiException) { return UnwindStop.BadCfi; }
            }
            // x86_64's return-address column is rip: expressions (PLT CFI: DW_OP_breg16) read the frame's own pc there
            if (arch.PcInRaColumn) { regs[arch.DefaultRaColumn] = pc; valid |= 1UL << arch.DefaultRaColumn; }
            var sp = regs[arch.SpColumn];
            ulong ra, cfa;
            ulong nextValid;
            var signal = false;
            if (row is null || plan is null)
            {
                // No FDE: frame pointers (x86_64: [rbp] = caller's rbp, [rbp+8] = return address; AArch64: [x29], [x29+8] = lr).
                if ((valid & (1UL << arch.FpColumn)) == 0) return UnwindStop.NoCfi;
                var fp = regs[arch.FpColumn];
                if (!memory.TryRead(fp, out var callerFp) || !memory.TryRead(fp + 8, out ra))
                    return fp >= memory.Base && fp - memory.Base < 0x1000_0000 ? UnwindStop.EndOfStackCopy : UnwindStop.NoCfi;
                // no CFI says whether the saved lr is signed; a user code address never has bits above the VA size
                if (arch.HasPointerAuth && arch.StripPointerAuth(ra) != ra) { ra = arch.StripPointerAuth(ra); if (counters is not null) counters.SignedReturnAddresses++; }
                cfa = fp + 16;
                regs.CopyTo(next);
                next[arch.FpColumn] = callerFp;
                nextValid = valid;
                framePointerFrames++;
                if (module is not null) module.FramePointerFrames++;
            }
            else
            {
                try
                {
                    if (row.CfaExpression is { } ce)
                    {
                        if (!DwarfExpression.TryEvaluate(ce, regs, valid, memory, null, out cfa)) return UnwindStop.MissingData;
                    }
                    else
                    {
                        var r = row.CfaRegister;
                        if (r < 0 || r >= regs.Length || (valid & (1UL << r)) == 0) return UnwindStop.MissingData;
                        cfa = regs[r] + (ulong)row.CfaOffset;
                    }
                    regs.CopyTo(next);
                    nextValid = valid;
                    var raColumn = plan.RaColumn;
                    var raFound = false;
                    ra = 0;
                    var rules = row.Rules;
                    for (var c = 0; c < rules.Length && c < next.Length; c++)
                    {
                        var rule = rules[c];
                        if (rule.Kind == RuleKind.SameValue) continue;
                        if (rule.Kind == RuleKind.Undefined)
                        {
                            if (c == raColumn) return UnwindStop.Outermost;
                            nextValid &= ~(1UL << c);
                            continue;
                        }
                        if (TryRecover(rule, cfa, regs, valid, memory, out var v, out var beyond))
                        {
                            next[c] = v;
                            nextValid |= 1UL << c;
                        }
                        else
                        {
                            if (c == raColumn) return beyond ? UnwindStop.EndOfStackCopy : UnwindStop.MissingData;
                            nextValid &= ~(1UL << c);
                        }
                    }
                    if (raColumn < next.Length && (nextValid & (1UL << raColumn)) != 0) { ra = next[raColumn]; raFound = true; }
                    if (raFound && row.RaSigned && arch.HasPointerAuth)
                    {
                        // DW_CFA_AARCH64_negate_ra_state: the return address carries a PAC; the caller runs at the stripped address
                        var stripped = arch.StripPointerAuth(ra);
                        if (stripped != ra && counters is not null) counters.SignedReturnAddresses++;
                        ra = stripped;
                        next[raColumn] = ra;
                    }
                    if (!raFound) return raColumn < next.Length ? UnwindStop.MissingData : UnwindStop.BadCfi;
                    signal = plan.IsSignalFrame;
                    // the caller's stack pointer is the CFA unless a rule says otherwise (signal frames restore it)
                    if (rules.Length <= arch.SpColumn || rules[arch.SpColumn].Kind == RuleKind.SameValue) next[arch.SpColumn] = cfa;
                }
                catch (CfiException) { return UnwindStop.BadCfi; }
            }
            if (row is null) next[arch.SpColumn] = cfa;
            nextValid |= 1UL << arch.SpColumn;
            if (ra == 0) return UnwindStop.ZeroReturnAddress;
            var nextSp = next[arch.SpColumn];
            // The stack grows down: a caller's frame lies above its callee's (signal frames may jump; the frame limit bounds
            // them). Where the return address lives in a register (AArch64 x30), a frame that has not yet moved sp (a leaf, a
            // function at its entry) shares its caller's sp — once: its caller made a call, so it saved x30 and has a frame.
            if (!signal && (nextSp < sp || (nextSp == sp && (arch.PcInRaColumn || keptSp)))) return UnwindStop.NoProgress;
            keptSp = nextSp == sp;
            next.CopyTo(regs);
            valid = nextValid;
            pc = ra;
            exact = signal;
            frames.Add(callSites && !exact ? pc - 1 : pc);
        }
    }

    /// <summary>AArch64: true when <paramref name="pc"/> is a signal return trampoline (see <see cref="Aarch64SignalFrame"/>).</summary>
    private static bool IsSigreturn(ulong pc, ulong sp, in StackMemory memory, IUnwindModules modules, out bool fromStack)
    {
        fromStack = false;
        if (!modules.TryFind(pc, out var module, out var bias)) return false;
        if (module is { HasCode: true }) return module.IsSigreturnTrampoline(pc - bias);
        // no code to look at: only a vdso address can be the kernel's trampoline, and only if the kernel's frame is there
        if (!modules.IsVdso(pc) || !Aarch64SignalFrame.LooksLikeFrame(memory, sp)) return false;
        if (!memory.TryRead(sp + Aarch64SignalFrame.PcOffset, out var interrupted) || !modules.TryFind(interrupted, out _, out _)) return false;
        fromStack = true;
        return true;
    }

    private static bool TryRecover(RegisterRule rule, ulong cfa, ReadOnlySpan<ulong> regs, ulong valid, in StackMemory memory, out ulong value, out bool beyond)
    {
        beyond = false;
        value = 0;
        switch (rule.Kind)
        {
            case RuleKind.Offset:
            {
                var at = cfa + (ulong)rule.Value;
                if (memory.TryRead(at, out value)) return true;
                beyond = at >= memory.Base;
                return false;
            }
            case RuleKind.ValOffset:
                value = cfa + (ulong)rule.Value;
                return true;
            case RuleKind.Register:
            {
                var r = (int)rule.Value;
                if (r < 0 || r >= regs.Length || (valid & (1UL << r)) == 0) return false;
                value = regs[r];
                return true;
            }
            case RuleKind.Expression:
            {
                if (!DwarfExpression.TryEvaluate(rule.Expression, regs, valid, memory, cfa, out var at)) return false;
                if (memory.TryRead(at, out value)) return true;
                beyond = at >= memory.Base;
                return false;
            }
            case RuleKind.ValExpression:
                return DwarfExpression.TryEvaluate(rule.Expression, regs, valid, memory, cfa, out value);
            default:
                return false;
        }
    }
}
