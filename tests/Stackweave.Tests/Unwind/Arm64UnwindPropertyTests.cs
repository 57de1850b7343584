using FsCheck.Xunit;
using Stackweave.Merge.Unwind;

namespace Stackweave.Tests.Unwind;

/// <summary>
/// Issue 10 points 2 and 6 on aarch64, over the real binaries and stops of testdata/arm64: any PAC, a signal planted on
/// top of any real stop, and random stacks. The walks use the test program's and its libraries' real CFI.
/// </summary>
public class Arm64UnwindPropertyTests
{
    private static readonly Lazy<List<Arm64Snapshot>> s_plain = new(() => Arm64Snapshots.Load("nopac"));
    private static readonly Lazy<List<Arm64Snapshot>> s_signed = new(() => Arm64Snapshots.Load("pac"));
    private static readonly Lazy<Arm64Modules> s_withVdso = new(() => new Arm64Modules(s_plain.Value, true));
    private static readonly Lazy<Arm64Modules> s_withoutVdso = new(() => new Arm64Modules(s_plain.Value, false));

    private static (UnwindStop Stop, List<ulong> Frames, UnwindCounters Counters) Walk(ulong[] x, ulong sp, ulong pc, byte[] stack, bool vdsoImage, int maxFrames = 256)
    {
        var regs = new ulong[UnwindArch.Aarch64.Columns];
        x.AsSpan(0, 31).CopyTo(regs);
        regs[31] = sp;
        var frames = new List<ulong>();
        var counters = new UnwindCounters();
        var stop = StackWalker.Walk(UnwindArch.Aarch64, regs, (1UL << 32) - 1, pc, new StackMemory(stack, sp),
            vdsoImage ? s_withVdso.Value : s_withoutVdso.Value, frames, maxFrames, out _, callSites: true, counters);
        return (stop, frames, counters);
    }

    /// <summary>Whatever PAC the signed words carry (bits 63..48), the walk finds gdb's frames.</summary>
    [Property(MaxTest = 100)]
    public void AnyPointerAuthCodeIsStripped(int seed, bool vdsoImage)
    {
        var rng = new Random(seed);
        var i = rng.Next(s_plain.Value.Count);
        var plain = s_plain.Value[i];
        var signed = s_signed.Value[i];
        var stack = (byte[])signed.Stack.Clone();
        var x = (ulong[])signed.Regs.Clone();
        ulong Resign(ulong v) => UnwindArch.Aarch64.StripPointerAuth(v) | ((ulong)rng.Next(1, 1 << 16) << 48);
        for (var o = 0; o + 8 <= stack.Length; o += 8)
        {
            var a = BitConverter.ToUInt64(plain.Stack, o);
            var b = BitConverter.ToUInt64(stack, o);
            if (a != b && a == UnwindArch.Aarch64.StripPointerAuth(b)) BitConverter.TryWriteBytes(stack.AsSpan(o), Resign(b));
        }
        if (x[30] != plain.Regs[30]) x[30] = Resign(x[30]);
        var (stop, frames, _) = Walk(x, signed.Sp, signed.Pc, stack, vdsoImage);
        Assert.Equal(Arm64Snapshots.Expected(plain), frames);
        Assert.Equal(UnwindStop.Outermost, stop);
    }

    /// <summary>
    /// A signal planted on any real stop: the kernel's rt_sigframe (siginfo, ucontext with the stop's registers in its
    /// sigcontext) below the stop's stack and the handler returned to the trampoline. The walk goes through the trampoline
    /// to gdb's frames of the stop, with the vdso image (code bytes) or without (the frame on the stack).
    /// </summary>
    [Property(MaxTest = 200)]
    public void PlantedSignalFramesLeadBackToTheInterruptedStack(int seed, bool vdsoImage)
    {
        var rng = new Random(seed);
        var stopped = s_plain.Value[rng.Next(s_plain.Value.Count)];
        var frameSize = 16 * rng.Next(37, 300); // at least sigcontext's end (pstate at 576 + 8), as big as a real frame (~4.7 KiB)
        var frameSp = stopped.Sp - (ulong)frameSize;
        var stack = new byte[frameSize + stopped.Stack.Length];
        rng.NextBytes(stack.AsSpan(0, frameSize));
        stopped.Stack.CopyTo(stack, frameSize);
        BitConverter.TryWriteBytes(stack.AsSpan(0), rng.Next(1, 65)); // si_signo
        BitConverter.TryWriteBytes(stack.AsSpan(128), 0UL); // uc_flags
        BitConverter.TryWriteBytes(stack.AsSpan(136), 0UL); // uc_link
        for (var r = 0; r < 31; r++) BitConverter.TryWriteBytes(stack.AsSpan(Aarch64SignalFrame.RegsOffset + r * 8), stopped.Regs[r]);
        BitConverter.TryWriteBytes(stack.AsSpan(Aarch64SignalFrame.SpOffset), stopped.Sp);
        BitConverter.TryWriteBytes(stack.AsSpan(Aarch64SignalFrame.PcOffset), stopped.Pc);
        BitConverter.TryWriteBytes(stack.AsSpan(Aarch64SignalFrame.PstateOffset), (ulong)rng.Next(16) << 28); // NZCV flags, EL0t
        var x = new ulong[31];
        for (var r = 0; r < 31; r++) x[r] = (ulong)rng.NextInt64();
        var modules = vdsoImage ? s_withVdso.Value : s_withoutVdso.Value;
        var (stop, frames, counters) = Walk(x, frameSp, modules.Trampoline, stack, vdsoImage);
        Assert.Equal([modules.Trampoline, .. Arm64Snapshots.Expected(stopped)], frames);
        Assert.Equal(UnwindStop.Outermost, stop);
        // the planted signal, and the real one when the stop was itself inside a handler
        var signals = 1 + stopped.Backtrace.Count(f => f.Type == "sigtramp");
        Assert.Equal(signals, vdsoImage ? counters.SignalFrames : counters.SignalFramesFromStack);
    }

    /// <summary>Random stack bytes and registers, from a real pc, the trampoline or anywhere: the walk ends, within its limit.</summary>
    [Property(MaxTest = 300)]
    public void RandomStacksNeverCrashOrLoop(int seed, bool vdsoImage, byte where)
    {
        var rng = new Random(seed);
        var s = s_plain.Value[rng.Next(s_plain.Value.Count)];
        var stack = (byte[])s.Stack.Clone();
        var from = rng.Next(stack.Length);
        rng.NextBytes(stack.AsSpan(from));
        var x = (ulong[])s.Regs.Clone();
        for (var r = 0; r < 31; r++) if (rng.Next(3) == 0) x[r] = (ulong)rng.NextInt64();
        var modules = vdsoImage ? s_withVdso.Value : s_withoutVdso.Value;
        var pc = (where % 3) switch { 0 => s.Pc, 1 => modules.Trampoline, _ => (ulong)rng.NextInt64() };
        var (_, frames, _) = Walk(x, s.Sp, pc, stack, vdsoImage, 64);
        Assert.InRange(frames.Count, 1, 64);
    }
}
